"""ACD operations for the API: agent state changes, live agent and queue views, skills."""
from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from access.scope import Scope
from acd import states
from acd.queues import ENTERPRISE, GENERAL, QUEUES, expert_queue, is_queue
from acd.routing import is_available
from acd.schemas import AgentOut, QueueOut
from acd.store import AcdStore, AgentRecord
from core.errors import Conflict, NotFound, Unprocessable
from models import AgentSkill, OrgUnit, User

SEAT_ROLES = ("agent", "expert")
# demo seed: who serves which queue (agents 1004/1005 also take enterprise matters)
ENTERPRISE_EXTENSIONS = ("1004", "1005")


async def skills_of(session: AsyncSession, user_id: int) -> frozenset[str]:
    rows = await session.scalars(select(AgentSkill.skill).where(AgentSkill.user_id == user_id))
    return frozenset(rows.all())


async def seat_user(session: AsyncSession, user_id: int, *, scope: Scope | None = None,
                    need_extension: bool = True) -> User:
    """The seat user_id; with scope (a supervisor acting on someone else's seat), only a seat of
    that scope: a city centre's supervisors manage their region's seats, not the province's."""
    user = await session.get(User, user_id)
    if user is None or user.role not in SEAT_ROLES or not user.active:  # a disabled seat takes no calls
        raise NotFound(f"坐席 {user_id} 不存在 (no such agent)")
    if scope is not None and not scope.everything:
        unit = await session.get(OrgUnit, user.org_unit_id)
        if unit is None or not (scope.covers_region(unit.region_code) or scope.covers_unit(unit.id)):
            raise NotFound(f"坐席 {user_id} 不存在 (no such agent)")
    if not need_extension:
        return user
    if not user.extension:
        raise Conflict("该账号没有分机，不能接听电话 (account has no extension)")
    return user


async def set_state(session: AsyncSession, store: AcdStore, *, user: User, state: str,
                    reason: str | None) -> AgentRecord:
    """Apply a state request for a seat (profile and skills refreshed from the database)."""
    if not user.extension:
        raise Conflict("该账号没有分机，不能接听电话 (account has no extension)")
    if state == states.NOT_READY and not reason:
        reason = "示忙"
    skills = await skills_of(session, user.id)
    if not skills:  # never configured: the defaults of the role and unit
        skills = frozenset(default_skills(user, await session.get(OrgUnit, user.org_unit_id)))
    await store.upsert_profile(user_id=user.id, username=user.username, display_name=user.display_name,
                               extension=user.extension, skills=skills)
    record = await store.request_state(user.id, state, reason or "", time.time())
    await store.wake("agent state")
    return record


def agent_view(user: User, skills: frozenset[str], record: AgentRecord | None, now: float) -> AgentOut:
    if record is None:
        return AgentOut(user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                        extension=user.extension, skills=sorted(skills), state=states.LOGGED_OUT)
    st = states.effective(record.state, now)
    return AgentOut(user_id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                    extension=user.extension, skills=sorted(record.skills or skills), state=st.state,
                    reason=st.reason, since=st.since or None, call_id=record.call_id,
                    wrap_up_until=st.wrap_until if st.state == states.WRAP_UP else None,
                    pending_state=st.pending_state)


async def list_agents(session: AsyncSession, store: AcdStore, *, scope: Scope) -> list[AgentOut]:
    """Every seat (agents and experts) inside scope with its live state."""
    users = (await session.scalars(select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                                   .where(User.role.in_(SEAT_ROLES), User.active.is_(True),
                                          scope.org_clause(OrgUnit.region_code, OrgUnit.id))
                                   .order_by(User.extension, User.id))).all()
    skill_rows = (await session.execute(select(AgentSkill.user_id, AgentSkill.skill))).all()
    skills: dict[int, set[str]] = {}
    for user_id, skill in skill_rows:
        skills.setdefault(user_id, set()).add(skill)
    live = {a.user_id: a for a in await store.agents()}
    now = time.time()
    return [agent_view(u, frozenset(skills.get(u.id, ())), live.get(u.id), now) for u in users]


async def list_queues(store: AcdStore) -> list[QueueOut]:
    """Live figures per queue: waiting callers, longest wait, available and busy agents."""
    now = time.time()
    calls = await store.waiting_calls()
    agents = await store.agents()
    out = []
    for queue in QUEUES.values():
        waiting = [c for c in calls if c.queue == queue.name and c.state in ("waiting", "offered")]
        serving = [a for a in agents if queue.skill in a.skills]
        out.append(QueueOut(
            name=queue.name, display_name=queue.display_name, waiting=len(waiting),
            longest_wait_seconds=round(max((now - c.entered_at for c in waiting), default=0.0), 1),
            agents_available=sum(1 for a in serving if is_available(a.snapshot(), now)),
            agents_busy=sum(1 for a in serving if a.state.state in states.BUSY)))
    return out


async def replace_skills(session: AsyncSession, store: AcdStore, *, user: User, skills: list[str]) -> frozenset[str]:
    """Set a seat's skills (each a queue name)."""
    unknown = [s for s in skills if not is_queue(s)]
    if unknown:
        raise Unprocessable(f"未知技能/队列 (unknown skills): {', '.join(unknown)}")
    await session.execute(delete(AgentSkill).where(AgentSkill.user_id == user.id))
    for skill in sorted(set(skills)):
        session.add(AgentSkill(user_id=user.id, skill=skill))
    await session.flush()
    record = await store.get_agent(user.id)
    if record is not None:
        await store.upsert_profile(user_id=user.id, username=user.username, display_name=user.display_name,
                                   extension=user.extension or "", skills=frozenset(skills))
    return frozenset(skills)


def default_skills(user: User, unit: OrgUnit | None) -> set[str]:
    """Demo/default skills: agents take general (and some enterprise) calls; experts take
    the expert queues of their unit's duty domains."""
    if user.role == "agent":
        return {GENERAL, ENTERPRISE} if user.extension in ENTERPRISE_EXTENSIONS else {GENERAL}
    if user.role == "expert" and unit is not None:
        return {expert_queue(d) for d in unit.domains if is_queue(expert_queue(d))}
    return set()


async def seed_default_skills(session: AsyncSession, settings=None) -> int:
    """Give seats without any skill their default skills (a seed hook; idempotent)."""
    have = set((await session.scalars(select(AgentSkill.user_id).distinct())).all())
    users = (await session.scalars(select(User).where(User.role.in_(SEAT_ROLES)))).all()
    made = 0
    for user in users:
        if user.id in have:
            continue
        unit = await session.get(OrgUnit, user.org_unit_id)
        for skill in sorted(default_skills(user, unit)):
            session.add(AgentSkill(user_id=user.id, skill=skill))
            made += 1
    await session.flush()
    return made
