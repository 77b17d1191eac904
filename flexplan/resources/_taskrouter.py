"""What the TaskRouter kinds share: one workspace at a time, found by name.

Task channels, task queues and workflows live inside a workspace. An entry
may name it (``workspace:``, a friendly name or ``WS…`` SID); without one the
account's only workspace is used, or with several the one the Flex
Configuration names (``taskrouter_workspace_sid``, "Flex Task Assignment").
All TaskRouter entries of a manifest work in one workspace. A manifest without
TaskRouter entries (and not pruning them) does not read TaskRouter at all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import Field

from flexplan.errors import FlexplanError
from flexplan.plantypes import LiveObject
from flexplan.resources.base import ReadContext, ResourceSpec, State
from flexplan.resources.fields import Lookup, WorkspaceLookup
from flexplan.resources.table import Attr, TableKind

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

T = TypeVar("T")
R = TypeVar("R")


class TaskRouterSpec(ResourceSpec):
    """Fields every entry inside a TaskRouter workspace has."""

    workspace: WorkspaceLookup | None = Field(
        default=None,
        description="the TaskRouter workspace (friendly name or WS… SID); default: the "
        "account's only workspace",
    )


# an entry's workspace: resolved and compared, never sent (it is in the URL) nor exported
WORKSPACE = Attr("workspace", "workspace_sid", "lookup", "workspace", placement=True)
Spec = TypeVar("Spec", bound=TaskRouterSpec)


class TaskRouterKind(TableKind[Spec]):
    """A kind whose resources are one list of the workspace (``listing``: ``task_queues``)."""

    listing: ClassVar[str]

    def read_parent(self, ctx: ReadContext, specs: Sequence[tuple[str, Spec]]) -> Any | None:
        if not wanted(ctx, specs):
            return None  # nothing managed here: TaskRouter is not read
        return in_workspace(ctx, specs)

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return self.read(Completely(ctx), [])

    def parent(self, client: Client, state: State) -> Any:
        return workspace_of(client, state)

    def api(self, parent: Any) -> Any:
        """The workspace's list (``parent``: the twilio workspace context)."""
        return getattr(parent, self.listing)

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        return self.live(raw, is_default=str(raw.get("friendly_name") or "").strip().casefold()
                         in self.defaults)  # fmt: skip

    defaults: ClassVar[frozenset[str]] = frozenset()  # a fresh account's, by folded name


def named_workspace(specs: Sequence[tuple[str, TaskRouterSpec]]) -> Lookup | None:
    """The one workspace the entries name (``None``: none names one)."""
    named = {spec.workspace for _, spec in specs if spec.workspace is not None}
    if len({(w.by, w.value) for w in named}) > 1:
        shown = ", ".join(sorted(repr(w.value) for w in named))
        raise FlexplanError(
            f"the manifest's TaskRouter entries name several workspaces ({shown}); "
            "flexplan manages one workspace at a time",
            hint="use one workspace: name the same one on every entry, or leave workspace out",
        )
    return next(iter(named), None)


def _list_workspaces(client: Client) -> list[tuple[str, str]]:
    return [(str(w.sid), str(w.friendly_name)) for w in client.taskrouter.v1.workspaces.stream()]


def _workspaces(ctx: ReadContext) -> list[tuple[str, str]]:
    """The account's workspaces (SID, name), listed once per plan run for every reader."""
    return ctx.memo(("taskrouter", "workspaces"), lambda: _list_workspaces(ctx.client))


def workspace_sid(
    client: Client, lookup: Lookup | None, spaces: list[tuple[str, str]] | None = None
) -> str:
    """The SID of the workspace ``lookup`` names, or of the account's only one (among
    ``spaces`` when the caller has listed them already)."""
    spaces = _list_workspaces(client) if spaces is None else spaces
    if lookup is not None:
        hits = [s for s, n in spaces if (s if lookup.by == "sid" else n) == lookup.value]
        if len(hits) == 1:
            return hits[0]
        wanted = f"TaskRouter workspace {lookup.value!r}"
    elif len(spaces) == 1:
        return spaces[0][0]
    else:
        flex = client.flex_api.v1.configuration().fetch().taskrouter_workspace_sid
        if flex in {s for s, _ in spaces}:
            return str(flex)  # Flex's own workspace, the one its task routing uses
        wanted = "the TaskRouter workspace"
    listing = ", ".join(f"{n!r} ({s})" for s, n in spaces) or "none"
    raise FlexplanError(
        f"{wanted} is not one workspace of the account; it has: {listing}",
        hint="name the workspace on the TaskRouter entries (workspace: NAME or WS… SID)",
    )


def in_workspace(ctx: ReadContext, specs: Sequence[tuple[str, TaskRouterSpec]]) -> Any:
    """The twilio workspace context the entries work in."""
    sid = workspace_sid(ctx.client, named_workspace(specs), _workspaces(ctx))
    return ctx.client.taskrouter.v1.workspaces(sid)


def wanted(ctx: ReadContext, specs: Sequence[tuple[str, TaskRouterSpec]]) -> bool:
    """Whether a plan reads the kind: it has entries, or it is pruned or exported (read
    complete) and the account has a workspace at all (without one there is nothing to
    read, and no workspace to choose: an export goes on with the other kinds)."""
    if specs:
        return True
    return ctx.complete and bool(_workspaces(ctx))


def workspace_of(client: Client, desired: State) -> Any:
    """The workspace context of one desired state (its ``workspace`` SID, or the only one)."""
    sid = desired.get("workspace") or workspace_sid(client, None)
    return client.taskrouter.v1.workspaces(str(sid))


class Completely:
    """A read context that reads everything (``flexplan export``)."""

    def __init__(self, ctx: ReadContext):
        self._ctx = ctx

    @property
    def client(self) -> Client:
        return self._ctx.client

    @property
    def complete(self) -> bool:
        return True

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return self._ctx.map(fn, items)

    def lookup(self, lookup: Lookup) -> str | None:
        return self._ctx.lookup(lookup)

    def cached(self, sid: str, version: str, candidate: Callable[[], Any]) -> bool:
        return self._ctx.cached(sid, version, candidate)

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self._ctx.memo(key, build)
