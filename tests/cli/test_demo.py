"""`hotline demo call` says plainly what is missing before it dials: sipp, or a running
platform (the call itself, on the real Asterisk: tests/telephony/test_demo_call.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from cli.demo import place_call, step_line
from core.settings import REPO_ROOT, Settings
from pbx.sipp import free_media_port, free_udp_port
from tests.telephony_sipp import answerer_scenario


def _demo_call(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    base |= {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK_ROOT": str(tmp_path / "no-asterisk-here"),
             "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "cli.main", "demo", "call", "--seconds", "1"], check=False,
                          cwd=REPO_ROOT,
                          env=base | env, capture_output=True, text=True, timeout=60)


def test_without_sipp_it_says_how_to_install_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    result = _demo_call(tmp_path, PATH=str(bin_dir))
    assert result.returncode == 1
    assert "sipp is not installed" in result.stderr and "install-system-deps.sh" in result.stderr


@pytest.mark.skipif(shutil.which("sipp") is None, reason="needs sipp to get past the first check")
def test_without_a_running_platform_it_says_to_start_it(tmp_path):
    result = _demo_call(tmp_path)
    assert result.returncode == 1
    assert "the platform is not running" in result.stderr and "make run" in result.stderr


def test_bad_digits_are_refused_before_anything_starts(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "demo", "call", "--digits", "9a"], check=False, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "only 0-9, * and # can be keyed" in result.stderr


def test_sipp_log_lines_become_plain_steps():
    assert step_line("keyed 12\n") == "已按键 12 / keyed 12"
    assert step_line("answered").endswith("answered by the voice menu (IVR)")
    assert step_line("some sipp chatter") is None


@pytest.mark.skipif(shutil.which("sipp") is None, reason="needs sipp")
@pytest.mark.parametrize(("hang_up_after_ms", "steps"), [
    (4000, ["keyed 2", "waiting: an agent signed in at /desktop/ sees it ring"]),  # while the citizen waits
    (500, []),  # before the keys: a blocked number is released like this
])
def test_when_the_platform_hangs_up_first_the_call_ends_cleanly_and_says_so(tmp_path, hang_up_after_ms, steps):
    """sipp plays the platform here: it answers, then hangs up long before --seconds."""
    platform_port = free_udp_port("127.0.0.1")
    scenario = tmp_path / "platform.xml"
    scenario.write_text(answerer_scenario(ring_ms=100, talk_ms=hang_up_after_ms))
    platform = subprocess.Popen(["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(platform_port),
                                 "-mi", "127.0.0.1", "-mp", str(free_media_port("127.0.0.1")), "-m", "1",
                                 "-nostdin", "-nr"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    printed: list[str] = []
    try:
        settings = Settings(_env_file=None, var_dir=tmp_path, pstn_address="127.0.0.1", sip_host="127.0.0.1",
                            sip_port=platform_port)
        code = place_call(settings, digits="2", seconds=60, number="13800138222", echo=printed.append)
        assert platform.wait(timeout=10) == 0
    finally:
        if platform.poll() is None:
            platform.kill()
            platform.wait(timeout=5)
    assert code == 0, printed
    assert [line.split(" / ")[1] for line in printed] == [
        "dialling 12345 as citizen 13800138222", "answered by the voice menu (IVR)", *steps,
        "the platform hung up", "call ended"]
