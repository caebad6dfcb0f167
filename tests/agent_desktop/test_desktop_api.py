"""Desktop API: the seat's softphone account, expert seats for transfers, the static pages."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent
from tests.conftest import DEMO_PASSWORD, login


async def test_agent_gets_its_own_webrtc_endpoint(client, session, settings):
    """The browser registers as webrtc<ext> with the seat's SIP password (pjsip.conf.j2); issuing it is audited."""
    headers = await login(client, "agent1001")
    response = await client.get("/api/v1/desktop/softphone", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["endpoint"] == "webrtc1001" and body["extension"] == "1001"
    assert body["uri"] == "sip:webrtc1001@127.0.0.1" and body["authorization_user"] == "webrtc1001"
    assert body["ws_url"] == f"ws://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ws"
    assert body["password"] == DEMO_PASSWORD  # a demo seat in demo mode (pbx.seat_secrets)
    assert response.headers["cache-control"] == "no-store"
    audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "softphone_credentials_issued"))
    assert audit.actor_username == "agent1001" and audit.resource_id == "webrtc1001"


async def test_production_ws_url_comes_from_settings(client, resources):
    """HOTLINE_SIP_WS_URL (wss:// behind TLS) is what the page gets, and its host is the SIP domain."""
    resources.settings = resources.settings.replace(sip_ws_url="wss://pbx.example.org/ws")
    headers = await login(client, "expert2003")
    body = (await client.get("/api/v1/desktop/softphone", headers=headers)).json()
    assert body["ws_url"] == "wss://pbx.example.org/ws" and body["uri"] == "sip:webrtc2003@pbx.example.org"


async def test_softphone_needs_a_seat(client):
    """No extension: 409 in words; a role without ACD access: 403; no token: 401."""
    assert (await client.get("/api/v1/desktop/softphone", headers=await login(client, "chengdu"))).status_code == 409
    # the demo supervisor sits on supervisor seat 3001 (rung to monitor calls, docs/monitoring.md)
    seat = (await client.get("/api/v1/desktop/softphone", headers=await login(client, "supervisor"))).json()
    assert seat["extension"] == "3001" and seat["endpoint"] == "webrtc3001"
    assert (await client.get("/api/v1/desktop/softphone", headers=await login(client, "wh_zjj"))).status_code == 403
    assert (await client.get("/api/v1/desktop/softphone")).status_code == 401


async def test_experts_by_department(client):
    """Agents list expert seats with their department for transfers (R-06); handling units may not."""
    response = await client.get("/api/v1/desktop/experts", headers=await login(client, "agent1002"))
    assert response.status_code == 200
    experts = {e["extension"]: e for e in response.json()}
    assert set(experts) >= {"2001", "2002", "2003", "2004", "2005"}
    assert experts["2003"]["display_name"] == "住房建设专家" and experts["2003"]["unit_name"]
    assert experts["2003"]["state"] == "logged_out"  # live ACD state; nobody signed in here
    assert (await client.get("/api/v1/desktop/experts", headers=await login(client, "wh_zjj"))).status_code == 403


async def test_desktop_pages_are_served(client):
    """/desktop redirects to /desktop/, which is the Chinese page; modules and the JsSIP bundle load."""
    redirect = await client.get("/desktop")
    assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith("/desktop/")
    page = await client.get("/desktop/")
    assert page.status_code == 200 and "话务员工作台" in page.text and 'lang="zh-CN"' in page.text
    assert page.headers["cache-control"] == "no-cache"
    script = await client.get("/desktop/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    bundle = await client.get("/desktop/vendor/jssip.min.js")
    assert bundle.status_code == 200 and "var JsSIP=" in bundle.text
    assert (await client.get("/desktop/../core/settings.py")).status_code == 404
