"""The event contract on the bus (for the desktop and wallboard engineers): typed messages,
caller numbers in full only to the agent concerned and supervisors."""
from __future__ import annotations

import json

from accounts import events as accounts_events
from acd import events as acd_events
from calls import events as call_events
from calls.events import CallAnswered, CallNotifier, CallQueued
from core.masking import mask_phone
from events.bus import EventBus
from pbx import events as pbx_events
from stats import events as stats_events


async def test_published_shape_and_audience(redis, settings):
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(settings.redis.events_channel)
    notifier = CallNotifier(EventBus(redis, settings.redis.events_channel))
    await notifier.call_queued(CallQueued(call_id=1, queue="general", urgent=False, position=2,
                                          caller_masked=mask_phone("13800138000")), region_code=None)
    await notifier.call_answered(CallAnswered(call_id=1, agent_id=7, extension="1001", queue="general",
                                              caller_number="13800138000", waited_seconds=3.2),
                                 region_code="510107")
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
    assert answered["type"] == "call.answered"
    assert answered["audience"] == {"all": False, "user_ids": [7], "roles": ["supervisor", "admin"], "unit_ids": [],
                                    "regional": True, "region_code": "510107"}
    assert {"at", "type", "data", "audience"} <= set(answered)


def test_every_event_is_typed_and_documented_once():
    types = set()
    every = (*call_events.EVENTS, *acd_events.EVENTS, *accounts_events.EVENTS, *pbx_events.EVENTS, *stats_events.EVENTS)
    for model in every:
        assert model.__doc__, model
        if model is not call_events.CallAction:  # call.<action>, one type per action
            assert model.__doc__.startswith(model.TYPE + " — "), model
            types.add(model.TYPE)
    assert len(types) == len(every) - 1  # one model, one type
    assert call_events.CallAction(call_id=1, action="held").type == "call.held"
    assert mask_phone("12345") == "****5"
