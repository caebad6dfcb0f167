"""`hotline up` (what `make run` starts): the embedded defaults, one process, the real Asterisk."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from core.settings import REPO_ROOT


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "hotline up exited early"
        try:
            response = httpx.get(url, timeout=1)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling a starting server, bounded by the deadline
    raise AssertionError("hotline up did not become ready")


def test_hotline_up_runs_the_platform_on_embedded_defaults_and_stops_cleanly(tmp_path):
    http_port, ari_port, agi_port = _free_port(), _free_port(), _free_port()
    sip_port = _free_port(socket.SOCK_DGRAM)
    env = {**os.environ, "HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/h.db",
           "HOTLINE_HTTP_PORT": str(http_port), "HOTLINE_ARI_PORT": str(ari_port), "HOTLINE_SIP_PORT": str(sip_port),
           "HOTLINE_FASTAGI_PORT": str(agi_port), "HOTLINE_RTP_START": "14000", "HOTLINE_RTP_END": "14199",
           "HOTLINE_RECORDINGS_DIR": str(tmp_path / "rec"), "HOTLINE_PROMPTS_DIR": str(tmp_path / "prompts"),
           "HOTLINE_ADMIN_PASSWORD": "up-admin-pass", "HOTLINE_LOG_JSON": "false"}
    env.pop("HOTLINE_REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "up"], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{http_port}"
        assert _wait_ready(f"{base}/readyz", process, timeout=120)["checks"] == {"database": True, "redis": True}
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "up-admin-pass"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{base}/api/v1/calls?limit=1", headers=headers).json() == []
        assert httpx.get(f"{base}/desktop/").status_code == 200
        assert httpx.get(f"{base}/wallboard/").status_code == 200
        # the ARI worker runs in the same process and has registered its Stasis app with Asterisk
        assert _wait_for_stasis_app(ari_port, _ari_auth(tmp_path), process, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output[-3000:]
    assert "platform running on" in output
    # the ARI worker's requests to Asterisk (httpx logs each at INFO) are debug detail
    assert "HTTP Request:" not in output, output[-3000:]
    with socket.socket() as probe:  # the API port is free again: nothing left running
        probe.bind(("127.0.0.1", http_port))


def _wait_for_stasis_app(ari_port: int, auth, process, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "hotline up exited early"
        apps = httpx.get(f"http://127.0.0.1:{ari_port}/ari/applications", auth=auth, timeout=5).json()
        if apps:
            return apps
        time.sleep(0.2)  # polling Asterisk for the worker's registration, bounded by the deadline
    raise AssertionError("the ARI worker never registered its Stasis application")


def _ari_auth(var_dir) -> tuple[str, str]:
    from core.secrets import ari_password
    from core.settings import Settings

    settings = Settings(_env_file=None, var_dir=var_dir)
    return settings.telephony.ari_user, ari_password(settings)
