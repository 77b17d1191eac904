"""The ``flexplan`` command builds its models without third-party pydantic plugins.

A spy plugin is installed the way pydantic finds plugins (a distribution with a
``pydantic`` entry point on ``sys.path``) and records every model it is shown. A
plain pydantic model in the same environment is shown to it (so the spy works);
flexplan's commands are not, and its children still see the plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
SPY = """
import os

class _Spy:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        with open(os.environ["SPY_LOG"], "a") as log:
            log.write(path.name + "\\n")
        return None, None, None

plugin = _Spy()
"""
RUN_FLEXPLAN = "from flexplan.cli import main; main()"


@pytest.fixture
def spy(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment in which pydantic finds the spy plugin, and the spy's log."""
    site = tmp_path / "site"
    dist = site / "spy_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n")
    (site / "spy_plugin.py").write_text(SPY)
    log = tmp_path / "spy.log"
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "SPY_LOG": str(log)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    return env, log


def _shown(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def _python(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_validate_shows_no_model_to_a_plugin(spy: tuple[dict[str, str], Path]) -> None:
    env, log = spy
    plain = _python("from pydantic import BaseModel\nclass Plain(BaseModel):\n  x: int", env=env)
    assert plain.returncode == 0, plain.stderr
    assert _shown(log) == ["Plain"]  # the spy is a working plugin
    done = _python(RUN_FLEXPLAN, "validate", str(QUICKSTART), env=env)
    assert done.returncode == 0, done.stderr
    assert "The manifest is valid" in done.stdout
    assert _shown(log) == ["Plain"]  # and flexplan showed it nothing


def test_a_manifest_error_is_reported_without_plugins(
    spy: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    (tmp_path / "flexplan.yaml").write_text("version: 2\n")
    env, log = spy
    done = _python(RUN_FLEXPLAN, "validate", str(tmp_path), env=env)
    assert done.returncode == 1
    assert "flexplan.yaml:1:" in done.stdout
    assert _shown(log) == []


CHILD_AFTER_VALIDATE = f"""
import subprocess, sys
from flexplan.cli import main
try:
    main(["validate", {str(QUICKSTART)!r}])
except SystemExit:
    pass
subprocess.run([sys.executable, "-c",
                "from pydantic import BaseModel\\nclass Child(BaseModel):\\n  x: int"], check=True)
"""


def test_a_child_process_keeps_its_plugins(spy: tuple[dict[str, str], Path]) -> None:
    """flexplan's choice is its own process's: the environment children get is unchanged."""
    env, log = spy
    done = _python(CHILD_AFTER_VALIDATE, env=env)
    assert done.returncode == 0, done.stderr
    assert _shown(log) == ["Child"]


STAND_IN = """
import sys
from flexplan import pydantic_plugins
pydantic_plugins.disable()
loader = sys.modules[pydantic_plugins.LOADER]
print(list(loader.get_plugins()), loader.PYDANTIC_ENTRY_POINT_GROUP)
"""


def test_the_stand_in_passes_other_names_to_pydantics_loader() -> None:
    """A pydantic that asks its loader for more than ``get_plugins`` gets the real answer
    (and pays its cost) instead of failing."""
    done = _python(STAND_IN, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "pydantic"]


def test_pydantic_still_asks_the_loader_for_its_plugins() -> None:
    """The private name the stand-in replaces: if pydantic moves it, this says so (and
    test_startup's validate test sees importlib.metadata come back)."""
    from pydantic.plugin import _loader, _schema_validator

    from flexplan import pydantic_plugins

    assert _loader.__name__ == pydantic_plugins.LOADER
    assert callable(_loader.get_plugins)
    assert "from ._loader import get_plugins" in Path(_schema_validator.__file__).read_text()
