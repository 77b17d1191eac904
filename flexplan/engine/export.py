"""Write a live account as a manifest directory (``flexplan export``).

Reading is the only part that talks to Twilio (``read_export``): every kind's
live objects, complete (Studio definitions fetched), and every look-up list.
Building the files (``build_export``) is pure and deterministic, so exporting
an unchanged account twice gives identical bytes:

* local names are slugs of what a person calls the resource (friendly names),
  made unique with the tail of the SID; the oldest resource keeps the bare slug;
* references name the target's local name when the target is exported too (so
  does a workflow or task channel a Flex Flow or a Studio flow names by SID:
  ``{workflows: NAME}``), look-ups name services, workspaces, workflows and task
  channels by their (unique) names, and SIDs are only written when no name is
  unambiguous;
* each kind writes only the fields that differ from Twilio's defaults;
* a value holding credentials (a URL with ``user:password@``) is written as
  ``${env:NAME}``, with a note naming the variable to set, and so is every other
  exported string that holds one of those secrets (raw or encoded) although the
  detector does not flag it (``"plain <token>"`` beside a ``{"token": …}`` body);
  every other ``${`` is escaped as ``$${`` so that the loader reads back exactly
  what Twilio holds.

The engine knows no kind by name: each kind exports its own entries
(``AnyKind.export``) and names things through ``ExportNames``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from flexplan.engine.model import Unreadable
from flexplan.engine.read import Reader, answer_text, plural, skippable
from flexplan.engine.textfiles import FlowMapping, json_text, yaml_text
from flexplan.errors import FlexplanError
from flexplan.lookups import read_candidates
from flexplan.plantypes import LiveObject, Placeholder
from flexplan.redact import encoded_forms, register_secret
from flexplan.resources._sdk import api_failure
from flexplan.resources.base import AnyKind
from flexplan.resources.fields import LOOKUP_TITLE
from flexplan.resources.lookup_types import LOOKUP_TYPES, SCOPED
from flexplan.sensitive import secrets_in_text
from flexplan.throttle import RequestsStopped
from flexplan.twilio_client import credentials_in_reach

MANIFEST = "flexplan.yaml"
Candidate = tuple[str, str]  # (sid, name)


@dataclass
class AccountExport:
    """What ``read_export`` read: live objects by section, look-up lists by (type, scope)."""

    account_sid: str
    objects: dict[str, list[LiveObject]] = field(default_factory=dict)
    candidates: dict[tuple[str, str], list[Candidate]] = field(default_factory=dict)
    unreadable: list[Unreadable] = field(default_factory=list)  # kinds skipped (best-effort)
    credentials: dict[str, str] = field(default_factory=dict)  # the run's Twilio secrets -> name


@dataclass(frozen=True)
class SecretNote:
    """A value written as ``${env:variable}``; ``value`` stays in memory, never on disk."""

    variable: str
    where: str
    value: str
    reason: str = "holds credentials"


@dataclass
class ExportResult:
    """The files to write (relative path -> text) and what to tell the user."""

    files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # section -> entries exported
    secrets: list[SecretNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------


def read_export(
    client: Any,
    kinds: Sequence[AnyKind],
    *,
    account_sid: str,
    best_effort: bool = False,
) -> AccountExport:
    """Every live object of ``kinds`` and every look-up list, read concurrently.

    ``best_effort`` (no kinds asked for by name): a kind whose read Twilio answers with an
    error other than 401 is skipped and listed in ``unreadable`` (a retired API).
    """
    reader = Reader(client)
    result = AccountExport(account_sid, credentials=credentials_in_reach(client))
    pool = reader.pool(len(kinds) + 1, "export")
    with reader.abandoned_on_error(pool):  # a failed read, or Ctrl-C: nothing more is sent
        futures = {k.section: pool.submit(k.read_for_export, reader) for k in kinds}
        lists = pool.submit(read_candidates, reader)
        _collect(result, kinds, futures, lists, best_effort=best_effort)
    reader.close()
    return result


def _collect(
    result: AccountExport,
    kinds: Sequence[AnyKind],
    futures: Mapping[str, Future[Any]],
    lists: Future[Any],
    *,
    best_effort: bool,
) -> None:
    """Each kind's objects and the look-up lists into ``result``; the first failure raised.
    A read stopped because another request got no answer defers to that request's error."""
    stopped = False
    for kind in kinds:
        doing = f"reading the account's {plural(kind.title)}"
        try:
            result.objects[kind.section] = _result(futures[kind.section], doing)
        except RequestsStopped:
            stopped = True
        except FlexplanError as exc:
            if not (best_effort and skippable(exc.__cause__ or exc)):
                raise
            result.unreadable.append(Unreadable(kind.section, plural(kind.title), answer_text(exc)))
    try:
        result.candidates = _result(lists, "reading services, workspaces and workflows")
    except RequestsStopped:
        stopped = True
    if stopped:
        raise FlexplanError(
            "reading the account stopped: a request got no answer within its deadline",
            hint="check the network and Twilio's status, then run the command again",
        )


def _result(future: Any, doing: str) -> Any:
    try:
        return future.result()
    except FlexplanError:
        raise
    except Exception as exc:
        translated = api_failure(exc, doing)
        if translated is None:
            raise
        raise translated from exc  # the cause says whether Twilio answered (best_effort)


# -- names ------------------------------------------------------------------------------

_NOT_NAME = re.compile(r"[^a-z0-9]+")
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def slug(text: str, fallback: str) -> str:
    """``Flex Web Chat`` -> ``flex-web-chat``: ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = _NOT_NAME.sub("-", ascii_text.lower()).strip("-")
    return out or fallback


def _without_secrets(text: str) -> str:
    """What a person calls a resource, less anything in it that looks secret (a token pasted
    into a friendly name must not become part of a local name, a file name or a variable)."""
    for secret in secrets_in_text(text):
        text = text.replace(secret, " ")
    return text


def _age(obj: LiveObject) -> tuple[str, str]:
    return (str(obj.raw.get("date_created") or ""), str(obj.sid or ""))


def assign_names(kind: AnyKind, objects: Sequence[LiveObject]) -> dict[int, str]:
    """A unique, stable local name per object (by ``id``): its slug, or slug + SID tail."""
    groups: dict[str, list[LiveObject]] = defaultdict(list)
    fallback = kind.type_name.replace("_", "-")
    for obj in objects:
        groups[slug(_without_secrets(kind.export_name(obj)), fallback)].append(obj)
    names: dict[int, str] = {}
    used: set[str] = set(groups)
    for base, members in sorted(groups.items()):
        for i, obj in enumerate(sorted(members, key=_age)):
            if i == 0:
                names[id(obj)] = base
                continue
            tail = (obj.sid or "")[-6:].lower() or str(i + 1)
            name = f"{base}-{tail}"
            while name in used:
                name += "-x"
            used.add(name)
            names[id(obj)] = name
    return names


def _unique_by_key(
    kind: AnyKind, objects: Sequence[LiveObject], warnings: list[str]
) -> tuple[list[LiveObject], set[int]]:
    """One object per natural key (the oldest), and the ids of those to pin by SID."""
    groups: dict[tuple[Any, ...], list[LiveObject]] = defaultdict(list)
    for obj in objects:
        groups[obj.key].append(obj)
    kept: list[LiveObject] = []
    pinned: set[int] = set()
    for members in groups.values():
        first, *others = sorted(members, key=_age)
        kept.append(first)
        if not others:
            continue
        pinned.add(id(first))
        skipped = ", ".join(str(o.sid or o.label) for o in others)
        warnings.append(
            f"{kind.title} {first.label!r}: {len(members)} live resources share this identity; "
            f"exported {first.sid or 'the first'} (pinned with sid:), not {skipped} — rename "
            "or delete the others to manage them"
        )
    return kept, pinned


class _Names:
    """``ExportNames`` over one export: local names by SID, look-up lists, secrets."""

    def __init__(self, account: AccountExport, result: ExportResult):
        self.candidates = account.candidates
        self.result = result
        self.local: dict[tuple[str, str], str] = {}  # (section, sid) -> local name
        self.secret_values: set[str] = set()  # what the written placeholders hide, and inside

    def ref(self, section: str, sid: str | None) -> str | None:
        if sid is None:
            return None
        return self.local.get((section, sid), sid)

    def ref_var(self, key: str, section: str, sid: str) -> Mapping[str, str] | None:
        name = self.local.get((section, sid))
        return FlowMapping({key: name}) if name is not None else None

    def lookup(
        self, target_type: str, sid: str | None, *, workspace_sid: str | None = None
    ) -> str | None:
        if not sid:
            return sid
        scope = (workspace_sid or "") if target_type in SCOPED else ""
        found = self._unique_name(target_type, scope, sid)
        listed = self.candidates.get((target_type, scope), [])
        if found is None and not any(s == sid for s, _ in listed):
            self.result.warnings.append(
                f"{LOOKUP_TITLE[target_type]} {sid} is referred to but not in the account; the "
                "plan will report it until it is fixed"
            )
        return found or sid

    def lookup_var(self, sid: str) -> Mapping[str, str | None] | None:
        target_type = next((k for k in SCOPED if LOOKUP_TYPES[k].prefix == sid[:2]), None)
        if target_type is None:
            return None
        spaces = self.candidates.get(("workspace", ""), [])
        for ws_sid, _ in spaces:
            name = self._unique_name(target_type, ws_sid, sid)
            if name is None:
                continue
            if len(spaces) == 1:
                return FlowMapping({target_type: name})
            ws_name = self._unique_name("workspace", "", ws_sid)
            return FlowMapping({target_type: name, "workspace": ws_name}) if ws_name else None
        return None

    def _unique_name(self, target_type: str, scope: str, sid: str) -> str | None:
        candidates = self.candidates.get((target_type, scope), [])
        names = [n for s, n in candidates if s == sid]
        if len(names) != 1 or not names[0] or not names[0].strip():
            return None
        name = names[0]
        if sum(1 for _, n in candidates if n == name) != 1 or _SID.match(name):
            return None  # ambiguous, or a name the loader would read as a SID
        return name

    def secret(self, where: str, value: str, reason: str = "holds credentials") -> Placeholder:
        register_secret(value)
        self.secret_values.add(value)
        self.secret_values.update(secrets_in_text(value))
        variable = re.sub(r"[^A-Z0-9]+", "_", where.upper()).strip("_")
        taken = {note.variable for note in self.result.secrets}
        base, n = variable, 1
        while variable in taken:
            n += 1
            variable = f"{base}_{n}"
        self.result.secrets.append(SecretNote(variable, where, value, reason))
        return Placeholder("${env:" + variable + "}")


# -- building the files (pure) ------------------------------------------------------------


def build_export(account: AccountExport, kinds: Sequence[AnyKind]) -> ExportResult:
    """The manifest files for ``account``; identical input gives identical bytes.

    Every kind's local names are known before any kind exports, so a reference names
    a resource exported later (a Flex Flow's managed workflow); an object its kind does
    not export takes no name, and the export is made again without it when one did.
    """
    ordered = sorted(kinds, key=lambda k: k.rank)
    unexported: set[int] = set()  # ids of the live objects their kinds did not export
    while True:
        result = ExportResult()
        names = _Names(account, result)
        named = [(k, _name_kind(k, account.objects.get(k.section, []), names, unexported))
                 for k in ordered]  # fmt: skip
        sections: list[tuple[AnyKind, dict[str, Any]]] = []
        files: dict[str, _DataFile] = {}
        dropped: set[int] = set()
        for kind, objects in named:
            entries = _export_kind(kind, objects, names, files, dropped)
            if entries:
                sections.append((kind, entries))
                result.counts[kind.section] = len(entries)
        if not dropped:
            break
        unexported |= dropped
    _hide_credentials(sections, files, names, account.credentials)
    _hide_secret_copies(sections, files, names)
    for kind, entries in sections:
        result.files[f"{kind.section}.yaml"] = _kind_file(kind, _escaped(entries), account, result)
    for path, data_file in files.items():
        result.files[path] = json_text(_escaped(data_file.data))
    result.files[MANIFEST] = _root_file(account, [k for k, _ in sections], result)
    result.files = dict(sorted(result.files.items()))
    return result


@dataclass
class _DataFile:
    """A JSON file an entry writes beside the manifest, and what to call places inside it."""

    data: Any
    where: tuple[str, ...]  # ("studio_flows", "greeting", "definition")


def _name_kind(
    kind: AnyKind, objects: Sequence[LiveObject], names: _Names, unexported: set[int]
) -> list[tuple[str, LiveObject, bool]]:
    """The objects of ``kind`` to export, by local name (registered in ``names``), and
    whether each is pinned by its SID."""
    warnings = names.result.warnings
    kept, pinned = _unique_by_key(kind, objects, warnings)
    for obj in (o for o in kept if id(o) in unexported):
        warnings.append(f"{kind.title} {obj.shown()} was not exported")
    kept = [o for o in kept if id(o) not in unexported]
    for obj in kept:  # the strings holding them (a friendly name) become ${env:…} below
        for secret in secrets_in_text(kind.export_name(obj)):
            register_secret(secret)
            names.secret_values.add(secret)
    local = assign_names(kind, kept)
    for obj in kept:
        if obj.sid:
            names.local[(kind.section, obj.sid)] = local[id(obj)]
    ordered = sorted(kept, key=lambda o: local[id(o)])
    return [(local[id(o)], o, id(o) in pinned) for o in ordered]


def _export_kind(
    kind: AnyKind,
    objects: Sequence[tuple[str, LiveObject, bool]],
    names: _Names,
    files: dict[str, _DataFile],
    dropped: set[int],
) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    for name, obj, pinned in objects:
        exported = kind.export(name, obj, names)
        if exported is None:
            dropped.add(id(obj))
            continue
        spec = dict(exported.spec)
        if pinned and obj.sid:
            spec["sid"] = obj.sid
        entries[name] = spec
        for path, data in exported.files.items():
            files[path] = _DataFile(data, (kind.section, name, _file_field(spec, path)))
    return entries


def _file_field(spec: dict[str, Any], path: str) -> str:
    """``definition`` for the file an entry names in ``definition_file``."""
    for key, value in spec.items():
        if value == path:
            return key.removesuffix("_file")
    return "file"


# -- secrets the detector found, copied into strings it does not flag --------------------

_SCANNED_LENGTH = 8  # shorter values would match ordinary text


def _hide_credentials(
    sections: Sequence[tuple[AnyKind, dict[str, Any]]],
    files: dict[str, _DataFile],
    names: _Names,
    credentials: Mapping[str, str],
) -> None:
    """A live value holding a Twilio credential of this run (the auth token in a webhook
    URL) is written as ``${env:…}``, never into the files, with a warning: whoever serves
    or reads that value has the account."""
    if not credentials:
        return
    named = {form: name for secret, name in credentials.items() for form in encoded_forms(secret)}
    pattern = re.compile("|".join(re.escape(f) for f in sorted(named, key=len, reverse=True)))
    for note in list(names.result.secrets):  # already a placeholder (a token in a URL)
        found = pattern.search(note.value)
        if found:
            _warn_credential(names, note.where, named[found.group(0)])
    _replace_strings(sections, files, functools.partial(_credential, pattern, named, names))


def _credential(
    pattern: re.Pattern[str],
    named: Mapping[str, str],
    names: _Names,
    value: str,
    where: tuple[str, ...],
) -> str | Placeholder:
    found = pattern.search(value)
    if not found:
        return value
    place, name = ".".join(where), named[found.group(0)]
    _warn_credential(names, place, name)
    return names.secret(place, value, f"holds {name}")


def _warn_credential(names: _Names, place: str, name: str) -> None:
    names.result.warnings.append(
        f"{place} holds {name}, a Twilio credential: written as ${{env:…}}, but whoever "
        "serves or reads that value has your account; rotate the credential and change "
        "the value (plan refuses to write it)"
    )


def _replace_strings(
    sections: Sequence[tuple[AnyKind, dict[str, Any]]],
    files: dict[str, _DataFile],
    replace: Callable[[str, tuple[str, ...]], Any],
) -> None:
    """Every exported string (not yet a placeholder) through ``replace(value, where)``."""

    def walk(value: Any, where: tuple[str, ...]) -> Any:
        if isinstance(value, Placeholder):
            return value
        if isinstance(value, str):
            return replace(value, where)
        if isinstance(value, dict):
            return type(value)({k: walk(v, (*where, str(k))) for k, v in value.items()})
        if isinstance(value, (list, tuple)):
            return [walk(v, _item_place(where, i, v)) for i, v in enumerate(value)]
        return value

    for kind, entries in sections:
        for name in list(entries):
            entries[name] = walk(entries[name], (kind.section, name))
    for data_file in files.values():
        data_file.data = walk(data_file.data, data_file.where)


def _hide_secret_copies(
    sections: Sequence[tuple[AnyKind, dict[str, Any]]],
    files: dict[str, _DataFile],
    names: _Names,
) -> None:
    """Every exported string holding a secret already written as ``${env:…}`` (as is,
    JSON-escaped or URL-encoded) becomes a placeholder too."""
    forms = {f for v in names.secret_values for f in encoded_forms(v)}
    forms = {f for f in forms if len(f) >= _SCANNED_LENGTH}
    if not forms:
        return
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))

    def hide(value: str, where: tuple[str, ...]) -> str | Placeholder:
        if not pattern.search(value):
            return value
        reason = "holds a secret written elsewhere as ${env:…}"
        return names.secret(".".join(where), value, reason)

    _replace_strings(sections, files, hide)


def _item_place(where: tuple[str, ...], index: int, item: Any) -> tuple[str, ...]:
    """A list item's place: by its ``name`` when it has one (a Studio widget:
    ``definition.notify``, not ``definition.states.1``), else by its index."""
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
        return (*where[:-1], item["name"])
    return (*where, str(index))


def _escaped(value: Any) -> Any:
    """Plain data with every ``${`` written as ``$${``, except the ``Placeholder``s."""
    if isinstance(value, Placeholder):
        return str(value)
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return type(value)({_escaped(k): _escaped(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value


def _kind_file(
    kind: AnyKind, entries: dict[str, Any], account: AccountExport, result: ExportResult
) -> str:
    header = f"# {kind.section} of account {account.account_sid}, written by `flexplan export`.\n"
    text = yaml_text({kind.section: entries})
    for note in result.secrets:
        token = "${env:" + note.variable + "}"
        text = "\n".join(
            f"{line}  # secret: set {note.variable} in the environment"
            if token in line and not line.lstrip().startswith("#")
            else line
            for line in text.split("\n")
        )
    return header + text


def _root_file(account: AccountExport, kinds: Sequence[AnyKind], result: ExportResult) -> str:
    lines = [
        f"# Account {account.account_sid}, written by `flexplan export`.",
        "# `flexplan plan` on this directory shows no changes while the account is unchanged;",
        "# edit these files, review `flexplan plan`, then `flexplan apply`.",
    ]
    if result.secrets:
        lines += ["#", "# Secrets are never written. Set these environment variables first:"]
        lines += [f"#   {n.variable}: {n.where} ({n.reason})" for n in result.secrets]
    document = {
        "version": 1,
        "account_sid": account.account_sid,
        "include": [f"{k.section}.yaml" for k in kinds],
    }
    return "\n".join(lines) + "\n" + yaml_text(document)
