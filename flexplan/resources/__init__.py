"""Resource kinds, one module each (Studio: one package), listed here once.

``KIND_MODULES`` names each kind's section and the module that defines its
``KIND``, in the reading order of plans (``rank``, then section); a kind's module
is imported the first time it is asked for (``BY_SECTION[section]``), so that
``validate`` builds the models of the sections a manifest uses and no others.
``KINDS`` (every kind, imported on first use) is what the engine reads and plans
with. Adding a kind means adding its module and one line below;
tests/test_architecture.py checks the lines against the kinds themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flexplan.resources.base import AnyKind

KIND_MODULES: dict[str, str] = {
    "studio_flows": "flexplan.resources.studio.kind",
    "flex_flows": "flexplan.resources.flex_flows",
    "conversations_addresses": "flexplan.resources.conversations_addresses",
    "channel_configs": "flexplan.resources.channel_configs",
    "flex_configuration": "flexplan.resources.flex_configuration",
    "task_queues": "flexplan.resources.task_queues",
    "workflows": "flexplan.resources.workflows",
    "task_channels": "flexplan.resources.task_channels",
    "conversations_configuration": "flexplan.resources.conversations_configuration",
    "conversations_webhooks": "flexplan.resources.conversations_webhooks",
}
SECTIONS: tuple[str, ...] = tuple(KIND_MODULES)
# account settings (one entry, never deleted): ``prune:`` cannot name them; the manifest's
# Settings model needs this before any kind is imported
UNPRUNABLE: frozenset[str] = frozenset(
    {"flex_configuration", "conversations_configuration", "conversations_webhooks"}
)


class _KindsBySection(Mapping[str, "AnyKind"]):
    """``section -> KIND``, each kind's module imported when its section is first asked for."""

    def __getitem__(self, section: str) -> AnyKind:
        kind: AnyKind = importlib.import_module(KIND_MODULES[section]).KIND
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter(SECTIONS)

    def __len__(self) -> int:
        return len(SECTIONS)


BY_SECTION: Mapping[str, AnyKind] = _KindsBySection()
KINDS: list[AnyKind]  # every kind in reading order; bound by ``__getattr__`` on first use


def __getattr__(name: str) -> Any:
    if name != "KINDS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    kinds = [BY_SECTION[section] for section in SECTIONS]
    globals()["KINDS"] = kinds
    return kinds
