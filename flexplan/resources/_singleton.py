"""What the account-wide settings kinds share: one entry, never created or deleted.

Conversations configuration, its webhooks and the Flex Configuration's UI
settings exist once per account. A section holds at most one entry (two
entries are the same resource: validate names both); the live settings
always exist, so the plan only ever updates them, and ``state: absent`` has
no meaning (nothing is deleted; leave the entry out to stop managing them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flexplan.plantypes import LiveObject, Problem
from flexplan.resources.base import ReadContext, ResourceKind, ResourceSpec, State, WriteContext

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

SettingsSpec = TypeVar("SettingsSpec", bound=ResourceSpec)


class SettingsKind(ResourceKind[SettingsSpec]):
    """A singleton: ``natural_key`` is the section, so every entry matches the one live object."""

    has_sid: ClassVar[bool] = False
    prunable: ClassVar[bool] = False

    def check(self, name: str, spec: SettingsSpec) -> Iterable[Problem]:
        if spec.state == "absent":
            return [
                Problem(
                    f"the {self.title} cannot be absent: every account has it",
                    ("state",),
                    "remove the entry to stop managing it",
                )
            ]
        return self.check_settings(name, spec)

    def check_settings(self, name: str, spec: SettingsSpec) -> Iterable[Problem]:
        return ()

    def natural_key(self, name: str, spec: SettingsSpec) -> tuple[Any, ...]:
        return (self.section,)

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, SettingsSpec]]) -> list[LiveObject]:
        return [self.read_settings(ctx.client)] if specs else []  # unmanaged: not read

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return [self.read_settings(ctx.client)]

    def read_settings(self, client: Client) -> LiveObject:
        raise NotImplementedError

    def live(self, raw: dict[str, Any], state: dict[str, Any]) -> LiveObject:
        return LiveObject(
            key=(self.section,), sid=None, label=self.title, raw=raw, state=state, is_default=True
        )

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        return self.write(client, desired)

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        return self.write(client, desired)

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        return None  # never planned: the settings are not prunable and cannot be absent

    def write(self, client: Client, desired: State) -> LiveObject:
        raise NotImplementedError

    def export_name(self, live: LiveObject) -> str:
        return "account"
