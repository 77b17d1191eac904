"""The plan's migration section pairs deletes with creates by claim, knowing no kind."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from flexplan.engine.model import Plan, ResourceChange
from flexplan.manifest import validate_directory
from flexplan.render.json_plan import render_json
from flexplan.render.markdown import render_markdown
from flexplan.render.migration import replacements
from flexplan.render.text import render_text

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


def change(kind: str, name: str, action: str, *, before: frozenset[str] = frozenset(),
           after: frozenset[str] = frozenset()) -> ResourceChange:  # fmt: skip
    return ResourceChange(
        section=f"{kind}s", type_name=kind, title=kind.replace("_", " ").title(), name=name,
        action=action, label=name, claims_before=frozenset(before), claims_after=frozenset(after),
    )  # fmt: skip


def plan_of(*changes: ResourceChange) -> Plan:
    return Plan(account_sid="AC" + "0" * 32, environment=None, manifest_digest="x",
                changes=list(changes))  # fmt: skip


def test_a_delete_and_a_create_sharing_a_claim_are_paired() -> None:
    old = change("handler", "old", "delete", before={"number:+15550001111"})
    new = change("address", "new", "create", after={"number:+15550001111"})
    other = change("address", "other", "create", after={"number:+15550002222"})
    kept = change("handler", "kept", "update", before={"number:+15550002222"})
    pairs = replacements(plan_of(old, new, other, kept))
    assert [(p.deleted.name, p.created.name) for p in pairs] == [("old", "new")]


def test_the_section_is_shown_in_text_and_markdown_only_when_something_is_replaced() -> None:
    old = change("handler", "old", "delete", before={"k"})
    new = change("address", "new", "create", after={"k"})
    text = render_text(plan_of(old, new))
    assert "Migration: 1 handler(s) replaced" in text
    assert text.index("Migration:") < text.index("flexplan will perform the following actions")
    assert "  - handler.old (Handler 'old')\n    -> address.new (Address 'new')" in text
    assert "Expected downtime per pair" in text
    assert "#### Migration: 1 handler(s) replaced" in render_markdown(plan_of(old, new))
    alone = plan_of(new, change("handler", "old", "delete", before={"j"}))
    assert "Migration" not in render_text(alone)
    assert "Migration" not in render_markdown(alone)


def test_the_json_plan_lists_the_section_as_data_its_schema_describes() -> None:
    old = change("handler", "old", "delete", before={"k"})
    new = change("address", "new", "create", after={"k"})
    other = change("address", "other", "create", after={"j"})
    document = json.loads(render_json(plan_of(old, new, other)))
    assert document["migration"] == [{"deleted": "handler.old", "created": "address.new"}]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(document["migration"], schema["properties"]["migration"])
    assert json.loads(render_json(plan_of(new)))["migration"] == []


def test_a_web_chat_claim_orders_but_never_conflicts(tmp_path: Path) -> None:
    (tmp_path / "flexplan.yaml").write_text(
        """
flex_flows:
  web:
    friendly_name: Site Chat
    channel_type: web
    chat_service: Flex Chat Service
    enabled: true
conversations_addresses:
  web:
    type: chat
    address: site-chat
    friendly_name: Site Chat
""",
        encoding="utf-8",
    )
    _, diagnostics = validate_directory(tmp_path)
    assert [d.render() for d in diagnostics if d.severity == "error"] == []
