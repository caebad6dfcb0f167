"""Typed settings: every knob comes from a HOTLINE_* environment variable (or `.env`)."""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Repository root: the embedded defaults (SQLite file, recordings, prompts) live under ./var/.
REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


class Settings(BaseSettings):
    """One typed settings object; env names are part of the public contract (README table)."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # --- core -----------------------------------------------------------------
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'hotline.db'}"
    redis_url: str | None = None  # unset: in-process implementation (one process only)
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None  # unset: generated once and kept in var/secret_key
    token_ttl_minutes: int = 12 * 60
    login_max_failures: int = 5
    login_lockout_seconds: int = 300
    max_body_bytes: int = 1_000_000
    log_level: str = "INFO"
    log_json: bool = True
    var_dir: Path = VAR_DIR
    demo_data: bool = True
    demo_password: SecretStr | None = None  # demo accounts' web + SIP password (demo only)
    business_timezone: str = "Asia/Shanghai"
    events_channel: str = "hotline:events"  # Redis pub/sub channel of the event bus
    ws_ping_seconds: float = 20.0  # websocket server ping period; a missed pong closes the socket

    # --- working time (工作时间) ------------------------------------------------
    working_periods: str = "09:00-12:00,13:30-17:30"

    # --- telephony ------------------------------------------------------------
    asterisk_root: Path = Path("/var/cache/hotline12345/asterisk-root")
    asterisk_bin: str | None = None  # an installed asterisk binary; unset: look on PATH, else the root
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    ari_host: str = "127.0.0.1"
    ari_port: int = 8088
    ari_user: str = "hotline"
    ari_password: SecretStr | None = None  # unset: derived from the secret key
    ari_app: str = "hotline"
    rtp_start: int = 10000
    rtp_end: int = 10999
    pstn_address: str = "127.0.0.2"
    emergency_address: str = "127.0.0.3:5060"
    recordings_dir: Path = VAR_DIR / "recordings"
    prompts_dir: Path = VAR_DIR / "prompts"
    ring_timeout_seconds: int = 15
    wrap_up_seconds: int = 30
    worker_id: str = Field(default_factory=lambda: secrets.token_hex(4))


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process (tests build their own Settings objects)."""
    return Settings()
