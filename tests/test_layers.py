"""Dependencies point one way: the import contracts of pyproject.toml ([tool.importlinter]) are kept.

core → models → platform (access, web, events, audit) → domains → features → composition roots
(api, cli): each package imports only packages below it, and the package graph has no cycle.
Imports inside functions and under TYPE_CHECKING count: a cycle is never hidden, it is removed
by moving the code that closes it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
NOT_PLATFORM = {"tests"}
ORDERING_CONTRACTS = ("layers", "package-dag")


def _packages_on_disk() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_PLATFORM


def _contract(contract_id: str) -> dict:
    return next(c for c in CONFIG["contracts"] if c["id"] == contract_id)


def _layered(contract_id: str) -> set[str]:
    names = set()
    for layer in _contract(contract_id)["layers"]:
        for name in layer.replace("|", ":").split(":"):
            name = name.strip()
            if not name.startswith("("):  # optional: a package that may not exist yet
                names.add(name)
    return names


def test_every_package_is_checked():
    on_disk, checked = _packages_on_disk(), set(CONFIG["root_packages"])
    assert on_disk <= checked, (
        f"top-level packages missing from [tool.importlinter] root_packages in pyproject.toml: "
        f"{sorted(on_disk - checked)}: add them, and give them their place in the layers")
    assert checked <= on_disk, f"root_packages that do not exist: {sorted(checked - on_disk)}"


def test_every_package_has_a_place_in_the_layers():
    for contract_id in ORDERING_CONTRACTS:
        missing = set(CONFIG["root_packages"]) - _layered(contract_id)
        assert not missing, f"packages without a layer in contract {contract_id!r}: {sorted(missing)}"


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True, timeout=300,
                            cwd=ROOT, env=env, check=False)
    report = result.stdout
    if "Broken contracts" in report:  # the part that says which import goes the wrong way
        report = report[report.index("Broken contracts"):]
    assert result.returncode == 0, (
        "an import goes against the layers (pyproject.toml [tool.importlinter]); move the code that needs "
        "it, never hide the import in a function:\n" + report[-6000:] + result.stderr[-2000:])
