"""Typed settings: every knob comes from a HOTLINE_* environment variable (or `.env`).

The settings are grouped in sections (`settings.telephony.sip_port`); each section reads its own
variables, whose names stay flat (`HOTLINE_SIP_PORT`): a field is named after its variable. So
flat names are also the construction contract: `Settings(sip_port=5170)` and
`settings.replace(sip_port=5170)` route each name to its section (SECTION_OF).
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.dialling import DEFAULT_OUTSIDE_NUMBERS, compile_allow_list
from core.proxies import parse_networks

MIN_SECRET_KEY_BYTES = 32  # an HMAC-SHA256 key shorter than its output weakens every token

# The directory holding the platform's packages: a checkout's root, or site-packages when the
# wheel is installed. Only a checkout (it has pyproject.toml) keeps its embedded defaults
# (SQLite file, recordings, prompts) in its own var/; an installed platform uses var/ under
# the directory it is started in (set HOTLINE_VAR_DIR in a deployment). Code finds its own
# files with core.package_files, never from here.
REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var" if (REPO_ROOT / "pyproject.toml").is_file() else Path("var").resolve()

ENV_PREFIX = "HOTLINE_"
_READ_ENV_FILE: Any = object()  # Settings(_env_file=None) reads no .env; by default the sections read it


class _Section(BaseSettings):
    """One group of settings; reads HOTLINE_<FIELD NAME> variables and `.env`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")


class DatabaseSettings(_Section):
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'hotline.db'}"
    # each API or worker process's connections to PostgreSQL (ignored for SQLite): kept open, extra
    # under load, and how long a request waits for one before it is refused with 503
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    database_pool_timeout_seconds: float = Field(default=30.0, gt=0)


class RedisSettings(_Section):
    redis_url: str | None = None  # unset: in-process implementation (one process only)
    redis_socket_timeout_seconds: float = 5.0  # a Redis that stops answering fails a command after this
    redis_connect_timeout_seconds: float = 2.0
    events_channel: str = "hotline:events"  # Redis pub/sub channel of the event bus


class HttpSettings(_Section):
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    trusted_proxies: str = ""  # addresses/CIDRs whose X-Forwarded-For is believed (comma separated)
    max_body_bytes: int = 1_000_000
    ws_ping_seconds: float = 20.0  # websocket server ping period; a missed pong closes the socket
    api_docs: bool = False  # /docs and /redoc: their scripts come from a public CDN into the platform's origin

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_parse(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"HOTLINE_TRUSTED_PROXIES: {exc}") from None
        return value


class SecuritySettings(_Section):
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None  # unset: generated once and kept in var/secret_key
    token_ttl_minutes: int = 12 * 60
    login_max_failures: int = 5  # per account AND address: that address is refused for that account
    login_lockout_seconds: int = 300
    login_max_failures_per_address: int = 20  # all accounts: the address itself is refused
    login_max_failures_per_account: int = 20  # all addresses: refused except from the user's known-good ones

    @field_validator("secret_key")
    @classmethod
    def _secret_key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"HOTLINE_SECRET_KEY is empty or shorter than {MIN_SECRET_KEY_BYTES} bytes; set a random one "
                "(e.g. `openssl rand -hex 32`) or unset it to have one generated into var/secret_key")
        return value


class LoggingSettings(_Section):
    log_level: str = "INFO"
    log_json: bool | None = None  # unset: JSON lines unless stderr is a terminal (core/logging.py)


class StorageSettings(_Section):
    var_dir: Path = VAR_DIR


class DemoSettings(_Section):
    demo_data: bool = True
    demo_password: SecretStr | None = None  # demo accounts' web + SIP password (demo only)


class WorktimeSettings(_Section):
    """Working time (工作时间)."""

    business_timezone: str = "Asia/Shanghai"
    working_periods: str = "09:00-12:00,13:30-17:30"


class WorkOrderSettings(_Section):
    """Work orders (工单)."""

    ticket_auto_close_working_days: int = 3  # no evaluation → auto-closed after this many WD
    ticket_duplicate_window_days: int = 7  # duplicates are looked for among this many recent days
    scheduler_interval_seconds: int = 60  # `hotline scheduler`: seconds between passes
    supervision_repeat_threshold: int = 2  # findings of one kind that put a unit on the list
    # largest ticket attachment (附件) in bytes; its upload route may exceed HOTLINE_MAX_BODY_BYTES up to this
    attachment_max_bytes: int = Field(default=10_000_000, ge=1)
    # where attachment files are kept (unset: <HOTLINE_VAR_DIR>/attachments); outside the database
    attachments_dir: Path | None = None


class IntakeSettings(_Section):
    """Written requests (portal, mailbox, app, upstream platforms) and the intake queue (intake/)."""

    # the region a request without one is numbered under until an agent completes it (the province)
    intake_default_region: str = Field(default="510000", pattern=r"^[0-9]{6,12}$")


class PortalSettings(_Section):
    """The citizen portal (/portal/, portal/)."""

    portal_challenge: bool = True  # proof-of-work on submissions; false for integrations and tests
    portal_challenge_bits: int = Field(default=16, ge=0, le=28)  # leading zero bits the page must find
    portal_challenge_ttl_seconds: int = Field(default=600, ge=10)
    portal_submissions_per_hour: int = Field(default=10, ge=1)  # per client address
    portal_lookups_per_minute: int = Field(default=30, ge=1)  # tracking and evaluation, per client address
    portal_attachments_max_bytes: int = Field(default=10_000_000, ge=1)  # all of a submission's files


class MailboxSettings(_Section):
    """The mailbox channel (信箱, mailbox/): IMAP in, SMTP auto-reply out."""

    mailbox_imap_url: SecretStr | None = None  # imap://user:password@host:143 or imaps://…; unset: no polling
    mailbox_folder: str = "INBOX"
    mailbox_poll_seconds: float = Field(default=60.0, gt=0)
    smtp_url: SecretStr | None = None  # smtp://user:password@host:25, smtps://… or smtp+starttls://…
    mailbox_reply_from: str = "12345@localhost"  # From: of the automatic replies


class StatsSettings(_Section):
    """Answer rate, alarms, staffing, wallboard (stats/)."""

    stats_answer_rate_target: float = 0.95  # 接通率 ≥ 95 %
    stats_service_level_seconds: float = 15  # GB/T 33358: answered within 15 s
    stats_short_abandon_seconds: float = 0  # abandons shorter than this are not counted (0 = all count)
    stats_alarm_window_minutes: int = 15  # the alarm looks at the answer rate over this rolling window
    stats_alarm_min_offered: int = 20  # … and only when at least this many calls were offered in it
    stats_alarm_clear_margin: float = 0.0  # cleared at target + margin (hysteresis)
    stats_alarm_interval_seconds: float = 30  # `hotline stats`: periodic evaluation besides call events
    stats_sub_centre_queues: str = ""  # queue=ORG-CODE pairs, comma separated (分中心 answering a queue)
    stats_staffing_patience_seconds: float = 90  # callers' mean patience for Erlang A staffing


class AnalyticsSettings(_Section):
    """Hot topics, alerts (预警) and reports (analytics/, reports/; R-24, R-27, R-34)."""

    analytics_surge_min_tickets: int = Field(default=10, ge=2)  # a surge: at least this many tickets …
    analytics_surge_window_minutes: int = Field(default=120, ge=5, le=7 * 24 * 60)  # … of one topic in one county within this
    analytics_surge_factor: float = Field(default=3.0, ge=1.0)  # … and this many times its usual count per window
    analytics_repeat_min_tickets: int = Field(default=3, ge=2)  # one caller, one matter, this many tickets …
    analytics_repeat_window_days: int = Field(default=30, ge=1, le=366)  # … within this many days
    analytics_collective_min_callers: int = Field(default=5, ge=2)  # this many callers on one address …
    analytics_collective_window_days: int = Field(default=7, ge=1, le=366)  # … within this many days
    analytics_topic_threshold: float = Field(default=0.3, gt=0.0, lt=1.0)  # similarity that joins a ticket to a topic
    # the API process evaluates alerts after ticket creations (coalesced); false: only the scheduler's
    # pass and POST …/alerts/evaluate do
    analytics_evaluate_on_create: bool = True


class TelephonySettings(_Section):
    """Asterisk: where it runs, its SIP/ARI/RTP addresses, trunks and the AGI it calls."""

    asterisk_root: Path = Path("/var/cache/hotline12345/asterisk-root")
    asterisk_bin: str | None = None  # an installed asterisk binary; unset: look on PATH, else the root
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    ari_host: str = "127.0.0.1"
    ari_port: int = 8088
    ari_user: str = "hotline"
    ari_password: SecretStr | None = None  # unset: derived from the secret key
    ari_app: str = "hotline"
    # websockets each worker opens to carry its ARI requests (Asterisk 22 REST over websocket,
    # ivr/ari_ws.py), one request in flight on each; 0: every request over HTTP
    ari_request_sockets: int = Field(default=8, ge=0, le=64)
    rtp_start: int = 10000
    rtp_end: int = 10999
    # the address browsers send WebRTC media to (a container's or NAT'd host's public address);
    # unset: the SIP bind address, loopback when SIP binds every address (development)
    rtp_media_address: str | None = None
    pstn_address: str = "127.0.0.2"
    emergency_address: str = "127.0.0.3:5060"
    # browser softphones: the SIP WebSocket URL given to the desktop (production: wss:// behind TLS);
    # unset: ws://{ari_host}:{ari_port}/ws, which browsers accept only from a page on 127.0.0.1
    sip_ws_url: str | None = None
    # AGI the dialplan runs before Stasis. agi://HOST:PORT = the workers' FastAGI server
    # (blocked-caller check + routing hint); unset = scripts inside the Asterisk root.
    agi_base: str | None = None
    agi_scripts_dir: Path | None = None  # unset: the installed agi_scripts package
    fastagi_host: str = "127.0.0.1"
    fastagi_port: int = 4573


class CallSettings(_Section):
    """Call flow: the ARI worker, IVR, ACD (ivr/, acd/, calls/)."""

    worker_id: str = Field(default_factory=lambda: secrets.token_hex(4))
    ring_timeout_seconds: int = 15
    wrap_up_seconds: int = 30
    ivr_digit_timeout_seconds: float = 5.0  # menu: no key within this -> general queue
    ivr_ticket_timeout_seconds: float = 10.0  # ticket number entry
    queue_announce_seconds: float = 30.0  # queued callers hear their position this often
    # dialled number=region-code pairs, comma separated (02812345=510100): the region a call
    # belongs to by the number it arrived on (calls/regions.py); unmapped: the answering seat's
    call_regions: str = ""
    prompts_dir: Path = VAR_DIR / "prompts"
    prompts_file: Path | None = None  # YAML file overriding prompt texts (ivr/prompt_texts.py)


class RecordingSettings(_Section):
    recordings_dir: Path = VAR_DIR / "recordings"
    recordings_retention_days: int = 731  # at least two years
    recordings_verify_days: float = 7.0  # each stored recording's SHA-256 is re-checked this often
    recordings_verify_batch: int = 200  # recordings re-checked per scheduler pass at most


class DiallingSettings(_Section):
    """Outside numbers (three-way calls, outbound legs)."""

    outside_numbers: str = DEFAULT_OUTSIDE_NUMBERS  # allow-list: whole-number regexes, space-separated
    outside_dials_per_hour: int = 20  # per user; more is refused (429) until the hour is over
    outbound_caller_id: str = "12345"  # what an outside party sees, never the citizen's number

    @field_validator("outside_numbers")
    @classmethod
    def _allow_list_compiles(cls, value: str) -> str:
        try:
            compile_allow_list(value)  # a malformed pattern stops the start, not a call
        except re.error as exc:
            raise ValueError(f"HOTLINE_OUTSIDE_NUMBERS: {exc}") from exc
        return value


class CallbackSettings(_Section):
    """Calling citizens back (R-16 … R-19): the phone/SMS survey, missed-call tasks, SMS gateway."""

    survey_delay_minutes: int = Field(default=30, ge=0)  # after the ticket is completed (awaiting callback)
    survey_call_window: str = "09:00-12:00,14:00-20:00"  # Beijing time; "00:00-24:00" = always
    survey_max_channels: int = Field(default=10, ge=1)  # surveys on the line at once, whole centre
    survey_attempts: int = Field(default=3, ge=1)  # phone tries for no answer / busy
    survey_retry_minutes: int = Field(default=60, ge=0)  # spacing between two tries
    survey_ring_seconds: int = Field(default=30, ge=5)  # how long a survey call rings
    survey_sample: str = ""  # region=share pairs ("510100=1 510700=0.3"); a region's prefix counts; default 1
    survey_sms_regions: str = ""  # regions (prefixes) surveyed by SMS instead of phone, space separated
    survey_sms_fallback: bool = True  # SMS after every phone try failed (when an SMS gateway is set)
    survey_sms_reply_hours: int = Field(default=24, ge=1)  # an SMS survey without a reply: no evaluation
    missed_callback_minutes: int = Field(default=120, ge=1)  # 漏接回拨: a missed caller is called back within
    sms_gateway: str = ""  # "" (none) | kannel | provider
    sms_kannel_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    sms_kannel_user: str = "hotline"
    sms_kannel_password: SecretStr | None = None
    sms_provider_url: str = ""  # a provider's HTTP API (POST JSON {"to","text","sender"})
    sms_provider_token: SecretStr | None = None
    sms_sender: str = "12345"
    sms_per_minute: int = Field(default=60, ge=1)  # SMS sent per minute at most, whole centre
    sms_inbound_token: SecretStr | None = None  # the gateway's replies are accepted only with this token


class TranscriptionSettings(_Section):
    """`hotline transcribe`: speech recognition of call recordings (transcription/)."""

    # the Vosk model directory (e.g. …/vosk-model-small-cn-0.22); unset: no transcription
    asr_model_dir: Path | None = None
    asr_engine: str = "vosk"  # the engine behind transcription.engine.SpeechEngine
    transcribe_interval_seconds: float = 5.0  # the worker looks for new recordings this often when idle
    transcribe_max_attempts: int = 3  # a recording that failed this often is left alone
    # keywords that flag a call for inspection, beside the built-in ones: "abuse=词一|词二;threat=词三"
    asr_keywords: str = ""


class QualitySettings(_Section):
    """Quality inspection (质检, quality/)."""

    # random calls drawn per agent and week (besides every complaint, dissatisfied and flagged call)
    quality_sample_per_agent: int = Field(default=5, ge=0, le=1000)


class IntegrationSettings(_Section):
    """The open API for apps and upstream platforms, and the province data push (docs/open-api.md)."""

    amqp_url: str | None = None  # amqp://user:pass@host:5672/vhost — unset: no relay to RabbitMQ
    amqp_exchange: str = "hotline.events"  # topic exchange (durable) the relay publishes to
    amqp_relay_interval_seconds: float = Field(default=1.0, gt=0)  # idle relay polls the outbox this often
    amqp_relay_batch: int = Field(default=500, ge=1, le=10_000)  # events published per confirmed batch
    client_token_ttl_minutes: int = Field(default=60, ge=1)  # an API client's bearer token
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)  # one callback POST
    webhook_max_attempts: int = Field(default=12, ge=1)  # then the delivery is failed (shown to admins)
    webhook_backoff_seconds: float = Field(default=5.0, gt=0)  # first retry; doubled each time, at most 1 h
    webhook_interval_seconds: float = Field(default=2.0, gt=0)  # the relay looks for due callbacks this often


class Settings(BaseModel):
    """One typed settings object in sections; env names are part of the public contract
    (docs/configuration.md). Construct it with flat names: `Settings(sip_port=5170)`."""

    model_config = ConfigDict(extra="forbid")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    worktime: WorktimeSettings = Field(default_factory=WorktimeSettings)
    workorders: WorkOrderSettings = Field(default_factory=WorkOrderSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings)
    stats: StatsSettings = Field(default_factory=StatsSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    telephony: TelephonySettings = Field(default_factory=TelephonySettings)
    calls: CallSettings = Field(default_factory=CallSettings)
    recordings: RecordingSettings = Field(default_factory=RecordingSettings)
    dialling: DiallingSettings = Field(default_factory=DiallingSettings)
    callbacks: CallbackSettings = Field(default_factory=CallbackSettings)
    transcription: TranscriptionSettings = Field(default_factory=TranscriptionSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    integration: IntegrationSettings = Field(default_factory=IntegrationSettings)

    def __init__(self, _env_file: Any = _READ_ENV_FILE, **values: Any) -> None:
        """Flat setting names go to their sections, each section reads the environment for the
        rest; section names (or a subclass's own fields) are taken as they are. `_env_file=None`
        reads no `.env`, as with pydantic-settings."""
        env_file = {} if _env_file is _READ_ENV_FILE else {"_env_file": _env_file}
        by_section = _route(type(self), {k: v for k, v in values.items() if k not in type(self).model_fields})
        given = {k: v for k, v in values.items() if k in type(self).model_fields}
        for section, field in SECTIONS.items():
            if isinstance(given.get(section), _Section):
                continue
            flat = {**given.get(section, {}), **by_section.get(section, {})}
            given[section] = field(**env_file, **flat)
        super().__init__(**given)

    def replace(self, **changes: Any) -> Self:
        """A copy with some settings changed, by flat name (`replace(sip_port=5170)`); like
        model_copy, the new values are not validated."""
        own = {k: v for k, v in changes.items() if k in type(self).model_fields and k not in SECTIONS}
        update: dict[str, Any] = dict(own)
        for section, values in _route(type(self), {k: v for k, v in changes.items() if k not in own}).items():
            update[section] = getattr(self, section).model_copy(update=values)
        return super().model_copy(update=update)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        flat = set(update or ()) & set(SECTION_OF)
        if flat:
            raise TypeError(f"Settings.model_copy(update=…) got flat setting names {sorted(flat)}; "
                            "use Settings.replace(name=value)")
        return super().model_copy(update=update, deep=deep)

    def environment(self) -> dict[str, str]:
        """The HOTLINE_* variables that make another process read exactly these settings
        (unset ones are left out, secrets in clear)."""
        env: dict[str, str] = {}
        for section in SECTIONS:
            for name, value in getattr(self, section).model_dump().items():
                if value is None:
                    continue
                if isinstance(value, SecretStr):
                    value = value.get_secret_value()
                elif isinstance(value, bool):
                    value = "true" if value else "false"
                env[f"{ENV_PREFIX}{name.upper()}"] = str(value)
        return env


# section name -> its class, and every setting's flat name -> its section's name
SECTIONS: dict[str, type[_Section]] = {name: field.annotation for name, field in Settings.model_fields.items()}
SECTION_OF: dict[str, str] = {flat: section for section, cls in SECTIONS.items() for flat in cls.model_fields}
assert len(SECTION_OF) == sum(len(cls.model_fields) for cls in SECTIONS.values()), "a setting in two sections"


def _route(settings_class: type[Settings], flat: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{flat name: value} -> {section: {flat name: value}}; an unknown name is an error."""
    unknown = sorted(set(flat) - set(SECTION_OF))
    if unknown:
        raise TypeError(f"{settings_class.__name__}: unknown settings {unknown}")
    by_section: dict[str, dict[str, Any]] = {}
    for name, value in flat.items():
        by_section.setdefault(SECTION_OF[name], {})[name] = value
    return by_section


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process (tests build their own Settings objects)."""
    return Settings()
