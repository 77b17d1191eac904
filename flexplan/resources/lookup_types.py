"""The read-only account objects a manifest may name instead of a SID: one registry.

Each ``LookupType`` says the SID prefix, how people call it, which name finds it
(``friendly_name``, or ``unique_name`` for task channels), the look-up type whose
object it lives in (``scope``: a workflow lives in a workspace) and how its list
is read. Validation, plan-time resolution and export all take them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: validation loads no SDK

Candidate = tuple[str, str]  # (sid, name)


class LookupType(NamedTuple):
    name: str  # as a manifest writes it: {workflow: NAME}
    prefix: str
    title: str
    by: Literal["friendly_name", "unique_name"]
    lister: Callable[[Client, str], list[Candidate]]  # (client, scope SID or "") -> candidates
    scope: str | None = None  # the look-up type it is searched in

    @property
    def by_words(self) -> str:
        return self.by.replace("_", " ")


def _chat_services(client: Client, _scope: str) -> list[Candidate]:
    return [(s.sid, s.friendly_name) for s in client.chat.v2.services.stream(page_size=100)]


def _conversation_services(client: Client, _scope: str) -> list[Candidate]:
    services = client.conversations.v1.services.stream(page_size=100)
    return [(s.sid, s.friendly_name) for s in services]


def _workspaces(client: Client, _scope: str) -> list[Candidate]:
    spaces = client.taskrouter.v1.workspaces.stream(page_size=1000)
    return [(w.sid, w.friendly_name) for w in spaces]


def _workflows(client: Client, workspace_sid: str) -> list[Candidate]:
    flows = client.taskrouter.v1.workspaces(workspace_sid).workflows.stream(page_size=1000)
    return [(w.sid, w.friendly_name) for w in flows]


def _task_channels(client: Client, workspace_sid: str) -> list[Candidate]:
    channels = client.taskrouter.v1.workspaces(workspace_sid).task_channels.stream(page_size=1000)
    return [(c.sid, c.unique_name) for c in channels]


LOOKUP_TYPES: dict[str, LookupType] = {
    t.name: t
    for t in (
        LookupType("chat_service", "IS", "Chat service", "friendly_name", _chat_services),
        LookupType(
            "conversation_service", "IS", "Conversations service", "friendly_name",
            _conversation_services,
        ),
        LookupType("workspace", "WS", "TaskRouter workspace", "friendly_name", _workspaces),
        LookupType(
            "workflow", "WW", "TaskRouter workflow", "friendly_name", _workflows, "workspace"
        ),
        LookupType(
            "task_channel", "TC", "TaskRouter task channel", "unique_name", _task_channels,
            "workspace",
        ),
    )
}  # fmt: skip
SCOPED = tuple(name for name, t in LOOKUP_TYPES.items() if t.scope)  # workflow, task_channel
