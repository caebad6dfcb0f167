"""Log lines carry the ids passed as fields, in JSON (production) and plain text (terminals)."""
from __future__ import annotations

import json
import logging

from core.context import request_id_var
from core.logging import JsonFormatter, PlainFormatter


def record(**extra) -> logging.LogRecord:
    rec = logging.LogRecord("ivr.worker", logging.WARNING, __file__, 1, "call re-entered", None, None)
    rec.__dict__.update(extra)
    return rec


def test_json_lines_carry_fields_and_the_request_id():
    token = request_id_var.set("req-1")
    try:
        entry = json.loads(JsonFormatter().format(record(call_id=42, app="hotline-w1")))
    finally:
        request_id_var.reset(token)
    assert (entry["msg"], entry["call_id"], entry["app"], entry["request_id"]) == \
        ("call re-entered", 42, "hotline-w1", "req-1")
    assert entry["level"] == "warning" and entry["ts"].endswith("+00:00")


def test_plain_lines_carry_time_and_fields():
    line = PlainFormatter().format(record(call_id=42))
    time_part, rest = line.split(" ", 1)
    assert len(time_part) == 12 and time_part[2] == ":" and time_part[8] == "."
    assert rest == "WARNING ivr.worker call re-entered call_id=42"
