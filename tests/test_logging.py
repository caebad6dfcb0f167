"""Log lines carry the ids passed as fields, in JSON (production) and plain text (terminals);
a terminal gets plain lines, each once; httpx's line per request to Asterisk is debug."""
from __future__ import annotations

import io
import json
import logging
import os
import pty
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from core.context import request_id_var
from core.logging import JsonFormatter, PlainFormatter, configure_logging, wants_json
from core.settings import REPO_ROOT, Settings
from tests.telephony_fixtures import free_tcp_port
from tests.telephony_sipp import wait_until


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


# ------------------------------------------------------------------ JSON or plain, and what is shown
class Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_unset_means_plain_on_a_terminal_and_json_elsewhere_an_explicit_setting_wins():
    assert [wants_json(None, Stream(terminal=True)), wants_json(None, Stream(terminal=False))] == [False, True]
    assert [wants_json(True, Stream(terminal=True)), wants_json(False, Stream(terminal=False))] == [True, False]
    assert Settings(_env_file=None).logging.log_json is None  # deployments (no terminal) keep JSON


@pytest.fixture
def restore_logging():
    root, http_client = logging.getLogger(), logging.getLogger("httpx")
    saved = (root.level, list(root.handlers), http_client.level, list(http_client.filters))
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    http_client.setLevel(saved[2])
    http_client.filters[:] = saved[3]


def test_a_terminal_gets_plain_lines_and_requests_to_asterisk_only_at_debug(restore_logging):
    terminal = Stream(terminal=True)
    configure_logging("INFO", stream=terminal)
    configure_logging("INFO", stream=terminal)  # configuring twice must not print twice
    logging.getLogger("ivr.worker").info("call queued", extra={"call_id": 7})
    # what httpx says for every ARI request
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "POST", "http://127.0.0.1:8088/ari/channels",
                                    "HTTP/1.1", 200, "OK")
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO ivr.worker call queued call_id=7")

    configure_logging("DEBUG", stream=terminal)
    logging.getLogger("httpx").info("HTTP Request: %s %s", "GET", "http://127.0.0.1:8088/ari/asterisk/info")
    assert terminal.getvalue().splitlines()[-1].endswith(
        "DEBUG httpx HTTP Request: GET http://127.0.0.1:8088/ari/asterisk/info")


def test_a_pipe_gets_json_lines(restore_logging):
    pipe = Stream(terminal=False)
    configure_logging("INFO", stream=pipe)
    logging.getLogger("ivr.worker").warning("call re-entered", extra={"call_id": 42})
    assert json.loads(pipe.getvalue())["call_id"] == 42


def test_uvicorns_coloured_copy_of_its_message_is_not_a_field():
    rec = record(color_message="Started server process [\x1b[36m%d\x1b[0m]")
    assert PlainFormatter().format(rec).endswith("WARNING ivr.worker call re-entered")
    assert "color_message" not in json.loads(JsonFormatter().format(rec))


def test_hotline_up_on_a_terminal_prints_plain_lines_and_each_request_once(tmp_path):
    """What `make run` shows: readable lines, one per HTTP request (the middleware's, not
    uvicorn's access line as well)."""
    http_port = free_tcp_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/h.db",
            "HOTLINE_HTTP_PORT": str(http_port), "HOTLINE_ADMIN_PASSWORD": "up-admin-pass",
            "PYTHONPATH": str(REPO_ROOT)}
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "up", "--no-telephony"], cwd=REPO_ROOT, env=env,
                               stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary, start_new_session=True)
    os.close(secondary)
    output = bytearray()

    def pump() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed: the process has ended
                return
            if not chunk:
                return
            output.extend(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        wait_until(lambda: b"Application startup complete" in output, 120, message="hotline up ready")
        assert httpx.get(f"http://127.0.0.1:{http_port}/desktop/", timeout=10).status_code == 200
        wait_until(lambda: b"path=/desktop/" in output, 10, message="request logged")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        reader.join(timeout=10)
        os.close(primary)
    text = output.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    assert not [line for line in lines if line.lstrip().startswith("{")], text  # no JSON on a terminal
    assert len([line for line in lines if "/desktop/" in line]) == 1, text
    assert "color_message" not in text and "uvicorn.access" not in text
    duplicates = {line for line in lines if lines.count(line) > 1}
    assert duplicates == set(), text
