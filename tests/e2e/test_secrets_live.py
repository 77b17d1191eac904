"""Secrets on the live side, and in ``${env:…}``, never reach any output (issue 10 item 1).

The account holds recognisable secrets where Studio widgets, Conversations
addresses and Flex Flows keep them (a Slack webhook path, ``Authorization``
and ``X-Api-Key`` parameters, ``api_key=``/``sig=``/``access_token=``/``code=``
query parameters, a password inside a JSON request body held in a string),
and the manifest fills the same places from ``${env:…}`` with new values
(some with quotes, backslashes and URL-reserved characters). Every plan format,
the job summary, the saved plan, apply from it, the export tree, the error
messages and the URLs the sandbox saw are searched for every secret, raw,
JSON-escaped and URL-encoded, and so is a recording of the plan's API traffic
(``FLEXPLAN_RECORD``), which holds the live definitions the account answered with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from plankit import write_config

LIVE = {
    "slack": "T0LIVE/B0LIVE/liveSlackSecret0001",
    "bearer": "liveBearerToken0002",
    "query": "liveQueryKey0003",
    "sig": "liveSigValue0004",
    "body": 'liveBody"Secret\\0005',
    "api_key": "liveApiKey0007",
    "addr": "liveAddrToken0008",
    "code": "liveAzureCode0010",
    "old_hook": "liveOldHookKey0011",
    "neighbour": "liveNeighbourTok0301",  # also in strings the detector does not flag
    "encoded": "liveNb/Tok+0302",  # also URL-encoded in a plain query parameter
}
NEW = {
    "SLACK_URL": "https://hooks.slack.com/services/T0NEW/B0NEW/newSlackSecret0101",
    "BEARER": "newBearerToken0102",
    "QKEY": "new/Query+Key=0103",
    "BODY_SECRET": 'new"Body\\Secret/0104&x',
    "API_KEY": "newApiKey0105",
    "ADDR_TOKEN": "newAddrToken0106",
    "FF_CODE": "newAzureCode0107",
    "NEW_HOOK": "https://hooks.example.com/new?api_key=newHookKey0108",
    "NEW_HOOK_AUTH": "newHookBearer0109",
}


def _widgets(url: str, bearer: str, api_key: str, body: str, query_url: str) -> list[Any]:
    return [
        {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
         "transitions": [{"event": "incomingMessage", "next": "notify"}]},
        {"name": "notify", "type": "make-http-request",
         "transitions": [{"event": "success", "next": "lookup"}, {"event": "failed"}],
         "properties": {"offset": {"x": 0, "y": 200}, "method": "POST",
                        "content_type": "application/json;charset=utf-8", "url": url,
                        "body": body,
                        "parameters": [{"key": "Authorization", "value": bearer},
                                       {"key": "X-Api-Key", "value": api_key}]}},
        {"name": "lookup", "type": "make-http-request",
         "transitions": [{"event": "success"}, {"event": "failed"}],
         "properties": {"offset": {"x": 0, "y": 400}, "method": "GET",
                        "content_type": "application/json;charset=utf-8", "url": query_url}},
    ]  # fmt: skip


def _hook(name: str, url: str, auth: str | None = None) -> dict[str, Any]:
    """A widget only one side has: the plan shows all its properties (added or removed)."""
    parameters = [{"key": "Authorization", "value": auth}] if auth else []
    return {"name": name, "type": "make-http-request",
            "transitions": [{"event": "success"}, {"event": "failed"}],
            "properties": {"offset": {"x": 0, "y": 600}, "method": "GET", "url": url,
                           "content_type": "application/json;charset=utf-8",
                           "parameters": parameters}}  # fmt: skip


def _live_definition() -> dict[str, Any]:
    body = json.dumps({"user": "bot", "password": LIVE["body"]})
    query = f"https://api.example.com/v1/find?api_key={LIVE['query']}&sig={LIVE['sig']}"
    states = _widgets(f"https://hooks.slack.com/services/{LIVE['slack']}",
                      f"Bearer {LIVE['bearer']}", LIVE["api_key"], body, query)  # fmt: skip
    states.append(_hook("old_hook", f"https://hooks.example.com/old?token={LIVE['old_hook']}"))
    return {"description": "calls out", "initial_state": "Trigger", "states": states}


def _manifest_definition() -> dict[str, Any]:
    body = '{"user": "bot", "password": "${env:BODY_SECRET}"}'
    query = "https://api.example.com/v1/find?api_key=${env:QKEY}&sig=fixed-signature-9"
    states = _widgets("${env:SLACK_URL}", "Bearer ${env:BEARER}", "${env:API_KEY}", body, query)
    states.append(_hook("new_hook", "${env:NEW_HOOK}", "Bearer ${env:NEW_HOOK_AUTH}"))
    return {"description": "calls out", "initial_state": "Trigger", "states": states}


MANIFEST = """\
version: 1
studio_flows:
  hooked:
    friendly_name: Hooked Flow
    status: published
    definition_file: hooked.json
conversations_addresses:
  hook:
    type: chat
    address: secrets-hook
    friendly_name: Secrets hook
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://hooks.example.com/in?access_token=${env:ADDR_TOKEN}
      webhook_method: POST
flex_flows:
  outbound:
    friendly_name: Outbound Hook
    channel_type: custom
    chat_service: Flex Chat Service
    enabled: false
    integration: {type: external, url: "https://fn.example.net/api/hook?code=${env:FF_CODE}"}
"""


def forms(secret: str) -> set[str]:
    """A secret as it could appear: raw, JSON-escaped (once, twice), URL-encoded."""
    once = json.dumps(secret)[1:-1]
    return {secret, once, json.dumps(once)[1:-1], quote(secret, safe=""), quote_plus(secret),
            json.dumps(secret, ensure_ascii=False)[1:-1]}  # fmt: skip


def secret_values(env: dict[str, str]) -> list[str]:
    values = [*LIVE.values(), *NEW.values(), NEW["SLACK_URL"].rsplit("/services/", 1)[1]]
    return values + [env[k] for k in ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET") if k in env]


def assert_no_secret(where: str, text: str, env: dict[str, str]) -> None:
    for secret in secret_values(env):
        for form in forms(secret):
            assert form not in text, f"{where} shows {form!r}:\n{text}"


def _seed(store: Any) -> None:
    store.add_studio_flow(friendly_name="Hooked Flow", status="published",
                          definition=_live_definition())  # fmt: skip
    store.add_address(type="chat", address="secrets-hook", friendly_name="Secrets hook",
                      auto_creation={"enabled": True, "type": "webhook", "webhook_method": "POST",
                                     "webhook_url": "https://hooks.example.com/in?access_token="
                                     + LIVE["addr"]})  # fmt: skip
    service = store.items("chat_services")[0]["sid"]
    store.add_flex_flow(friendly_name="Outbound Hook", chat_service_sid=service,
                        channel_type="custom", enabled=False, integration_type="external",
                        integration={"url": "https://fn.example.net/api/hook?code="
                                     + LIVE["code"]})  # fmt: skip


@pytest.fixture
def seeded(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str]
) -> tuple[Path, dict[str, str]]:
    _seed(sandbox.store)
    files = {"hooked.json": json.dumps(_manifest_definition(), indent=2)}
    config = write_config(tmp_path / "config", MANIFEST, files)
    return config, {**sandbox_env, **NEW}


def _after(lines: list[str], heading: str, count: int) -> list[str]:
    """The ``count`` lines after ``heading`` that are not its content type (always shown)."""
    start = lines.index(heading) + 1
    body = [line for line in lines[start : start + count + 1] if "content_type" not in line]
    return body[:count]


def _neighbour_definition() -> dict[str, Any]:
    """Secrets the detector finds (a ``token`` in a body, an ``X-Api-Key``) copied into
    strings it does not flag: the flow's description, a plain parameter, a query."""
    call = {
        "name": "call",
        "type": "make-http-request",
        "transitions": [{"event": "success"}, {"event": "failed"}],
        "properties": {
            "offset": {"x": 0, "y": 200},
            "method": "POST",
            "content_type": "application/json;charset=utf-8",
            "url": "https://api.example.com/v2/send?note=" + quote(LIVE["encoded"], safe=""),
            "body": json.dumps({"token": LIVE["neighbour"]}),
            "parameters": [
                {"key": "note", "value": f"plain {LIVE['neighbour']}"},
                {"key": "X-Api-Key", "value": LIVE["encoded"]},
            ],
        },
    }
    trigger = {
        "name": "Trigger",
        "type": "trigger",
        "properties": {"offset": {"x": 0, "y": 0}},
        "transitions": [{"event": "incomingMessage", "next": "call"}],
    }
    return {"description": f"sends {LIVE['neighbour']} along", "initial_state": "Trigger",
            "states": [trigger, call]}  # fmt: skip


def _errors_and_traffic(
    config: Path, env: dict[str, str], saved: Path, sandbox: Any, run_flexplan: Any
) -> None:
    """Error messages on the paths most likely to echo a value, and every URL requested."""
    rotated = run_flexplan("apply", str(saved), env={**env, "BEARER": "rotatedBearer0201"})
    assert rotated.exit_code == 1 and "manifest changed" in rotated.stderr, rotated
    wrong = {**env, "TWILIO_AUTH_TOKEN": "f" * 32}
    for where, result in {
        "apply with a rotated secret": rotated,
        "plan with a wrong token": run_flexplan("plan", str(config), env=wrong),
        "validate": run_flexplan("validate", str(config), "--format", "json", env=env),
    }.items():
        assert result.exit_code == 1 or where == "validate", result
        assert "Traceback" not in result.output
        assert_no_secret(where, result.output, env)
    for exchange in sandbox.recorder.take():
        assert_no_secret("a URL the sandbox saw", f"{exchange.path}?{exchange.query}", env)


@pytest.mark.invalid_requests  # the wrong-token plan
def test_plan_formats_summary_saved_plan_and_errors_hold_no_secret(
    seeded: tuple[Path, dict[str, str]], tmp_path: Path, sandbox: Any, run_flexplan: Any
) -> None:
    config, env = seeded
    summary = tmp_path / "summary.md"
    saved = tmp_path / "plan.json"
    texts: dict[str, str] = {}
    # first, before any plan in this process has seen (and registered) the live secrets
    recording = tmp_path / "recording"
    recorded = run_flexplan("plan", str(config), env={**env, "FLEXPLAN_RECORD": str(recording)})
    assert recorded.exit_code == 0, recorded
    files = sorted(recording.glob("*.jsonl"))
    assert files, "FLEXPLAN_RECORD wrote nothing"
    texts.update({f"recording {f.name}": f.read_text() for f in files})
    for fmt in ("text", "json", "markdown"):
        result = run_flexplan("plan", str(config), "--format", fmt, "--out", str(saved),
                              env={**env, "GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
        assert result.exit_code == 0, result
        texts[fmt] = result.output
        texts[f"{fmt} stdout"] = result.stdout
        texts[f"saved plan after --format {fmt}"] = saved.read_text()
    texts["GITHUB_STEP_SUMMARY"] = summary.read_text()
    graph = run_flexplan("graph", "hooked", str(config), env=env)
    assert graph.exit_code == 0 and ":::changed" in graph.stdout, graph
    texts["graph"] = graph.output
    for where, text in texts.items():
        assert_no_secret(where, text, env)
    # the widget's changed secrets are masked on both sides, the rest stays readable
    lines = texts["text"].splitlines()
    for shown in ('properties.parameters[key="Authorization"].value: (sensitive) -> (sensitive)',
                  'properties.parameters[key="X-Api-Key"].value: (sensitive) -> (sensitive)',
                  "properties.url: (sensitive) -> (sensitive)",
                  "properties.body: (sensitive) -> (sensitive)"):  # fmt: skip
        assert f"              {shown}" in lines, shown
    # widgets added and removed whole list their properties, secrets masked, others readable
    assert _after(lines, '          + widget "new_hook" (make-http-request)', 3) == [
        '              properties.method = "GET"',
        '              properties.parameters[key="Authorization"].value = (sensitive)',
        "              properties.url = (sensitive)",
    ]
    assert _after(lines, '          - widget "old_hook" (make-http-request)', 4) == [
        '              properties.method = "GET"',
        "              properties.parameters = []",
        "              properties.url = (sensitive)",
        "              transition success -> (ends)",
    ]
    markdown = texts["markdown stdout"]
    assert '+   properties.parameters[key="Authorization"].value = (sensitive)' in markdown
    assert "```mermaid" in markdown and "new_hook" in markdown.split("```mermaid")[1]
    assert "auto_creation.webhook_url = (sensitive) -> (sensitive)" in texts["text"]
    assert "integration.url = (sensitive) -> (sensitive)" in texts["text"]
    plan = json.loads(texts["json stdout"])
    hook = next(c for c in plan["resource_changes"] if c["address"] == "conversations_address.hook")
    assert hook["change"]["before_sensitive"] == {"auto_creation": {"webhook_url": True}}
    assert hook["change"]["before"]["auto_creation"]["webhook_url"] is None

    _errors_and_traffic(config, env, saved, sandbox, run_flexplan)
    applied = run_flexplan("apply", str(saved), env=env)
    assert applied.exit_code == 0, applied
    assert "Apply complete: 0 added, 3 changed" in applied.stdout
    assert_no_secret("apply of the saved plan", applied.output, env)


def test_export_writes_env_placeholders_for_every_live_secret(
    seeded: tuple[Path, dict[str, str]], tmp_path: Path, sandbox: Any, run_flexplan: Any
) -> None:
    _, env = seeded
    sandbox.store.add_studio_flow(friendly_name="Neighbour Flow", status="published",
                                  definition=_neighbour_definition())  # fmt: skip
    out = tmp_path / "exported"
    result = run_flexplan("export", "--out", str(out), env=env)
    assert result.exit_code == 0, result
    assert_no_secret("export's messages", result.output, env)
    tree = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()}
    for name, text in tree.items():
        assert_no_secret(f"exported {name}", text, env)
    root = tree["flexplan.yaml"]
    variables = sorted(line.split(":")[0].strip("# ") for line in root.splitlines()
                       if line.startswith("#   "))  # fmt: skip
    neighbour = "STUDIO_FLOWS_NEIGHBOUR_FLOW_DEFINITION_"
    assert variables == [
        "CONVERSATIONS_ADDRESSES_SECRETS_HOOK_AUTO_CREATION_WEBHOOK_URL",
        "FLEX_FLOWS_OUTBOUND_HOOK_INTEGRATION_URL",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_LOOKUP_PROPERTIES_URL",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_NOTIFY_PROPERTIES_BODY",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_NOTIFY_PROPERTIES_PARAMETERS_0_VALUE",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_NOTIFY_PROPERTIES_PARAMETERS_1_VALUE",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_NOTIFY_PROPERTIES_URL",
        "STUDIO_FLOWS_HOOKED_FLOW_DEFINITION_OLD_HOOK_PROPERTIES_URL",
        neighbour + "CALL_PROPERTIES_BODY",
        neighbour + "CALL_PROPERTIES_PARAMETERS_0_VALUE",
        neighbour + "CALL_PROPERTIES_PARAMETERS_1_VALUE",
        neighbour + "CALL_PROPERTIES_URL",
        neighbour + "DESCRIPTION",
    ]
    assert (
        f"#   {neighbour}CALL_PROPERTIES_PARAMETERS_0_VALUE: studio_flows.neighbour-flow"
        ".definition.call.properties.parameters.0.value (holds a secret written elsewhere as "
        "${env:…})" in root
    )
    # with the variables set to the live values, the export plans clean
    definition = _live_definition()
    notify, lookup = definition["states"][1]["properties"], definition["states"][2]["properties"]
    copies = _neighbour_definition()
    call = copies["states"][1]["properties"]
    values = dict(zip(variables, [
        f"https://hooks.example.com/in?access_token={LIVE['addr']}",
        f"https://fn.example.net/api/hook?code={LIVE['code']}",
        lookup["url"],
        notify["body"],
        notify["parameters"][0]["value"],
        notify["parameters"][1]["value"],
        notify["url"],
        definition["states"][3]["properties"]["url"],
        call["body"],
        call["parameters"][0]["value"],
        call["parameters"][1]["value"],
        call["url"],
        copies["description"],
    ], strict=True))  # fmt: skip
    plan = run_flexplan("plan", str(out), env={**env, **values})
    assert plan.exit_code == 0, plan
    assert "No changes." in plan.stdout, plan.stdout
    assert_no_secret("plan of the export", plan.output, env)


@pytest.mark.parametrize("value", ["tok-3f9a77c2e1", "https://u:pw-7788aa@hooks.example.com/x"])
def test_secret_cli_vars_are_not_saved_and_apply_asks_again(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any, value: str
) -> None:
    manifest = """\
version: 1
vars: {api_token: none}
conversations_addresses:
  hook:
    type: chat
    address: var-hook
    friendly_name: Var hook
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://hooks.example.com/in?t=${var.api_token}
"""
    config = write_config(tmp_path / "config", manifest)
    saved = tmp_path / "plan.json"
    plan = run_flexplan("plan", str(config), "--var", f"api_token={value}", "--out", str(saved),
                        env=sandbox_env)  # fmt: skip
    assert plan.exit_code == 0, plan
    body = json.loads(saved.read_text())["plan"]
    assert body["variables"] == {} and body["withheld_variables"] == ["api_token"]
    for text in (saved.read_text(), plan.output):
        assert all(form not in text for form in forms(value))
    missing = run_flexplan("apply", str(saved), env=sandbox_env)
    assert missing.exit_code == 1
    assert "api_token" in missing.stderr and "--var api_token=" in missing.stderr
    again = run_flexplan("apply", str(saved), "--var", f"api_token={value}", env=sandbox_env)
    assert again.exit_code == 0, again
    assert "Apply complete: 1 added" in again.stdout
    assert all(form not in again.output for form in forms(value))


def test_the_debug_request_log_holds_no_secret(
    seeded: tuple[Path, dict[str, str]], tmp_path: Path, run_flexplan: Any
) -> None:
    """``FLEXPLAN_LOG=debug`` logs every request and answer (the live definitions with their
    secrets, and apply's writes with the new ones), all through the scrubber."""
    config, env = seeded
    log = tmp_path / "debug.log"
    debug = {**env, "FLEXPLAN_LOG": "debug", "FLEXPLAN_LOG_PATH": str(log)}
    planned = run_flexplan("plan", str(config), env=debug)
    assert planned.exit_code == 0, planned
    applied = run_flexplan("apply", str(config), "--auto-approve", env=debug)
    assert applied.exit_code == 0, applied
    text = log.read_text()
    assert "flexplan debug: --> GET " in text and "flexplan debug: <-- 200 GET " in text
    assert "flexplan debug: --> POST " in text and "body: " in text
    assert "hooks.slack.com" in text or "(redacted)" in text  # the definitions are there
    assert_no_secret("the debug log", text, env)
    on_stderr = {**env, "FLEXPLAN_LOG": "DEBUG", "FLEXPLAN_LOG_PATH": ""}
    stderr_log = run_flexplan("plan", str(config), env=on_stderr)
    assert "flexplan debug: --> GET " in stderr_log.stderr  # without a path: on stderr
    assert_no_secret("the debug log on stderr", stderr_log.output, env)


def test_a_secret_in_a_live_friendly_name_reaches_no_exported_file_or_name(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    token = "Zq8LiveNameTok0429xy"
    sandbox.store.add_studio_flow(friendly_name=f"Ops Bearer {token}", status="published",
                                  definition=_live_definition())  # fmt: skip
    out = tmp_path / "exported"
    result = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert result.exit_code == 0, result
    for shown in (token, token.lower()):
        assert shown not in result.output
        for path in out.rglob("*"):
            assert shown not in path.relative_to(out).as_posix(), path
            if path.is_file():
                assert shown not in path.read_text(), path
