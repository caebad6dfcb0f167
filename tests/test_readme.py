"""The front page and the reference stay true: every setting is in the configuration tables,
the README leads to every page under docs/, and no link between them points nowhere."""
from __future__ import annotations

import re
from pathlib import Path

from core.settings import REPO_ROOT, SECTIONS

DOCS = REPO_ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
PAGES = [REPO_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
# [text](target) — images too; external addresses are left alone
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _table_rows(markdown: str) -> str:
    return "\n".join(line for line in markdown.splitlines() if line.startswith("|"))


def _anchors(markdown: str) -> set[str]:
    """The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered -1, -2 …"""
    seen: dict[str, int] = {}
    anchors = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not (heading := re.match(r"^#{1,6} (.+)$", line)):
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _broken_links(page: Path) -> list[str]:
    text = page.read_text()
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in _anchors(linked.read_text())):
            broken.append(target)
    return broken


def _section_tables(markdown: str) -> dict[str, str]:
    """{section: its table rows}: a `## ` heading followed by "Section `settings.<name>`."."""
    tables: dict[str, str] = {}
    for block in re.split(r"^## ", markdown, flags=re.MULTILINE)[1:]:
        if named := re.search(r"^Section `settings\.(\w+)`", block, re.MULTILINE):
            tables[named.group(1)] = _table_rows(block)
    return tables


def test_every_setting_is_documented_in_its_sections_table():
    tables = _section_tables(CONFIGURATION.read_text())
    assert set(tables) == set(SECTIONS)
    missing = [f"{section}: HOTLINE_{name.upper()}" for section, fields in SECTIONS.items()
               for name in fields.model_fields if f"`HOTLINE_{name.upper()}`" not in tables[section]]
    assert missing == []


def test_the_check_notices_an_undocumented_setting():
    # a name that is only in the prose, not in a table row, does not count as documented
    assert "`HOTLINE_DATABASE_URL`" not in _table_rows("Set `HOTLINE_DATABASE_URL`.\n\n| a | b |\n| --- | --- |\n")


def test_the_readme_leads_to_every_reference_page():
    readme = (REPO_ROOT / "README.md").read_text()
    unlinked = [page.name for page in DOCS.glob("*.md") if f"](docs/{page.name})" not in readme]
    assert unlinked == []


def test_links_between_the_pages_resolve():
    broken = {page.relative_to(REPO_ROOT).as_posix(): links for page in PAGES if (links := _broken_links(page))}
    assert broken == {}


def test_anchors_follow_githubs_rules():
    assert _anchors("# Softphone over TLS in production\n## Benchmark (`bench/bench_acd.py`)\n## API\n## API\n") == {
        "softphone-over-tls-in-production", "benchmark-benchbench_acdpy", "api", "api-1"}
    assert _anchors("```\n# not a heading\n```\n# Telephony: ACD (呼叫)\n") == {"telephony-acd-呼叫"}
