"""The import-linter contract of the solver adapter lists every module of the app but it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = "app.services.scheduling"


def _modules(package: Path, prefix: str) -> set[str]:
    """The modules and packages directly inside ``package``, as dotted names."""
    names = {f"{prefix}.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    names |= {f"{prefix}.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    return names


def test_the_adapter_contract_covers_every_other_module_of_the_app() -> None:
    """A new module or package must be named in the contract, or it could import the solver."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"] == "Only the scheduling adapter imports the solver"
    )
    services = _modules(ROOT / "app" / "services", "app.services")
    expected = (_modules(ROOT / "app", "app") - {"app.services"}) | (services - {ADAPTER})
    assert set(contract["source_modules"]) == expected
    assert contract["forbidden_modules"] == ["solver"]
