"""Replacing a ``chat`` address says what it breaks (issue 11, item 8).

A Webchat 3 deployment key is linked to a chat Address Configuration's SID; a
replace deletes it and creates one with a new SID, after which Webchat users
meet error 45777 "Address Configuration not found for deployment key"
(https://www.twilio.com/docs/api/errors/45777). The plan says so in every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plankit import write_config

from flexplan.sandbox.ids import fixed_sid

WEBCHAT_SID = fixed_sid("IG", "Flex Web Chat")  # the fresh account's chat address
MANIFEST = """
version: 1
conversations_addresses:
  webchat:
    sid: {sid}
    type: {type}
    address: {address}
    friendly_name: Flex Web Chat
"""
NOTE = (
    "conversations_address.webchat: replacing this chat address gives it a new SID; a "
    "Webchat 3 deployment key linked to the old one stops working (Twilio error 45777 "
    '"Address Configuration not found for deployment key", '
    "https://www.twilio.com/docs/api/errors/45777): after apply, link the key to the new "
    "address (Console: Flex > Manage > Webchat)"
)


def _config(tmp_path: Path, **fields: str) -> Path:
    values = {"sid": WEBCHAT_SID, "type": "chat", "address": "flex-webchat", **fields}
    return write_config(tmp_path / "c", MANIFEST.format(**values))


def test_replacing_a_chat_address_is_noted_in_every_format(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path, address="support-webchat")
    text = run_flexplan("plan", str(config), env=sandbox_env)
    assert text.exit_code == 0, text
    assert "must be replaced" in text.stdout
    assert f"Note: {NOTE}" in text.stdout.splitlines()
    markdown = run_flexplan("plan", str(config), "--format", "markdown", env=sandbox_env)
    assert f"- {NOTE}" in markdown.stdout.splitlines()  # a note is an item of its own
    as_json = run_flexplan("plan", str(config), "--format", "json", env=sandbox_env)
    assert NOTE in json.loads(as_json.stdout)["notes"]


def test_other_changes_and_other_types_carry_no_such_note(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    in_place = _config(tmp_path).joinpath("flexplan.yaml")
    in_place.write_text(in_place.read_text().replace("Flex Web Chat", "Support chat"))
    plan = run_flexplan("plan", str(in_place.parent), env=sandbox_env)
    assert "updated in-place" in plan.stdout and "45777" not in plan.stdout


def test_replacing_an_sms_address_carries_no_such_note(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    with sandbox.store.lock:
        sms = sandbox.store.add_address(type="sms", address="+15550001111")
    config = write_config(
        tmp_path / "s",
        f"version: 1\nconversations_addresses:\n  line:\n    sid: {sms['sid']}\n"
        '    type: sms\n    address: "+15550002222"\n',
    )
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert "must be replaced" in plan.stdout and "45777" not in plan.stdout
