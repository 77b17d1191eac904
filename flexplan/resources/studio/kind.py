"""Studio flows (``studio_flows``): Studio v2 ``/v2/Flows``, identified by friendly name.

The definition is written inline (``definition:``) or in a JSON file
(``definition_file:``, relative to the YAML file); the manifest layer loads
the file and fills ``${NAME}`` placeholders from the flow's ``vars`` then the
manifest's variables. Look-up-valued ``vars`` stay as ``${NAME}`` in the
definition until the plan resolves them (``studio.fill_placeholders``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from flexplan.errors import FlexplanError
from flexplan.plantypes import (
    FieldPath,
    LiveObject,
    NaturalKey,
    Placeholder,
    Problem,
    Reference,
    Unknown,
    fingerprint_of,
    map_strings,
)
from flexplan.redact import redact
from flexplan.resources._sdk import drop_none, error_details, http_status, to_dict
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    ResourceSpec,
    State,
    WriteContext,
)
from flexplan.resources.fields import (
    FLOW_VAR_REF,
    LOOKUP_PREFIX,
    MANAGED_SECTION,
    REF_VAR_KEY,
    SID_HEX,
    FlowVar,
    Lookup,
    ResourceRef,
    Sid,
)
from flexplan.resources.studio.definition import (
    check_definition,
    fill_placeholders,
    normalize_definition,
    placeholder_paths,
    placeholders,
    quoted,
    trigger_events,
)
from flexplan.resources.studio.warm import known_definitions
from flexplan.sensitive import secret_paths

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

    from flexplan.flowdiff import DefinitionDiff  # the diff is imported by the first plan

FlowSid = Annotated[str, Sid("FW", "Studio flow")]


class StudioFlowSpec(ResourceSpec):
    """A Studio flow: ``friendly_name`` identifies it in the account."""

    sid: FlowSid | None = Field(
        default=None, description="pin the live flow by its SID (FW…) instead of by its name"
    )
    friendly_name: str = Field(
        min_length=1,
        description="the string that describes the flow in the account (Studio FriendlyName); "
        "identifies the flow",
    )
    status: Literal["draft", "published"] | None = Field(
        default=None,
        description="published: new executions run this revision; draft: saved, not live "
        "(Studio Status)",
    )
    definition: dict[str, Any] | None = Field(
        default=None,
        description="the flow definition (Studio's JSON: states, initial_state, flags) "
        "written as YAML",
    )
    definition_file: str | None = Field(
        default=None,
        min_length=1,
        description="JSON file with the definition, relative to this file",
    )
    commit_message: str | None = Field(
        default=None,
        description="commit message of the revisions apply writes (`--message` overrides it; "
        "default: flexplan and the git commit)",
    )
    vars: dict[str, FlowVar] | None = Field(
        default=None, description="values for ${NAME} placeholders in the definition"
    )

    @model_validator(mode="after")
    def _one_definition_source(self) -> StudioFlowSpec:
        if self.definition is not None and self.definition_file is not None:
            raise ValueError("give either definition or definition_file, not both")
        return self


_SID_OF = {"workflows": "workflow", "task_channels": "task channel"}


def _flow_ref_problems(name: str, spec: StudioFlowSpec) -> list[Problem]:
    """A ``{studio_flow: NAME}`` var stands alone (a SID is the whole value) and is not the
    flow itself (its SID exists only once the flow does)."""
    refs = {
        key: value for key, value in (spec.vars or {}).items() if isinstance(value, ResourceRef)
    }
    problems = [
        Problem(
            f"vars.{key} refers to this flow itself",
            ("vars", key),
            "a flow cannot name its own SID in its definition; refer to another flow",
        )
        for key, ref in refs.items()
        if ref.name == name and ref.section == "studio_flows"
    ]
    for path, var in placeholder_paths(spec.definition or {}):
        text = _text_at(spec.definition, path)
        if var in refs and text != "${" + var + "}":
            problems.append(
                Problem(
                    f"${{{var}}} is a {_SID_OF.get(refs[var].section, 'flow')}'s SID and must "
                    f"be the whole value, not part of {quoted(text)}",
                    ("definition", *path),
                    f'write "${{{var}}}" alone (as in a run-subflow\'s flow_sid)',
                )
            )
    return problems


def _text_at(value: Any, path: FieldPath) -> Any:
    for part in path:
        value = value[part]
    return value


# The Studio flows a new Flex account starts with, under every name Twilio's pages give
# them ("Webchat Flow": support.twilio.com/hc/en-us/articles/360012257693; "WebChat Flow
# (or Chat Flow)": twilio.com/docs/flex/admin-guide/tutorials/webchat-setup), compared
# ignoring case and surrounding space. The engine also treats what a default handler or the
# default chat address uses as a default (by role), whatever its name.
DEFAULT_FLOWS = frozenset(
    n.casefold()
    for n in ("Messaging Flow", "Webchat Flow", "WebChat Flow", "Chat Flow", "Voice IVR")
)
# Fields that are the same in the list and in a fetch: a fingerprint must not depend
# on whether the definition was fetched.
_NOT_FINGERPRINTED = ("url", "links", "definition", "valid", "errors", "warnings", "webhook_url")


class StudioFlowKind(ResourceKind[StudioFlowSpec, "DefinitionDiff"]):
    section: ClassVar[str] = "studio_flows"
    type_name: ClassVar[str] = "studio_flow"
    title: ClassVar[str] = "Studio flow"
    spec_model = StudioFlowSpec
    rank: ClassVar[int] = 10
    rich_paths: ClassVar[frozenset[str]] = frozenset({"definition"})
    template_fields: ClassVar[tuple[str, ...]] = ("definition",)
    file_fields: ClassVar[dict[str, str]] = {"definition_file": "definition"}

    def template_values(
        self, spec: StudioFlowSpec, variables: Mapping[str, str]
    ) -> tuple[dict[str, str], frozenset[str]]:
        """Values for ``${NAME}`` in the definition (flow vars over ``variables``),
        and the names kept for the plan to fill (look-up and flow-reference vars)."""
        own = spec.vars or {}
        keep = frozenset(k for k, v in own.items() if isinstance(v, (Lookup, ResourceRef)))
        values = {**variables, **{k: v for k, v in own.items() if isinstance(v, str)}}
        return {k: v for k, v in values.items() if k not in keep}, keep

    def check(self, name: str, spec: StudioFlowSpec) -> Iterable[Problem]:
        if spec.state == "absent":
            return []
        if spec.definition is None:
            if spec.definition_file is not None:
                return []  # the file could not be loaded; that is reported already
            return [
                Problem(
                    "a Studio flow needs a definition", (), "add definition_file: or definition:"
                )
            ]
        problems = [
            Problem(p.message, ("definition", *p.path), p.hint, p.severity)
            for p in check_definition(spec.definition)
        ]
        return problems + _flow_ref_problems(name, spec)

    def provides(self, spec: StudioFlowSpec) -> frozenset[str] | None:
        """The trigger events that start the flow: ``trigger:incomingConversationMessage``."""
        if spec.definition is None:
            return None
        return frozenset(f"trigger:{event}" for event in trigger_events(spec.definition))

    def references(self, spec: StudioFlowSpec) -> Sequence[Reference]:
        return [
            Reference(value.section, value.name, ("vars", key))
            for key, value in (spec.vars or {}).items()
            if isinstance(value, ResourceRef) and value.name is not None
        ]

    def natural_key(self, name: str, spec: StudioFlowSpec) -> NaturalKey:
        return (spec.friendly_name,)

    def display(self, spec: StudioFlowSpec, name: str) -> str:
        return spec.friendly_name

    def lookups(self, spec: StudioFlowSpec) -> Sequence[Lookup]:  # not the flow references
        return [v for v in (spec.vars or {}).values() if isinstance(v, Lookup)]

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, StudioFlowSpec]]
    ) -> list[LiveObject]:
        flows = [to_dict(f) for f in ctx.client.studio.v2.flows.stream(page_size=1000)]
        names = {spec.friendly_name for _, spec in specs}
        sids = {spec.sid for _, spec in specs if spec.sid}
        # a complete read (a pruned kind) fetches every definition: subflow references count
        complete = bool(ctx.complete)
        managed = [
            f["sid"]
            for f in flows
            if complete or f.get("friendly_name") in names or f["sid"] in sids
        ]
        known = known_definitions(ctx, flows, managed, specs, self.desired_state)
        wanted = [sid for sid in managed if sid not in known]
        fetched = dict(
            zip(wanted, ctx.map(lambda sid: _fetch(ctx.client, sid), wanted), strict=True)
        )
        for flow in flows:  # the list item is the flow but for its definition
            if flow["sid"] in known:
                fetched[flow["sid"]] = {**flow, "definition": known[flow["sid"]]}
        return [to_live(fetched.get(f["sid"], f), normalized=f["sid"] in known) for f in flows]

    def versioned_content(self, live: LiveObject) -> tuple[str, object] | None:
        revision, definition = live.raw.get("revision"), live.state.get("definition")
        return None if revision is None or definition is None else (str(revision), definition)

    def desired_state(self, name: str, spec: StudioFlowSpec, resolver: Resolver) -> State:
        values: dict[str, str | Unknown] = {}
        for key, value in (spec.vars or {}).items():
            if isinstance(value, Lookup):
                values[key] = resolver.lookup(value)
            elif isinstance(value, ResourceRef):
                values[key] = resolver.ref(value)  # a SID, or Unknown when created in this plan
        definition = spec.definition
        state: dict[str, Any] = {"friendly_name": spec.friendly_name}
        if spec.status is not None:
            state["status"] = spec.status
        if definition is not None:
            # built once per plan: the reader's warm-cache candidate is this very value
            state["definition"] = resolver.memo(
                (self.section, name, _values_key(values)),
                lambda: normalize_definition(fill_placeholders(definition, values)),
            )
        return state

    def write_options(self, spec: StudioFlowSpec) -> dict[str, str]:
        return {"commit_message": spec.commit_message} if spec.commit_message else {}

    def mask_rich(
        self, path: str, detail: DefinitionDiff, sensitive: Sequence[FieldPath], desired: object
    ) -> DefinitionDiff | None:
        """Mask the widget properties (or flow fields) that hold ``${env:…}`` values."""
        from flexplan.resources.studio.diff import dotted_path

        states = (_document(desired) or {}).get("states") or []
        widget_paths: set[tuple[str, str]] = set()
        flow_paths: set[str] = set()
        for rel in sensitive:
            if len(rel) >= 3 and rel[0] == "states" and isinstance(rel[1], int):
                if rel[1] >= len(states):
                    return None  # cannot tell which widget: hide the whole diff
                name = str(states[rel[1]].get("name"))
                widget_paths.add((name, dotted_path(rel[2:])))
            elif rel:
                flow_paths.add(dotted_path(rel))
            else:
                return None
        return detail.masked(widget_paths, flow_paths)

    def rich_diff(self, path: str, before: object, after: object) -> DefinitionDiff:
        from flexplan.resources.studio.diff import diff_definitions

        return diff_definitions(_document(before), _document(after) or {})

    remote_checked: ClassVar[bool] = True

    def remote_check(self, client: Client, desired: State) -> Sequence[Problem]:
        """Studio's ``POST /v2/Flows/Validate`` on the definition the plan would write.

        A SID known only after apply (a sub-flow created in the same plan) is sent
        as null and Studio's complaint about that one property is dropped, as
        zingdevlimited/studio-flow-actions does for ``flow_sid``.
        """
        definition = desired.get("definition")
        if definition is None:
            return ()
        unknown: set[FieldPath] = set()
        sendable = _blank_unknowns(definition, (), unknown)
        try:
            client.studio.v2.flow_validate.update(
                friendly_name=desired["friendly_name"],
                status=desired.get("status", "published"),
                definition=sendable,
            )
        except Exception as exc:
            details = error_details(exc)
            if http_status(exc) != 400 or not details:
                raise
            return [
                Problem(
                    redact(widget_message(definition, path, message)),
                    ("definition", *_field_path(path)),
                    "Studio's Validate refused it; fix the widget in the definition "
                    "(--no-remote-validate skips this check)",
                )
                for path, message in details
                if _field_path(path) not in unknown
            ]
        return ()

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        definition = desired.get("definition")
        with _widget_details(definition):
            created = client.studio.v2.flows.create(
                friendly_name=desired["friendly_name"],
                status=desired.get("status", "published"),
                definition=definition,
                commit_message=ctx.commit_message,
            )
        return to_live(to_dict(created))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        with _widget_details(desired.get("definition")):
            updated = client.studio.v2.flows(live.sid).update(
                **drop_none(
                    {
                        "status": desired.get("status", live.raw.get("status")),
                        "friendly_name": desired.get("friendly_name"),
                        "definition": desired.get("definition"),
                        "commit_message": ctx.commit_message,
                    }
                )
            )
        return to_live(to_dict(updated))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        client.studio.v2.flows(live.sid).delete()

    # -- export ---------------------------------------------------------------------
    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        """Every flow with its definition (the list carries none: one GET per flow)."""
        flows = [to_dict(f) for f in ctx.client.studio.v2.flows.stream(page_size=1000)]
        return [to_live(raw) for raw in ctx.map(lambda f: _fetch(ctx.client, f["sid"]), flows)]

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        definition = live.raw.get("definition")
        if not isinstance(definition, dict):
            return None
        path = f"studio/{name}.json"
        spec: dict[str, Any] = {
            "friendly_name": live.raw.get("friendly_name"),
            "status": live.raw.get("status") or "published",
            "definition_file": path,
        }
        definition, flow_vars = _export_definition(
            definition, f"studio_flows.{name}", names, own_sid=live.sid
        )
        if flow_vars:
            spec["vars"] = flow_vars
        return Exported(spec, {path: definition})


def _document(value: object) -> Mapping[str, Any] | None:
    """A definition as the plan holds it (``None``: there is none on this side)."""
    return value if isinstance(value, Mapping) else None


def _export_definition(
    definition: dict[str, Any], where: str, names: ExportNames, *, own_sid: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Workflow / task channel SIDs become look-up ``vars``, exported flows' SIDs
    ``{studio_flow: NAME}`` vars; secrets become ``${env:…}``."""
    found: dict[str, Any] = {}  # SID -> look-up mapping

    def collect(text: str, _path: FieldPath) -> str:
        if text in found:
            return text
        if _LOOKUP_SID.match(text):  # a managed workflow or channel by local name, else a look-up
            section = _MANAGED_BY_PREFIX[text[:2]]
            var = names.ref_var(REF_VAR_KEY[section], section, text) or names.lookup_var(text)
            if var is not None:
                found[text] = var
        elif _FLOW_SID.match(text) and text != own_sid:  # a run-subflow's flow, when exported
            ref = names.ref_var(FLOW_VAR_REF, "studio_flows", text)
            if ref is not None:
                found[text] = ref
        return text

    map_strings(definition, collect)
    var_names = _var_names(found, taken=placeholders(definition))

    holding = secret_paths(definition)  # credentials in URLs, tokens, secret-named keys

    def replace(text: str, path: FieldPath) -> str:
        if text in var_names:
            return Placeholder("${" + var_names[text] + "}")
        if path in holding:
            return names.secret(f"{where}.definition.{_place(definition, path)}", text)
        return text

    exported = map_strings(definition, replace)
    ordered = sorted(var_names, key=lambda sid: var_names[sid])
    flow_vars = {var_names[sid]: found[sid] for sid in ordered}
    return exported, flow_vars


_VAR_PREFIX = {
    "workflow": "WORKFLOW_SID",
    "workflows": "WORKFLOW_SID",
    "task_channel": "CHANNEL_SID",
    "task_channels": "CHANNEL_SID",
    FLOW_VAR_REF: "SUBFLOW_SID",
}
_MANAGED_BY_PREFIX = {LOOKUP_PREFIX[t]: section for t, section in MANAGED_SECTION.items()}
_LOOKUP_SID = re.compile(rf"^(WW|TC){SID_HEX}$")  # what a send-to-flex widget names
_FLOW_SID = re.compile(rf"^FW{SID_HEX}$")  # what a run-subflow widget names


def _var_names(found: Mapping[str, Any], taken: set[str]) -> dict[str, str]:
    """``WORKFLOW_SID`` when a flow uses one workflow, ``WORKFLOW_SID_<NAME>`` for several."""
    by_prefix: dict[str, list[tuple[str, str]]] = {}  # WORKFLOW_SID -> [(its name, SID)]
    for sid, var in found.items():
        key = next(k for k in _VAR_PREFIX if k in var)
        by_prefix.setdefault(_VAR_PREFIX[key], []).append((str(var[key]), sid))
    names: dict[str, str] = {}
    for prefix, named in sorted(by_prefix.items()):
        for label, sid in sorted(named):
            base = prefix
            if len(named) > 1:
                base += "_" + re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")
            name = base.upper()
            while name in taken:
                name += "_"
            taken.add(name)
            names[sid] = name
    return names


def _place(definition: dict[str, Any], path: FieldPath) -> str:
    """``notify.properties.url``: a path inside a definition, naming the state."""
    parts = [str(p) for p in path]
    states = definition.get("states")
    if len(path) > 1 and path[0] == "states" and isinstance(path[1], int):
        state = states[path[1]] if isinstance(states, list) else None
        if isinstance(state, dict) and isinstance(state.get("name"), str):
            parts = [state["name"], *parts[2:]]
    return ".".join(parts)


# -- Studio's error details, by widget ----------------------------------------------------


def _field_path(property_path: str) -> FieldPath:
    """``#/states/3/properties/flow_sid`` -> ``("states", 3, "properties", "flow_sid")``."""
    parts = [p for p in property_path.lstrip("#").split("/") if p]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def widget_message(definition: Any, property_path: str, message: str) -> str:
    """``widget "send_to_agent" properties.workflow: …`` for one of Studio's failures."""
    path = _field_path(property_path)
    states = definition.get("states") if isinstance(definition, Mapping) else None
    if len(path) >= 2 and path[0] == "states" and isinstance(path[1], int):
        state = states[path[1]] if isinstance(states, list) and path[1] < len(states) else None
        name = state.get("name") if isinstance(state, Mapping) else None
        widget = "widget " + quoted(name, '"') if isinstance(name, str) else f"states[{path[1]}]"
        rest = ".".join(str(p) for p in path[2:])
        return f"{widget} {rest}: {message}" if rest else f"{widget}: {message}"
    where = ".".join(str(p) for p in path) or "definition"
    return f"{where}: {message}"


@contextmanager
def _widget_details(definition: Any) -> Iterator[None]:
    """Studio's refusal of a write, its failures named by widget and property."""
    try:
        yield
    except Exception as exc:
        details = error_details(exc)
        if not details or http_status(exc) is None:
            raise
        code = getattr(exc, "code", None)
        failures = "; ".join(widget_message(definition, path, text) for path, text in details)
        raise FlexplanError(
            f"Twilio error{f' {code}' if code else ''} (HTTP {http_status(exc)}): "
            f"{redact(str(getattr(exc, 'msg', '') or '').strip())}: {redact(failures)}",
            hint="fix the widget in the definition; `flexplan plan` asks Studio's Validate first",
        ) from exc


def _blank_unknowns(value: Any, path: FieldPath, found: set[FieldPath]) -> Any:
    """``value`` with every ``Unknown`` as null, recording where each stood."""
    if isinstance(value, Unknown):
        found.add(path)
        return None
    if isinstance(value, Mapping):
        return {k: _blank_unknowns(v, (*path, k), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_unknowns(v, (*path, i), found) for i, v in enumerate(value)]
    return value


def _fetch(client: Client, sid: str) -> dict[str, Any]:
    return to_dict(client.studio.v2.flows(sid).fetch())


def _subflows(definition: Any) -> frozenset[str]:
    """The flows a definition's run-subflow widgets run (``properties.flow_sid``)."""
    states = definition.get("states") if isinstance(definition, dict) else None
    found = set()
    for state in states if isinstance(states, list) else []:
        props = state.get("properties") if isinstance(state, dict) else None
        if state.get("type") == "run-subflow" and isinstance(props, dict):
            sid = props.get("flow_sid")
            if isinstance(sid, str) and sid:
                found.add(sid)
    return frozenset(found)


def _values_key(values: Mapping[str, str | Unknown]) -> tuple[Any, ...]:
    """The filled values as a key: a ``Named`` SID equals its name as text, so the key
    spells each value's type, text and name."""
    return tuple(
        (k, type(v), str.__str__(v) if isinstance(v, str) else v, getattr(v, "name", None))
        for k, v in sorted(values.items())
    )


def to_live(raw: dict[str, Any], *, normalized: bool = False) -> LiveObject:
    """``normalized``: ``raw``'s definition is in normal form already (a known candidate)."""
    state: dict[str, Any] = {"friendly_name": raw.get("friendly_name"), "status": raw.get("status")}
    if raw.get("definition") is not None:
        definition = raw["definition"]
        state["definition"] = definition if normalized else normalize_definition(definition)
    return LiveObject(
        key=(raw.get("friendly_name"),),
        sid=raw.get("sid"),
        label=str(raw.get("friendly_name") or raw.get("sid")),
        raw=raw,
        state=state,
        referenced_sids=_subflows(raw.get("definition")),
        is_default=str(raw.get("friendly_name") or "").strip().casefold() in DEFAULT_FLOWS,
        fingerprint=fingerprint_of(raw, ignore=_NOT_FINGERPRINTED),
    )


KIND = StudioFlowKind()
