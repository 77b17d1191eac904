"""The layers stay as designed (style.md: kopf's enforced layers, pip-tools' import test).

cli -> engine -> resources -> twilio_client. Only the CLI (and the text
renderer, for colour) imports click; only twilio_client and the resource
layer import twilio; the engine, manifest and render layers never import a
specific resource kind, so adding a kind touches one module and its tests.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "flexplan"
KIND_MODULES = {
    f"flexplan.resources.{p.stem}"
    for p in (PACKAGE / "resources").iterdir()
    if (p.suffix == ".py" or (p / "__init__.py").exists())
    and not p.stem.startswith("_")
    and p.stem not in ("base", "fields")
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _offenders(layer: str, forbidden: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if module.startswith(layer) and not module.startswith(allowed or ("\0",))
        for name in names
        if name == forbidden or name.startswith(forbidden + ".")
    )


@pytest.mark.parametrize("layer", ["flexplan.engine", "flexplan.manifest", "flexplan.render",
                                   "flexplan.lookups", "flexplan.connect"])  # fmt: skip
def test_no_layer_outside_resources_names_a_kind(layer: str) -> None:
    bad = [
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if module.startswith(layer)
        for name in names
        if any(name == kind or name.startswith(kind + ".") for kind in KIND_MODULES)
    ]
    assert bad == []


def test_only_the_cli_and_the_text_renderer_import_click() -> None:
    outside = [m for m in MODULES if not m.startswith("flexplan.cli")]
    bad = [
        f"{m} imports click"
        for m in outside
        if m != "flexplan.render.text"
        and any(n == "click" or n.startswith("click.") for n in MODULES[m])
    ]
    assert bad == []


def test_only_the_client_layer_imports_twilio() -> None:
    allowed = ("flexplan.twilio_client", "flexplan.resources")
    bad = [
        f"{m} imports {n}"
        for m, names in MODULES.items()
        if not m.startswith(allowed)
        for n in names
        if n == "twilio" or n.startswith("twilio.")
    ]
    assert bad == []


FIRST_IMPORT = """
import importlib, sys, traceback
failures = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "flexplan" or m.startswith("flexplan.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failures))
sys.exit(1 if failures else 0)
"""


def test_every_module_imports_on_its_own() -> None:
    """No circular imports: each flexplan module imports first, in a fresh flexplan."""
    names = sorted(m for m in MODULES if m != "flexplan.__main__")  # that one runs the CLI
    done = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORT, *names], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
