"""Quality inspection (质检) in Debian's Chromium, end to end, with screenshots
(test-artifacts/quality-NN-*.png; one kept as docs/screenshots/quality-inspection.png).

A call's two-channel recording (real speech: espeak-ng) is transcribed by the real worker with
a real Vosk model; its ticket was a complaint. The supervisor draws the week's sample, opens
the call, plays the recording with its transcript (per party, timed) beside the form, scores
it; the agent sees the score and appeals; the ticket page shows the transcript."""
from __future__ import annotations

import shutil
from datetime import timedelta

import httpx
from sqlalchemy import select

from core.settings import REPO_ROOT
from core.timeutil import utcnow
from models import Call, Recording, User
from recordings.audio import sha256_of, wav_duration
from tests.browser import DESK_VIEWPORT, artifact_path, chromium
from tests.conftest import DEMO_PASSWORD
from tests.live_server import live_server
from tests.transcription.speech import HELLO, PHRASES, THANKS, concat, require_speech, say, silence, stereo
from tests.workorders.helpers import ticket_body
from transcription.tasks import transcribe_next
from transcription.vosk_engine import VoskEngine

WAIT = 15_000


async def _page(browser, base: str, username: str, path: str = "/workbench/quality.html"):
    context = await browser.new_context(viewport=DESK_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(f"http://{base}{path}")
    await page.fill("#login-username", username)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_selector("#app-view:not([hidden])", timeout=WAIT)
    return page


async def _recorded_call(resources, tmp_path) -> Call:
    """An answered call of agent1001 with a stored two-channel recording (caller left, seat right)."""
    caller = concat([say(HELLO, tmp_path / "c1.wav"), silence(1.5, tmp_path / "c2.wav")], tmp_path / "caller.wav")
    agent = concat([silence(2.0, tmp_path / "a1.wav"), say(THANKS, tmp_path / "a2.wav")], tmp_path / "agent.wav")
    wav = stereo(caller, agent, tmp_path / "call.wav")
    async with resources.sessionmaker() as db:
        user = await db.scalar(select(User).where(User.username == "agent1001"))
        now = utcnow() - timedelta(minutes=10)
        call = Call(channel_id=f"quality-e2e-{now.timestamp()}", app="hotline", node="n", caller_number="13800000000",
                    phase="ended", disposition="answered", agent_id=user.id, extension=user.extension,
                    region_code="510100", started_at=now, answered_at=now, ended_at=now + timedelta(minutes=3))
        db.add(call)
        await db.flush()
        relative = f"e2e/call-{call.id}.wav"
        target = resources.settings.recordings.recordings_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(wav, target)
        recording = Recording(call_id=call.id, path=relative, duration_seconds=wav_duration(target),
                              size_bytes=target.stat().st_size, sha256=sha256_of(target), started_at=now,
                              retain_until=now + timedelta(days=731))
        db.add(recording)
        await db.flush()
        call.recording_id = recording.id
        await db.commit()
        return call


async def test_a_supervisor_scores_a_call_listening_to_it_with_its_transcript(workbench_resources, tmp_path):
    model = require_speech()
    resources = workbench_resources
    call = await _recorded_call(resources, tmp_path)
    engine = VoskEngine(model, grammar=PHRASES)
    done = None
    while done is None or done.call_id != call.id:  # the real worker, one recording at a time (newest first)
        done = await transcribe_next(resources.sessionmaker, resources.settings, engine)
        assert done is not None, "the call's recording was not transcribed"
    assert done.status == "done"

    async with live_server(resources) as base, httpx.AsyncClient(base_url=f"http://{base}") as http, \
            chromium() as browser:
        token = (await http.post("/api/v1/auth/token", data={"username": "agent1001", "password": DEMO_PASSWORD}))
        agent_headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        ticket = await http.post("/api/v1/tickets", headers=agent_headers, json=ticket_body(
            category="complaint", call_id=call.id, content="投诉：小区门口夜间施工噪音扰民，多次反映无人处理"))
        assert ticket.status_code == 201, ticket.text

        page = await _page(browser, base, "supervisor")
        await page.click("#q-draw")
        await page.wait_for_function("document.getElementById('q-draw-result').textContent.includes('新抽取')",
                                     timeout=WAIT)
        await page.select_option("#q-status", "pending")
        await page.fill("#q-search", HELLO)  # the transcripts are searchable
        await page.click('#q-filters button[type="submit"]')
        await page.wait_for_function(f"document.body.dataset.samples === '{HELLO}:1'", timeout=WAIT)
        rows = await page.inner_text("#q-samples")
        assert "投诉工单" in rows and HELLO in rows
        await page.screenshot(path=str(artifact_path("quality-01-samples.png")))

        sample_id = await page.get_attribute("#q-samples tr[data-id]", "data-id")
        await page.click(f'#q-samples tr[data-id="{sample_id}"]')
        await page.wait_for_function(f"document.body.dataset.sample === '{sample_id}'", timeout=WAIT)
        caller_line = await page.inner_text('#q-transcript li[data-party="caller"]')
        agent_line = await page.inner_text('#q-transcript li[data-party="agent"]')
        assert "来电人" in caller_line and HELLO in caller_line and "00:0" in caller_line
        assert "话务员" in agent_line and THANKS in agent_line
        await page.click("#q-play")
        await page.wait_for_function("document.body.dataset.recordingLoaded", timeout=WAIT)
        await page.wait_for_function("document.getElementById('q-audio').duration > 3", timeout=WAIT)  # the WAV plays
        await page.click('#q-transcript li[data-party="agent"] button[data-seek]')  # jump to the seat's words
        await page.wait_for_function("document.getElementById('q-audio').currentTime >= 1.5", timeout=WAIT)

        await page.fill('#q-score-form input[name="answer"]', "10")
        await page.fill("#q-comment", "政策解答不够准确，其余规范")
        assert (await page.inner_text("#q-total")) == "90"
        await page.screenshot(path=str(artifact_path("quality-02-scoring.png")))
        shutil.copy(artifact_path("quality-02-scoring.png"), REPO_ROOT / "docs" / "screenshots" / "quality-inspection.png")
        await page.check('#q-score-form input[name="hangup"]')
        assert (await page.inner_text("#q-total")).startswith("0")  # a fatal item zeroes the score
        await page.uncheck('#q-score-form input[name="hangup"]')
        await page.click("#q-submit")
        await page.wait_for_function("document.body.dataset.scored === '90'", timeout=WAIT)
        assert "已评分" in await page.inner_text("#q-result")
        await page.screenshot(path=str(artifact_path("quality-03-scored.png")))

        # the agent sees their own score and appeals it once
        desk = await _page(browser, base, "agent1001")
        await desk.wait_for_selector("#q-own button[data-appeal]", timeout=WAIT)
        assert "90" in await desk.inner_text("#q-own") and await desk.is_hidden("#inspect-view")
        await desk.fill("#q-own .q-reason", "已按知识库口径答复，请复听")
        await desk.click("#q-own button[data-appeal]")
        await desk.wait_for_function("document.getElementById('q-own').textContent.includes('待复核')", timeout=WAIT)
        assert await desk.locator("#q-own button[data-appeal]").count() == 0  # once only
        await desk.screenshot(path=str(artifact_path("quality-04-agent-appeal.png")))

        # the ticket page shows the call's transcript on the hotline side
        await page.goto(f"http://{base}/workbench/#ticket/{ticket.json()['id']}")
        await page.wait_for_selector("#t-calls .transcript li[data-party]", timeout=WAIT)
        assert HELLO in await page.inner_text("#t-calls .transcript")
        await page.screenshot(path=str(artifact_path("quality-05-ticket-transcript.png")))
