"""The layers stay as designed, checked on the source (as kopf and pip-tools test theirs).

cli -> render -> engine -> manifest -> resources -> twilio_client, each
importing only its own layer or lower ones (``LAYERS``), the sandbox apart.
Only the CLI (and the text renderer, for colour) imports click; only
twilio_client and the resource layer import twilio; the engine, manifest and
render layers never import a specific resource kind, so adding a kind touches
one module and its tests.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from flexplan.resources import KINDS

PACKAGE = Path(__file__).resolve().parents[1] / "flexplan"
# the module (Studio: the package) of every registered kind
KIND_MODULES = {".".join(type(kind).__module__.split(".")[:3]) for kind in KINDS}


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


# -- layer contracts: every package has a place, and imports only downwards -----------
# A module may import modules of its own layer or of a lower one. The sandbox stands
# apart: it reproduces Twilio and may use only the bottom layer, so that it never
# answers the way flexplan expects because it shares flexplan's code.
LAYERS: dict[str, int] = {
    "flexplan": 0,  # the package itself (its version)
    "flexplan.atomic": 0,  # files replaced whole (journal, digest cache, sandbox state)
    "flexplan.collector": 0,  # the cycle collector's shared pause (manifest load, plan)
    "flexplan.records": 0,  # dataclasses made on first use (start-up)
    "flexplan.suggest": 0,  # "did you mean": difflib on the first miss
    "flexplan.errors": 0,
    "flexplan.redact": 0,
    "flexplan.sensitive": 0,
    "flexplan.throttle": 0,
    "flexplan.learned_limit": 0,  # the account's concurrency limit, kept between runs
    "flexplan.recording": 0,
    "flexplan.request_log": 0,  # FLEXPLAN_LOG=debug, scrubbed as recordings are
    "flexplan.plantypes": 0,
    "flexplan.flowdiff": 0,  # a Studio diff as data: made by the kind, read by renderers
    "flexplan.studio_widgets": 0,
    "flexplan.twilio_profiles": 0,  # the twilio CLI's config.json: plain JSON, no SDK
    "flexplan.pydantic_plugins": 0,  # the command's models without third-party plugins
    "flexplan.twilio_client": 1,
    "flexplan.resources": 2,
    "flexplan.lookups": 2,
    "flexplan.manifest": 3,
    "flexplan.engine": 4,
    "flexplan.migrate": 4,  # rewrites manifest files; writes them with the export writer
    "flexplan.render": 5,
    "flexplan.connect": 6,
    "flexplan.cli": 7,
    "flexplan.__main__": 7,
}
APART = {"flexplan.sandbox": 0}  # a layer of its own that may import only layer 0
# Only what starts flexplan reaches the sandbox (``--sandbox``, ``flexplan sandbox``).
SANDBOX_USERS = ("flexplan.connect", "flexplan.cli")
# The renderers read the plan as data; they never reach into how the engine makes it.
RENDER_MAY_USE_FROM_ENGINE = (
    "flexplan.engine.model",
    "flexplan.engine.document",
    "flexplan.engine.view",
    "flexplan.engine.diff.leaves",
    "flexplan.engine.apply.ActionResult",
    "flexplan.engine.apply.ApplyResult",
)


def _package_of(module: str) -> str | None:
    for prefix in sorted({*LAYERS, *APART}, key=len, reverse=True):
        if prefix == "flexplan" and module != "flexplan":
            continue
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def _absolute_flexplan(node: ast.ImportFrom) -> bool:
    return node.level == 0 and (node.module or "").split(".")[0] == "flexplan"


def _statements(path: Path) -> list[tuple[str, list[str]]]:
    """Each absolute import of flexplan code: (module, names imported from it)."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "flexplan"]
        elif isinstance(node, ast.ImportFrom) and _absolute_flexplan(node):
            found.append((str(node.module), [a.name for a in node.names]))
    return found


STATEMENTS = {_module_name(p): _statements(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _imported_modules(module: str, names: list[str]) -> list[str]:
    """``from flexplan import errors`` imports the module ``flexplan.errors``."""
    submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return submodules or [module]


def test_every_package_has_a_layer() -> None:
    """A new package gets its place in LAYERS (or APART) with the rule it must keep."""
    assert [m for m in MODULES if _package_of(m) is None] == []


def test_every_module_imports_only_its_own_layer_or_lower() -> None:
    bad = []
    for module, statements in STATEMENTS.items():
        own = _package_of(module)
        assert own is not None
        for target_module, names in statements:
            for target in _imported_modules(target_module, names):
                theirs = _package_of(target)
                if theirs is None or theirs == own:
                    continue
                if own in APART:
                    allowed = LAYERS.get(theirs, 99) <= APART[own]
                elif theirs in APART:
                    allowed = own.startswith(SANDBOX_USERS)
                else:
                    allowed = LAYERS[theirs] <= LAYERS[own]
                if not allowed:
                    bad.append(f"{module} imports {target}")
    assert sorted(set(bad)) == []


def test_the_renderers_use_only_the_engines_plan_data() -> None:
    bad = [
        f"{module} imports {name}"
        for module, statements in STATEMENTS.items()
        if module.startswith("flexplan.render")
        for target, names in statements
        if target == "flexplan.engine" or target.startswith("flexplan.engine.")
        for name in ([f"{target}.{n}" for n in names] or [target])
        if not any(name == ok or name.startswith(ok + ".") for ok in RENDER_MAY_USE_FROM_ENGINE)
    ]
    assert bad == []


def _graph(package: str) -> dict[str, set[str]]:
    """Which module of ``package`` imports which, function-level imports included
    (``if TYPE_CHECKING:`` ones are not imports at run time)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / package.split(".", 1)[1]).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only or not isinstance(node, ast.ImportFrom):
                continue
            if node.module == package:
                found.update(f"{package}.{alias.name}" for alias in node.names)
            elif node.module and node.module.startswith(package + "."):
                found.add(node.module)
        graph[_module_name(path)] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (empty when there is none)."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str]:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return []
        for target in sorted(graph.get(module, ())):
            found = visit(target, [*trail, module])
            if found:
                return found
        done.add(module)
        return []

    for module in sorted(graph):
        found = visit(module, [])
        if found:
            return found
    return []


def test_the_sandbox_imports_one_way_handlers_over_records_over_state() -> None:
    """The HTTP handlers (api_*) use the account's records and state; the state, the
    records, the seed and the store never reach back up to a handler."""
    graph = _graph("flexplan.sandbox")
    assert _cycle(graph) == []
    handlers = {m for m in graph if m.rsplit(".", 1)[1].startswith("api_")}
    reaching_up = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        if m not in handlers and m != "flexplan.sandbox"
        for t in targets & handlers
    )
    assert reaching_up == []


def test_the_kind_registry_names_each_kind_where_it_lives_in_reading_order() -> None:
    """``KIND_MODULES`` and ``UNPRUNABLE`` are written down so that a manifest loads only
    its own kinds: they must say what the kinds themselves say."""
    from flexplan import resources

    by_rank = sorted(KINDS, key=lambda k: (k.rank, k.section))
    assert list(resources.KIND_MODULES) == [k.section for k in by_rank]
    assert {k.section: type(k).__module__ for k in KINDS} == resources.KIND_MODULES
    assert {k.section for k in KINDS if not k.prunable} == resources.UNPRUNABLE
    assert [resources.BY_SECTION[s] for s in resources.SECTIONS] == by_rank
