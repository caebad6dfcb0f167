"""The platform's Asterisk: where it comes from (rootfs), its configuration (render),
its process (process) and the `hotline asterisk` commands (cli).

    from pbx import start, stop, status, cli, host_path
"""
from __future__ import annotations

from pbx.process import AsteriskError, cli, start, status, stop, sync_agi, sync_prompts
from pbx.render import render_config
from pbx.rootfs import ensure as ensure_asterisk, layout


def host_path(settings, path_in_asterisk: str):
    """Host location of a path Asterisk reported (e.g. a recording under
    /var/spool/asterisk/recording)."""
    return layout(settings).host_path(path_in_asterisk)


def recordings_host_dir(settings):
    """Host directory holding ARI stored recordings (`recording` name -> name.wav here)."""
    lay = layout(settings)
    return lay.host_path(lay.recordings_dir)


def prompt_sound(settings, name: str) -> str:
    """ARI media URI of prompt `name` (a file name in settings.prompts_dir, no extension)."""
    return f"sound:{layout(settings).dirs['prompts']}/{name}"


__all__ = ["AsteriskError", "cli", "ensure_asterisk", "host_path", "layout", "prompt_sound",
           "recordings_host_dir", "render_config", "start", "status", "stop", "sync_agi",
           "sync_prompts"]
