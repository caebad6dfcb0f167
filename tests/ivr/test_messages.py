"""The event contract on the bus (for the desktop and wallboard engineers): typed messages,
caller numbers in full only to the agent concerned and supervisors."""
from __future__ import annotations

import json

import pytest

from core.masking import mask_phone
from ivr.messages import TYPES, CallAnswered, CallQueued
from ivr.notifier import Notifier
from realtime.bus import EventBus


async def test_published_shape_and_audience(redis, settings):
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(settings.redis.events_channel)
    notifier = Notifier(EventBus(redis, settings.redis.events_channel))
    await notifier.publish("call.queued", CallQueued(call_id=1, queue="general", urgent=False, position=2,
                                                     caller_masked=mask_phone("13800138000")))
    await notifier.publish("call.answered", CallAnswered(call_id=1, agent_id=7, extension="1001", queue="general",
                                                         caller_number="13800138000", waited_seconds=3.2),
                           agent_id=7, broadcast=False, region_code="510107")
    received = []
    while len(received) < 2:
        message = await pubsub.get_message(timeout=5)
        if message:
            received.append(json.loads(message["data"]))
    await pubsub.aclose()
    queued, answered = received
    assert queued["type"] == "call.queued" and queued["audience"]["all"] is True
    assert queued["data"] == {"call_id": 1, "queue": "general", "urgent": False, "position": 2,
                              "caller_masked": "138****8000"}
    assert answered["audience"] == {"all": False, "user_ids": [7], "roles": ["supervisor", "admin"],
                                    "regional": True, "region_code": "510107"}
    assert {"at", "type", "data", "audience"} <= set(answered)


async def test_wrong_model_for_a_type_is_a_bug(redis):
    with pytest.raises(TypeError):
        await Notifier(EventBus(redis)).publish("call.answered", CallQueued(
            call_id=1, queue="general", urgent=False, position=1, caller_masked="x"))


def test_every_type_is_documented():
    for type_, model in TYPES.items():
        assert model.__doc__, type_
    assert mask_phone("12345") == "****5"
