"""A seat's state and not-ready reason go to that seat's own desktop only (R-35): not to another
agent, not to a handling unit's staff, not to a city centre's supervisor; supervisors watch seats on
the wallboard, where `stats:seats` and the region scope apply."""
from __future__ import annotations

from events.bus import EventBus
from events.envelope import Audience
from tests.conftest import login
from tests.live_server import live_server
from tests.realtime.test_gateway import _open, _recv, _token


async def test_agent_state_reaches_only_the_seat_itself(client, resources):
    names = ("agent1001", "agent1002", "wh_zjj", "chengdu")
    tokens = {name: await _token(client, name) for name in names}
    headers = await login(client, "agent1001")
    bus = EventBus.for_resources(resources)
    async with live_server(resources) as base:
        sockets = {}
        for name in names:  # one after the other: the test's connection serves one query at a time
            sockets[name] = await _open(base, "/ws/desktop", tokens[name])
            assert (await _recv(sockets[name]))["op"] == "welcome"
        try:
            changed = await client.put("/api/v1/acd/agents/me/state", headers=headers,
                                       json={"state": "not_ready", "reason": "就餐"})
            assert changed.status_code == 200, changed.text
            await bus.publish("notice", {"marker": 1}, audience=Audience(all=True))  # every desktop gets this last
            received = {}
            for name, ws in sockets.items():
                frames = [await _recv(ws)]
                while frames[-1]["data"]["type"] != "notice":
                    frames.append(await _recv(ws))
                received[name] = [f["data"]["type"] for f in frames[:-1]]
        finally:
            for ws in sockets.values():
                await ws.close()
    assert received["agent1001"] == ["agent.state"]
    assert received["agent1002"] == [] and received["wh_zjj"] == [] and received["chengdu"] == []
