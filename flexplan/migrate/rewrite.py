"""The migration of a manifest's legacy Flex Flows to Conversations addresses (pure).

``migrate`` takes the files as read (``source.ManifestFiles``) and returns them
rewritten, with a line for everything it changed and everything it could not:

* an enabled Flex Flow of a channel Conversations has (sms, whatsapp,
  facebook -> messenger, web -> chat) gets ``state: absent`` and a
  Conversations address for the same number, page or web chat (same local
  name, same friendly name), whose auto-creation does what the integration did;
* a disabled (outbound) Flex Flow gets ``state: absent``: outbound
  conversations start through the Interactions API;
* line and custom Flex Flows stay, with the reason;
* Studio flows run by a migrated handler are rewired to the Incoming
  Conversation trigger (``studio.rewire``); a flow still run by a handler that
  stays is copied, and the copy is rewired;
* a ``task`` integration becomes a generated Send to Flex flow.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from flexplan.migrate import studio
from flexplan.migrate.source import ManifestFiles, definition_path
from flexplan.resources.flex_flows import DEFAULT_FLEX_FLOWS

FLEX_FLOWS, ADDRESSES, FLOWS = "flex_flows", "conversations_addresses", "studio_flows"
# legacy channel type -> Conversations address type
ADDRESS_TYPES = {"sms": "sms", "whatsapp": "whatsapp", "facebook": "messenger", "web": "chat"}
_PREFIXES = {"whatsapp": "whatsapp:", "messenger": "messenger:"}
NOT_MIGRATABLE = {
    "line": "Flex Conversations has no LINE address type (its channels are SMS, WhatsApp, "
    "chat and Facebook Messenger); it stays on legacy messaging",
    "custom": "a custom channel has no Conversations address: build it on the Conversations "
    "API and hand it to Flex with the Interactions API (or a task on a chat task channel, "
    "registered in Flex UI with createChatTaskChannel); it stays on legacy messaging",
}
# what the Conversations auto-creation webhook of a migrated external integration receives
WEBHOOK_FILTERS = ["onMessageAdded"]
JANITOR_NOTE = (
    "janitor_enabled has no Conversations equivalent: Flex closes a conversation when its "
    "task completes; to close abandoned ones, set the Conversations service's state timers "
    "(timers.inactive / timers.closed on the conversation, or the service's defaults)"
)
LONG_LIVED_NOTE = (
    "long_lived is not supported out of the box in Flex Conversations: every new contact "
    "starts a new conversation (a plugin or backend must re-use one to keep the history)"
)

LineKind = Literal["changed", "kept", "todo"]


@dataclass(frozen=True)
class Line:
    """One line of the report: ``changed`` (written), ``kept`` (not migrated, why) or
    ``todo`` (what Conversations does instead / what to do by hand)."""

    kind: LineKind
    subject: str  # "flex_flows.support-sms"
    text: str


@dataclass
class Migration:
    files: ManifestFiles
    yaml_changed: set[str] = field(default_factory=set)
    json_changed: set[str] = field(default_factory=set)
    lines: list[Line] = field(default_factory=list)
    migrated: list[tuple[str, str]] = field(default_factory=list)  # (flex flow, address)

    def add(self, kind: LineKind, subject: str, text: str) -> None:
        self.lines.append(Line(kind, subject, text))


@dataclass
class _Entry:
    file: str  # the YAML file holding it
    name: str
    spec: dict[str, Any]


def migrate(files: ManifestFiles, only: frozenset[str] | None = None) -> Migration:
    """``files`` migrated (a copy); ``only``: the Flex Flows (local names) to migrate."""
    result = Migration(copy.deepcopy(files))
    handlers = list(_entries(result.files, FLEX_FLOWS))
    chosen = [h for h in handlers if _chosen(h, only)]
    moving = [h for h in chosen if _decide(h, result)]
    # retired (outbound) handlers are state: absent by now
    staying = [h for h in handlers if h not in moving and h.spec.get("state") != "absent"]
    targets = _studio_targets(result, moving, staying)
    for handler in moving:
        _replace(handler, result, targets)
    _existing_addresses(result, staying, targets)
    return result


def handler_names(files: ManifestFiles) -> list[str]:
    """The local names of the manifest's Flex Flows (what ``only`` may name)."""
    return [e.name for e in _entries(files, FLEX_FLOWS)]


def _entries(files: ManifestFiles, section: str) -> Iterator[_Entry]:
    for rel, data in files.yaml.items():
        block = data.get(section)
        if isinstance(block, dict):
            for name, spec in block.items():
                if isinstance(spec, dict):
                    yield _Entry(rel, str(name), spec)


def _chosen(handler: _Entry, only: frozenset[str] | None) -> bool:
    if only is not None and handler.name not in only:
        return False
    return bool(handler.spec.get("state", "present") != "absent")


def _decide(handler: _Entry, result: Migration) -> bool:
    """True for a handler that becomes an address; the others are reported (or retired)."""
    subject, spec = f"{FLEX_FLOWS}.{handler.name}", handler.spec
    channel = spec.get("channel_type")
    if channel in NOT_MIGRATABLE:
        result.add("kept", subject, f"channel {channel}: {NOT_MIGRATABLE[channel]}")
        return False
    if channel not in ADDRESS_TYPES:
        result.add("kept", subject, f"channel type {channel!r} is not one flexplan migrates")
        return False
    if spec.get("enabled") is False:
        _retire(handler, result)
        result.add(
            "changed",
            subject,
            "disabled (outbound) handler: state: absent; Flex Conversations starts outbound "
            "conversations through the Interactions API (no address needed)",
        )
        return False
    if channel != "web" and not spec.get("contact_identity"):
        result.add("kept", subject, "has no contact_identity: no address to create for it")
        return False
    integration = spec.get("integration")
    if not isinstance(integration, dict) or integration.get("type") not in (
        "studio",
        "external",
        "task",
    ):
        result.add("kept", subject, "has no integration: nothing tells the address what to do")
        return False
    return True


# -- Studio flows ------------------------------------------------------------------------


def _studio_targets(
    result: Migration, moving: list[_Entry], staying: list[_Entry]
) -> dict[str, str]:
    """For each Studio flow a migrated handler runs: the flow its address runs (rewired in
    place, or a rewired copy when a handler that stays still runs the original)."""
    flows = {e.name: e for e in _entries(result.files, FLOWS)}
    still_used = {_studio_ref(h) for h in staying} - {None}
    targets: dict[str, str] = {}
    for handler in moving:
        name = _studio_ref(handler)
        if name is None or name in targets:
            continue
        flow = flows.get(name)
        if flow is None:  # a SID, or a flow the manifest does not manage
            targets[name] = name
            result.add(
                "todo",
                f"{FLEX_FLOWS}.{handler.name}",
                f"Studio flow {name} is not in the manifest: connect its "
                f"{studio.CONVERSATION_EVENT} trigger by hand",
            )
            continue
        target = _copy_flow(flow, result, flows) if name in still_used else flow
        targets[name] = target.name
        _rewire_flow(target, result, copied_from=name if target is not flow else None)
    return targets


def _existing_addresses(result: Migration, staying: list[_Entry], targets: dict[str, str]) -> None:
    """An address already in the manifest whose Studio flow does not start on the Incoming
    Conversation trigger (an exported account with a legacy flow on its chat address) never
    starts a conversation: its flow is rewired too, or copied when a staying handler runs it."""
    flows = {e.name: e for e in _entries(result.files, FLOWS)}
    still_used = {_studio_ref(h) for h in staying} - {None}
    new = {address for _, address in result.migrated}
    for address in _entries(result.files, ADDRESSES):
        auto = address.spec.get("auto_creation")
        if address.name in new or address.spec.get("state") == "absent":
            continue
        ref = auto.get("studio_flow") if isinstance(auto, dict) else None
        flow = flows.get(ref) if isinstance(ref, str) else None
        definition = _definition_of(flow, result.files)[0] if flow is not None else None
        if flow is None or definition is None or studio.starts_on_conversation(definition):
            continue
        if flow.name not in targets:
            target = _copy_flow(flow, result, flows) if flow.name in still_used else flow
            targets[flow.name] = target.name
            _rewire_flow(target, result, copied_from=flow.name if target is not flow else None)
        if targets[flow.name] != flow.name:
            assert isinstance(auto, dict)
            auto["studio_flow"] = targets[flow.name]
            result.yaml_changed.add(address.file)
            result.add(
                "changed", f"{ADDRESSES}.{address.name}",
                f"runs {FLOWS}.{targets[flow.name]} (its flow {flow.name} did not start on "
                f"{studio.CONVERSATION_EVENT})",
            )  # fmt: skip


def _studio_ref(handler: _Entry) -> str | None:
    integration = handler.spec.get("integration")
    if not isinstance(integration, dict) or integration.get("type") != "studio":
        return None
    ref = integration.get("studio_flow")
    return ref if isinstance(ref, str) else None


def _copy_flow(flow: _Entry, result: Migration, flows: dict[str, _Entry]) -> _Entry:
    name = _unique(f"{flow.name}-conversations", flows)
    spec = copy.deepcopy(flow.spec)
    spec["friendly_name"] = _unique_friendly(
        f"{flow.spec.get('friendly_name', flow.name)} (Conversations)", flows
    )
    spec.pop("sid", None)
    spec.pop("protect", None)
    copied = _Entry(flow.file, name, spec)
    _section(result.files, flow.file, FLOWS)[name] = spec
    flows[name] = copied
    result.yaml_changed.add(flow.file)
    result.add(
        "changed",
        f"{FLOWS}.{name}",
        f"copy of {FLOWS}.{flow.name}, which a handler that stays on legacy messaging still "
        "runs (the original is not changed)",
    )
    return copied


def _rewire_flow(flow: _Entry, result: Migration, *, copied_from: str | None) -> None:
    subject = f"{FLOWS}.{flow.name}"
    definition, source = _definition_of(flow, result.files)
    if definition is None:
        result.add(
            "todo", subject, f"its definition could not be read: connect the "
            f"{studio.CONVERSATION_EVENT} trigger by hand",
        )  # fmt: skip
        return
    rewired = studio.rewire(definition, flow.spec.get("vars"))
    for problem in rewired.problems:
        result.add("todo", subject, problem)
    if not rewired.changes:
        return
    if rewired.vars:
        flow.spec["vars"] = rewired.vars
    if source is None:
        flow.spec["definition"] = rewired.definition
    else:
        shared = copied_from is not None or _users_of(source, result.files) > 1
        path = _own_file(source, flow.name, result.files) if shared else source
        result.files.json[path] = rewired.definition
        result.json_changed.add(path)
        if path != source:
            flow.spec["definition_file"] = _relative_to(flow.file, path)
    result.yaml_changed.add(flow.file)
    for change in rewired.changes:
        result.add("changed", subject, change)


def _definition_of(flow: _Entry, files: ManifestFiles) -> tuple[Any, str | None]:
    inline = flow.spec.get("definition")
    if isinstance(inline, dict):
        return inline, None
    source = flow.spec.get("definition_file")
    if not isinstance(source, str):
        return None, None
    path = definition_path(flow.file, source)
    return files.json.get(path), path


def _users_of(path: str, files: ManifestFiles) -> int:
    return sum(
        1
        for e in _entries(files, FLOWS)
        if isinstance(e.spec.get("definition_file"), str)
        and definition_path(e.file, e.spec["definition_file"]) == path
    )


def _own_file(source: str, flow_name: str, files: ManifestFiles) -> str:
    stem, ext = os.path.splitext(source)
    path = f"{stem}-{flow_name}{ext or '.json'}"
    n = 2
    while path in files.json:
        path, n = f"{stem}-{flow_name}-{n}{ext or '.json'}", n + 1
    return path


def _relative_to(yaml_file: str, path: str) -> str:
    return os.path.relpath(path, os.path.dirname(yaml_file) or ".").replace(os.sep, "/")


# -- the address replacing a handler -------------------------------------------------------


def _replace(handler: _Entry, result: Migration, targets: dict[str, str]) -> None:
    spec, subject = handler.spec, f"{FLEX_FLOWS}.{handler.name}"
    address_type = ADDRESS_TYPES[spec["channel_type"]]
    channel_address = _channel_address_of(spec, address_type, handler.name)
    existing = _address_entry(result.files, address_type, channel_address)
    _retire(handler, result)
    if existing is not None:
        result.add(
            "changed", subject, f"state: absent; {ADDRESSES}.{existing} already is the "
            f"{address_type} address {channel_address}",
        )  # fmt: skip
        result.migrated.append((handler.name, existing))
        _settings_notes(handler, result)
        return
    name = _unique(handler.name, {e.name: e for e in _entries(result.files, ADDRESSES)})
    entry: dict[str, Any] = {"type": address_type, "address": channel_address}
    if spec.get("friendly_name"):
        entry["friendly_name"] = spec["friendly_name"]
    entry["auto_creation"] = _auto_creation(handler, result, targets)
    where = _home(result.files, ADDRESSES, handler.file)
    _section(result.files, where, ADDRESSES)[name] = entry
    result.yaml_changed.add(where)
    result.migrated.append((handler.name, name))
    result.add("changed", subject, f"state: absent (replaced by {ADDRESSES}.{name})")
    result.add(
        "changed", f"{ADDRESSES}.{name}",
        f"new {address_type} address {channel_address}: "
        f"{_auto_summary(entry['auto_creation'])}",
    )  # fmt: skip
    if address_type == "chat":
        result.add(
            "todo", f"{ADDRESSES}.{name}", "web chat moves to Webchat 3: after apply, create a "
            "deployment key linked to this chat address (Console: Flex > Channel management > "
            "Webchat), set its allowed origins, and replace the Webchat 2 snippet (flexFlowSid) "
            "on your site with the embed code Flex generates for the key",
        )  # fmt: skip
    _settings_notes(handler, result)


def _channel_address_of(spec: dict[str, Any], address_type: str, name: str) -> str:
    identity = str(spec.get("contact_identity") or "")
    if address_type == "chat":
        return identity or name
    prefix = _PREFIXES.get(address_type, "")
    return identity if identity.startswith(prefix) else prefix + identity


def _address_entry(
    files: ManifestFiles, address_type: str, channel_address: str
) -> str | None:
    for entry in _entries(files, ADDRESSES):
        given = (entry.spec.get("type"), entry.spec.get("address"))
        same = given == (address_type, channel_address)
        if same and entry.spec.get("state", "present") != "absent":
            return entry.name
    return None


def _auto_creation(handler: _Entry, result: Migration, targets: dict[str, str]) -> dict[str, Any]:
    integration = handler.spec["integration"]
    integration_type = integration["type"]
    subject = f"{FLEX_FLOWS}.{handler.name}"
    if integration_type == "studio":
        auto: dict[str, Any] = {"enabled": True, "type": "studio"}
        ref = integration.get("studio_flow")
        auto["studio_flow"] = targets.get(ref, ref) if isinstance(ref, str) else ref
        if integration.get("retry_count") is not None:
            auto["studio_retry_count"] = integration["retry_count"]
        return auto
    if integration_type == "external":
        if integration.get("retry_count") is not None:
            result.add(
                "todo", subject, "integration.retry_count has no webhook equivalent on a "
                "Conversations address (only studio_retry_count exists): dropped",
            )  # fmt: skip
        result.add(
            "todo", subject, "the webhook now receives Conversations events (onMessageAdded "
            "with ConversationSid), not Programmable Chat's: where it created a task it must "
            "create an Interaction, and Chat or Proxy API calls become Conversations API calls",
        )  # fmt: skip
        return {
            "enabled": True,
            "type": "webhook",
            "webhook_url": integration.get("url"),
            "webhook_method": "POST",
            "webhook_filters": list(WEBHOOK_FILTERS),
        }
    flow = _task_flow(handler, result)
    return {"enabled": True, "type": "studio", "studio_flow": flow}


def _task_flow(handler: _Entry, result: Migration) -> str:
    """The Send to Flex flow replacing a ``task`` integration; its local name."""
    integration, spec = handler.spec["integration"], handler.spec
    flows = {e.name: e for e in _entries(result.files, FLOWS)}
    name = _unique(f"{handler.name}-send-to-flex", flows)
    friendly = _unique_friendly(f"{spec.get('friendly_name', handler.name)} (Send to Flex)", flows)
    where = _home(result.files, FLOWS, handler.file)
    path = _free_path(os.path.join(os.path.dirname(where), "studio", f"{name}.json"), result)
    workspace = integration.get("workspace")
    given = integration.get("workflow")
    # a reference to the manifest's own workflow ({workflows: NAME}, as export writes it)
    # stays one; a name becomes a look-up in the handler's workspace
    workflow: dict[str, Any] = dict(given) if isinstance(given, dict) else {"workflow": given}
    channel: dict[str, Any] = {"task_channel": studio.CHAT_TASK_CHANNEL}
    if workspace is not None:
        channel["workspace"] = workspace
        if not isinstance(given, dict):
            workflow["workspace"] = workspace
    description = f"Replaces the task integration of Flex Flow '{spec.get('friendly_name')}'"
    result.files.json[path] = studio.send_to_flex_definition(
        description, priority=integration.get("priority"), timeout=integration.get("timeout")
    )
    result.json_changed.add(path)
    _section(result.files, where, FLOWS)[name] = {
        "friendly_name": friendly,
        "status": "published",
        "definition_file": _relative_to(where, path),
        "vars": {"WORKFLOW_SID": workflow, studio.TASK_CHANNEL_VAR: channel},
    }
    result.yaml_changed.add(where)
    old = integration.get("channel") or "default"
    result.add(
        "changed", f"{FLOWS}.{name}",
        f"new Send to Flex flow for the task integration of {FLEX_FLOWS}.{handler.name} "
        f"(workflow {integration.get('workflow')}, task channel {old} -> "
        f"{studio.CHAT_TASK_CHANNEL}"
        + "".join(f", {k} {integration[k]}" for k in ("priority", "timeout") if k in integration)
        + f"; {path})",
    )  # fmt: skip
    if integration.get("creation_on_message") is not None:
        result.add(
            "todo", f"{FLEX_FLOWS}.{handler.name}", "integration.creation_on_message (outbound) "
            "has no address setting: outbound conversations start through the Interactions API",
        )  # fmt: skip
    return name


def _free_path(path: str, result: Migration) -> str:
    path = os.path.normpath(path).replace(os.sep, "/")
    stem, n = path.removesuffix(".json"), 2
    while path in result.files.json:
        path, n = f"{stem}-{n}.json", n + 1
    return path


def _retire(handler: _Entry, result: Migration) -> None:
    """``state: absent``; a default handler of a new Flex account (which plan never deletes
    unless told to) gets ``protect: false``: deleting it is what the migration means."""
    spec = handler.spec
    spec["state"] = "absent"
    result.yaml_changed.add(handler.file)
    default = str(spec.get("friendly_name", "")).strip().casefold() in DEFAULT_FLEX_FLOWS
    if spec.get("protect") is True:
        result.add(
            "todo", f"{FLEX_FLOWS}.{handler.name}", "has protect: true, so the plan refuses to "
            "delete it: remove protect (or set it to false) to migrate it",
        )  # fmt: skip
    elif default and "protect" not in spec:
        spec["protect"] = False
        result.add(
            "changed", f"{FLEX_FLOWS}.{handler.name}", "protect: false (one of a new Flex "
            "account's default handlers, which plan deletes only when told to)",
        )  # fmt: skip


def _settings_notes(handler: _Entry, result: Migration) -> None:
    subject = f"{FLEX_FLOWS}.{handler.name}"
    if handler.spec.get("janitor_enabled"):
        result.add("todo", subject, JANITOR_NOTE)
    if handler.spec.get("long_lived"):
        result.add("todo", subject, LONG_LIVED_NOTE)


def _auto_summary(auto: dict[str, Any]) -> str:
    if auto["type"] == "studio":
        retry = auto.get("studio_retry_count")
        more = f", studio_retry_count {retry}" if retry is not None else ""
        return f"auto-creation runs Studio flow {auto['studio_flow']}{more}"
    filters = ", ".join(auto["webhook_filters"])
    return f"auto-creation calls the webhook ({filters})"


# -- placing entries --------------------------------------------------------------------------


def _section(files: ManifestFiles, rel: str, section: str) -> dict[str, Any]:
    block = files.yaml[rel].get(section)
    if not isinstance(block, dict):
        block = files.yaml[rel][section] = {}
    return block


def _home(files: ManifestFiles, section: str, fallback: str) -> str:
    """The file new entries of ``section`` go to: the first holding that section, else
    ``fallback`` (the handler's file)."""
    for rel, data in files.yaml.items():
        if isinstance(data.get(section), dict):
            return rel
    return fallback


def _unique(name: str, taken: dict[str, Any]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    return candidate


def _unique_friendly(name: str, flows: dict[str, _Entry]) -> str:
    taken = {str(e.spec.get("friendly_name", "")).casefold() for e in flows.values()}
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate, n = f"{name} {n}", n + 1
    return candidate
