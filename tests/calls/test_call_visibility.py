"""Who sees calls and hears recordings (R-17, R-25, R-31, R-35): recordings only on the
hotline side (the call's seats, the region's supervisors, auditors and admins; never handling
units), full caller numbers only with personal:read, and a city centre's staff only their
region's calls."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from access.permissions import ROLE_PERMISSIONS, Permission, Role
from calls.regions import parse_call_regions, region_at_answer, region_at_start
from core.timeutil import utcnow
from models import Call, CallEvent, Recording, User
from tests.conftest import login

CHENGDU = "510107"  # 武侯区: inside the Chengdu centre's region (5101…)
MIANYANG = "510703"  # another city's county
PROVINCE = "510000"


async def _user_id(session, username: str) -> int:
    return await session.scalar(select(User.id).where(User.username == username))


async def _call(session, *, region: str | None, agent: str | None = None, number: str = "13855550001",
                live: bool = False) -> Call:
    now = utcnow()
    call = Call(channel_id=f"vis-{now.timestamp()}-{number}", app="hotline-x", node="n", caller_number=number,
                phase="bridged" if live else "ended", disposition=None if live else "answered", queue="general",
                started_at=now - timedelta(minutes=3), answered_at=now - timedelta(minutes=2),
                ended_at=None if live else now, region_code=region,
                agent_id=await _user_id(session, agent) if agent else None, extension="1001" if agent else None)
    session.add(call)
    await session.flush()
    session.add(CallEvent(call_id=call.id, type="started", at=call.started_at,
                          detail={"caller_number": number, "app": "hotline-x"}))
    return call


async def _recorded(session, settings, call: Call) -> Recording:
    relative = f"vis/call-{call.id}.wav"
    path = Path(settings.recordings.recordings_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF0000WAVE")
    recording = Recording(call_id=call.id, path=relative, sha256="0" * 64, size_bytes=12, duration_seconds=1.0,
                          started_at=call.answered_at, retain_until=utcnow() + timedelta(days=731))
    session.add(recording)
    await session.flush()
    call.recording_id = recording.id
    return recording


async def _status(client, username: str, url: str) -> int:
    return (await client.get(url, headers=await login(client, username))).status_code


# ---------------------------------------------------------------- recordings
def test_recordings_have_their_own_permission_and_units_hold_none():
    for role in (Role.UNIT_STAFF, Role.UNIT_LEADER):
        assert Permission.RECORDING_READ not in ROLE_PERMISSIONS[role]
        assert Permission.RECORDING_REVIEW not in ROLE_PERMISSIONS[role]
    for role in (Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN):
        assert Permission.RECORDING_REVIEW in ROLE_PERMISSIONS[role]
    assert Permission.RECORDING_REVIEW not in ROLE_PERMISSIONS[Role.EXPERT]


async def test_handling_units_never_get_a_recording(client, session, settings):
    call = await _call(session, region=CHENGDU, agent="agent1001")
    recording = await _recorded(session, settings, call)
    await session.commit()
    for username in ("wh_zjj", "wh_zjj_lead", "wh_gov"):
        for url in (f"/api/v1/recordings/{recording.id}", f"/api/v1/recordings/{recording.id}/audio"):
            assert await _status(client, username, url) == 403, (username, url)


async def test_recording_reaches_the_calls_seats_and_its_regions_reviewers_only(client, session, settings):
    ours = await _call(session, region=CHENGDU, agent="agent1001")
    ours_rec = await _recorded(session, settings, ours)
    elsewhere = await _call(session, region=MIANYANG, agent="agent1002")
    elsewhere_rec = await _recorded(session, settings, elsewhere)
    # expert seat 2001 was transferred the first call: it was on the call's agent side
    session.add(CallEvent(call_id=ours.id, type="transferred", detail={"target": "2001", "mode": "blind"}))
    await session.commit()
    audio = f"/api/v1/recordings/{ours_rec.id}/audio"
    for username in ("agent1001", "expert2001", "supervisor", "auditor", "admin", "chengdu"):
        assert await _status(client, username, audio) == 200, username
    for username in ("agent1002", "expert2002"):  # not on the call
        assert await _status(client, username, audio) == 404, username
        assert await _status(client, username, f"/api/v1/recordings/{ours_rec.id}") == 404, username
    other = f"/api/v1/recordings/{elsewhere_rec.id}"
    assert await _status(client, "chengdu", other) == 404  # another city's call
    assert await _status(client, "chengdu", f"{other}/audio") == 404
    assert await _status(client, "supervisor", f"{other}/audio") == 200  # province sees all
    hold = await client.put(f"{other}/legal-hold", json={"legal_hold": True}, headers=await login(client, "chengdu"))
    assert hold.status_code == 404


async def test_recording_id_and_metadata_only_for_those_who_may_hear(client, session, settings):
    call = await _call(session, region=CHENGDU, agent="agent1001")
    await _recorded(session, settings, call)
    await session.commit()
    # expert seat 2002 was brought in as a party, then left: it sees the call, and (a seat of
    # the call) may hear it; agent1002 was never on it and sees neither call nor recording
    session.add(CallEvent(call_id=call.id, type="party_added", detail={"target": "2002"}))
    await session.commit()
    for username in ("agent1001", "expert2002"):
        headers = await login(client, username)
        detail = (await client.get(f"/api/v1/calls/{call.id}", headers=headers)).json()
        assert detail["recording_id"] == call.recording_id and detail["recording"]["id"] == call.recording_id
        pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=headers)).json()
        assert pop["recording_id"] == call.recording_id
    other = await login(client, "agent1002")
    assert (await client.get(f"/api/v1/calls/{call.id}", headers=other)).status_code == 404
    listed = (await client.get("/api/v1/calls?limit=500", headers=other)).json()
    assert call.id not in {i["id"] for i in listed}
    # a city supervisor of another region sees none of it
    mianyang = await _call(session, region=MIANYANG, agent="agent1003")
    await _recorded(session, settings, mianyang)
    await session.commit()
    chengdu = await login(client, "chengdu")
    assert (await client.get(f"/api/v1/calls/{mianyang.id}", headers=chengdu)).status_code == 404


# ---------------------------------------------------------------- full numbers
async def test_roles_without_personal_data_never_get_a_full_number(client, session):
    number = "13855550777"
    call = await _call(session, region=PROVINCE, number=number)
    session.add(CallEvent(call_id=call.id, type="offered", detail={"extension": "2001", "agent_id": 0}))
    await session.commit()
    expert = await login(client, "expert2001")
    detail = (await client.get(f"/api/v1/calls/{call.id}", headers=expert)).json()
    assert detail["caller_number"] == "138****0777"
    started = next(e for e in detail["events"] if e["type"] == "started")
    assert started["detail"]["caller_number"] == "138****0777"
    assert number not in str(detail)
    listed = (await client.get("/api/v1/calls?limit=50", headers=expert)).json()
    assert any(i["id"] == call.id for i in listed) and number not in str(listed)
    # a search by caller number is a use of it: refused, not answered with masked rows
    assert (await client.get(f"/api/v1/calls?caller={number}", headers=expert)).status_code == 403
    supervisor = (await client.get(f"/api/v1/calls?caller={number}", headers=await login(client, "supervisor")))
    assert [i["id"] for i in supervisor.json()] == [call.id]
    assert supervisor.json()[0]["caller_number"] == number


async def test_screen_pop_looks_nothing_up_by_the_number_for_roles_without_personal_data(client, session):
    number = "13855550888"
    agent = await login(client, "agent1003")
    ticket = await client.post("/api/v1/tickets", headers=agent, json={
        "channel": "phone", "caller": {"name": "王女士", "phone": number}, "content": "人社窗口办理社保转移太慢",
        "category": "complaint", "region_code": "510107", "address": "武侯区人民南路四段1号",
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat()})
    assert ticket.status_code == 201, ticket.text
    earlier = await _call(session, region=PROVINCE, number=number)
    call = await _call(session, region=PROVINCE, number=number, live=True, agent="agent1003")
    session.add(CallEvent(call_id=call.id, type="transferred", detail={"target": "2001"}))
    await session.commit()
    full = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=agent)).json()
    assert full["open_tickets"] and any(c["id"] == earlier.id for c in full["calls"])
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=await login(client, "expert2001"))).json()
    assert pop["caller"] == {"number": "138****0888", "masked": True, "usable": False}
    assert pop["open_tickets"] == [] and pop["history"] == [] and pop["calls"] == [] and pop["calls_30d"] == 0


# ---------------------------------------------------------------- region scope (R-31)
async def test_city_centre_sees_and_controls_only_its_regions_calls(client, session, redis):
    ours = await _call(session, region=CHENGDU, number="13855551001")
    other_city = await _call(session, region=MIANYANG, number="13855551002")
    no_region = await _call(session, region=None, number="13855551003")
    live_elsewhere = await _call(session, region=MIANYANG, number="13855551004", live=True)
    await session.commit()
    chengdu = await login(client, "chengdu")
    listed = {i["id"] for i in (await client.get("/api/v1/calls?limit=500", headers=chengdu)).json()}
    assert ours.id in listed and not listed & {other_city.id, no_region.id, live_elsewhere.id}
    assert (await client.get(f"/api/v1/calls/{ours.id}", headers=chengdu)).status_code == 200
    for call in (other_city, no_region):
        assert (await client.get(f"/api/v1/calls/{call.id}", headers=chengdu)).status_code == 404
        assert (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=chengdu)).status_code == 404
    for action in ("hold", "hangup"):
        response = await client.post(f"/api/v1/calls/{live_elsewhere.id}/{action}", headers=chengdu)
        assert response.status_code == 404, response.text
    urgency = await client.put(f"/api/v1/acd/calls/{live_elsewhere.id}/urgency", json={"urgent": True},
                               headers=chengdu)
    assert urgency.status_code == 404
    province = await login(client, "supervisor")
    everything = {i["id"] for i in (await client.get("/api/v1/calls?limit=500", headers=province)).json()}
    assert {ours.id, other_city.id, no_region.id, live_elsewhere.id} <= everything


async def test_seats_outside_a_centre_see_only_calls_they_took_part_in(client, session):
    """Expert seats belong to departments (no region scope): they see the calls they were on."""
    theirs = await _call(session, region=PROVINCE, number="13855552001")
    session.add(CallEvent(call_id=theirs.id, type="party_added", detail={"target": "2002"}))
    not_theirs = await _call(session, region=PROVINCE, number="13855552002")
    await session.commit()
    expert = await login(client, "expert2002")
    listed = {i["id"] for i in (await client.get("/api/v1/calls?limit=500", headers=expert)).json()}
    assert theirs.id in listed and not_theirs.id not in listed
    assert (await client.get(f"/api/v1/calls/{not_theirs.id}", headers=expert)).status_code == 404


def test_a_calls_region_from_its_number_else_the_answering_seat():
    mapping = parse_call_regions(" 02812345=510100, 08162345=510600 ,")
    assert mapping == {"02812345": "510100", "08162345": "510600"}
    assert region_at_start(mapping, "02812345") == "510100"
    assert region_at_start(mapping, "12345") is None and region_at_start({}, None) is None
    assert region_at_answer(None, "510107") == "510107"
    assert region_at_answer("510100", "510000") == "510100"  # a call keeps its region
    for bad in ("02812345", "02812345=51", "abc=510100"):
        with pytest.raises(ValueError, match="HOTLINE_CALL_REGIONS"):
            parse_call_regions(bad)


async def test_a_seat_the_acd_holds_for_a_call_sees_it_before_any_event_is_written(client, session, redis):
    """A transfer target's phone rings before the worker writes `transfer_started`: its screen
    pop must not race that write (the ACD's seized seat counts as taking part)."""
    import time

    from acd.store import AcdStore

    call = await _call(session, region=PROVINCE, number="13855553001", live=True)
    await session.commit()
    expert = await login(client, "expert2003")
    ready = await client.put("/api/v1/acd/agents/me/state", json={"state": "ready"}, headers=expert)
    assert ready.status_code == 200, ready.text
    url = f"/api/v1/desktop/screen-pop/{call.id}"
    assert (await client.get(url, headers=expert)).status_code == 404
    store, user_id = AcdStore(redis), await _user_id(session, "expert2003")
    assert await store.seize(user_id=user_id, call_id=call.id, now=time.time()) == 1
    try:
        pop = await client.get(url, headers=expert)
        assert pop.status_code == 200 and pop.json()["caller"]["number"] == "138****3001"
        assert (await client.get(f"/api/v1/calls/{call.id}", headers=expert)).status_code == 200
    finally:
        await store.release_seized(user_id, call.id, time.time())
        await client.put("/api/v1/acd/agents/me/state", json={"state": "logged_out"}, headers=expert)
    assert (await client.get(url, headers=expert)).status_code == 404


async def test_a_city_centre_manages_and_sees_only_its_regions_seats(client, session):
    """Province seats (agents of the province centre, expert seats of province departments) are
    not a city centre's to list, log out or re-skill."""
    agent_id = await _user_id(session, "agent1004")
    chengdu = await login(client, "chengdu")
    listed = {a["username"] for a in (await client.get("/api/v1/acd/agents", headers=chengdu)).json()}
    assert not listed & {"agent1004", "expert2001"}
    state = await client.put(f"/api/v1/acd/agents/{agent_id}/state", json={"state": "logged_out"}, headers=chengdu)
    assert state.status_code == 404
    skills = await client.put(f"/api/v1/acd/agents/{agent_id}/skills", json={"skills": ["general"]}, headers=chengdu)
    assert skills.status_code == 404
    province = await login(client, "supervisor")
    listed = {a["username"] for a in (await client.get("/api/v1/acd/agents", headers=province)).json()}
    assert {"agent1004", "expert2001"} <= listed
