"""What the account-wide settings kinds share: one entry, never created or deleted.

Conversations configuration, its webhooks and the Flex Configuration's UI
settings exist once per account. A section holds at most one entry (two
entries are the same resource: validate names both); the live settings
always exist, so the plan only ever updates them, and ``state: absent`` has
no meaning (nothing is deleted; leave the entry out to stop managing them).
Their fields are a table (``flexplan.resources.table``); a kind says where its
settings are in the SDK (``settings``), or reads and writes them itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flexplan.plantypes import LiveObject, NaturalKey, Problem
from flexplan.resources._sdk import to_dict
from flexplan.resources.base import ReadContext, ResourceSpec, State, WriteContext
from flexplan.resources.table import TableKind, live_state

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

SettingsSpec = TypeVar("SettingsSpec", bound=ResourceSpec)


class SettingsKind(TableKind[SettingsSpec]):
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

    def natural_key(self, name: str, spec: SettingsSpec) -> NaturalKey:
        return (self.section,)

    def display(self, spec: SettingsSpec, name: str) -> str:
        return name

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, SettingsSpec]]) -> list[LiveObject]:
        return [self.read_settings(ctx.client)] if specs else []  # unmanaged: not read

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return [self.read_settings(ctx.client)]

    def settings(self, client: Client) -> Any:
        """The SDK context of the settings (``fetch()`` / ``update(**fields)``)."""
        raise NotImplementedError

    def read_settings(self, client: Client) -> LiveObject:
        return self.to_live(to_dict(self.settings(client).fetch()))

    def write(self, client: Client, desired: State) -> LiveObject:
        args = self.arguments(desired, create=False)
        return self.to_live(to_dict(self.settings(client).update(**args)))

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        state = live_state(self.fields, raw)
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

    def export_name(self, live: LiveObject) -> str:
        return "account"
