"""Kind behaviour as data: one YAML file per case under ``tests/kinds/<section>/``.

Three shapes of case, told apart by what ``expect`` holds (docs/kinds.md):

* plan: ``spec`` (the entry under test, in section ``<section>``, named ``name`` or
  after the file), ``live_raw`` and ``lookups`` -> ``desired``, ``action``, ``diff``,
  ``details``, ``sdk_calls`` and friends;
* read: ``live_raw`` -> ``read``, the live objects as the kind normalises them;
* export: ``live_raw`` -> ``exported``, the entries ``flexplan export`` writes.

``live_raw`` is the account as Twilio's JSON by twilio SDK path (see
``fakeclient``). The manifest is loaded, the account read, the plan built, the
changes applied and the export written by flexplan's own code; only the twilio
client is the fake.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flexplan.engine.export import build_export, read_export
from flexplan.engine.model import Plan
from flexplan.engine.plan import build_plan
from flexplan.engine.read import Reader, read_live
from flexplan.errors import DiagnosticsError, FlexplanError
from flexplan.manifest import MANIFEST_FILE, load_manifest
from flexplan.plantypes import FieldChange, LiveObject, Named, Unknown
from flexplan.resources import BY_SECTION, KINDS

from .fakeclient import Call, FakeTwilio, account_data, unknown_keywords

ROOT = Path(__file__).parent
ACCOUNT_SID = "AC" + "a" * 32
COMMIT_MESSAGE = "flexplan apply"

CASE_KEYS = frozenset({"description", "name", "spec", "manifest", "prune", "files", "env",
                       "live_raw", "lookups", "expect"})  # fmt: skip
PLAN_KEYS = frozenset({"desired", "action", "diff", "details", "sensitive", "replace_paths",
                       "notes", "plan", "sdk_calls", "error"})  # fmt: skip
READ_KEYS = frozenset({"read"})
EXPORT_KEYS = frozenset({"exported", "files", "secrets", "warnings"})
READ_ITEM_KEYS = frozenset({"key", "sid", "label", "state", "is_default", "claims",
                            "referenced_sids"})  # fmt: skip


@dataclass
class Case:
    path: Path
    section: str
    data: dict[str, Any]
    shape: str = field(init=False)

    def __post_init__(self) -> None:
        expect = self.data.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise CaseError(self, "expect", "a case needs `expect:` (see docs/kinds.md)")
        unknown = set(self.data) - CASE_KEYS
        if unknown:
            raise CaseError(self, ", ".join(sorted(unknown)), "not a case key")
        for shape, keys in (("read", READ_KEYS), ("export", EXPORT_KEYS - {"files"})):
            if keys & set(expect):
                self.shape = shape
                break
        else:
            self.shape = "plan"
        allowed = {"plan": PLAN_KEYS, "read": READ_KEYS, "export": EXPORT_KEYS}[self.shape]
        wrong = set(expect) - allowed
        if wrong:
            raise CaseError(self, f"expect.{sorted(wrong)[0]}", f"not a {self.shape}-case key")

    @property
    def id(self) -> str:
        return f"{self.section}/{self.path.stem}"

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.path.stem)

    @property
    def expect(self) -> dict[str, Any]:
        return dict(self.data["expect"])

    def client(self) -> FakeTwilio:
        return FakeTwilio(account_data(self.data.get("live_raw") or {},
                                       self.data.get("lookups") or {}))  # fmt: skip


class CaseError(AssertionError):
    def __init__(self, case: Case, key: str, message: str):
        super().__init__(f"{case.path.relative_to(ROOT.parent.parent)}: {key}: {message}")


def case_dirs() -> list[Path]:
    return sorted(p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


def all_cases() -> list[Case]:
    found = []
    for directory in case_dirs():
        for path in sorted(directory.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found.append(Case(path, directory.name, data))
    return found


# -- rendering flexplan's values as the data a case writes -----------------------------


def as_data(value: Any) -> Any:
    """Plan values as YAML data: ``Unknown`` as ``(known after apply: ADDRESS)``, a look-up's
    ``Named`` SID as the plan shows it, ``Name (SID)``; tuples and sets as lists."""
    if isinstance(value, Unknown):
        return f"(known after apply: {value.source})"
    if isinstance(value, Named):
        return value.show()
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Mapping):
        return {str(k): as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(as_data(v) for v in value)
    return value


def _diff_data(changes: Sequence[FieldChange]) -> dict[str, Any]:
    return {c.path: [as_data(c.before), as_data(c.after)] for c in changes}


# -- running each shape ---------------------------------------------------------------


def write_manifest(case: Case, root: Path) -> None:
    sections: dict[str, Any] = {}
    for section, entries in (case.data.get("manifest") or {}).items():
        sections[section] = dict(entries)
    if "spec" in case.data:
        sections.setdefault(case.section, {})[case.name] = case.data["spec"]
    document: dict[str, Any] = {"version": 1, **sections}
    if case.data.get("prune"):
        document["prune"] = case.data["prune"]
    (root / MANIFEST_FILE).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    for rel, content in (case.data.get("files") or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        target.write_text(text, encoding="utf-8")


def run_plan(case: Case, root: Path) -> dict[str, Any]:
    """What a plan case's ``expect`` compares: the plan of the entry, then the SDK calls of
    applying the whole plan (every change, in the plan's order). A case that expects an
    ``error`` gets the messages of the one that stopped it, and the SDK calls made
    until then."""
    client = case.client()
    try:
        return _plan_and_apply(case, root, client)
    except (FlexplanError, DiagnosticsError) as exc:
        if "error" not in case.expect:
            raise
        messages = [d.message for d in exc.diagnostics] if isinstance(exc, DiagnosticsError) \
            else [exc.message]  # fmt: skip
        calls = client.calls if client.applying else []  # the reads run concurrently
        return {"error": messages, "sdk_calls": [c.as_data() for c in calls]}


def _plan_and_apply(case: Case, root: Path, client: FakeTwilio) -> dict[str, Any]:
    write_manifest(case, root)
    manifest = load_manifest(root, environ=case.data.get("env") or {})
    snapshot = read_live(client, manifest, KINDS, account_sid=ACCOUNT_SID)
    plan = build_plan(manifest, snapshot, KINDS)
    change = next(c for c in plan.changes if (c.section, c.name) == (case.section, case.name))
    got: dict[str, Any] = {
        "desired": as_data(change.after),
        "action": change.action,
        "diff": _diff_data(change.diff),
        "details": {path: d.to_json() for path, d in change.details.items()},
        "sensitive": list(change.sensitive_paths),
        "replace_paths": list(change.replace_paths),
        "notes": list(plan.notes),
        "plan": {c.address: c.action for c in plan.changes if c.action != "no-op"},
    }
    read_calls = list(client.calls)
    client.calls.clear()
    client.applying = True
    apply_all(client, plan)
    got["sdk_calls"] = [c.as_data() for c in client.calls]
    _refuse_unknown_keywords(case, read_calls + client.calls)
    return got


def _refuse_unknown_keywords(case: Case, calls: Sequence[Call]) -> None:
    for call in {(c.path, c.method, tuple(sorted(c.kwargs))): c for c in calls}.values():
        wrong = unknown_keywords(call)
        if wrong:
            raise CaseError(case, "sdk_calls", f"the twilio SDK's {call.path}.{call.method} "
                            f"takes no {', '.join(wrong)} (the kind sends it)")  # fmt: skip


@dataclass(frozen=True)
class _WriteContext:
    commit_message: str


def apply_all(client: FakeTwilio, plan: Plan) -> None:
    """Each change's executor, in plan order, SIDs created earlier filled in (as apply
    does; its look-before-create and read-back are wiring, tested end to end)."""
    created: dict[str, str] = {}
    for change in plan.actionable:
        if change.staged:
            raise AssertionError(f"{change.address} is staged: not supported by kind cases")
        kind = BY_SECTION[change.section]
        desired = _filled(change.after or {}, created)
        ctx = _WriteContext(str(change.options.get("commit_message") or COMMIT_MESSAGE))
        steps = {"create": ["create"], "update": ["update"], "delete": ["delete"],
                 "replace": ["create", "delete"] if change.create_first
                 else ["delete", "create"]}[change.action]  # fmt: skip
        for step in steps:
            if step == "create":
                live = kind.create(client, desired, ctx)
                if isinstance(live, LiveObject) and live.sid:
                    created[change.address] = live.sid
            elif step == "update":
                kind.update(client, change.live, desired, ctx)
            else:
                kind.delete(client, change.live, ctx)


def _filled(value: Any, created: Mapping[str, str]) -> Any:
    if isinstance(value, Unknown):
        return created[value.source]
    if isinstance(value, dict):
        return {k: _filled(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, created) for v in value]
    return value


def run_read(case: Case, root: Path) -> dict[str, Any]:
    """The kind's live objects: the plan's read when the case has a ``spec`` (or
    ``manifest``), else the export's read (everything, complete)."""
    client = case.client()
    kind = BY_SECTION[case.section]
    if "spec" in case.data or "manifest" in case.data:
        write_manifest(case, root)
        manifest = load_manifest(root, environ=case.data.get("env") or {})
        objects = read_live(client, manifest, KINDS, account_sid=ACCOUNT_SID).objects
        live = objects.get(case.section, [])
    else:
        reader = Reader(client, 2)
        try:
            live = kind.read_for_export(reader)
        finally:
            reader.close()
    return {"read": [_live_data(obj) for obj in live]}


def _live_data(obj: LiveObject) -> dict[str, Any]:
    return {
        "key": as_data(obj.key),
        "sid": obj.sid,
        "label": obj.label,
        "state": as_data(obj.state),
        "is_default": obj.is_default,
        "claims": sorted(c.key for c in obj.claims),
        "referenced_sids": sorted(obj.referenced_sids),
    }


def run_export(case: Case) -> dict[str, Any]:
    """``flexplan export`` of the case's account: this section's entries, the data files
    written beside them, the secrets written as ``${env:…}`` and the warnings."""
    client = case.client()
    account = read_export(client, KINDS, account_sid=ACCOUNT_SID, best_effort=True)
    result = build_export(account, KINDS)
    text = result.files.get(f"{case.section}.yaml")
    entries = (yaml.safe_load(text) or {}).get(case.section, {}) if text else {}
    files = {
        path: json.loads(body)
        for path, body in result.files.items()
        if path.endswith(".json") and path.split("/")[0] != case.section
    }
    return {
        "exported": entries,
        "files": files,
        "secrets": {n.variable: n.where for n in result.secrets},
        "warnings": list(result.warnings),
    }


# -- comparing --------------------------------------------------------------------------


def differences(expected: Any, got: Any, where: str, *, subset: bool = False) -> list[str]:
    """Each place where ``got`` is not ``expected``, as ``where: expected X, got Y``; with
    ``subset``, mappings compare only the keys ``expected`` gives."""
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        found: list[str] = []
        for key in expected:
            if key not in got:
                found.append(f"{where}.{key}: expected {_show(expected[key])}, got nothing")
            else:
                found += differences(expected[key], got[key], f"{where}.{key}", subset=subset)
        if not subset:
            found += [f"{where}.{k}: not expected, got {_show(got[k])}" for k in got
                      if k not in expected]  # fmt: skip
        return found
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{where}: expected {len(expected)} items, got {len(got)}: {_show(got)}"]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=True))
                for d in differences(e, g, f"{where}[{i}]", subset=subset)]  # fmt: skip
    if expected != got or (type(expected) is not type(got) and not _numbers(expected, got)):
        return [f"{where}: expected {_show(expected)}, got {_show(got)}"]
    return []


def _numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def check(case: Case, got: Mapping[str, Any]) -> None:
    """Fail naming the case file and each differing key, with what was got for it."""
    problems: list[str] = []
    for key, expected in case.expect.items():
        if key in ("notes", "error"):  # each expected text is a part of one got
            texts = got.get(key)
            if texts is None:
                problems.append(f"expect.{key}: none, the case ran through: {_show(got)}")
                continue
            wanted = expected if isinstance(expected, list) else [expected]
            missing = [n for n in wanted if not any(n in text for text in texts)]
            problems += [f"expect.{key}: none holds {n!r}; got {texts}" for n in missing]
            continue
        if key not in got:
            problems.append(f"expect.{key}: the case stopped first: {_show(got.get('error'))}")
            continue
        if key == "read":
            found = _read_differences(case, expected, got["read"])
        else:
            found = differences(expected, got[key], f"expect.{key}", subset=key == "details")
        if found:
            dumped = yaml.safe_dump({key: got[key]}, sort_keys=False, allow_unicode=True)
            problems += [*found, f"  (got, for {key}:)\n" + _indent(dumped)]
    if problems:
        raise AssertionError(f"{case.path.relative_to(ROOT.parent.parent)}:\n"
                             + "\n".join(problems))  # fmt: skip


def _read_differences(case: Case, expected: Any, got: list[dict[str, Any]]) -> list[str]:
    """Each live object against its expected item, on the keys the item gives."""
    if not isinstance(expected, list):
        raise CaseError(case, "expect.read", "a list of live objects, in read order")
    for item in expected:
        if not isinstance(item, dict) or "state" not in item or set(item) - READ_ITEM_KEYS:
            raise CaseError(case, "expect.read", "each item has state, and only "
                            f"{', '.join(sorted(READ_ITEM_KEYS))}")  # fmt: skip
    if len(expected) != len(got):
        return [f"expect.read: expected {len(expected)} live objects, got {len(got)}"]
    shown = [{k: g[k] for k in e} for e, g in zip(expected, got, strict=True)]
    return differences(expected, shown, "expect.read")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
