"""The installed package alone, outside a checkout, renders Asterisk's configuration, migrates,
seeds and serves every page (the docker image runs `pip install .`, which once shipped no
templates, pages or Alembic files).

The wheel is built from a copy of the source tree and installed into a fresh virtualenv. Its
third-party dependencies are not installed again (minutes, and the same pinned versions): a
.pth file appends the test interpreter's site-packages to the new environment's path. Lines
of a .pth only add directories, so the editable install of the checkout that may live there
(itself a .pth hook) is never activated; the test checks that `hotline`'s packages come from
the wheel and that no checkout directory is on the path.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.settings import REPO_ROOT
from tests.conftest import _drop_database, _recreate_database

PLATFORM_PACKAGES = ("core", "api", "pbx", "migrations", "agent_desktop", "asterisk_conf", "cli")


def _run(argv: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{argv}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtualenv holding only the platform's wheel (plus the dependencies' path); its bin/."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    tracked = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT).stdout.split("\0")
    for name in filter(None, tracked):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
         timeout=400)
    wheel = next((work / "dist").glob("hotline12345-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    purelib = Path(_run([str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                   .stdout.strip())
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "-q", "--no-deps",
          "--no-index", str(wheel)], timeout=300)
    return venv / "bin"


@pytest.fixture
def outside(tmp_path, settings) -> tuple[Path, dict]:
    """A start directory outside the checkout and an environment with no path into it."""
    name = f"hotline_wheel_{os.getpid()}"
    url = _recreate_database(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "PYTHON", "VIRTUAL_ENV"))}
    env.update({"HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": settings.redis.redis_url, "HOTLINE_LOG_JSON": "false",
                "HOTLINE_ADMIN_PASSWORD": "wheel-admin-pass"})
    yield tmp_path, env
    _drop_database(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_package_comes_from_the_wheel_and_no_checkout_is_on_the_path(installed, outside):
    cwd, env = outside
    probe = ("import importlib.util, json, sys; "
             f"print(json.dumps({{'path': sys.path, 'packages': {{n: list(importlib.util.find_spec(n)"
             f".submodule_search_locations) for n in {PLATFORM_PACKAGES!r}}}}}))")
    found = json.loads(_run([str(installed / "python"), "-c", probe], cwd=cwd, env=env).stdout)
    venv = installed.parent.resolve()
    for name, locations in found["packages"].items():
        assert [Path(p).resolve().is_relative_to(venv) for p in locations] == [True], (name, locations)
    # the dependencies come from the test interpreter's own environment, which may sit inside
    # the checkout (.venv/): that is not the checkout's source
    environment = Path(sys.prefix).resolve()
    assert not [p for p in found["path"] if p and Path(p).resolve().is_relative_to(REPO_ROOT)
                and not Path(p).resolve().is_relative_to(environment)]


def test_the_installed_package_migrates_renders_and_serves_every_page(installed, outside):
    cwd, env = outside
    hotline = str(installed / "hotline")
    migrated = _run([hotline, "migrate", "--seed"], cwd=cwd, env=env, timeout=300)
    assert "database is at the newest revision" in migrated.stdout
    assert (cwd / "var" / "secret_key").is_file()  # the default var/ is under the start directory

    _run([hotline, "asterisk", "render", "--root", str(cwd / "root")], cwd=cwd, env=env, timeout=120)
    etc = cwd / "root/etc/hotline12345/5060-8088"
    for name in ("pjsip.conf", "extensions.conf", "http.conf", "ari.conf", "queues.conf", "rtp.conf"):
        assert (etc / name).read_text().strip(), name

    port = _free_port()
    server = subprocess.Popen([hotline, "serve", "--port", str(port)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "hotline serve exited"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "hotline serve did not answer /healthz"
            time.sleep(0.2)  # polling a starting server, bounded by the deadline
        for path, marker in (("/desktop/", "<html"), ("/desktop/js/app.js", "import"),
                             ("/desktop/vendor/jssip.min.js", "JsSIP"), ("/wallboard/", "<html"),
                             ("/wallboard/js/main.js", "import"), ("/workbench/", "<html"),
                             ("/workbench/js/main.js", "import")):
            response = httpx.get(base + path, timeout=10)
            assert response.status_code == 200 and marker in response.text, (path, response.status_code)
        token = httpx.post(f"{base}/api/v1/auth/token", timeout=10,
                           data={"username": "admin", "password": "wheel-admin-pass"})
        assert token.status_code == 200, token.text
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output[-3000:]


def test_platform_code_never_looks_for_its_files_in_a_checkout():
    """Files are found from the packages (core.package_files), not from REPO_ROOT."""
    offenders = []
    for path in REPO_ROOT.rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).parts
        if parts[0] in ("tests", "bench", "scripts", "node_modules", ".venv") or path.name == "settings.py":
            continue
        if "REPO_ROOT" in path.read_text() or "parent.parent" in path.read_text():
            offenders.append(str(path.relative_to(REPO_ROOT)))
    assert not offenders
