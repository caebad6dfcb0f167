"""The ticket page of the workbench shows the automated survey (R-16): its tries, the three answers
and the outcome that closed the ticket, and a call button per caller for the callback desk."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from callbacks import service
from core.timeutil import utcnow
from models import CallbackSurvey
from tests.browser import chromium
from tests.live_server import live_server
from tests.workbench.test_workbench_e2e import WAIT, _api, _create, _dispatch, _shot, _signed_in, _unit


async def test_the_ticket_page_shows_the_survey_and_offers_a_call(workbench_resources):
    async with live_server(workbench_resources) as base, chromium() as browser:
        async with httpx.AsyncClient(base_url=f"http://{base}") as http:
            agent, unit = await _api(http, "agent1001"), await _api(http, "wh_zjj")
            ticket = await _create(http, agent, caller={"name": "王五", "phone": "13800557799", "confidential": False})
            await _dispatch(http, agent, ticket["id"], await _unit(http, agent, "WH-ZJJ"))
            for action, body in (("sign", {}), ("complete", {"reply": "路灯已修复"})):
                response = await http.post(f"/api/v1/tickets/{ticket['id']}/actions/{action}", headers=unit, json=body)
                assert response.status_code == 200, response.text
        settings = workbench_resources.settings.replace(survey_call_window="00:00-24:00")
        async with workbench_resources.sessionmaker() as session:  # what the worker records after the call
            await service.plan_surveys(session, workbench_resources.redis, settings, now=utcnow(),
                                       ticket_id=ticket["id"])
            survey = await session.scalar(select(CallbackSurvey).where(CallbackSurvey.ticket_id == ticket["id"]))
            survey.due_at = utcnow()
            await service.claim_due(session, settings, now=utcnow())
            await service.record_try(session, workbench_resources.redis, settings, survey_id=survey.id,
                                     result="answered", now=utcnow(),
                                     answers={"speed": "2", "resolution": "1", "overall": "1"})
            await session.commit()
        desk = await _signed_in(browser, base, "agent1001")
        await desk.goto(f"http://{base}/workbench/#ticket/{ticket['id']}")
        await desk.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{ticket['id']}:closed:')",
                                     timeout=WAIT)
        row = desk.locator(f'#t-surveys tr[data-survey="{survey.id}"]')
        await row.wait_for(timeout=WAIT)
        text = await row.inner_text()
        assert "已完成" in text and "电话语音" in text and "时效基本满意 / 已解决 / 满意度满意" in text and "满意" in text
        assert await desk.locator("#t-call-buttons button", has_text="13800557799").count() == 1
        await _shot(desk, "survey-results")
        staff = await _signed_in(browser, base, "wh_zjj")  # a unit never sees the callback desk's part
        await staff.goto(f"http://{base}/workbench/#ticket/{ticket['id']}")
        await staff.wait_for_function(f"(document.body.dataset.ticket || '').startsWith('{ticket['id']}:')",
                                      timeout=WAIT)
        assert await staff.locator("#t-surveys-box").is_hidden()
