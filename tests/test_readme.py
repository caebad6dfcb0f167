"""The README stays true: every setting is in its configuration table."""
from __future__ import annotations

from core.settings import REPO_ROOT, Settings


def test_every_setting_is_documented():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [f"HOTLINE_{name.upper()}" for name in Settings.model_fields if f"HOTLINE_{name.upper()}" not in readme]
    assert missing == []
