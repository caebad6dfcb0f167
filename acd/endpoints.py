"""ACD API: agent states (own and, for supervisors, anyone's), live agents and queues, skills."""
from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends

from access.permissions import Permission
from access.principal import Principal
from acd import service
from acd.events import AcdNotifier, AgentStateChanged
from acd.queues import QUEUES
from acd.schemas import AgentOut, QueueOut, SkillsRequest, StateRequest
from acd.store import AcdStore
from audit.service import record
from events.bus import EventBus
from web.deps import IdPath, RedisDep, ResourcesDep, SessionDep, UnitOfWorkDep, require

router = APIRouter(prefix="/acd", tags=["acd"])
Self = Annotated[Principal, Depends(require(Permission.ACD_SELF))]
Manager = Annotated[Principal, Depends(require(Permission.ACD_MANAGE))]
Viewer = Annotated[Principal, Depends(require(Permission.STATS_READ))]


async def _publish(resources_redis, settings_channel: str, agent) -> None:
    """agent.state to the seat's own desktop (acd.events.AcdNotifier)."""
    await AcdNotifier(EventBus(resources_redis, settings_channel)).agent_state_changed(AgentStateChanged.of(agent))


@router.put("/agents/me/state", response_model=AgentOut)
async def set_my_state(body: StateRequest, session: SessionDep, redis: RedisDep, principal: Self,
                       resources: ResourcesDep) -> AgentOut:
    """The signed-in agent (or expert seat) goes ready, not ready (with a reason) or logs out."""
    user = await service.seat_user(session, principal.user_id)
    agent = await service.set_state(session, AcdStore(redis), user=user, state=body.state, reason=body.reason)
    await _publish(redis, resources.settings.redis.events_channel, agent)
    return service.agent_view(user, agent.skills, agent, time.time())


@router.put("/agents/{user_id}/state", response_model=AgentOut)
async def set_agent_state(user_id: IdPath, body: StateRequest, session: SessionDep, redis: RedisDep,
                          principal: Manager, resources: ResourcesDep, uow: UnitOfWorkDep) -> AgentOut:
    """A supervisor sets the state of a seat in their scope (e.g. logs out an agent who left)."""
    user = await service.seat_user(session, user_id, scope=principal.scope)
    agent = await service.set_state(session, AcdStore(redis), user=user, state=body.state, reason=body.reason)
    await record(session, action="agent_state_set", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="agent", resource_id=user_id, detail={"state": body.state, "reason": body.reason})
    uow.after_commit(lambda: _publish(redis, resources.settings.redis.events_channel, agent))
    return service.agent_view(user, agent.skills, agent, time.time())


@router.get("/agents/me", response_model=AgentOut)
async def my_state(session: SessionDep, redis: RedisDep, principal: Self) -> AgentOut:
    """The signed-in seat's live state."""
    user = await service.seat_user(session, principal.user_id)
    return service.agent_view(user, await service.skills_of(session, user.id),
                              await AcdStore(redis).get_agent(user.id), time.time())


@router.get("/agents", response_model=list[AgentOut])
async def list_agents(session: SessionDep, redis: RedisDep, principal: Viewer) -> list[AgentOut]:
    """Every seat in one's organisation scope with its live state (supervisors, unit leaders)."""
    return await service.list_agents(session, AcdStore(redis), scope=principal.scope)


@router.get("/queues", response_model=list[QueueOut])
async def list_queues(redis: RedisDep, _: Viewer) -> list[QueueOut]:
    """Every queue: callers waiting, longest wait, agents available and busy."""
    return await service.list_queues(AcdStore(redis))


@router.put("/agents/{user_id}/skills", response_model=list[str])
async def set_skills(user_id: IdPath, body: SkillsRequest, session: SessionDep, redis: RedisDep,
                     principal: Manager) -> list[str]:
    """Which queues a seat of one's scope serves (skills are queue names: general, enterprise, expert:<domain>)."""
    user = await service.seat_user(session, user_id, scope=principal.scope, need_extension=False)
    skills = await service.replace_skills(session, AcdStore(redis), user=user, skills=body.skills)
    await record(session, action="agent_skills_set", actor_id=principal.user_id, actor_username=principal.username,
                 resource_type="agent", resource_id=user_id, detail={"skills": sorted(skills)})
    return sorted(skills)


@router.get("/queue-names", response_model=dict[str, str])
async def queue_names(_: Self) -> dict[str, str]:
    """Queue names and their Chinese labels (for transfer pickers)."""
    return {q.name: q.display_name for q in QUEUES.values()}
