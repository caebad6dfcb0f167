"""`hotline demo call` says plainly what is missing before it dials: sipp, or a running
platform (the call itself, on the real Asterisk: tests/telephony/test_demo_call.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from cli.demo import step_line
from core.settings import REPO_ROOT


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
