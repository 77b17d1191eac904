"""Hostile values on the live side (issue 10, items 1 and 4), in a child process.

The account holds what an attacker (or a Console edit) put there: a rotated
webhook secret the manifest fills from ``${env:…}``, a token in a query string,
HTML and a bidirectional override in friendly names. The real CLI plans against
the sandbox in a child process bounded by harness.TIMEOUT; each case names the
exit code, the line where the value is shown, and what must never be printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .harness import Outcome, run_flexplan

OLD_SLACK = "T0OLD/B0OLD/oldSlackSecret7001"
NEW_SLACK = "T0NEW/B0NEW/newSlackSecret7002"
QUERY_TOKEN = "liveQueryToken7003"
HTML_NAME = "<img src=x onerror=alert(1)>"
BIDI_NAME = "Refund\u202eflow\u200b"


def _flow(url: str, lookup: str) -> dict[str, Any]:
    def call(name: str, target: str, y: int) -> dict[str, Any]:
        return {"name": name, "type": "make-http-request",
                "transitions": [{"event": "success"}, {"event": "failed"}],
                "properties": {"offset": {"x": 0, "y": y}, "method": "POST", "url": target,
                               "content_type": "application/json;charset=utf-8"}}  # fmt: skip

    trigger = {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
               "transitions": [{"event": "incomingMessage", "next": "notify"}]}  # fmt: skip
    return {"description": "hooks", "initial_state": "Trigger",
            "states": [trigger, call("notify", url, 200), call("lookup", lookup, 400)]}  # fmt: skip


MANIFEST = """\
version: 1
studio_flows:
  hooked:
    friendly_name: Hooked
    status: published
    definition_file: hooked.json
"""


def _config(root: Path) -> Path:
    directory = root / "config"
    directory.mkdir()
    (directory / "flexplan.yaml").write_text(MANIFEST)
    lookup = "https://api.example.com/find?q=1"
    (directory / "hooked.json").write_text(json.dumps(_flow("${env:SLACK_URL}", lookup)))
    return directory


def _seed(store: Any) -> None:
    live = _flow(f"https://hooks.slack.com/services/{OLD_SLACK}",
                 f"https://api.example.com/find?token={QUERY_TOKEN}")  # fmt: skip
    store.add_studio_flow(friendly_name="Hooked", status="published", definition=live)
    for name in (HTML_NAME, BIDI_NAME):
        store.add_studio_flow(friendly_name=name, status="draft", definition=_flow("x", "y"))


def _plan(root: Path, env: dict[str, str], *more: str) -> Outcome:
    return run_flexplan("plan", "config", "--detailed-exitcode", *more, cwd=root, env=env)


def _never(text: str, *secrets: str) -> None:
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}:
            assert form not in text, f"{form!r} shown:\n{text}"


def test_a_rotated_live_secret_is_masked_in_every_format(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    _seed(sandbox.store)
    _config(tmp_path)
    summary, saved = tmp_path / "summary.md", tmp_path / "plan.json"
    env = {**sandbox_env, "SLACK_URL": f"https://hooks.slack.com/services/{NEW_SLACK}",
           "GITHUB_STEP_SUMMARY": str(summary)}  # fmt: skip
    outputs: dict[str, str] = {}
    for fmt in ("text", "json", "markdown"):
        outcome = _plan(tmp_path, env, "--format", fmt, "--out", str(saved))
        assert outcome.code == 2, outcome.output  # changes
        assert "Traceback" not in outcome.output
        outputs[fmt] = outcome.stdout
        outputs[f"{fmt}: stderr"] = outcome.stderr
        outputs[f"saved plan ({fmt})"] = saved.read_text()
    outputs["summary"] = summary.read_text()
    for text in outputs.values():
        _never(text, OLD_SLACK, NEW_SLACK, QUERY_TOKEN, "oldSlackSecret7001")
    text_lines = outputs["text"].splitlines()
    for widget in ("notify", "lookup"):  # the new secret's field, and the live query token
        at = text_lines.index(f'          ~ widget "{widget}" (make-http-request)')
        assert text_lines[at + 1] == "              properties.url: (sensitive) -> (sensitive)"
    change = next(c for c in json.loads(outputs["json"])["resource_changes"]
                  if c["address"] == "studio_flow.hooked")  # fmt: skip
    assert "oldSlack" not in json.dumps(change) and '"sensitive": true' in json.dumps(change)


def test_html_and_invisible_characters_from_the_account_render_inert(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    _seed(sandbox.store)
    _config(tmp_path)
    env = {**sandbox_env, "SLACK_URL": f"https://hooks.slack.com/services/{OLD_SLACK}"}
    markdown = _plan(tmp_path, env, "--format", "markdown")
    text = _plan(tmp_path, env, "--format", "text")
    for outcome in (markdown, text):
        assert outcome.code == 2, outcome.output  # the query token differs
        assert "\u202e" not in outcome.output and "\u200b" not in outcome.output
    unmanaged = [line for line in markdown.stdout.splitlines() if line.startswith("- `studio")]
    assert any(line.startswith(f"- `studio_flow` `{HTML_NAME}` (`FW") for line in unmanaged)
    assert any(line.startswith("- `studio_flow` `Refund\\u202eflow\\u200b` (`FW")
               for line in unmanaged)  # fmt: skip
    assert HTML_NAME not in markdown.stdout.replace(f"`{HTML_NAME}`", "")
    assert '"Refund\\u202eflow\\u200b"' in text.stdout
