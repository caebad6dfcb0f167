"""docker-compose.yml is valid and in step with the code (`docker compose config` cannot run
here: no engine). Variable names are Settings fields, ports are the settings' defaults,
commands are `hotline` subcommands, and the paths shared between Asterisk and the worker are
the ones pbx/ renders for the instance (R-01: the same stack in production)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli.main import main as hotline
from core.settings import REPO_ROOT, SECTION_OF, SECTIONS, Settings
from pbx import rootfs

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def defaults() -> Settings:
    # the field defaults, whatever the environment says
    return Settings.model_construct(**{name: section.model_construct() for name, section in SECTIONS.items()})


def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_the_stack_has_every_component(compose):
    assert {"asterisk", "postgres", "redis", "api", "worker", "scheduler", "stats", "migrate",
            "asterisk-config"} <= set(services(compose))


def test_every_hotline_variable_is_a_setting(compose):
    fields = {name.upper() for name in SECTION_OF}
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
    assert f"{defaults.telephony.sip_port}:{defaults.telephony.sip_port}/udp" in asterisk
    assert f"127.0.0.1:{defaults.telephony.ari_port}:{defaults.telephony.ari_port}" in asterisk  # ARI: the host's loopback only
    assert f"{defaults.telephony.rtp_start}-{defaults.telephony.rtp_end}:{defaults.telephony.rtp_start}-{defaults.telephony.rtp_end}/udp" in asterisk
    assert f"{defaults.http.http_port}:{defaults.http.http_port}" in services(compose)["api"]["ports"]
    worker = env_of(services(compose)["worker"])
    assert worker["HOTLINE_ARI_PORT"] == str(defaults.telephony.ari_port)
    assert worker["HOTLINE_SIP_PORT"] == str(defaults.telephony.sip_port)
    assert worker["HOTLINE_FASTAGI_PORT"] == str(defaults.telephony.fastagi_port)
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


# --- exposure, users, secrets, media address (issue 10: the deployment path) ---------------

def _published(service: dict) -> list[tuple[str | None, str]]:
    """(host address or None for every interface, container port spec) of each published port."""
    out = []
    for spec in service.get("ports") or []:
        parts = str(spec).split(":")
        out.append((parts[0] if len(parts) == 3 else None, parts[-1]))
    return out


def test_ari_is_published_on_loopback_only_and_fastagi_never(compose, defaults):
    for name, service in services(compose).items():
        for address, container in _published(service):
            port = container.split("/")[0]
            assert port != str(defaults.telephony.fastagi_port), f"{name} publishes FastAGI"
            if port == str(defaults.telephony.ari_port):
                assert name == "asterisk" and address == "127.0.0.1", f"{name} publishes ARI on {address or 'all'}"
    assert ("127.0.0.1", str(defaults.telephony.ari_port)) in _published(services(compose)["asterisk"])
    assert "4573" not in (REPO_ROOT / "deploy/Dockerfile").read_text()


def test_backend_services_sit_on_the_internal_network_alone(compose):
    assert compose["networks"]["internal"]["internal"] is True
    for name in ("postgres", "redis", "worker", "scheduler", "stats", "migrate", "asterisk-config"):
        assert services(compose)[name]["networks"] == ["internal"], name
        assert not services(compose)[name].get("ports"), f"{name} publishes a port"
    for name in ("api", "asterisk"):  # the two with published ports also reach the database/ARI inside
        assert set(services(compose)[name]["networks"]) == {"internal", "edge"}, name


def test_no_password_is_written_in_the_file(compose):
    for name, service in services(compose).items():
        for key, value in env_of(service).items():
            if any(word in key for word in ("PASSWORD", "AUTH", "SECRET")):
                assert value.startswith("${") or value == "", f"{name}: {key} is a literal"
    postgres_password = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    redis_password = "${REDIS_PASSWORD:?set REDIS_PASSWORD}"
    assert env_of(services(compose)["postgres"])["POSTGRES_PASSWORD"] == postgres_password
    app = env_of(services(compose)["api"])
    assert app["HOTLINE_DATABASE_URL"] == f"postgresql+psycopg://hotline:{postgres_password}@postgres:5432/hotline"
    assert app["HOTLINE_REDIS_URL"] == f"redis://:{redis_password}@redis:6379/0"
    redis = services(compose)["redis"]
    assert redis["command"][-2:] == ["--requirepass", redis_password]
    assert env_of(redis)["REDISCLI_AUTH"] == redis_password  # the health check's redis-cli
    assert "hotline:hotline@" not in COMPOSE.read_text()


def test_containers_run_as_one_unprivileged_uid():
    app = (REPO_ROOT / "deploy/Dockerfile").read_text()
    asterisk = (REPO_ROOT / "deploy/asterisk/Dockerfile").read_text()
    assert app.rstrip().splitlines()[-1].startswith("CMD")
    assert "\nUSER hotline\n" in app and "--uid 10001" in app
    assert "\nUSER asterisk\n" in asterisk and "usermod --uid 10001" in asterisk
    # every directory the Asterisk instance writes is made and handed to its user before USER
    before_user = asterisk.split("\nUSER asterisk\n")[0]
    for dir_name in ("run", "spool", "log", "db", "prompts"):
        assert rootfs.ROOT_DIRS[dir_name].split("/{instance}")[0] in before_user, dir_name
    entrypoint = (REPO_ROOT / "deploy/asterisk/entrypoint.sh").read_text()
    assert " -U " not in entrypoint and "exec asterisk -f" in entrypoint


def test_webrtc_media_address_is_a_setting_required_by_the_stack(compose, tmp_path):
    import os
    import subprocess
    import sys

    config = env_of(services(compose)["asterisk-config"])
    assert config["HOTLINE_RTP_MEDIA_ADDRESS"].startswith("${HOTLINE_RTP_MEDIA_ADDRESS:?")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
           "HOTLINE_SECRET_KEY": "compose-test-key-0123456789abcdef", "HOTLINE_SIP_HOST": "0.0.0.0",
           "HOTLINE_RTP_MEDIA_ADDRESS": "203.0.113.10", "HOTLINE_VAR_DIR": str(tmp_path / "var"),
           "HOTLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}", "HOTLINE_DEMO_DATA": "false"}
    for command in (["migrate"], ["asterisk", "render", "--root", str(tmp_path)]):  # as compose runs them
        done = subprocess.run([sys.executable, "-m", "cli.main", *command], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    pjsip = (tmp_path / "etc/hotline12345/5060-8088/pjsip.conf").read_text()
    webrtc = pjsip.split("[seat-webrtc](!)")[1].split("\n[")[0]
    assert "media_address = 203.0.113.10" in webrtc and "127.0.0.1" not in webrtc
    assert "bind_rtp_to_media_address = no" in webrtc  # announced, not bound: the container has another address
