"""The committed JsSIP bundle is the one package-lock.json pins, and `npm run build` reproduces it."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from core.settings import REPO_ROOT

BUNDLE = REPO_ROOT / "agent_desktop" / "vendor" / "jssip.min.js"


def test_bundle_matches_the_lock_file():
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/jssip"]["version"]
    text = BUNDLE.read_text()
    assert text.startswith("/*! JsSIP (MIT License")
    assert re.search(r'name:"jssip",title:"JsSIP",description:"[^"]*",version:"([^"]+)"', text).group(1) == pinned
    assert "var JsSIP=" in text and "WebSocketInterface" in text


@pytest.mark.skipif(not (REPO_ROOT / "node_modules" / ".bin" / "esbuild").exists(),
                    reason="node_modules not installed (make desktop-assets installs them)")
def test_npm_build_reproduces_the_committed_bundle(tmp_path):
    package = json.loads((REPO_ROOT / "package.json").read_text())
    command = package["scripts"]["build"].replace("agent_desktop/vendor/jssip.min.js", str(tmp_path / "out.js"))
    subprocess.run(f"node_modules/.bin/{command}", shell=True, cwd=REPO_ROOT, check=True, capture_output=True,
                   timeout=120)
    assert (tmp_path / "out.js").read_bytes() == BUNDLE.read_bytes()
