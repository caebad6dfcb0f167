"""Pure tests of the rendered Asterisk configuration (no Asterisk, no root needed)."""
from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from core.secrets import ari_password
from core.settings import Settings
from pbx import render, rootfs, seat_secrets
from pbx.render import SEAT_EXTENSIONS, render_config, split_host_port, write_config

ARI_SECRET = "ari-Secret-7f3a9c"


def sip_secrets() -> dict[str, str]:
    return {ext: f"sip-Secret-{ext}-x9" for ext in SEAT_EXTENSIONS}


# Explicit values: HOTLINE_* variables of the environment must not change what we check.
TELEPHONY = {"sip_host": "127.0.0.1", "sip_port": 5060, "ari_host": "127.0.0.1",
             "ari_port": 8088, "ari_user": "hotline", "ari_app": "hotline", "rtp_start": 10000,
             "rtp_end": 10999, "pstn_address": "127.0.0.2",
             "emergency_address": "127.0.0.3:5060", "ari_password": None,
             "demo_password": None, "secret_key": None}


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = {**TELEPHONY, "var_dir": tmp_path / "var", "prompts_dir": tmp_path / "prompts",
              "asterisk_root": tmp_path / "root", **overrides}
    return Settings(**values)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def files(settings) -> dict[str, str]:
    return render_config(settings, ARI_SECRET, sip_secrets(), rootfs.chroot_layout(settings))


def sections(text: str) -> list[tuple[str, str | None, dict[str, str]]]:
    """Parse Asterisk config into (name, template-or-None, options); templates expanded."""
    out: list[tuple[str, str | None, dict[str, str]]] = []
    templates: dict[str, dict[str, str]] = {}
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if m := re.fullmatch(r"\[([^\]]+)\](?:\((!|[^)]*)\))?", line):
            name, tpl = m.group(1), m.group(2)
            opts = {} if tpl in (None, "!") else dict(templates[tpl])
            if tpl == "!":
                templates[name] = opts
            else:
                out.append((name, tpl, opts))
        elif "=" in line and (out or templates):
            key, _, value = line.partition("=")
            opts[key.strip().rstrip(">")] = value.strip().lstrip(">").strip()
    return out


def included(files: dict[str, str], name: str) -> str:
    """A rendered file with its `#include`s expanded, as Asterisk reads it."""
    return re.sub(r"^#include (\S+)$", lambda m: files[m.group(1)], files[name], flags=re.MULTILINE)


def find(parsed, name: str, kind: str) -> dict[str, str]:
    matches = [opts for n, _, opts in parsed if n == name and opts.get("type") == kind]
    assert len(matches) == 1, (name, kind, len(matches))
    return matches[0]


def test_renders_every_required_file(files):
    for name in ("asterisk.conf", "modules.conf", "logger.conf", "http.conf", "ari.conf",
                 "rtp.conf", "pjsip.conf", "extensions.conf", "musiconhold.conf"):
        assert files[name].strip(), name
    assert all("{{" not in text and "{%" not in text for text in files.values())


def test_carrier_trunk_identified_by_pstn_address(files):
    pjsip = sections(files["pjsip.conf"])
    identify = find(pjsip, "pstn-identify", "identify")
    assert identify == {"type": "identify", "endpoint": "pstn", "match": "127.0.0.2"}
    assert find(pjsip, "pstn", "endpoint")["context"] == "from-pstn"
    assert find(pjsip, "pstn", "aor")["contact"] == "sip:127.0.0.2:5060"


def test_trunk_addresses_follow_settings(tmp_path):
    s = make_settings(tmp_path, pstn_address="192.0.2.10:5080",
                      emergency_address="192.0.2.20:5062")
    pjsip = sections(render_config(s, ARI_SECRET, sip_secrets(),
                                   rootfs.chroot_layout(s))["pjsip.conf"])
    assert find(pjsip, "pstn-identify", "identify")["match"] == "192.0.2.10"
    assert find(pjsip, "pstn", "aor")["contact"] == "sip:192.0.2.10:5080"
    assert find(pjsip, "emergency", "aor")["contact"] == "sip:192.0.2.20:5062"
    assert find(pjsip, "emergency-identify", "identify")["match"] == "192.0.2.20"


def test_emergency_trunk_and_routes(files):
    pjsip = sections(files["pjsip.conf"])
    assert find(pjsip, "emergency", "aor")["contact"] == "sip:127.0.0.3:5060"
    for number in ("110", "119", "120", "122"):
        assert f"exten => {number},1,Dial(PJSIP/{number}@emergency,60)" in files[
            "extensions.conf"]


def test_every_seat_has_phone_and_webrtc_endpoint(files):
    pjsip = sections(included(files, "pjsip.conf"))
    expected = ([str(n) for n in range(1001, 1021)] + [str(n) for n in range(2001, 2011)]
                + [str(n) for n in range(3001, 3011)])  # agents, experts, supervisors
    assert list(SEAT_EXTENSIONS) == expected
    for ext in expected:
        phone = find(pjsip, ext, "endpoint")
        assert (phone["transport"], phone["auth"], phone["aors"]) == (
            "transport-udp", ext, ext)
        auth = find(pjsip, ext, "auth")
        assert (auth["username"], auth["password"]) == (ext, f"sip-Secret-{ext}-x9")
        browser = find(pjsip, f"webrtc{ext}", "endpoint")
        assert browser["webrtc"] == "yes" and browser["dtls_auto_generate_cert"] == "yes"
        assert browser["allow"] == "opus,ulaw,alaw"
        assert browser["media_address"] == "127.0.0.1"
        assert browser["bind_rtp_to_media_address"] == "yes"
        assert browser["transport"] == "transport-ws"
        assert find(pjsip, f"webrtc{ext}", "auth")["password"] == f"sip-Secret-{ext}-x9"
        for aor in (find(pjsip, ext, "aor"), find(pjsip, f"webrtc{ext}", "aor")):
            assert (aor["max_contacts"], aor["remove_existing"]) == ("1", "yes")


def test_seat_secrets_are_a_file_of_their_own(files, tmp_path):
    """A worker rewrites pjsip_seats.conf alone on a rotation: it holds every seat's auth object
    and nothing that depends on settings (its settings differ from the renderer's)."""
    assert files["pjsip.conf"].rstrip().endswith("#include pjsip_seats.conf")
    assert not re.search(r"^\s*password\s*=", files["pjsip.conf"], re.MULTILINE)
    other = make_settings(tmp_path / "other", sip_host="0.0.0.0", sip_port=5999, pstn_address="192.0.2.1")
    assert render.render_seats(sip_secrets()) == files["pjsip_seats.conf"] == render_config(
        other, "x", sip_secrets(), rootfs.chroot_layout(other))["pjsip_seats.conf"]
    auths = re.findall(r"^\[[^\]]+\]\(seat-auth\)$", files["pjsip_seats.conf"], re.MULTILINE)
    assert len(auths) == 2 * len(SEAT_EXTENSIONS)


def test_transports_ari_http_rtp(files, settings):
    pjsip = sections(files["pjsip.conf"])
    assert find(pjsip, "transport-udp", "transport")["bind"] == "127.0.0.1:5060"
    assert find(pjsip, "transport-ws", "transport")["protocol"] == "ws"
    http = dict(sections(files["http.conf"])[0][2])
    assert (http["enabled"], http["bindaddr"], http["bindport"]) == ("yes", "127.0.0.1", "8088")
    ari = sections(files["ari.conf"])
    assert find(ari, settings.telephony.ari_user, "user")["password"] == ARI_SECRET
    rtp = sections(files["rtp.conf"])[0][2]
    assert (rtp["rtpstart"], rtp["rtpend"]) == ("10000", "10999")


def test_modules_noload_what_cannot_work_here(files):
    noload = set(re.findall(r"^noload => (\S+)$", files["modules.conf"], re.MULTILINE))
    assert "autoload = yes" in files["modules.conf"]
    for module in ("chan_alsa.so", "chan_console.so", "chan_mobile.so", "res_hep.so",
                   "res_hep_pjsip.so", "cdr_pgsql.so", "app_voicemail_odbc.so",
                   "res_calendar.so", "res_resolver_unbound.so"):
        assert module in noload
    for needed in ("res_ari.so", "res_pjsip.so", "chan_pjsip.so", "res_agi.so",
                   "app_stasis.so", "res_http_websocket.so", "chan_rtp.so"):
        assert needed not in noload


def test_dialplan_from_pstn_is_robust(files, settings):
    ext = files["extensions.conf"]
    assert f"HOTLINE_APP = {settings.telephony.ari_app}" in ext
    block = ext[ext.index("[from-pstn]"):ext.index("[from-seats]")]
    assert "exten => 12345,1," in block
    # The AGI is capped in time and its failure never stops the call; the in-root relay is
    # told where the workers' FastAGI server listens (R-26).
    assert "AGI(/usr/bin/timeout,-k,1,5,${HOTLINE_AGI}/check_blocked.py,${HOTLINE_FASTAGI})" in block
    assert f"HOTLINE_FASTAGI = {settings.telephony.fastagi_host}:{settings.telephony.fastagi_port}" in ext
    assert block.index("AGI(") < block.index("GotoIf($[\"${HOTLINE_BLOCKED}\" = \"1\"]?blocked)")
    assert block.index("?blocked)") < block.index("Stasis(${HOTLINE_APP})")
    assert "n(blocked),Progress()" in block and "Hangup(21)" in block
    assert "HOTLINE_AGI = /var/lib/hotline12345/5060-8088/agi" in ext


def test_fastagi_base_is_used_without_timeout_wrapper(tmp_path):
    s = Settings(**{**TELEPHONY, "var_dir": tmp_path}, agi_base="agi://127.0.0.1:4573")
    ext = render_config(s, ARI_SECRET, sip_secrets(), rootfs.chroot_layout(s))[
        "extensions.conf"]
    assert "HOTLINE_AGI = agi://127.0.0.1:4573" in ext
    assert "AGI(${HOTLINE_AGI}/check_blocked.py)" in ext and "/usr/bin/timeout" not in ext


def test_missing_password_fails_the_render(settings):
    partial = sip_secrets()
    del partial["2010"]
    with pytest.raises(KeyError):
        render_config(settings, ARI_SECRET, partial, rootfs.chroot_layout(settings))


def test_no_secret_in_templates(settings):
    """Render with the real secrets (derived ARI password, random seat secrets), then grep
    asterisk_conf/ for every value."""
    real_ari, (real_sip, created) = ari_password(settings), seat_secrets.plan(settings, {})
    assert created == real_sip and len(set(real_sip.values())) == len(SEAT_EXTENSIONS)  # one each
    rendered = render_config(settings, real_ari, real_sip, rootfs.chroot_layout(settings))
    assert real_ari in rendered["ari.conf"]
    secrets = {real_ari, ARI_SECRET, *real_sip.values(), *sip_secrets().values()}
    templates = sorted(render.TEMPLATE_DIR.iterdir())
    assert templates
    for path in templates:
        text = path.read_text()
        for secret in secrets:
            assert secret not in text, path.name
        # Every password line takes its value from the render context.
        for line in re.findall(r"^\s*password\s*=.*$", text, re.MULTILINE):
            assert "{{" in line, (path.name, line)


def test_write_config_is_private_and_replaces_stale_files(settings, files, tmp_path):
    lay = rootfs.chroot_layout(settings)
    target = lay.host_dir("etc")
    target.mkdir(parents=True)
    (target / "sip.conf").write_text("stale")
    assert write_config(files, lay) == target
    assert not (target / "sip.conf").exists()
    assert sorted(p.name for p in target.iterdir()) == sorted(files)
    assert stat.S_IMODE((target / "ari.conf").stat().st_mode) == 0o600
    assert str(target).startswith(str(tmp_path / "root"))


def test_host_path_mapping(settings, tmp_path):
    lay = rootfs.chroot_layout(settings)
    rec = f"{lay.recordings_dir}/call-1.wav"
    assert rec == "/var/spool/asterisk/5060-8088/recording/call-1.wav"
    assert lay.host_path(rec) == tmp_path / "root" / rec.lstrip("/")
    assert lay.runtime_path(lay.host_path(rec)) == rec
    host = rootfs.host_layout(settings, "/usr/sbin/asterisk")
    assert host.host_path("/x/y.wav") == Path("/x/y.wav")
    assert host.command("-rx", "core show version")[:3] == [
        "/usr/sbin/asterisk", "-C", f"{host.dirs['etc']}/asterisk.conf"]
    assert lay.command("-f")[:3] == ["chroot", str(tmp_path / "root"), "/usr/sbin/asterisk"]


def test_instances_on_other_ports_do_not_share_directories(tmp_path):
    a = rootfs.chroot_layout(make_settings(tmp_path))
    b = rootfs.chroot_layout(make_settings(tmp_path, sip_port=5090, ari_port=8110))
    assert all(a.dirs[k] != b.dirs[k] for k in a.dirs)


@pytest.mark.parametrize("address,expected", [
    ("127.0.0.3:5060", ("127.0.0.3", 5060)), ("127.0.0.2", ("127.0.0.2", 5060)),
    ("[::1]:5070", ("::1", 5070)), ("carrier.example", ("carrier.example", 5060))])
def test_split_host_port(address, expected):
    assert split_host_port(address) == expected


def test_app_queue_reference_only_for_the_benchmark(files, tmp_path):
    """Calls are queued by our ACD; app_queue and its 12399 route exist only when
    bench/bench_acd.py renders them (to compare with Asterisk's own queue, configured alike)."""
    assert "app_queue.so" in files["modules.conf"] and "12399" not in files["extensions.conf"]
    assert "[hotline-bench]" not in files["queues.conf"]

    class Bench(Settings):
        bench_app_queue: bool = True

    s = Bench(**{**TELEPHONY, "var_dir": tmp_path}, ring_timeout_seconds=15, wrap_up_seconds=0)
    bench = render_config(s, ARI_SECRET, sip_secrets(), rootfs.chroot_layout(s))
    assert "noload => app_queue.so" not in bench["modules.conf"]
    queue = bench["queues.conf"]
    assert "strategy = leastrecent" in queue and "timeout = 15" in queue and "wrapuptime = 0" in queue
    assert queue.count("member => PJSIP/10") == 20 and "PJSIP/2001" not in queue
    assert "exten => 12399,1,Answer()" in bench["extensions.conf"]
