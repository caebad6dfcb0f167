"""The block list is the province's (R-26, R-31): a citizen is suspended from the one 12345 number
every city's calls come in on, and the FastAGI check runs before anything ties a call to a region.
So only the province centre lists, adds, changes or lifts entries; a city centre's supervisor gets
403 and changes nothing; every entry the province makes applies to every call."""
from __future__ import annotations

from datetime import UTC, datetime

from agi_scripts.blocklist_check import lookup
from calls.blocking import block_decision
from tests.conftest import login

NUMBER = "13900139555"


async def test_a_city_supervisor_cannot_suspend_or_lift_numbers(client, session):
    chengdu = await login(client, "chengdu")
    body = {"number": NUMBER, "status": "suspended", "reason": "骚扰"}
    refused = await client.post("/api/v1/blocklist", headers=chengdu, json=body)
    assert refused.status_code == 403, refused.text
    assert await lookup(session, NUMBER) is None  # the FastAGI check lets the number through everywhere
    assert (await client.get("/api/v1/blocklist", headers=chengdu)).status_code == 403

    supervisor = await login(client, "supervisor")
    made = await client.post("/api/v1/blocklist", headers=supervisor, json=body)
    assert made.status_code == 201, made.text
    entry = await lookup(session, NUMBER)
    assert block_decision(entry.status, entry.until, datetime.now(UTC)) == "blocked"
    lifted = await client.delete(f"/api/v1/blocklist/{made.json()['id']}", headers=chengdu)
    assert lifted.status_code == 403
    changed = await client.post("/api/v1/blocklist", headers=chengdu, json={**body, "status": "warned"})
    assert changed.status_code == 403
    session.expire_all()
    entry = await lookup(session, NUMBER)
    assert entry is not None and entry.status == "suspended"
