"""Every declared runtime dependency is used by the platform (pyst2 was declared and never imported)."""
from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions

from core.settings import REPO_ROOT

# Used without an import statement of ours; each with the reason it is needed.
IMPLICIT = {
    "psycopg": "SQLAlchemy's postgresql+psycopg dialect (core/database.py)",
    "aiosqlite": "SQLAlchemy's sqlite+aiosqlite dialect: the embedded default database",
    "python-multipart": "FastAPI parses the token endpoint's form body and ticket attachment uploads with it",
    "hiredis": "redis-py's C reply parser, picked up when installed",
    "sniffio": "httpcore looks it up on every request",
}
# Imported, and installed by a declared package on purpose (no range of ours could be better).
PROVIDED_BY = {
    "starlette": "fastapi (built on it, pins its versions)",
    "uvloop": "uvicorn[standard] (optional faster loop, imported with a fallback)",
    "aiormq": "aio-pika (built on it, pins its versions): the relay tells a broker's ack from a nack by its frame",
}
NOT_PLATFORM = {"tests", "bench", "scripts", "node_modules", "docs", "var", ".venv", "test-artifacts"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return {_canonical(re.match(r"[A-Za-z0-9_.-]+", spec).group(0)) for spec in project["dependencies"]}


def _imported_top_level_modules() -> set[str]:
    modules: set[str] = set()
    for path in REPO_ROOT.rglob("*.py"):
        if NOT_PLATFORM & set(path.relative_to(REPO_ROOT).parts):
            continue
        modules |= set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", path.read_text(), flags=re.MULTILINE))
    return modules


def test_every_declared_dependency_is_imported_or_implicitly_needed():
    by_module = packages_distributions()
    used = {_canonical(dist) for module in _imported_top_level_modules() for dist in by_module.get(module, ())}
    unused = _declared() - used - set(IMPLICIT)
    assert not unused, f"declared in pyproject.toml but never used: {sorted(unused)}"
    assert set(IMPLICIT) <= _declared(), "an implicit dependency listed here is no longer declared"


def test_every_third_party_module_the_platform_imports_is_declared():
    """A module that arrives only as another package's dependency can vanish with it (yaml did)."""
    by_module = packages_distributions()
    ours = {p.name for p in REPO_ROOT.iterdir() if p.is_dir()} | set(PROVIDED_BY)
    undeclared = {module: dists for module in _imported_top_level_modules() - ours
                  if (dists := [_canonical(d) for d in by_module.get(module, ())]) and not set(dists) & _declared()}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_pyst2_is_gone_and_the_telephony_page_says_why_fastagi_is_ours():
    assert "pyst2" not in _declared()
    assert "pyst2" not in (REPO_ROOT / "constraints.txt").read_text()
    assert "pyst2" in (REPO_ROOT / "docs" / "telephony.md").read_text()  # the reason the FastAGI server is our own
