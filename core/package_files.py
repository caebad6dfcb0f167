"""Where the platform's own files are: next to its packages, in a checkout or an installed wheel.

Templates (asterisk_conf/), pages (agent_desktop/), migrations and the AGI scripts ship as
package data, so they are found from the package, never from a checkout's root: the docker
image and any `pip install` carry no repository around them.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path


def package_dir(name: str) -> Path:
    """The directory of the top-level package `name`, located without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).resolve()
