"""The real Asterisk 22 (chrooted Debian root or installed), driven by sipp and ARI.

Needs root, sipp and (for the first run) debootstrap; skipped otherwise. Every process
started here is stopped here (Asterisk by pid, sipp by its Popen); every wait is bounded.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.sync.client import connect

from core.migrate import upgrade
from core.secrets import ari_password
from core.settings import Settings
from pbx import process, prompt_sound, rootfs
from pbx.seat_secrets import load_seat_passwords
from tests.telephony_fixtures import not_here

SCENARIOS = Path(__file__).parent / "scenarios"
CARRIER_IP = "127.0.0.2"  # the default settings.pstn_address
EMERGENCY_IP = "127.0.0.3"
EVENT_TIMEOUT = 15.0
SIPP_TIMEOUT = 30.0

# The blocked-caller AGI as the dialplan runs it: inside the root, with the root's python3.
BLOCKING_AGI = '''#!/usr/bin/env python3
import sys
env = {}
for line in iter(sys.stdin.readline, ""):
    if not line.strip():
        break
    key, _, value = line.partition(":")
    env[key.strip()] = value.strip()
if env.get("agi_callerid") == "13900139000":
    sys.stdout.write("SET VARIABLE HOTLINE_BLOCKED 1\\n")
    sys.stdout.flush()
    sys.stdin.readline()
'''
HANGING_AGI = "#!/usr/bin/env python3\nimport time\ntime.sleep(600)\n"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("sipp") is None
    or (shutil.which("asterisk") is None and shutil.which("debootstrap") is None),
    reason="needs root, sipp, and an installed asterisk or debootstrap")


def free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    base = tmp_path_factory.mktemp("pbx-live")
    (base / "agi").mkdir()
    (base / "prompts").mkdir()
    # Ports two above the configured ones: the telephony suite's session Asterisk
    # (tests/telephony_fixtures.py) runs on the configured ports during the same pytest run;
    # instances on distinct ports share the root without sharing anything else.
    env = Settings()
    # the seats' SIP secrets live in the database: a migrated SQLite file of this module's own
    database_url = f"sqlite+aiosqlite:///{base / 'hotline.db'}"
    upgrade(database_url)
    return Settings(var_dir=base / "var", prompts_dir=base / "prompts", agi_scripts_dir=base / "agi",
                    database_url=database_url,
                    sip_port=env.telephony.sip_port + 2, ari_port=env.telephony.ari_port + 2,
                    rtp_start=env.telephony.rtp_end + 1, rtp_end=env.telephony.rtp_end + 1 + (env.telephony.rtp_end - env.telephony.rtp_start))


@pytest.fixture(scope="module")
def asterisk(settings):
    lay = rootfs.layout(settings)
    if process.running_pid(settings) is not None or (
            (lay.root is None or rootfs.root_complete(lay.root))
            and process._cli_ok(lay, "core show version")):
        not_here(f"an Asterisk already runs as instance {rootfs.instance_name(settings)}; "
                 "set HOTLINE_SIP_PORT/HOTLINE_ARI_PORT to test on other ports")
    try:
        process._check_ports_free(settings)
    except process.AsteriskError as exc:
        not_here(str(exc))
    pid = process.start(settings)
    yield pid
    process.stop(settings)
    assert not process.alive(pid)


@pytest.fixture
def ari(settings, asterisk):
    auth = (settings.telephony.ari_user, ari_password(settings))
    with httpx.Client(base_url=f"http://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ari",
                      auth=auth, timeout=10.0) as client:
        yield client


@pytest.fixture
def events(settings, asterisk):
    """ARI events of our Stasis app, read by a thread into a queue."""
    url = (f"ws://{settings.telephony.ari_host}:{settings.telephony.ari_port}/ari/events?app={settings.telephony.ari_app}"
           f"&api_key={settings.telephony.ari_user}:{ari_password(settings)}")
    inbox: queue.Queue = queue.Queue()
    with connect(url, open_timeout=10, close_timeout=2) as ws:
        def pump():
            try:
                for message in ws:
                    inbox.put(json.loads(message))
            except websockets.exceptions.ConnectionClosed:  # closed at teardown
                pass

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        yield inbox
    reader.join(timeout=5)


def wait_event(inbox: queue.Queue, kind: str, timeout: float = EVENT_TIMEOUT, **match):
    """The next event of `kind` whose top-level/nested fields match (others are skipped)."""
    import time
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = inbox.get(timeout=left)
        except queue.Empty:
            break
        if event.get("type") == kind and all(pick(event, k) == v for k, v in match.items()):
            return event
    raise AssertionError(f"no {kind} {match} within {timeout}s")


def pick(event: dict, dotted: str):
    for key in dotted.split("__"):
        event = event.get(key, {}) if isinstance(event, dict) else {}
    return event


def sipp(tmp_path: Path, scenario: str, ip: str, target: str | None, *extra: str,
         port: int | None = None) -> subprocess.Popen:
    cmd = ["sipp", "-sf", str(SCENARIOS / scenario), "-i", ip,
           "-p", str(port or free_port(ip)), "-mi", ip, "-mp", str(free_port(ip)),
           "-m", "1", "-nostdin", "-timeout", f"{int(SIPP_TIMEOUT)}s", "-timeout_error",
           "-trace_err", "-trace_msg", "-message_file", str(tmp_path / f"{scenario}.msg"),
           "-error_file", str(tmp_path / f"{scenario}.err"), *extra]
    if target:
        cmd.append(target)
    return subprocess.Popen(cmd, cwd=tmp_path, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen, timeout: float = SIPP_TIMEOUT + 5) -> int:
    """sipp's exit code; killed (and failing the test) if it outlives the bound."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    return proc.returncode


def call_12345(settings, tmp_path, scenario="uac_call_answered.xml") -> subprocess.Popen:
    return sipp(tmp_path, scenario, CARRIER_IP, f"{settings.telephony.sip_host}:{settings.telephony.sip_port}",
                "-s", "12345")


def use_agi(settings, tmp_path, script: str | None) -> None:
    """Install (or remove, with None) agi_scripts/check_blocked.py as the dialplan sees it."""
    (tmp_path / "agi").mkdir(exist_ok=True)
    if script is not None:
        path = tmp_path / "agi" / "check_blocked.py"
        path.write_text(script)
        path.chmod(0o755)
    process.sync_agi(settings.replace(agi_scripts_dir=tmp_path / "agi"))


def make_prompt(settings, name: str, text: str) -> None:
    """A Mandarin prompt as the prompts engineer makes them: espeak-ng, 8 kHz mono wav."""
    raw = Path(settings.calls.prompts_dir) / f"{name}.raw.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(raw), text], check=True, timeout=30)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16",
                    str(Path(settings.calls.prompts_dir) / f"{name}.wav")], check=True, timeout=30)
    raw.unlink()
    process.sync_prompts(settings)


# ---------------------------------------------------------------------------- the tests
def test_version_is_22(settings, asterisk):
    assert process.cli(settings, "core show version").startswith("Asterisk 22.")


def test_pjsip_endpoints_exist(settings, asterisk):
    out = process.cli(settings, "pjsip show endpoints")
    for name in ("pstn", "emergency", "1001", "1020", "2001", "2010", "webrtc1001",
                 "webrtc2010"):
        assert f" Endpoint:  {name}/" in out or f" Endpoint:  {name} " in out, name
    identify = process.cli(settings, "pjsip show identifies")
    assert f"{CARRIER_IP}/32" in identify


def test_call_from_carrier_reaches_stasis(settings, ari, events, tmp_path):
    use_agi(settings, tmp_path, BLOCKING_AGI)  # present, but this caller is not blocked
    make_prompt(settings, "welcome", "您好，这里是12345政务服务便民热线")
    caller = call_12345(settings, tmp_path)
    try:
        start = wait_event(events, "StasisStart")
        channel = start["channel"]
        assert channel["name"].startswith("PJSIP/pstn-")
        assert channel["caller"]["number"] == "13800138000"
        assert channel["dialplan"]["exten"] == "12345"
        ari.post(f"/channels/{channel['id']}/answer").raise_for_status()
        for media in ("sound:hello-world", prompt_sound(settings, "welcome")):
            playback = ari.post(f"/channels/{channel['id']}/play",
                                params={"media": media}).json()
            done = wait_event(events, "PlaybackFinished", playback__id=playback["id"])
            assert done["playback"]["state"] == "done", media
        ari.delete(f"/channels/{channel['id']}").raise_for_status()
        wait_event(events, "StasisEnd", channel__id=channel["id"])
    finally:
        rc = finish(caller)
    assert rc == 0, caller.stderr.read().decode()[-2000:]


def _reaches_stasis_and_release(ari, events, caller):
    try:
        channel = wait_event(events, "StasisStart")["channel"]
        ari.post(f"/channels/{channel['id']}/answer").raise_for_status()  # else 603
        ari.delete(f"/channels/{channel['id']}").raise_for_status()
    finally:
        rc = finish(caller)
    assert rc == 0, caller.stderr.read().decode()[-2000:]


def test_missing_agi_still_reaches_stasis(settings, ari, events, tmp_path):
    use_agi(settings, tmp_path, None)
    assert not (rootfs.layout(settings).host_dir("agi") / "check_blocked.py").exists()
    _reaches_stasis_and_release(ari, events, call_12345(settings, tmp_path))


def test_hanging_agi_is_cut_off_and_call_reaches_stasis(settings, ari, events, tmp_path):
    use_agi(settings, tmp_path, HANGING_AGI)
    _reaches_stasis_and_release(ari, events, call_12345(settings, tmp_path))


def test_blocked_caller_is_rejected_before_stasis(settings, events, tmp_path):
    use_agi(settings, tmp_path, BLOCKING_AGI)
    caller = call_12345(settings, tmp_path, "uac_call_rejected.xml")
    rc = finish(caller)
    assert rc == 0, caller.stderr.read().decode()[-2000:]
    assert all(e.get("type") != "StasisStart" for e in list(events.queue))


def test_no_ari_app_connected_gives_notice_and_503(settings, asterisk, tmp_path):
    use_agi(settings, tmp_path, None)
    caller = call_12345(settings, tmp_path, "uac_call_unavailable.xml")
    rc = finish(caller)
    assert rc == 0, caller.stderr.read().decode()[-2000:]


def test_register_with_digest(settings, asterisk, tmp_path):
    target = f"{settings.telephony.sip_host}:{settings.telephony.sip_port}"
    good = sipp(tmp_path, "uac_register.xml", "127.0.0.1", target, "-s", "1001",
                "-au", "1001", "-ap", load_seat_passwords(settings)["1001"])
    assert finish(good) == 0, good.stderr.read().decode()[-2000:]
    bad = sipp(tmp_path, "uac_register.xml", "127.0.0.1", target, "-s", "1001",
               "-au", "1001", "-ap", "wrong-password", "-timeout", "5s")
    assert finish(bad) != 0  # the second 401 is not the expected 200


def test_emergency_trunk_request_uri(settings, ari, events, tmp_path):
    host, port = EMERGENCY_IP, int(settings.telephony.emergency_address.rpartition(":")[2])
    centre = sipp(tmp_path, "uas_emergency.xml", host, None, port=port)
    try:
        channel = ari.post("/channels", params={
            "endpoint": "PJSIP/110@emergency", "app": settings.telephony.ari_app,
            "callerId": "12345"}).json()
        wait_event(events, "StasisStart", channel__id=channel["id"])
        ari.delete(f"/channels/{channel['id']}").raise_for_status()
    finally:
        rc = finish(centre)
    assert rc == 0, centre.stderr.read().decode()[-2000:]
    log = (tmp_path / "uas_emergency.xml.msg").read_text()
    assert f"INVITE sip:110@{host}:{port} SIP/2.0" in log
