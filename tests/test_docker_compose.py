"""docker-compose.yml is valid and in step with the code (`docker compose config` cannot run
here: no engine). Variable names are Settings fields, ports are the settings' defaults,
commands are `hotline` subcommands, and the paths shared between Asterisk and the worker are
the ones pbx/ renders for the instance (R-01: the same stack in production)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli.main import main as hotline
from core.settings import REPO_ROOT, Settings
from pbx import rootfs

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def defaults() -> Settings:
    return Settings.model_construct()  # the field defaults, whatever the environment says


def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_the_stack_has_every_component(compose):
    assert {"asterisk", "postgres", "redis", "api", "worker", "scheduler", "stats", "migrate",
            "asterisk-config"} <= set(services(compose))


def test_every_hotline_variable_is_a_setting(compose):
    fields = {name.upper() for name in Settings.model_fields}
    for name, service in services(compose).items():
        for key in env_of(service):
            if key.startswith("HOTLINE_"):
                assert key.removeprefix("HOTLINE_") in fields, f"{name}: {key} is not a setting"


def test_commands_are_hotline_subcommands(compose):
    expected = {"api": "serve", "worker": "worker", "scheduler": "scheduler", "stats": "stats",
                "migrate": "migrate", "asterisk-config": "asterisk"}
    for name, subcommand in expected.items():
        command = services(compose)[name]["command"]
        assert command[:2] == ["hotline", subcommand], name
        assert subcommand in hotline.commands
    assert "render" in hotline.commands["asterisk"].commands


def test_ports_are_the_settings(compose, defaults):
    asterisk = services(compose)["asterisk"]["ports"]
    assert f"{defaults.sip_port}:{defaults.sip_port}/udp" in asterisk
    assert f"{defaults.ari_port}:{defaults.ari_port}" in asterisk
    assert f"{defaults.rtp_start}-{defaults.rtp_end}:{defaults.rtp_start}-{defaults.rtp_end}/udp" in asterisk
    assert f"{defaults.http_port}:{defaults.http_port}" in services(compose)["api"]["ports"]
    worker = env_of(services(compose)["worker"])
    assert worker["HOTLINE_ARI_PORT"] == str(defaults.ari_port)
    assert worker["HOTLINE_SIP_PORT"] == str(defaults.sip_port)
    assert worker["HOTLINE_FASTAGI_PORT"] == str(defaults.fastagi_port)
    assert worker["HOTLINE_ARI_HOST"] == "asterisk"  # the service name
    config = env_of(services(compose)["asterisk-config"])
    assert config["HOTLINE_FASTAGI_HOST"] == "worker"  # the relay in Asterisk calls the worker service


def test_asterisk_and_worker_share_the_rendered_paths(compose, defaults):
    instance = rootfs.instance_name(defaults)
    lay = rootfs.chroot_layout(defaults)
    asterisk = services(compose)["asterisk"]
    assert asterisk["build"]["args"]["INSTANCE"] == instance
    mounts = dict(v.split(":")[:2][::-1] for v in asterisk["volumes"])  # container path -> volume
    assert mounts[lay.dirs["etc"]] == "asterisk-etc"
    assert mounts[lay.recordings_dir.rsplit("/", 1)[0]] == "asterisk-spool"
    assert mounts[lay.dirs["prompts"]] == "asterisk-prompts"
    worker = services(compose)["worker"]
    root = env_of(worker)["HOTLINE_ASTERISK_ROOT"]
    worker_mounts = dict(v.split(":")[:2][::-1] for v in worker["volumes"])
    assert worker_mounts[f"{root}{lay.recordings_dir.rsplit('/', 1)[0]}"] == "asterisk-spool"
    assert worker_mounts[f"{root}{lay.dirs['prompts']}"] == "asterisk-prompts"
    assert worker_mounts[f"{root}{lay.dirs['etc']}"] == "asterisk-etc"  # seat secret rotation re-renders
    config_mounts = dict(v.split(":")[:2][::-1] for v in services(compose)["asterisk-config"]["volumes"])
    assert config_mounts[lay.dirs["etc"]] == "asterisk-etc"


def test_images_are_built_from_debian_unstable_with_the_root_packages(compose):
    for name in ("asterisk", "api"):
        build = services(compose)[name]["build"]
        assert (REPO_ROOT / build["dockerfile"]).is_file()
    dockerfile = (REPO_ROOT / "deploy/asterisk/Dockerfile").read_text()
    assert "FROM debian:unstable" in dockerfile
    for package in rootfs.ROOT_PACKAGES:
        assert package in dockerfile
    assert "agi_scripts/check_blocked.py" in dockerfile
    assert Path(REPO_ROOT / "deploy/asterisk/entrypoint.sh").stat().st_mode & 0o111


def test_services_start_after_the_migration(compose):
    for name in ("api", "worker", "scheduler", "stats"):
        assert services(compose)[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services(compose)["asterisk"]["depends_on"]["asterisk-config"]["condition"] == \
        "service_completed_successfully"
    # rendering reads (and first stores) the seats' SIP secrets in the database
    assert services(compose)["asterisk-config"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"


def test_render_writes_the_configuration_under_a_root(tmp_path):
    import os
    import subprocess
    import sys

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
           "HOTLINE_SECRET_KEY": "compose-test-key-0123456789abcdef", "HOTLINE_FASTAGI_HOST": "worker",
           "HOTLINE_VAR_DIR": str(tmp_path / "var"),
           "HOTLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}", "HOTLINE_DEMO_DATA": "false"}
    for command in (["migrate"], ["asterisk", "render", "--root", str(tmp_path)]):  # as compose runs them
        done = subprocess.run([sys.executable, "-m", "cli.main", *command], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    etc = tmp_path / "etc/hotline12345/5060-8088"
    assert (etc / "pjsip.conf").is_file() and (etc / "ari.conf").stat().st_mode & 0o077 == 0
    assert "HOTLINE_FASTAGI = worker:4573" in (etc / "extensions.conf").read_text()
