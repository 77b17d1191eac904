"""The ``flexplan`` command builds its pydantic models without third-party pydantic plugins.

Pydantic hands every model's validations to the plugins installed in the
environment (entry-point group ``pydantic``); a plugin sees each input it
validates (``on_validate_python``). For flexplan that input is the manifest
with its ``${env:…}`` secrets filled in, which an installed observability
plugin could record, and a plugin may change what validation answers. So the
command line runs its models without plugins, in its own process only:
pydantic's ``PYDANTIC_DISABLE_PLUGINS`` would do the same, but an environment
variable reaches every child process too (git, hooks, the sandbox).

Finding plugins also costs start-up: on the first model build pydantic imports
``importlib.metadata`` (~20 ms with the ``email``, ``zipfile`` and ``csv``
modules it imports) and scans every installed distribution, which is a fifth of
``flexplan validate``'s own time.

How (pydantic has no public switch besides the variable): pydantic asks its
private module ``pydantic.plugin._loader`` for ``get_plugins()`` when it builds
a validator. ``disable()`` puts a stand-in for that module in ``sys.modules``
before pydantic imports it. The stand-in answers ``get_plugins()`` with no
plugins and hands any other name to the real module (loaded on first such use),
so a pydantic that asks the module for more only loses the saving, and one that
finds its plugins elsewhere keeps them (and the cost): ``tests/test_startup.py``
notices both, as ``importlib.metadata`` or a plugin's calls during ``validate``.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

LOADER = "pydantic.plugin._loader"


class _NoPlugins(ModuleType):
    """Stands in for ``pydantic.plugin._loader``: no plugins, and no entry-point scan."""

    def get_plugins(self) -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # tools probing modules (__file__, __path__…) get nothing
            raise AttributeError(name)
        return getattr(_real_loader(), name)


@functools.cache
def _real_loader() -> ModuleType:
    """pydantic's own loader module, run outside ``sys.modules`` (the stand-in stays)."""
    import pydantic.plugin

    spec = importlib.machinery.PathFinder.find_spec(LOADER, pydantic.plugin.__path__)
    if spec is None or spec.loader is None:
        raise ImportError(f"{LOADER} is not part of this pydantic", name=LOADER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def disable() -> None:
    """Build this process's pydantic validators without plugins (no-op once pydantic found
    its plugins: a process that built models before flexplan's command ran keeps them)."""
    if LOADER not in sys.modules:
        sys.modules[LOADER] = _NoPlugins(LOADER, __doc__)
