"""Render the Asterisk configuration from asterisk_conf/*.j2 (Jinja2) and Settings.

`render_config` is pure: secrets come in as arguments, so tests can render with known
values and check that none of them is in the committed templates. `write_config` puts
the result where Asterisk reads it (inside the root, or var_dir in host mode), mode 0600.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from core.package_files import package_dir
from core.private_files import open_private
from core.settings import Settings
from pbx.rootfs import Layout
from pbx.rootfs import layout as default_layout

TEMPLATE_DIR = package_dir("asterisk_conf")  # package data: a checkout or an installed wheel
SERVICE_NUMBER = "12345"
AGENT_EXTENSIONS = tuple(str(n) for n in range(1001, 1021))
EXPERT_EXTENSIONS = tuple(str(n) for n in range(2001, 2011))
# supervisors' seats (班长/质检): rung by the platform to listen to, whisper into or join a call
SUPERVISOR_EXTENSIONS = tuple(str(n) for n in range(3001, 3011))
SEAT_EXTENSIONS = AGENT_EXTENSIONS + EXPERT_EXTENSIONS + SUPERVISOR_EXTENSIONS
EMERGENCY_NUMBERS = ("110", "119", "120", "122")
SEATS_FILE = "pjsip_seats.conf"  # the seats' SIP secrets, included by pjsip.conf
AGI_TIMEOUT = 5  # seconds the blocked-caller check may take before the call goes on
# Modules that cannot work on a headless server (sound cards, Bluetooth), capture or
# back ends we do not run (HEP, PostgreSQL/ODBC/TDS/RADIUS/LDAP, calendars, SNMP), legacy
# channel drivers and features the ARI app does itself (queues, parking, voicemail).
# res_resolver_unbound: with no config it resolves from the root servers (the
# 'A.ROOT-SERVERS.NET' look-ups); every address we use is a literal IP anyway.
NOLOAD = (
    "chan_alsa.so", "chan_console.so", "chan_mobile.so", "chan_oss.so",
    "res_hep.so", "res_hep_pjsip.so", "res_hep_rtcp.so",
    "cdr_pgsql.so", "cel_pgsql.so", "res_config_pgsql.so", "app_voicemail_odbc.so",
    "res_calendar.so", "res_calendar_caldav.so", "res_calendar_ews.so",
    "res_calendar_exchange.so", "res_calendar_icalendar.so",
    "res_resolver_unbound.so",
    "res_odbc.so", "res_odbc_transaction.so", "res_config_odbc.so", "func_odbc.so",
    "cdr_odbc.so", "cel_odbc.so", "cdr_adaptive_odbc.so", "cdr_tds.so", "cel_tds.so",
    "cdr_radius.so", "cel_radius.so", "res_config_ldap.so", "res_config_sqlite3.so",
    "cdr_sqlite3_custom.so", "cel_sqlite3_custom.so", "cdr_csv.so", "cdr_custom.so",
    "cel_custom.so", "cdr_manager.so", "cel_manager.so",
    "res_snmp.so", "res_prometheus.so", "res_statsd.so", "res_xmpp.so", "chan_motif.so",
    "chan_iax2.so", "chan_unistim.so", "pbx_dundi.so", "pbx_lua.so", "pbx_ael.so",
    "res_phoneprov.so", "res_pjsip_phoneprov_provider.so", "res_pjsip_config_wizard.so",
    "res_stir_shaken.so", "res_pjsip_stir_shaken.so", "res_stun_monitor.so",
    "res_adsi.so", "app_adsiprog.so", "app_getcpeid.so", "app_alarmreceiver.so",
    "app_festival.so", "app_followme.so", "app_queue.so", "app_agent_pool.so",
    "res_parking.so", "app_voicemail.so", "app_minivm.so", "res_pjsip_notify.so",
    "res_clialiases.so", "res_pjsip_send_to_voicemail.so",
)
# Core and loaded modules that only complain when their file is absent: defaults are right.
DEFAULT_CONFIGS = {
    "acl.conf": "", "ccss.conf": "[general]\n", "cel.conf": "[general]\nenable = no\n",
    "features.conf": "[general]\n", "udptl.conf": "[general]\n", "stasis.conf": "",
    "pjproject.conf": "", "geolocation.conf": "", "aeap.conf": "", "amd.conf": "[general]\n",
    "chan_websocket.conf": "", "websocket_client.conf": "", "confbridge.conf": "",
    "res_http_media_cache.conf": "",
}


@dataclass(frozen=True)
class Seat:
    ext: str
    role: str  # "agent", "expert" or "supervisor": only shown in the caller id name
    password: str


def split_host_port(address: str, default_port: int = 5060) -> tuple[str, int]:
    """'127.0.0.3:5060' -> ('127.0.0.3', 5060); a bare host gets the default port."""
    host, sep, port = address.rpartition(":")
    if sep and port.isdigit() and "]" not in port:
        return host.strip("[]"), int(port)
    return address.strip("[]"), default_port


def seats(sip_passwords: Mapping[str, str]) -> list[Seat]:
    """Every seat with its password; a missing password is an error, never a blank."""
    out = [Seat(ext, "agent", sip_passwords[ext]) for ext in AGENT_EXTENSIONS]
    out += [Seat(ext, "expert", sip_passwords[ext]) for ext in EXPERT_EXTENSIONS]
    out += [Seat(ext, "supervisor", sip_passwords[ext]) for ext in SUPERVISOR_EXTENSIONS]
    return out


def template_context(settings: Settings, ari_password: str,
                     sip_passwords: Mapping[str, str], lay: Layout) -> dict:
    pstn_host, pstn_port = split_host_port(settings.telephony.pstn_address)
    emergency_host, emergency_port = split_host_port(settings.telephony.emergency_address)
    # WebRTC media: an explicit (external) address is only announced — a container cannot bind
    # its host's public address; otherwise media is bound to the SIP address, and a wildcard
    # SIP bind means loopback (development).
    local_media = settings.telephony.sip_host if settings.telephony.sip_host not in ("0.0.0.0", "::") else "127.0.0.1"
    media = settings.telephony.rtp_media_address or local_media
    bench_queue = bool(getattr(settings, "bench_app_queue", False))
    return {
        "dirs": lay.dirs,
        # bench/bench_acd.py compares our ACD with Asterisk's app_queue on the same agents
        "noload": [m for m in NOLOAD if not (bench_queue and m == "app_queue.so")],
        "bench_queue": bench_queue,
        "ring_timeout": settings.calls.ring_timeout_seconds,
        "wrap_up": settings.calls.wrap_up_seconds,
        "ari_host": settings.telephony.ari_host,
        "ari_port": settings.telephony.ari_port,
        "ari_user": settings.telephony.ari_user,
        "ari_password": ari_password,
        "ari_app": settings.telephony.ari_app,
        "rtp_start": settings.telephony.rtp_start,
        "rtp_end": settings.telephony.rtp_end,
        "sip_host": settings.telephony.sip_host,
        "sip_port": settings.telephony.sip_port,
        "media_address": media,
        "bind_rtp_to_media_address": settings.telephony.rtp_media_address is None,
        "pstn_host": pstn_host,
        "pstn_contact": f"{pstn_host}:{pstn_port}",
        "emergency_host": emergency_host,
        "emergency_address": f"{emergency_host}:{emergency_port}",
        "emergency_numbers": EMERGENCY_NUMBERS,
        "service_number": SERVICE_NUMBER,
        "seats": seats(sip_passwords),
        "agi_base": settings.telephony.agi_base or lay.dirs["agi"],
        "agi_timeout": AGI_TIMEOUT,
        "fastagi_address": f"{settings.telephony.fastagi_host}:{settings.telephony.fastagi_port}",
        "prompts_dir": lay.dirs["prompts"],
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,  # a missing value fails the render, not Asterisk
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        autoescape=False,
    )


def render_config(settings: Settings, ari_password: str, sip_passwords: Mapping[str, str],
                  lay: Layout | None = None) -> dict[str, str]:
    """{file name: text} for every template in asterisk_conf/ (name without '.j2')."""
    lay = lay or default_layout(settings)
    ctx = template_context(settings, ari_password, sip_passwords, lay)
    env = _environment()
    names = sorted(p.name for p in TEMPLATE_DIR.glob("*.conf.j2") if p.name != f"{SEATS_FILE}.j2")
    files = {name: f"; Rendered by pbx.render: module defaults.\n{text}"
             for name, text in DEFAULT_CONFIGS.items()}
    files.update({name.removesuffix(".j2"): env.get_template(name).render(ctx)
                  for name in names})
    files[SEATS_FILE] = render_seats(sip_passwords)
    return files


def render_seats(sip_passwords: Mapping[str, str]) -> str:
    """pjsip_seats.conf (included by pjsip.conf): the seats' auth objects, from nothing but the
    seats and their secrets, so a process with other settings (a worker) can rewrite it alone."""
    return _environment().get_template(f"{SEATS_FILE}.j2").render({"seats": seats(sip_passwords)})


def write_config(files: Mapping[str, str], lay: Layout) -> Path:
    """Replace the config directory's *.conf files with `files` (0600: they hold secrets)."""
    target = lay.host_dir("etc")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    for stale in target.glob("*.conf"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        write_file(target, name, text)
    return target


def write_file(target: Path, name: str, text: str) -> None:
    """Replace one configuration file atomically, mode 0600."""
    tmp = target / f".{name}.tmp"
    fd = open_private(tmp)  # 0600 even over a leftover with a wider mode
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, target / name)  # Asterisk never reads a half-written file
