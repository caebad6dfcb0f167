"""Quality inspection through the API (R-23, R-35): the week's draw, scoring on the versioned
form, the agent's one appeal, results per agent and team; hotline side only."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.timeutil import utcnow
from models import AuditEvent, Call, QualitySample, Transcript, TranscriptSegment, User
from quality.sampling import week_of
from tests.conftest import login
from tests.workorders.helpers import create

ANSWERS = {"greeting": 5, "listening": 15, "record": 20, "answer": 10, "attitude": 15, "language": 10,
           "efficiency": 10, "closing": 5, "abuse": False, "privacy": False, "hangup": False}


async def _user(session, username: str) -> User:
    return await session.scalar(select(User).where(User.username == username))


async def _calls(session, agent: User, count: int, tag: str) -> list[Call]:
    now = utcnow() - timedelta(minutes=5)
    calls = [Call(channel_id=f"q-{tag}-{i}", app="hotline", node="n", caller_number="13800000000", phase="ended",
                  disposition="answered", agent_id=agent.id, extension=agent.extension, region_code="510100",
                  started_at=now, answered_at=now, ended_at=now + timedelta(minutes=2)) for i in range(count)]
    session.add_all(calls)
    await session.commit()
    return calls


async def test_draw_score_appeal_and_results(client, session):
    supervisor = await login(client, "supervisor")
    agent1, agent2 = await _user(session, "agent1001"), await _user(session, "agent1002")
    mine = await _calls(session, agent1, 8, "a")
    theirs = await _calls(session, agent2, 2, "b")
    a1 = await login(client, "agent1001")
    complaint = await create(client, a1, category="complaint", call_id=mine[7].id,
                             content="投诉：小区门口夜间施工噪音扰民，多次反映无人处理")

    drawn = await client.post("/api/v1/quality/samples/draw", headers=supervisor, json={})
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["week"] == week_of(utcnow())
    assert drawn.json()["by_reason"] == {"complaint": 1, "random": 5 + 2}  # 5 of agent1's other 7, both of agent2's
    again = await client.post("/api/v1/quality/samples/draw", headers=supervisor, json={})
    assert again.json()["drawn"] == 0  # the week's sample is drawn once
    sampled = {s.call_id for s in (await session.scalars(select(QualitySample))).all()}
    left = next(c for c in mine if c.id not in sampled)
    manual = await client.post("/api/v1/quality/samples", headers=supervisor, json={"call_id": left.id})
    assert manual.status_code == 201 and manual.json()["reason"] == "manual"
    assert (await client.post("/api/v1/quality/samples", headers=supervisor,
                              json={"call_id": left.id})).status_code == 409

    pending = (await client.get("/api/v1/quality/samples", headers=supervisor, params={"status": "pending"})).json()
    by_call = {s["call_id"]: s for s in pending}
    assert by_call[mine[7].id]["reason"] == "complaint" and by_call[theirs[0].id]["agent_name"]
    sample = by_call[mine[7].id]

    detail = (await client.get(f"/api/v1/quality/samples/{sample['id']}", headers=supervisor)).json()
    assert detail["ticket_number"] == complaint["number"] and detail["score"] is None
    form = detail["form"]
    assert (form["code"], form["version"]) == ("standard", 1)
    assert sum(i["points"] for i in form["items"]) == 100 and [i["key"] for i in form["items"] if i["fatal"]]

    url = f"/api/v1/quality/samples/{sample['id']}/score"
    bad = await client.post(url, headers=supervisor, json={"form_id": form["id"], "answers": {**ANSWERS, "record": 21}})
    assert bad.status_code == 422 and "0–20" in bad.text
    refused = await client.post(url, headers=a1, json={"form_id": form["id"], "answers": ANSWERS})
    assert refused.status_code == 403  # an agent does not score
    scored = await client.post(url, headers=supervisor, json={"form_id": form["id"], "answers": ANSWERS,
                                                              "comment": "政策解答不够准确"})
    assert scored.status_code == 201, scored.text
    assert scored.json()["total"] == 90.0 and not scored.json()["fatal"]
    assert (await client.post(url, headers=supervisor, json={"form_id": form["id"], "answers": ANSWERS})).status_code == 409

    fatal_sample = by_call[theirs[0].id]
    fatal = await client.post(f"/api/v1/quality/samples/{fatal_sample['id']}/score", headers=supervisor,
                              json={"form_id": form["id"], "answers": {**ANSWERS, "hangup": True}})
    assert fatal.json()["total"] == 0.0 and fatal.json()["fatal"]

    # the agent sees their own scores only, and appeals once
    own = (await client.get("/api/v1/quality/my-scores", headers=a1)).json()
    assert [s["call_id"] for s in own] == [mine[7].id]
    a2 = await login(client, "agent1002")
    assert [s["call_id"] for s in (await client.get("/api/v1/quality/my-scores", headers=a2)).json()] == [theirs[0].id]
    score_id = own[0]["id"]
    assert (await client.post(f"/api/v1/quality/scores/{score_id}/appeal", headers=a2,
                              json={"reason": "不是我的"})).status_code == 404
    appealed = await client.post(f"/api/v1/quality/scores/{score_id}/appeal", headers=a1,
                                 json={"reason": "已按知识库口径答复，录音 02:10 处可证"})
    assert appealed.status_code == 200 and appealed.json()["appeal_status"] == "open"
    twice = await client.post(f"/api/v1/quality/scores/{score_id}/appeal", headers=a1, json={"reason": "再次申诉"})
    assert twice.status_code == 409
    assert [s["id"] for s in (await client.get("/api/v1/quality/appeals", headers=supervisor)).json()] == [score_id]
    decided = await client.post(f"/api/v1/quality/scores/{score_id}/appeal/decision", headers=supervisor,
                                json={"upheld": True, "note": "复听属实，改判", "answers": {**ANSWERS, "answer": 20}})
    assert decided.status_code == 200, decided.text
    assert (decided.json()["total"], decided.json()["original_total"], decided.json()["appeal_status"]) == \
        (100.0, 90.0, "upheld")
    assert (await client.post(f"/api/v1/quality/scores/{score_id}/appeal/decision", headers=supervisor,
                              json={"upheld": False, "note": "x"})).status_code == 409

    # results per agent and per team (the agents' unit), for the reports
    per_agent = (await client.get("/api/v1/quality/results", headers=supervisor)).json()
    rows = {r["key"]: r for r in per_agent["rows"]}
    assert (rows[agent1.id]["scored"], rows[agent1.id]["average"], rows[agent1.id]["appeals_upheld"]) == (1, 100.0, 1)
    assert (rows[agent2.id]["average"], rows[agent2.id]["fatal"]) == (0.0, 1)
    per_team = (await client.get("/api/v1/quality/results", headers=supervisor, params={"group_by": "team"})).json()
    assert sum(r["scored"] for r in per_team["rows"]) == 2 and all(r["name"] for r in per_team["rows"])
    assert (await client.get("/api/v1/quality/results", headers=await login(client, "auditor"))).status_code == 200
    assert (await client.get("/api/v1/quality/results", headers=a1)).status_code == 403
    actions = set((await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("quality_%")))).all())
    assert {"quality_scored", "quality_appealed", "quality_appeal_decided"} <= actions


async def test_forms_are_versioned(client):
    supervisor = await login(client, "supervisor")
    body = {"code": "standard", "name": "标准质检评分表（2027版）",
            "items": [{"key": "greeting", "label": "规范开头语", "points": 40},
                      {"key": "answer", "label": "解答准确", "points": 60},
                      {"key": "abuse", "label": "辱骂来电人", "fatal": True}]}
    made = await client.post("/api/v1/quality/forms", headers=supervisor, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 2
    active = (await client.get("/api/v1/quality/forms", headers=supervisor)).json()
    assert [(f["code"], f["version"]) for f in active] == [("standard", 2)]
    every = (await client.get("/api/v1/quality/forms", headers=supervisor, params={"all": "true"})).json()
    assert [(f["version"], f["active"]) for f in every] == [(2, True), (1, False)]
    bad = {**body, "items": [{"key": "abuse", "label": "辱骂", "points": 5, "fatal": True}, body["items"][0]]}
    assert (await client.post("/api/v1/quality/forms", headers=supervisor, json=bad)).status_code == 422
    assert (await client.post("/api/v1/quality/forms", headers=await login(client, "agent1001"),
                              json=body)).status_code == 403


async def test_transcripts_are_searchable_and_hotline_side_only(client, session):
    supervisor = await login(client, "supervisor")
    agent = await _user(session, "agent1001")
    (call,) = await _calls(session, agent, 1, "t")
    from models import Recording
    recording = Recording(call_id=call.id, path="x/call.wav", sha256="0" * 64, started_at=call.started_at,
                          retain_until=call.started_at + timedelta(days=731))
    session.add(recording)
    await session.flush()
    transcript = Transcript(recording_id=recording.id, call_id=call.id, status="done", engine="vosk",
                            model="vosk-model-small-cn-0.22", parties=["mixed"], text="你好 我要投诉物业",
                            flags=[{"category": "complaint", "keyword": "投诉", "party": "mixed", "start": 1.2}],
                            claimed_at=utcnow())
    session.add(transcript)
    await session.flush()
    session.add(TranscriptSegment(transcript_id=transcript.id, party="mixed", start_seconds=1.2, end_seconds=2.8,
                                  text="我 要 投诉 物业", confidence=0.9))
    session.add(QualitySample(call_id=call.id, agent_id=agent.id, region_code="510100", week=week_of(call.started_at),
                              reason="keyword", status="pending"))
    await session.commit()

    hits = (await client.get("/api/v1/transcripts/search", headers=supervisor, params={"q": "投 诉"})).json()
    assert [h["call_id"] for h in hits] == [call.id] and "投诉" in hits[0]["snippet"]
    listed = (await client.get("/api/v1/quality/samples", headers=supervisor, params={"q": "投诉物业"})).json()
    assert [s["call_id"] for s in listed] == [call.id] and listed[0]["flags"][0]["category"] == "complaint"
    assert (await client.get("/api/v1/quality/samples", headers=supervisor, params={"q": "噪音"})).json() == []

    own = await client.get(f"/api/v1/transcripts/calls/{call.id}", headers=await login(client, "agent1001"))
    assert own.status_code == 200
    assert own.json()["transcripts"][0]["segments"][0] == {"party": "mixed", "start": 1.2, "end": 2.8,
                                                           "text": "我 要 投诉 物业", "confidence": 0.9}
    other = await client.get(f"/api/v1/transcripts/calls/{call.id}", headers=await login(client, "agent1002"))
    assert other.status_code == 404  # not their call
    unit = await login(client, "wh_zjj")
    assert (await client.get(f"/api/v1/transcripts/calls/{call.id}", headers=unit)).status_code == 403
    assert (await client.get("/api/v1/transcripts/search", headers=unit, params={"q": "投诉"})).status_code == 403
    assert (await client.get("/api/v1/quality/samples", headers=unit)).status_code == 403
    reads = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript_read"))).all()
    assert any(e.resource_id == str(call.id) or e.resource_id == call.id for e in reads)


async def test_bad_input_is_a_clear_4xx(client):
    supervisor = await login(client, "supervisor")
    for week in ("9999-W52", "0000-W01", "2026-W54"):
        response = await client.post("/api/v1/quality/samples/draw", headers=supervisor, json={"week": week})
        assert response.status_code == 422, (week, response.text)
    assert (await client.post("/api/v1/quality/samples/draw", headers=supervisor,
                              json={"week": "W49"})).status_code == 422
    assert (await client.get("/api/v1/quality/results", headers=supervisor,
                             params={"until": "0001-01-02T00:00:00+00:00"})).status_code == 422
    assert (await client.get("/api/v1/quality/results", headers=supervisor,
                             params={"since": "2026-01-01T00:00:00"})).status_code == 422
    for edge in ({"since": "0001-01-01T00:00:00+14:00"}, {"until": "9999-12-31T23:59:59-14:00"}):
        assert (await client.get("/api/v1/quality/results", headers=supervisor, params=edge)).status_code == 422
    assert (await client.post("/api/v1/quality/samples/draw", headers=supervisor,
                              json={"week": "\u0662\u0660\u0662\u0666-W\u0664\u0669"})).status_code == 422
    assert (await client.get("/api/v1/transcripts/search", headers=supervisor,
                             params={"q": "100%_\\"})).json() == []
    assert (await client.post("/api/v1/quality/samples/2147483647/score", headers=supervisor,
                              json={"form_id": 1, "answers": {}})).status_code == 404


async def test_the_scheduler_draws_this_and_last_weeks_sample(client, session, resources):
    from cli.scheduler import run_scheduler_pass
    from models import Ticket

    agent = await _user(session, "agent1003")
    (late,) = await _calls(session, agent, 1, "late")
    late.started_at = late.answered_at = utcnow() - timedelta(days=7)  # last week's call
    (today,) = await _calls(session, agent, 1, "today")
    ticket = await create(client, await login(client, "agent1003"), call_id=late.id)
    row = await session.get(Ticket, ticket["id"])
    row.satisfaction = "dissatisfied_reasonable"  # the callback found the caller dissatisfied
    await session.commit()

    await run_scheduler_pass(resources.sessionmaker, resources.redis, resources.settings.replace(
        quality_sample_per_agent=1))
    samples = {s.call_id: s for s in (await session.scalars(
        select(QualitySample).where(QualitySample.call_id.in_([late.id, today.id])))).all()}
    assert samples[late.id].reason == "dissatisfied" and samples[late.id].week == week_of(late.started_at)
    assert samples[today.id].reason == "random" and samples[today.id].week == week_of(utcnow())
