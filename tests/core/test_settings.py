"""Settings in sections: the HOTLINE_* names stay flat, flat names construct and copy, a flat
attribute read fails loudly."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from core.settings import SECTION_OF, SECTIONS, Settings

KEY = "k" * 32


@pytest.fixture(autouse=True)
def _no_hotline_environment(monkeypatch):
    """Only what a test sets: the run's own HOTLINE_* variables (ports, database …) are hidden."""
    for name in [n for n in os.environ if n.startswith("HOTLINE_")]:
        monkeypatch.delenv(name)


def test_each_setting_is_read_from_its_flat_variable_into_its_section(monkeypatch):
    monkeypatch.setenv("HOTLINE_SIP_PORT", "5170")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("HOTLINE_STATS_ALARM_MIN_OFFERED", "7")
    settings = Settings(_env_file=None)
    assert settings.telephony.sip_port == 5170
    assert settings.database.database_url == "postgresql+psycopg://u@h/db"
    assert settings.stats.stats_alarm_min_offered == 7


def test_every_setting_is_in_exactly_one_section():
    assert sum(len(section.model_fields) for section in SECTIONS.values()) == len(SECTION_OF)  # no name twice
    assert SECTION_OF["sip_port"] == "telephony" and SECTION_OF["working_periods"] == "worktime"


def test_flat_names_construct_and_replace_and_unknown_ones_are_refused():
    settings = Settings(_env_file=None, sip_port=5170, demo_data=False)
    assert (settings.telephony.sip_port, settings.demo.demo_data) == (5170, False)
    copy = settings.replace(sip_port=5171, ring_timeout_seconds=3)
    assert (copy.telephony.sip_port, copy.calls.ring_timeout_seconds) == (5171, 3)
    assert settings.telephony.sip_port == 5170  # the original is unchanged
    assert copy.demo is settings.demo  # untouched sections are shared, like model_copy
    with pytest.raises(TypeError, match="sip_prot"):
        Settings(sip_prot=1)
    with pytest.raises(TypeError, match="sip_prot"):
        settings.replace(sip_prot=1)
    with pytest.raises(TypeError, match="replace"):
        settings.model_copy(update={"sip_port": 1})


def test_a_flat_attribute_read_fails_loudly():
    with pytest.raises(AttributeError):
        _ = Settings(_env_file=None).sip_port


def test_validators_still_stop_a_bad_value():
    with pytest.raises(ValidationError, match="HOTLINE_SECRET_KEY"):
        Settings(_env_file=None, secret_key="short")
    with pytest.raises(ValidationError, match="HOTLINE_TRUSTED_PROXIES"):
        Settings(_env_file=None, trusted_proxies="not an address")
    with pytest.raises(ValidationError, match="HOTLINE_OUTSIDE_NUMBERS"):
        Settings(_env_file=None, outside_numbers="(")


def test_environment_gives_the_variables_that_read_back_the_same_settings(monkeypatch, tmp_path):
    settings = Settings(_env_file=None, secret_key=KEY, var_dir=tmp_path, log_json=False, sip_port=5170,
                        demo_password="demo-pass")
    env = settings.environment()
    assert env["HOTLINE_SECRET_KEY"] == KEY and env["HOTLINE_LOG_JSON"] == "false"
    assert env["HOTLINE_VAR_DIR"] == str(tmp_path) and "HOTLINE_REDIS_URL" not in env  # unset stays unset
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    again = Settings(_env_file=None)
    assert again.environment() == env
    assert again.storage.var_dir == Path(tmp_path) and again.demo.demo_password == SecretStr("demo-pass")
