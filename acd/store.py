"""Live ACD state in Redis, shared by every ARI worker and API process of a centre.

Keys (prefix `hotline:acd`):
  agent:{user_id}  hash: profile (username, extension, skills) + state fields + version
  agents           set of user ids not logged out
  call:{call_id}   hash: a call waiting for / offered to / talking with an agent
  waiting          set of call ids in a queue (waiting or offered)
  epoch            a random token set by the first snapshot after the keys were lost (Redis
                   restarted or flushed): a changed epoch tells each worker to put its
                   waiting callers back
Offers are atomic Lua scripts (an agent is never offered two calls, a call never two agents,
whatever the number of workers racing); manual state changes are versioned compare-and-set
writes of the pure acd.states transitions.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from redis.asyncio import Redis

from acd import states
from acd.routing import AgentSnapshot, WaitingCall
from acd.states import AgentState

PREFIX = "hotline:acd"
WAKEUP_CHANNEL = "hotline:acd:wakeup"  # pub/sub: "something changed, dispatch now"

# Offer `call` to `agent` if the agent is available and the call still waits: 1, 0 (agent not
# available) or -1 (call no longer waiting). One script claims one pair (_CLAIM: KEYS agent
# hash, call hash; ARGV now, offer_until, call_id, user_id) or many in one round trip
# (_CLAIM_MANY: KEYS agent1, call1, agent2, call2 …; ARGV now, offer_until, call1, user1, …),
# each pair atomically checked and taken.
_CLAIM_FN = """
local function claim(agent, call, now_s, until_s, call_id, user_id)
  local st = redis.call('HGET', agent, 'state')
  local now = tonumber(now_s)
  local idle = redis.call('HGET', agent, 'idle_since')
  if st == 'wrap_up' then
    local wu = tonumber(redis.call('HGET', agent, 'wrap_until') or '')
    if wu == nil or wu > now then return 0 end
    idle = tostring(wu)
  elseif st ~= 'ready' then
    return 0
  end
  if redis.call('HGET', call, 'state') ~= 'waiting' then return -1 end
  redis.call('HSET', agent, 'state', 'ringing', 'reason', '', 'since', now_s, 'idle_since', idle,
             'wrap_until', '', 'call_id', call_id, 'offer_until', until_s, 'pending_state', '', 'pending_reason', '')
  redis.call('HINCRBY', agent, 'version', 1)
  redis.call('HSET', call, 'state', 'offered', 'agent_id', user_id)
  return 1
end
"""
_CLAIM = _CLAIM_FN + "return claim(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])\n"
_CLAIM_MANY = _CLAIM_FN + """
local out = {}
for i = 1, #KEYS / 2 do
  out[i] = claim(KEYS[2 * i - 1], KEYS[2 * i], ARGV[1], ARGV[2], ARGV[1 + 2 * i], ARGV[2 + 2 * i])
end
return out
"""

# The offer of call ARGV[2] to the agent ended without an answer.
# ARGV: now, call_id, user_id, outcome (no_answer | unreachable | cancelled), reason.
# no_answer/unreachable: the agent becomes not_ready; cancelled (the caller left, the
# worker gave up): the agent's pending request or ready again, idle time kept.
_OFFER_FAILED = """
if redis.call('HGET', KEYS[1], 'call_id') == ARGV[2] and redis.call('HGET', KEYS[1], 'state') == 'ringing' then
  local outcome = ARGV[4]
  local pending = redis.call('HGET', KEYS[1], 'pending_state') or ''
  if outcome == 'cancelled' and pending == '' then
    redis.call('HSET', KEYS[1], 'state', 'ready', 'reason', '', 'since', ARGV[1])
  elseif outcome == 'cancelled' then
    redis.call('HSET', KEYS[1], 'state', pending, 'reason', redis.call('HGET', KEYS[1], 'pending_reason') or '',
               'since', ARGV[1], 'idle_since', ARGV[1])
    if pending == 'logged_out' then redis.call('SREM', KEYS[3], ARGV[3]) end
  else
    redis.call('HSET', KEYS[1], 'state', 'not_ready', 'reason', ARGV[5], 'since', ARGV[1], 'idle_since', ARGV[1])
  end
  redis.call('HSET', KEYS[1], 'call_id', '', 'offer_until', '', 'pending_state', '', 'pending_reason', '')
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
if redis.call('HGET', KEYS[2], 'agent_id') == ARGV[3] and redis.call('HGET', KEYS[2], 'state') == 'offered' then
  redis.call('HSET', KEYS[2], 'state', 'waiting', 'agent_id', '')
  local ex = redis.call('HGET', KEYS[2], 'excluded') or ''
  redis.call('HSET', KEYS[2], 'excluded', ex .. ARGV[3] .. ',')
end
return 1
"""

# The agent answered: agent on_call, call out of the queue. ARGV: now, call_id, user_id.
_ANSWERED = """
if redis.call('HGET', KEYS[1], 'call_id') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'ringing' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'on_call', 'since', ARGV[1], 'offer_until', '')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[2], 'state', 'bridged', 'agent_id', ARGV[3])
redis.call('SREM', KEYS[3], ARGV[2])
return 1
"""

# The whole centre in one round trip: every waiting call, every agent not logged out, and
# the epoch (set to ARGV[3] if missing). KEYS: waiting set, agents set, epoch;
# ARGV: call key prefix, agent key prefix, candidate epoch.
_SNAPSHOT_BODY = """
redis.call('SET', KEYS[3], ARGV[3], 'NX')
local calls, agents = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  calls[#calls + 1] = redis.call('HGETALL', ARGV[1] .. id)
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  agents[#agents + 1] = redis.call('HGETALL', ARGV[2] .. id)
end
return {calls, agents, redis.call('GET', KEYS[3])}
"""
_SNAPSHOT = _SNAPSHOT_BODY
# A call into its queue, then the snapshot, in one round trip (a new call's first planning
# round). KEYS as _SNAPSHOT plus the call's hash; ARGV as _SNAPSHOT plus the call id and the
# hash's field/value pairs.
_ENTER = """
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
redis.call('SADD', KEYS[1], ARGV[4])
""" + _SNAPSHOT_BODY

# Versioned write: apply field/value pairs if the hash's version is still ARGV[1].
_CAS = """
local v = redis.call('HGET', KEYS[1], 'version') or '0'
if v ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
"""

# Take (or keep) a call directly for an agent who is not in the ACD's hands (transfer target):
# the agent must be logged out, ready, not ready or wrap-up. ARGV: now, call_id.
_SEIZE = """
local st = redis.call('HGET', KEYS[1], 'state')
if st == 'ringing' or st == 'on_call' then return 0 end
if st == false then return 2 end
redis.call('HSET', KEYS[1], 'state', 'ringing', 'since', ARGV[1], 'call_id', ARGV[2], 'offer_until', '',
           'prior_state', st, 'prior_reason', redis.call('HGET', KEYS[1], 'reason') or '')
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
"""


def _pairs(flat: list[str]) -> dict[str, str]:
    """An HGETALL reply as returned inside a Lua table: [field, value, field, value …]."""
    return dict(zip(flat[::2], flat[1::2], strict=False))


def _num(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


@dataclass
class AgentRecord:
    user_id: int
    username: str = ""
    display_name: str = ""
    extension: str = ""
    skills: frozenset[str] = field(default_factory=frozenset)
    state: AgentState = field(default_factory=lambda: AgentState(states.LOGGED_OUT))
    call_id: int | None = None
    offer_until: float | None = None
    version: int = 0

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> AgentRecord:
        st = AgentState(
            state=data.get("state") or states.LOGGED_OUT, reason=data.get("reason", ""),
            since=_num(data.get("since")) or 0.0, idle_since=_num(data.get("idle_since")) or 0.0,
            wrap_until=_num(data.get("wrap_until")), pending_state=data.get("pending_state", ""),
            pending_reason=data.get("pending_reason", ""))
        call = data.get("call_id")
        return cls(user_id=int(data["user_id"]), username=data.get("username", ""),
                   display_name=data.get("display_name", ""), extension=data.get("extension", ""),
                   skills=frozenset(s for s in data.get("skills", "").split(",") if s), state=st,
                   call_id=int(call) if call else None, offer_until=_num(data.get("offer_until")),
                   version=int(data.get("version") or 0))

    def snapshot(self) -> AgentSnapshot:
        return AgentSnapshot(self.user_id, self.state.state, self.skills, self.state.idle_since,
                             self.state.wrap_until)


@dataclass
class QueuedCall:
    call_id: int
    queue: str
    entered_at: float
    app: str
    caller_number: str = ""
    urgent: bool = False
    state: str = "waiting"
    agent_id: int | None = None
    excluded: frozenset[int] = field(default_factory=frozenset)
    # the caller's key in the voice menu: the screen pop shows it before the call's record
    # has it (the record is written off the ring path)
    menu_choice: str = ""

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> QueuedCall:
        return cls(call_id=int(data["call_id"]), queue=data.get("queue", ""),
                   entered_at=float(data.get("entered_at") or 0), app=data.get("app", ""),
                   caller_number=data.get("caller_number", ""), urgent=data.get("urgent") == "1",
                   state=data.get("state", "waiting"),
                   agent_id=int(data["agent_id"]) if data.get("agent_id") else None,
                   excluded=frozenset(int(x) for x in data.get("excluded", "").split(",") if x),
                   menu_choice=data.get("menu_choice", ""))

    def waiting(self) -> WaitingCall:
        return WaitingCall(self.call_id, self.queue, self.entered_at, self.urgent, self.state, self.excluded)


@dataclass
class Snapshot:
    calls: list[QueuedCall]
    agents: list[AgentRecord]
    epoch: str  # changes only when Redis lost the ACD's keys


def _call_fields(call: QueuedCall) -> dict[str, str]:
    return {"call_id": str(call.call_id), "queue": call.queue, "entered_at": repr(call.entered_at),
            "app": call.app, "caller_number": call.caller_number, "urgent": "1" if call.urgent else "0",
            "state": "waiting", "agent_id": "", "excluded": ",".join(str(x) for x in sorted(call.excluded)),
            "menu_choice": call.menu_choice}


def _state_fields(st: AgentState) -> dict[str, str]:
    return {"state": st.state, "reason": st.reason, "since": repr(st.since), "idle_since": repr(st.idle_since),
            "wrap_until": "" if st.wrap_until is None else repr(st.wrap_until),
            "pending_state": st.pending_state, "pending_reason": st.pending_reason}


class AcdStore:
    """Typed access to the ACD keys; every multi-key change is one atomic script."""

    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix
        self._claim = redis.register_script(_CLAIM)
        self._claim_many = redis.register_script(_CLAIM_MANY)
        self._offer_failed = redis.register_script(_OFFER_FAILED)
        self._answered = redis.register_script(_ANSWERED)
        self._cas = redis.register_script(_CAS)
        self._seize = redis.register_script(_SEIZE)
        self._snapshot = redis.register_script(_SNAPSHOT)
        self._enter = redis.register_script(_ENTER)
        # snapshot rows parsed before, by their raw fields: an unchanged agent or call is not
        # parsed again (the dispatcher reads the whole centre at every wake-up)
        self._parsed: dict[tuple[str, ...], AgentRecord | QueuedCall] = {}

    # ---------------------------------------------------------------- keys
    def agent_key(self, user_id: int) -> str:
        return f"{self.prefix}:agent:{user_id}"

    def call_key(self, call_id: int) -> str:
        return f"{self.prefix}:call:{call_id}"

    @property
    def agents_key(self) -> str:
        return f"{self.prefix}:agents"

    @property
    def waiting_key(self) -> str:
        return f"{self.prefix}:waiting"

    @property
    def epoch_key(self) -> str:
        return f"{self.prefix}:epoch"

    # ---------------------------------------------------------------- agents
    async def upsert_profile(self, *, user_id: int, username: str, display_name: str, extension: str,
                             skills: frozenset[str]) -> None:
        """Write who the agent is (keeps the state)."""
        await self.redis.hset(self.agent_key(user_id), mapping={
            "user_id": str(user_id), "username": username, "display_name": display_name,
            "extension": extension, "skills": ",".join(sorted(skills))})

    async def get_agent(self, user_id: int) -> AgentRecord | None:
        data = await self.redis.hgetall(self.agent_key(user_id))
        return AgentRecord.from_hash(data) if data.get("user_id") else None

    async def agents(self) -> list[AgentRecord]:
        """Every agent not logged out."""
        ids = sorted(int(x) for x in await self.redis.smembers(self.agents_key))
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id in ids:
                pipe.hgetall(self.agent_key(user_id))
            rows = await pipe.execute()
        return [AgentRecord.from_hash(r) for r in rows if r.get("user_id")]

    async def agent_by_extension(self, extension: str) -> AgentRecord | None:
        return next((a for a in await self.agents() if a.extension == extension), None)

    async def request_state(self, user_id: int, wanted: str, reason: str, now: float,
                            attempts: int = 20) -> AgentRecord:
        """Apply a manual state request atomically (compare-and-set on the version)."""
        for _ in range(attempts):
            agent = await self.get_agent(user_id)
            if agent is None:
                raise KeyError(user_id)
            new = states.request(agent.state, wanted, reason, now)
            if await self._write_state(agent, new):
                await self._track_membership(user_id, new.state)
                return await self.get_agent(user_id)  # type: ignore[return-value]
        raise RuntimeError(f"agent {user_id}: state kept changing under us")

    async def _write_state(self, agent: AgentRecord, new: AgentState, **extra: str) -> bool:
        fields = {**_state_fields(new), **extra}
        args = [str(agent.version)] + [x for kv in fields.items() for x in kv]
        return bool(await self._cas(keys=[self.agent_key(agent.user_id)], args=args))

    async def _track_membership(self, user_id: int, state: str) -> None:
        if state == states.LOGGED_OUT:
            await self.redis.srem(self.agents_key, str(user_id))
        else:
            await self.redis.sadd(self.agents_key, str(user_id))

    async def call_ended(self, user_id: int, call_id: int, now: float, wrap_up_seconds: float) -> AgentRecord | None:
        """The agent's call is over: wrap-up (or the pending request). No-op if not theirs."""
        for _ in range(20):
            agent = await self.get_agent(user_id)
            if agent is None or agent.call_id != call_id or agent.state.state not in states.BUSY:
                return agent
            new = states.after_call(agent.state, now, wrap_up_seconds)
            if await self._write_state(agent, new, call_id="", offer_until="", prior_state="", prior_reason=""):
                await self._track_membership(user_id, new.state)
                return await self.get_agent(user_id)
        raise RuntimeError(f"agent {user_id}: state kept changing under us")

    async def release_seized(self, user_id: int, call_id: int, now: float) -> None:
        """A directly dialled agent (transfer target) did not take the call: back as before."""
        for _ in range(20):
            data = await self.redis.hgetall(self.agent_key(user_id))
            if not data or data.get("call_id") != str(call_id) or data.get("state") not in states.BUSY:
                return
            agent = AgentRecord.from_hash(data)
            prior = data.get("prior_state") or states.READY
            new = AgentState(prior, reason=data.get("prior_reason", ""), since=now,
                             idle_since=agent.state.idle_since)
            if await self._write_state(agent, new, call_id="", offer_until="", prior_state="", prior_reason=""):
                await self._track_membership(user_id, new.state)
                return

    # ---------------------------------------------------------------- offers
    async def claim(self, *, call_id: int, user_id: int, now: float, offer_until: float) -> int:
        """Atomically offer call to agent: 1 done, 0 agent not available, -1 call not waiting."""
        return int(await self._claim(keys=[self.agent_key(user_id), self.call_key(call_id)],
                                     args=[repr(now), repr(offer_until), str(call_id), str(user_id)]))

    async def claim_many(self, pairs: list[tuple[int, int]], *, now: float, offer_until: float) -> list[int]:
        """claim() for each (call_id, user_id), in order, in one round trip."""
        if not pairs:
            return []
        keys = [k for call_id, user_id in pairs for k in (self.agent_key(user_id), self.call_key(call_id))]
        args = [repr(now), repr(offer_until)] + [str(x) for pair in pairs for x in pair]
        return [int(r) for r in await self._claim_many(keys=keys, args=args)]

    async def seize(self, *, user_id: int, call_id: int, now: float) -> int:
        """Mark a known agent busy with a call dialled directly: 1 seized, 2 not an ACD agent, 0 busy."""
        return int(await self._seize(keys=[self.agent_key(user_id)], args=[repr(now), str(call_id)]))

    async def offer_failed(self, *, call_id: int, user_id: int, now: float, outcome: str, reason: str = "") -> None:
        """The agent did not take the call: agent per outcome, call waits again."""
        await self._offer_failed(keys=[self.agent_key(user_id), self.call_key(call_id), self.agents_key],
                                 args=[repr(now), str(call_id), str(user_id), outcome, reason])

    async def answered(self, *, call_id: int, user_id: int, now: float) -> bool:
        """The agent answered: on_call; the call leaves the queue."""
        return bool(await self._answered(keys=[self.agent_key(user_id), self.call_key(call_id), self.waiting_key],
                                         args=[repr(now), str(call_id), str(user_id)]))

    # ---------------------------------------------------------------- calls
    async def enqueue(self, call: QueuedCall) -> None:
        """Put a call in its queue (or back into it, keeping its entry time); one round trip."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.call_key(call.call_id), mapping=_call_fields(call))
            pipe.sadd(self.waiting_key, str(call.call_id))
            await pipe.execute()

    async def enter(self, call: QueuedCall) -> Snapshot:
        """enqueue() and then snapshot(), atomically, in one round trip."""
        fields = [x for kv in _call_fields(call).items() for x in kv]
        return self._view(*await self._enter(
            keys=[self.waiting_key, self.agents_key, self.epoch_key, self.call_key(call.call_id)],
            args=[f"{self.prefix}:call:", f"{self.prefix}:agent:", secrets.token_hex(8), str(call.call_id), *fields]))

    async def get_call(self, call_id: int) -> QueuedCall | None:
        data = await self.redis.hgetall(self.call_key(call_id))
        return QueuedCall.from_hash(data) if data.get("call_id") else None

    async def set_urgent(self, call_id: int, urgent: bool) -> bool:
        if not await self.redis.exists(self.call_key(call_id)):
            return False
        await self.redis.hset(self.call_key(call_id), "urgent", "1" if urgent else "0")
        return True

    async def remove_call(self, call_id: int) -> None:
        await self.redis.srem(self.waiting_key, str(call_id))
        await self.redis.delete(self.call_key(call_id))

    async def waiting_calls(self) -> list[QueuedCall]:
        ids = sorted(int(x) for x in await self.redis.smembers(self.waiting_key))
        async with self.redis.pipeline(transaction=False) as pipe:
            for call_id in ids:
                pipe.hgetall(self.call_key(call_id))
            rows = await pipe.execute()
        return [QueuedCall.from_hash(r) for r in rows if r.get("call_id")]

    async def snapshot(self) -> Snapshot:
        """Waiting calls, agents and the epoch, read atomically in one round trip (the
        dispatcher's view)."""
        return self._view(*await self._snapshot(
            keys=[self.waiting_key, self.agents_key, self.epoch_key],
            args=[f"{self.prefix}:call:", f"{self.prefix}:agent:", secrets.token_hex(8)]))

    def _view(self, calls: list, agents: list, epoch: str) -> Snapshot:
        before, parsed = self._parsed, {}
        queued = [c for c in (self._parse(row, QueuedCall, "call_id", before, parsed) for row in calls) if c]
        present = [a for a in (self._parse(row, AgentRecord, "user_id", before, parsed) for row in agents) if a]
        self._parsed = parsed
        return Snapshot(queued, sorted(present, key=lambda a: a.user_id), epoch)

    @staticmethod
    def _parse(row: list[str], kind, id_field: str, before: dict, parsed: dict):
        """One HGETALL row of the snapshot as a record (None without its id), parsed once."""
        key = (kind.__name__, *row)
        record = before.get(key)
        if record is None:
            data = _pairs(row)
            if not data.get(id_field):
                return None
            record = kind.from_hash(data)
        parsed[key] = record
        return record

    async def wake(self, reason: str = "") -> None:
        """Tell every worker's dispatcher to look again (agent ready, call queued …)."""
        await self.redis.publish(WAKEUP_CHANNEL, json.dumps({"reason": reason}))
