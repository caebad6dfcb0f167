"""The platform's Asterisk: where it comes from (rootfs), its configuration (render),
its process (process) and the `hotline asterisk` commands (cli).

    from pbx import process
    process.start(settings); process.cli(settings, "pjsip show endpoints"); process.stop(settings)

`cli` is deliberately not re-exported here: `pbx.cli` is the click module.
"""
from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from pbx.process import AsteriskError, start, status, stop, sync_agi, sync_prompts
from pbx.render import render_config
from pbx.rootfs import ensure as ensure_asterisk
from pbx.rootfs import layout


def host_path(settings: Settings, path_in_asterisk: str) -> Path:
    """Host location of a path Asterisk reported (e.g. a recording under
    /var/spool/asterisk/<instance>/recording)."""
    return layout(settings).host_path(path_in_asterisk)


def recordings_host_dir(settings: Settings) -> Path:
    """Host directory of ARI stored recordings: record name=N format=wav -> N.wav here."""
    lay = layout(settings)
    return lay.host_path(lay.recordings_dir)


def prompt_sound(settings: Settings, name: str) -> str:
    """ARI media URI of prompt `name` (a file in settings.prompts_dir, without extension);
    in chroot mode call sync_prompts(settings) after adding files."""
    return f"sound:{layout(settings).dirs['prompts']}/{name}"


__all__ = ["AsteriskError", "ensure_asterisk", "host_path", "layout", "prompt_sound",
           "recordings_host_dir", "render_config", "start", "status", "stop", "sync_agi",
           "sync_prompts"]
