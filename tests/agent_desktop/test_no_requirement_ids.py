"""Screens speak to their users: no requirement ids (R-06 …) in what a page or a script shows.
Comments may cite them (they are for developers), so comments are removed before looking."""
from __future__ import annotations

import re
from pathlib import Path

from core.settings import REPO_ROOT

UI_ROOT = REPO_ROOT / "agent_desktop"
REQUIREMENT_ID = re.compile(r"\bR-\d\d\b")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
JS_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# a line comment: at the start of a line, or after code with a space before it (an address
# in a string, "http://…", has no space before its slashes)
JS_LINE_COMMENT = re.compile(r"(^|\s)//.*$", re.MULTILINE)


def without_comments(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = HTML_COMMENT.sub("", text)
    return JS_LINE_COMMENT.sub("", JS_BLOCK_COMMENT.sub("", text))


def ui_files() -> list[Path]:
    return sorted(p for p in UI_ROOT.rglob("*") if p.suffix in (".html", ".js") and "vendor" not in p.parts)


def requirement_ids_shown(path: Path) -> list[str]:
    return [line.strip() for line in without_comments(path).splitlines() if REQUIREMENT_ID.search(line)]


def test_no_page_or_script_shows_a_requirement_id():
    files = ui_files()
    assert any(p.name == "index.html" for p in files) and any(p.suffix == ".js" for p in files)
    shown = {str(p.relative_to(REPO_ROOT)): requirement_ids_shown(p) for p in files}
    assert {name: lines for name, lines in shown.items() if lines} == {}


def test_the_check_sees_labels_and_strings_but_not_comments(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!-- the tab of R-06 -->\n<button>直接答复（R-06）</button>\n")
    script = tmp_path / "app.js"
    script.write_text('// R-07: repeat callers\nconst url = "http://x/"; // R-26\n'
                      'const label = "已暂停受理（R-26）"; /* R-04 */\n')
    assert requirement_ids_shown(page) == ["<button>直接答复（R-06）</button>"]
    assert requirement_ids_shown(script) == ['const label = "已暂停受理（R-26）";']
