"""TaskRouter writes inside a workspace, and Conversations settings, through the twilio SDK.

Every exchange is checked against Twilio's OpenAPI spec by the ``sandbox`` fixture.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioException, TwilioRestException

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.seed import QUEUE, WORKSPACE
from flexplan.sandbox.workflow_check import checked_configuration

from .helpers import raw
from .test_shapes import SPECS


def _error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def _workspace(client: Any) -> Any:
    return client.taskrouter.v1.workspaces(WORKSPACE)


def _config(queue: str, *, filters: list[dict[str, Any]] | None = None) -> str:
    routing = {"filters": filters or [], "default_filter": {"queue": queue}}
    return json.dumps({"task_routing": routing})


def test_task_channel_lifecycle_by_unique_name(sandbox_client: Any) -> None:
    ws = _workspace(sandbox_client)
    made = ws.task_channels.create(friendly_name="Callbacks", unique_name="callback")
    assert made.sid.startswith("TC") and made.channel_optimized_routing is False
    updated = ws.task_channels("callback").update(channel_optimized_routing=True)
    assert updated.channel_optimized_routing is True and updated.friendly_name == "Callbacks"
    duplicate = _error(lambda: ws.task_channels.create(friendly_name="x", unique_name="callback"))
    assert duplicate.status == 400 and "already exists" in duplicate.msg
    ws.task_channels("callback").delete()
    assert "callback" not in [c.unique_name for c in ws.task_channels.list()]


def test_task_queue_defaults_activities_and_unique_names(sandbox_client: Any) -> None:
    ws = _workspace(sandbox_client)
    activities = {a.friendly_name: a.sid for a in ws.activities.list()}
    assert set(activities) == {"Offline", "Available", "Unavailable", "Break"}
    assert [a.friendly_name for a in ws.activities.list(available="true")] == ["Available"]
    queue = ws.task_queues.create(
        friendly_name="Sales", reservation_activity_sid=activities["Break"]
    )
    assert (queue.target_workers, queue.max_reserved_workers, queue.task_order) == (
        "1==1",
        1,
        "FIFO",
    )
    assert queue.reservation_activity_name == "Break"
    changed = ws.task_queues(queue.sid).update(task_order="LIFO", max_reserved_workers=5)
    assert (changed.task_order, changed.max_reserved_workers) == ("LIFO", 5)
    taken = _error(lambda: ws.task_queues.create(friendly_name="Sales"))
    assert taken.status == 400 and taken.code == 20001
    assert f"Queue named Sales already exists for workspace {WORKSPACE}" in taken.msg
    assert [q.friendly_name for q in ws.task_queues.list(friendly_name="Sales")] == ["Sales"]


def test_task_queue_refuses_out_of_range_and_foreign_activities(sandbox_client: Any) -> None:
    ws = _workspace(sandbox_client)
    too_many = _error(lambda: ws.task_queues.create(friendly_name="Q", max_reserved_workers=51))
    assert too_many.status == 400
    foreign = _error(
        lambda: ws.task_queues.create(friendly_name="Q", assignment_activity_sid="WA" + "0" * 32)
    )
    assert "is not an Activity of workspace" in foreign.msg


def test_workflow_configuration_is_checked_and_kept_in_twilios_formatting(
    sandbox_client: Any,
) -> None:
    ws = _workspace(sandbox_client)
    sent = json.dumps(json.loads(_config(QUEUE)), separators=(",", ":"))
    flow = ws.workflows.create(friendly_name="Support", configuration=sent)
    assert flow.configuration != sent and json.loads(flow.configuration) == json.loads(sent)
    assert flow.task_reservation_timeout == 120
    missing_queue = _error(
        lambda: ws.workflows.create(friendly_name="Bad", configuration=_config("WQ" + "1" * 32))
    )
    assert missing_queue.status == 400 and missing_queue.code == 20001
    assert "task_routing.default_filter.queue" in missing_queue.msg
    no_targets = _config(QUEUE, filters=[{"filter_friendly_name": "a", "expression": "1==1"}])
    refused = _error(lambda: ws.workflows(flow.sid).update(configuration=no_targets))
    assert "task_routing.filters[0].targets must be a non-empty list" in refused.msg
    not_json = _error(lambda: ws.workflows(flow.sid).update(configuration="{task_routing"))
    assert "not valid JSON" in not_json.msg


def test_a_queue_a_workflow_routes_to_cannot_be_deleted(sandbox_client: Any) -> None:
    ws = _workspace(sandbox_client)
    queue = ws.task_queues.create(friendly_name="Billing")
    targets = [{"queue": queue.sid, "priority": 5, "timeout": 30}]
    flow = ws.workflows.create(
        friendly_name="Billing routing",
        configuration=_config(
            QUEUE, filters=[{"expression": "type=='billing'", "targets": targets}]
        ),
    )
    refused = _error(lambda: ws.task_queues(queue.sid).delete())
    assert refused.status == 400 and flow.sid in refused.msg
    ws.workflows(flow.sid).delete()
    ws.task_queues(queue.sid).delete()
    assert queue.sid not in [q.sid for q in ws.task_queues.list()]


def test_children_of_another_workspace_are_not_found(sandbox_client: Any) -> None:
    other = sandbox_client.taskrouter.v1.workspaces("WS" + "2" * 32)
    with pytest.raises(TwilioException, match="20404"):
        other.task_queues.list()
    assert _error(lambda: other.task_queues(QUEUE).fetch()).status == 404


def test_conversations_configuration_timers_are_iso_durations_with_minimums(
    sandbox_client: Any,
) -> None:
    config = sandbox_client.conversations.v1.configuration()
    updated = config.update(default_inactive_timer="PT5M", default_closed_timer="P1DT2H")
    assert (updated.default_inactive_timer, updated.default_closed_timer) == ("PT5M", "P1DT2H")
    short = _error(lambda: config.update(default_closed_timer="PT9M"))
    assert short.status == 400 and "at least 10 minute" in short.msg
    assert "ISO 8601" in _error(lambda: config.update(default_inactive_timer="5m")).msg


def test_conversations_webhooks_check_filters_urls_and_clear(sandbox_client: Any) -> None:
    hooks = sandbox_client.conversations.v1.configuration.webhooks()
    set_ = hooks.update(
        pre_webhook_url="https://example.com/pre",
        filters=["onMessageAdded", "onConversationUpdated"],
        method="GET",
        target="webhook",
    )
    assert set_.filters == ["onMessageAdded", "onConversationUpdated"] and set_.method == "GET"
    assert hooks.update(pre_webhook_url="").pre_webhook_url is None
    assert _error(lambda: hooks.update(filters=["onNothing"])).status == 400
    assert _error(lambda: hooks.update(post_webhook_url="example.com/x")).status == 400


_text = st.text(min_size=1, max_size=8).filter(str.strip)
_target = st.fixed_dictionaries(
    {"queue": st.just(QUEUE)},
    optional={"priority": st.integers(0, 100), "timeout": st.integers(0, 3600),
              "expression": _text},
)  # fmt: skip
_filter = st.fixed_dictionaries(
    {"expression": _text, "targets": st.lists(_target, min_size=1, max_size=3)},
    optional={"filter_friendly_name": _text},
)


@given(st.lists(_filter, max_size=4), st.integers(0, 4))
@settings(max_examples=60, deadline=None)
def test_any_well_formed_configuration_is_kept_as_the_same_document(
    filters: list[dict[str, Any]], indent: int
) -> None:
    document = {"task_routing": {"filters": filters, "default_filter": {"queue": QUEUE}}}
    kept = checked_configuration(json.dumps(document, indent=indent or None), [QUEUE])
    assert json.loads(kept) == document


@pytest.mark.parametrize(
    ("segment", "key", "schema"),
    [
        ("TaskQueues", "task_queues", "task_queue"),
        ("Activities", "activities", "activity"),
        ("Workflows", "workflows", "workflow"),
        ("TaskChannels", "channels", "task_channel"),
    ],
)
def test_workspace_children_have_the_schema_fields(
    sandbox: SandboxServer, segment: str, key: str, schema: str
) -> None:
    base = f"/taskrouter/v1/Workspaces/{WORKSPACE}/{segment}"
    if segment == "TaskQueues":
        raw(sandbox, "POST", base, data={"FriendlyName": "Made"})
    listed = raw(sandbox, "GET", base).json()[key]
    spec = json.loads((SPECS / "twilio_taskrouter_v1.json").read_text(encoding="utf-8"))
    fields = set(spec["components"]["schemas"][f"taskrouter.v1.workspace.{schema}"]["properties"])
    assert all(set(item) == fields for item in listed)
