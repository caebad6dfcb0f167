"""On the real Asterisk (R-35): a rotated seat secret reaches the running Asterisk through the
workers (the old password no longer registers, the new one does), and an outside party of a
three-way call sees the hotline's number, never the citizen's."""
from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events.bus import EventBus
from pbx import seat_secrets
from pbx.render import split_host_port
from tests.telephony.helpers import ready
from tests.telephony_sipp import answerer_scenario, wait_until

pytestmark = pytest.mark.timeout(240)
SEAT = "1010"  # no demo account holds it: a random secret in every mode


def register(sipp, extension: str, password: str, name: str) -> int:
    """sipp's exit code for one REGISTER with digest (0: accepted)."""
    proc = sipp.start("register.xml", ip="127.0.0.1", service=extension, name=name,
                      extra=("-au", extension, "-ap", password, "-timeout", "8s", "-timeout_error"))
    return proc.wait(20)


async def test_a_rotated_seat_secret_reaches_the_running_asterisk(asterisk, workers, sipp, engine, redis,
                                                                  telephony_settings):
    old = asterisk.sip_password(SEAT)
    assert register(sipp, SEAT, old, "before") == 0
    channel = telephony_settings.redis.events_channel
    async with asyncio.timeout(10):  # the workers subscribe to the bus right after they start
        while (await redis.pubsub_numsub(channel))[0][1] < 1:
            await asyncio.sleep(0.1)  # polling Redis, bounded by the timeout
    # what the API does when the seat's user is disabled: rotate (committed), then announce
    async with AsyncSession(engine) as session:
        await seat_secrets.rotate(session, SEAT)
        await session.commit()
    await EventBus(redis, channel).publish(seat_secrets.SEAT_SECRETS_CHANGED, {"extension": SEAT})
    new = asterisk.sip_password(SEAT)
    assert new != old
    wait_until(lambda: f": {new}" in asterisk.cli(f"pjsip show auth {SEAT}"), 15, 0.2,
               "Asterisk to show the new secret")
    assert register(sipp, SEAT, old, "old-secret") != 0
    assert register(sipp, SEAT, new, "new-secret") == 0


async def test_an_outside_party_sees_the_hotline_number(asterisk, workers, sipp, bus, client, tone_pcap,
                                                        telephony_settings):
    host, port = split_host_port(telephony_settings.telephony.pstn_address)
    outside = sipp.start(answerer_scenario(), ip=host, port=port, target=False, name="outside-party")
    citizen = "13800138021"
    phone = sipp.phone("1001", asterisk.sip_password("1001"), audio=tone_pcap, name="agent-phone")
    headers = await ready(client, "agent1001")
    caller = sipp.caller(number=citizen, hang_up=False, name="caller")
    call_id = bus.wait_for("call.answered", timeout=30, caller_number=citizen)["data"]["call_id"]
    refused = await client.post(f"/api/v1/calls/{call_id}/parties", json={"number": "95588"}, headers=headers)
    assert refused.status_code == 422
    response = await client.post(f"/api/v1/calls/{call_id}/parties", json={"number": "13900001111"},
                                 headers=headers)
    assert response.status_code == 200, response.text
    bus.wait_for("call.party_added", timeout=20, call_id=call_id, target="13900001111")
    invite = next(m for m in outside.messages().split("\n\n") if "INVITE sip:13900001111@" in m)
    headers_of = dict(line.split(":", 1) for line in invite.splitlines() if re.match(r"^[A-Za-z-]+:", line))
    assert "<sip:12345@" in headers_of["From"]
    assert citizen not in invite  # not in From, P-Asserted-Identity, Contact or anywhere else
    await client.post(f"/api/v1/calls/{call_id}/hangup", headers=headers)
    assert caller.wait(15) == 0 and phone.wait(15) == 0 and outside.wait(15) == 0
