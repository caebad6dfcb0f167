"""The callbacks API without telephony: who may run surveys, bad input, masking, sampling and the
SMS gateway's token."""
from __future__ import annotations

from sqlalchemy import select

from callbacks import endpoints, service
from core.timeutil import utcnow
from models import CallbackSurvey, CallbackTask, Ticket
from tests.conftest import login
from tests.workorders.helpers import act, create, unit_id


async def completed(client, session) -> dict:
    agent, unit = await login(client, "agent1001"), await login(client, "wh_zjj")
    ticket = await create(client, agent)
    await act(client, agent, ticket["id"], "dispatch", {"lead_unit_id": await unit_id(session, "WH-ZJJ")})
    await act(client, unit, ticket["id"], "sign")
    return await act(client, unit, ticket["id"], "complete", {"reply": "已办结"})


async def test_only_supervisors_run_surveys_and_bad_input_is_refused(client, session):
    ticket = await completed(client, session)
    agent, supervisor = await login(client, "agent1001"), await login(client, "supervisor")
    refused = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": ticket["id"]}, headers=agent)
    assert refused.status_code == 403
    unit = await client.post("/api/v1/callbacks/surveys/run", json={}, headers=await login(client, "wh_zjj"))
    assert unit.status_code == 403
    for body in ({"ticket_id": "x"}, {"ticket_id": 0}, {"nonsense": 1}):
        assert (await client.post("/api/v1/callbacks/surveys/run", json=body, headers=supervisor)).status_code == 422
    missing = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": 2**31 - 2}, headers=supervisor)
    assert missing.status_code == 404
    assert (await client.get("/api/v1/callbacks/surveys?status=bogus", headers=supervisor)).status_code == 422
    assert (await client.get("/api/v1/callbacks?kind=missed_call&status=bogus", headers=agent)).status_code == 422
    assert (await client.post("/api/v1/callbacks/99999/close", json={"outcome": "called_back"},
                              headers=agent)).status_code == 404
    run = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": ticket["id"]}, headers=supervisor)
    assert run.status_code == 200 and run.json()["planned"] == 1
    again = await client.post("/api/v1/callbacks/surveys/run", json={"ticket_id": ticket["id"]}, headers=supervisor)
    assert again.json()["planned"] == 0  # one survey per caller and round
    listed = (await client.get(f"/api/v1/callbacks/surveys?ticket_id={ticket['id']}", headers=supervisor)).json()
    assert [(s["status"], s["channel"], s["attempts"]) for s in listed] == [("scheduled", "phone", 0)]


async def test_a_region_sampled_out_gets_no_evaluation(client, session, resources, redis):
    ticket = await completed(client, session)
    settings = resources.settings.replace(survey_sample="510100=0")
    await service.plan_surveys(session, redis, settings, now=utcnow(), ticket_id=ticket["id"])
    survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.ticket_id == ticket["id"]))
    stored = await session.get(Ticket, ticket["id"])
    assert survey.status == "skipped" and stored.status == "no_evaluation"


async def test_phones_are_masked_without_personal_data(session):
    task = CallbackTask(id=1, kind="missed_call", phone="13812348000", status="open", created_at=utcnow(),
                        due_at=utcnow(), abandons=1, attempts=0)

    class Viewer:
        def __init__(self, personal: bool) -> None:
            self.personal = personal

        def can(self, _permission) -> bool:
            return self.personal

    assert endpoints._task_out(Viewer(False), task, utcnow()).phone == "138****8000"
    assert endpoints._task_out(Viewer(True), task, utcnow()).phone == "13812348000"


async def test_the_sms_gateway_needs_its_token(client):
    response = await client.post("/api/v1/callbacks/sms/inbound?token=wrong&from=13800000000", content=b"1")
    assert response.status_code == 403


async def test_a_number_off_the_allow_list_is_never_dialled_but_handed_to_the_desk(client, session, resources, redis):
    ticket = await completed(client, session)
    settings = resources.settings.replace(survey_call_window="00:00-24:00")
    await service.plan_surveys(session, redis, settings, now=utcnow(), ticket_id=ticket["id"])
    survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.ticket_id == ticket["id"]))
    survey.phone, survey.due_at = "95588", utcnow()
    await session.flush()
    due = await service.claim_due(session, settings, now=utcnow())
    assert survey.id not in [d.survey_id for d in due]
    assert survey.status == "unreached" and survey.last_result == "not_dialable"
    task = await session.scalar(select(CallbackTask).where(CallbackTask.survey_id == survey.id))
    assert task.kind == "survey" and task.status == "open"


async def test_after_every_failed_try_the_survey_goes_by_sms_when_a_gateway_is_set(client, session, resources, redis):
    ticket = await completed(client, session)
    settings = resources.settings.replace(survey_call_window="00:00-24:00", survey_attempts=2, survey_retry_minutes=0,
                                          sms_gateway="kannel")
    await service.plan_surveys(session, redis, settings, now=utcnow(), ticket_id=ticket["id"])
    survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.ticket_id == ticket["id"]))
    survey.due_at = utcnow()
    for result in ("no_answer", "busy"):
        assert survey.id in [d.survey_id for d in await service.claim_due(session, settings, now=utcnow())]
        await service.record_try(session, redis, settings, survey_id=survey.id, result=result, now=utcnow())
    assert (survey.status, survey.channel, survey.attempts) == ("scheduled", "sms", 2)
    assert [h["result"] for h in survey.history] == ["no_answer", "busy"]
    again = await service.claim_due(session, settings, now=utcnow())
    assert survey.id not in [d.survey_id for d in again]  # not dialled again: SMS next
