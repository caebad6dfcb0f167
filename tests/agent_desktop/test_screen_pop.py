"""Screen pop (弹屏) and today's figures: caller, IVR path, history, open tickets with progress
(R-07), warned/suspended numbers (R-26), masking for roles without personal-data access (R-35)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from acd.store import AcdStore, QueuedCall
from core.timeutil import utcnow
from models import AuditEvent, BlockedCaller, Call, CallEvent, User
from tests.conftest import login

CALLER = "13912345678"


async def _call(session, number: str = CALLER, **fields) -> Call:
    call = Call(channel_id=f"ch-{number}-{utcnow().timestamp()}-{len(fields)}", app="hotline", caller_number=number,
                **fields)
    session.add(call)
    await session.flush()
    return call


async def _ticket(client, headers, content: str, **extra) -> dict:
    body = {"channel": "phone", "caller": {"name": "李先生", "phone": CALLER}, "content": content,
            "category": "complaint", "region_code": "510107", "address": "武侯区玉林北路1号",
            "occurred_at": (utcnow() - timedelta(hours=2)).isoformat(), **extra}
    response = await client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_screen_pop_gathers_history_open_tickets_and_block(client, session):
    """The agent sees the number, the branch chosen, the open ticket with its latest step, the
    closed one in history, earlier calls, and the warning on the number; the view is audited."""
    headers = await login(client, "agent1001")
    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    earlier = utcnow() - timedelta(days=3)
    await _call(session, started_at=earlier, answered_at=earlier, ended_at=earlier + timedelta(seconds=95),
                disposition="answered", phase="ended", agent_id=agent.id)
    open_ticket = await _ticket(client, headers, "楼下餐馆油烟扰民，多次反映未解决")
    answered = await _ticket(client, headers, "咨询社保卡补办需要哪些材料", category="consultation",
                             direct_answer={"answer": "携带身份证到社保经办网点办理"})
    session.add(BlockedCaller(number=CALLER, status="warned", reason="多次无故来电"))
    call = await _call(session, menu_choice="2", queue="enterprise", phase="ringing")
    session.add(CallEvent(call_id=call.id, type="offered", detail={"agent_id": agent.id, "extension": "1001"}))
    await session.commit()

    response = await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=headers)
    assert response.status_code == 200, response.text
    pop = response.json()
    assert pop["caller"] == {"number": CALLER, "masked": False, "usable": True}
    assert pop["ivr_path"] == ["按2 涉企事项"] and pop["enterprise"] is True
    assert pop["block"]["status"] == "warned" and pop["block"]["reason"] == "多次无故来电"
    assert [t["number"] for t in pop["open_tickets"]] == [open_ticket["number"]]
    assert pop["open_tickets"][0]["status_label"] == "待转办" and pop["open_tickets"][0]["progress"]
    assert [t["number"] for t in pop["history"]] == [answered["number"]]
    assert pop["calls_30d"] == 1 and pop["calls"][0]["agent"] == "话务员1001"
    assert pop["calls"][0]["duration_seconds"] == 95 and pop["calls"][0]["outcome_label"] == "已接听"
    audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_viewed",
                                                          AuditEvent.resource_type == "call"))
    assert audit.resource_id == str(call.id) and audit.detail["where"] == "screen_pop"

    # the repeat caller is told the open ticket's progress; the call records it
    told = await client.post(f"/api/v1/desktop/screen-pop/{call.id}/progress-told",
                             json={"ticket_id": open_ticket["id"]}, headers=headers)
    assert told.status_code == 201, told.text
    assert told.json()["ticket_number"] == open_ticket["number"] and told.json()["status_label"] == "待转办"
    event = await session.scalar(select(CallEvent).where(CallEvent.call_id == call.id,
                                                         CallEvent.type == "progress_told"))
    assert event.detail["ticket_id"] == open_ticket["id"] and event.actor_id == agent.id
    closed = await client.post(f"/api/v1/desktop/screen-pop/{call.id}/progress-told",
                               json={"ticket_id": answered["id"]}, headers=headers)
    assert closed.status_code == 409  # a closed ticket has no progress to tell


async def test_expired_suspension_and_withheld_numbers(client, session):
    """An expired suspension is no longer shown; a withheld number has no history and is never prefilled."""
    session.add(BlockedCaller(number=CALLER, status="suspended", reason="威胁话务员",
                              until=utcnow() - timedelta(minutes=1)))
    agent = await session.scalar(select(User).where(User.username == "agent1002"))
    call = await _call(session, agent_id=agent.id)
    hidden = await _call(session, number="anonymous", agent_id=agent.id)
    await session.commit()
    headers = await login(client, "agent1002")
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=headers)).json()
    assert pop["block"] == {"status": "none", "reason": None, "until": None} and pop["ivr_path"] == []
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{hidden.id}", headers=headers)).json()
    assert pop["caller"] == {"number": "anonymous", "masked": False, "usable": False}
    assert pop["history"] == [] and pop["calls"] == []


async def test_screen_pop_masks_the_number_for_experts_and_refuses_units(client, session):
    """Expert seats lack personal-data access: masked number; handling units may not read calls."""
    expert = await session.scalar(select(User).where(User.username == "expert2001"))
    call = await _call(session, agent_id=expert.id)
    await session.commit()
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=await login(client, "expert2001"))).json()
    assert pop["caller"] == {"number": "139****5678", "masked": True, "usable": False}
    assert (await client.get(f"/api/v1/desktop/screen-pop/{call.id}",
                             headers=await login(client, "wh_zjj"))).status_code == 403
    assert (await client.get("/api/v1/desktop/screen-pop/2147483647",
                             headers=await login(client, "agent1001"))).status_code == 404


async def test_today_counts_are_ones_own(client, session):
    """Answered calls, talk time, tickets and direct answers since local midnight, of this agent only."""
    headers = await login(client, "agent1003")
    other_headers = await login(client, "agent1004")
    me = await session.scalar(select(User).where(User.username == "agent1003"))

    async def today(h):  # counted as increments: real calls of other test modules share the day
        body = (await client.get("/api/v1/desktop/today", headers=h)).json()
        return body["answered"], body["talk_seconds"], body["tickets"], body["direct_answers"]

    before, other_before = await today(headers), await today(other_headers)
    now = utcnow()
    await _call(session, agent_id=me.id, answered_at=now - timedelta(minutes=5), ended_at=now - timedelta(minutes=3))
    await _ticket(client, headers, "路灯不亮，晚上出行不便")
    await _ticket(client, headers, "咨询公积金提取条件", category="consultation",
                  direct_answer={"answer": "按知识库答复"})
    await session.commit()
    after = await today(headers)
    assert tuple(round(a - b) for a, b in zip(after, before)) == (1, 120, 1, 1)
    assert await today(other_headers) == other_before


async def test_progress_of_another_callers_ticket_is_refused(client, session):
    """Only the caller's own open tickets can be told (R-07, R-25: no one else's matters)."""
    headers = await login(client, "agent1001")
    other = await _ticket(client, headers, "别人的诉求：道路积水")
    agent = await session.scalar(select(User).where(User.username == "agent1001"))
    call = await _call(session, number="13600136000", agent_id=agent.id)
    await session.commit()
    response = await client.post(f"/api/v1/desktop/screen-pop/{call.id}/progress-told",
                                 json={"ticket_id": other["id"]}, headers=headers)
    assert response.status_code == 409 and "不是本来电人" in response.json()["detail"]


async def _user(session, username: str) -> User:
    return await session.scalar(select(User).where(User.username == username))


async def test_a_seat_pops_only_the_calls_it_takes_part_in(client, session, redis):
    """R-35: another agent's caller (number, requests, history) is not shown to exist; the
    seat a call rings at, that answered it, or that it was transferred to sees it."""
    mine = await _user(session, "agent1001")
    answered = await _call(session, agent_id=mine.id, phase="ended", disposition="answered")
    offered = await _call(session, phase="ringing")
    session.add(CallEvent(call_id=offered.id, type="offered", detail={"agent_id": mine.id, "extension": "1001"}))
    transferred = await _call(session, phase="bridged")
    session.add(CallEvent(call_id=transferred.id, type="transferred", detail={"target": "1001", "mode": "blind"}))
    ringing_now = await _call(session, phase="ringing")  # the offer's record may not be written yet
    await session.commit()
    seat = AcdStore(redis)
    await redis.hset(seat.agent_key(mine.id), mapping={"user_id": mine.id, "state": "ringing",
                                                       "call_id": ringing_now.id})
    own, other = await login(client, "agent1001"), await login(client, "agent1002")
    for call in (answered, offered, transferred, ringing_now):
        pop = await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=own)
        assert pop.status_code == 200 and pop.json()["caller"]["number"] == CALLER
        refused = await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=other)
        assert refused.status_code == 404 and CALLER not in refused.text
    told = await client.post(f"/api/v1/desktop/screen-pop/{answered.id}/progress-told", json={"ticket_id": 1},
                             headers=other)
    assert told.status_code == 404
    expert = await client.get(f"/api/v1/desktop/screen-pop/{answered.id}", headers=await login(client, "expert2002"))
    assert expert.status_code == 404


async def test_supervisors_and_auditors_pop_any_call(client, session):
    call = await _call(session, agent_id=(await _user(session, "agent1003")).id)
    await session.commit()
    for username in ("supervisor", "auditor", "admin"):
        pop = await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=await login(client, username))
        assert pop.status_code == 200, (username, pop.text)


async def test_the_menu_choice_pops_before_the_record_has_it(client, session, redis):
    """The worker writes the call's record off the ring path: a pop read the moment the agent's
    phone rings takes the menu choice and queue from the ACD's entry for the call; once the
    record has them (or the call has ended) the record is what counts."""
    agent = await _user(session, "agent1001")
    call = await _call(session, phase="ringing")  # the record: started, menu choice not written yet
    await session.commit()
    acd = AcdStore(redis)
    await acd.enqueue(QueuedCall(call_id=call.id, queue="enterprise", entered_at=utcnow().timestamp(), app="hotline",
                                 caller_number=CALLER, menu_choice="2"))
    await redis.hset(acd.agent_key(agent.id), mapping={"user_id": agent.id, "state": "ringing", "call_id": call.id})
    headers = await login(client, "agent1001")

    pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=headers)).json()
    assert pop["ivr_path"] == ["按2 涉企事项"] and pop["queue"] == "enterprise" and pop["enterprise"] is True

    call.menu_choice, call.queue = "1", "general"  # the record written meanwhile: it wins
    await session.commit()
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{call.id}", headers=headers)).json()
    assert pop["ivr_path"] == ["按1 个人事项"] and pop["queue"] == "general" and pop["enterprise"] is False

    ended = await _call(session, phase="ended", ended_at=utcnow(), agent_id=agent.id)
    await session.commit()
    await acd.enqueue(QueuedCall(call_id=ended.id, queue="enterprise", entered_at=utcnow().timestamp(),
                                 app="hotline", menu_choice="2"))
    pop = (await client.get(f"/api/v1/desktop/screen-pop/{ended.id}", headers=headers)).json()
    assert pop["ivr_path"] == [] and pop["queue"] is None  # a leftover ACD entry never speaks for an ended call
    await acd.remove_call(call.id)
    await acd.remove_call(ended.id)
