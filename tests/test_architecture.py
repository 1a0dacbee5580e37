"""The layers in docs/architecture.md, as import-linter checks them (pyproject.toml)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "api", "dashboard", "reports", "engagement", "forces", "audit")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The project's packages and contracts, copied so that a test can break them."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_forces_importing_engagement_breaks_the_contracts(tree_copy: Path):
    with (tree_copy / "forces" / "selectors.py").open("a") as module:
        module.write("\nfrom engagement.models import Interaction  # noqa\n")

    result = lint_imports(tree_copy)

    assert result.returncode == 1
    assert "forces never imports engagement (nor anything above it) BROKEN" in result.stdout
    assert "forces.selectors -> engagement.models" in result.stdout


def test_a_page_writing_through_a_service_breaks_the_contracts(tree_copy: Path):
    with (tree_copy / "dashboard" / "pages.py").open("a") as module:
        module.write("\nfrom engagement.definitions.services import publish_definition  # noqa\n")

    result = lint_imports(tree_copy)

    assert result.returncode == 1
    assert "dashboard and reports read through selectors only BROKEN" in result.stdout


def test_every_module_has_a_place_in_the_layers():
    """A new module must be given its layer, or the contracts would not look at it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    roles = next(c for c in config["contracts"] if c["name"].startswith("Roles:"))
    placed = {
        name.strip()
        for layer in roles["layers"]
        for name in layer.replace("|", ":").split(":")
        if name.strip()
    }
    unplaced = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in module.split(".") or module.endswith("__init__"):
                continue
            parts = module.split(".")
            prefixes = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
            if package != "config" and not prefixes & placed:
                unplaced.append(module)
    assert unplaced == [], f"Give these modules a layer in pyproject.toml: {unplaced}"
