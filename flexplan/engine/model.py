"""What a plan is: typed resource changes in apply order, plus information.

Everything here is plain data, so that renderers, saved plans and apply read
the same thing, and so that ``build_plan`` stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from flexplan.plantypes import FieldChange
from flexplan.redact import url_has_credentials

Action = Literal["create", "update", "delete", "replace", "no-op"]

# The JSON/terraform spelling of each action.
ACTION_LIST: dict[Action, list[str]] = {
    "create": ["create"],
    "update": ["update"],
    "delete": ["delete"],
    "replace": ["delete", "create"],
    "no-op": ["no-op"],
}
# A replace that creates the new object before it destroys the old one (Terraform's
# create_before_destroy), used where the two cannot collide.
CREATE_BEFORE_DESTROY = ["create", "delete"]
# The suffix of the address of a staged change's first step (see ``ResourceChange.staged``).
RELEASE_STEP = " (release)"


@dataclass
class ResourceChange:
    """The change one resource needs, with everything a reviewer must see."""

    section: str  # manifest section, "studio_flows"
    type_name: str  # the kind's singular name in plan addresses, "studio_flow"
    title: str  # human kind, "Studio flow"
    name: str  # local name (or the live label for unmanaged resources)
    action: Action
    sid: str | None = None
    label: str = ""  # friendly name / address, for people
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    diff: list[FieldChange] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # field -> rich diff (Studio)
    replace_paths: list[str] = field(default_factory=list)
    unknown_paths: list[str] = field(default_factory=list)
    sensitive_paths: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # path -> unit of its values ("bytes")
    unchanged_fields: int = 0
    reason: str = ""
    fingerprint: str | None = None
    depends_on: list[str] = field(default_factory=list)
    managed: bool = True  # False for pruned resources the manifest does not mention
    rank: int = 50  # the kind's place in reading order
    live_refs: frozenset[str] = frozenset()  # SIDs the live object points at
    claims_before: frozenset[str] = frozenset()  # claim keys the live object holds
    claims_after: frozenset[str] = frozenset()  # claim keys the desired state holds
    live: Any = field(default=None, repr=False, compare=False)  # the LiveObject read
    key: tuple[Any, ...] = ()  # natural key, to find the resource again after a lost answer
    options: dict[str, Any] = field(default_factory=dict)  # ResourceKind.write_options
    create_first: bool = False  # a replace that creates the new object, then destroys the old
    release: dict[str, Any] | None = None  # a write that makes the live object hold no claims
    staged: bool = False  # apply writes ``release`` first, to break a cycle of claims
    release_depends_on: list[str] = field(default_factory=list)  # before the release step
    # the delete of a replacement's old object that a create-first replace left behind
    # (``<name>-deposed``): the address of the entry it belongs to, which a target of
    # that entry takes along, as Terraform's deposed objects go with their resource
    deposed_of: str = ""

    @property
    def address(self) -> str:
        return f"{self.type_name}.{self.name}"

    @property
    def release_address(self) -> str:
        """The address of a staged change's first step."""
        return self.address + RELEASE_STEP

    @property
    def actions(self) -> list[str]:
        if self.action == "replace" and self.create_first:
            return list(CREATE_BEFORE_DESTROY)
        return ACTION_LIST[self.action]


@dataclass(frozen=True)
class Unmanaged:
    """A live resource of a managed kind that the manifest does not mention."""

    section: str
    type_name: str
    sid: str | None
    label: str


@dataclass(frozen=True)
class Kept:
    """A live resource of a pruned kind that prune keeps (an account default, in use, like an
    entry), and why: ``Plan.kept``, so that a ``--target`` naming it can say why it stays."""

    title: str  # the kind's, "Studio flow"
    shown: str  # as messages name it, "'Old Flow' (FW…)" (``LiveObject.shown``)
    reason: str

    @property
    def note(self) -> str:
        """The plan's note about it."""
        return f"kept {self.title} {self.shown}: {self.reason}"


@dataclass(frozen=True)
class Unreadable:
    """A kind the manifest does not manage whose read failed: skipped, shown as information."""

    section: str
    title: str  # plural, "Flex Flows"
    answer: str  # what the account answered, "Twilio error 20404 (HTTP 404): …"

    @property
    def text(self) -> str:
        return f"{self.title}: could not be read ({self.answer}); skipped"


@dataclass
class Summary:
    add: int = 0
    change: int = 0
    destroy: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.add + self.change + self.destroy


# the reason of a change held back because only a read lagging behind a recent apply
# shows it (engine/journal.py); renderers then say so instead of "matches the manifest"
LAG_REASON = "the account has not caught up with a recent apply that made this change"


@dataclass(frozen=True)
class Replacement:
    """A resource deleted so that another can take what it held (``Plan.replacements``)."""

    deleted: ResourceChange
    created: ResourceChange


@dataclass
class Plan:
    account_sid: str
    environment: str | None
    manifest_digest: str
    changes: list[ResourceChange]  # every managed resource, in apply order (no-ops included)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    # address -> why prune keeps that live resource (each also a note); not saved: a saved
    # plan is never targeted again, and the notes carry the same text
    kept: dict[str, Kept] = field(default_factory=dict)
    # the --target addresses this plan was limited to (engine.targeting); empty: the whole plan
    targets: list[str] = field(default_factory=list)

    @property
    def actionable(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.action != "no-op"]

    @property
    def has_changes(self) -> bool:
        return bool(self.actionable)

    def replacements(self) -> list[Replacement]:
        """Every (delete, create) pair in which the create takes what the delete releases
        (a number, a Facebook page, a web chat: a legacy handler and its Conversations
        address), in apply order of the deletes. Found from the plan alone, knowing no kind;
        apply runs the delete first, so the channel answers nobody between the two."""
        creates = [c for c in self.changes if c.action == "create" and c.claims_after]
        return [
            Replacement(deleted, created)
            for deleted in self.changes
            if deleted.action == "delete" and deleted.claims_before
            for created in creates
            if deleted.claims_before & created.claims_after
        ]

    def summary(self) -> Summary:
        s = Summary()
        for c in self.changes:
            if c.action == "create":
                s.add += 1
            elif c.action == "update":
                s.change += 1
            elif c.action == "delete":
                s.destroy += 1
            elif c.action == "replace":
                s.add += 1
                s.destroy += 1
            else:
                s.unchanged += 1
        return s


def is_sensitive(change: ResourceChange, path: str, value: Any = None) -> bool:
    """Whether the value at ``path`` of ``change`` must never be shown or written."""
    for p in change.sensitive_paths:
        # the path itself, a field inside it, or a leaf (a list) that holds it
        if path == p or path.startswith(p + ".") or p.startswith(path + "."):
            return True
    # values that look secret were added to sensitive_paths by the plan (engine.masking)
    return isinstance(value, str) and url_has_credentials(value)
