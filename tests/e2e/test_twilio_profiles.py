"""The twilio CLI's profiles (issue 14 item 7): a developer logged in with ``twilio login``
needs no exports.

Each test writes a twilio CLI ``config.json`` as twilio-cli 3.0+ writes it (the API key
and its secret under ``profiles``, ``activeProject``), or as older releases left it (a
``projects`` entry whose key was in the system keychain), and runs flexplan against the
sandbox with the precedence of ``@twilio/cli-core``: ``--profile``, else the variables,
else the active profile.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plankit import write_config

MANIFEST = "version: 1\n"


def _twilio_cli(directory: Path, sandbox: Any, **config: Any) -> Path:
    """A twilio CLI configuration directory holding ``config`` (profiles of the sandbox)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def _profile(sandbox: Any, secret: str | None = None) -> dict[str, Any]:
    return {"accountSid": sandbox.account_sid, "apiKey": sandbox.api_key,
            "apiSecret": secret or sandbox.api_secret, "region": None, "edge": None}  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", MANIFEST)


def _base(sandbox: Any) -> dict[str, str]:
    return {"FLEXPLAN_API_BASE": sandbox.base_url, "FLEXPLAN_REQUEST_DEADLINE": "3"}


def _shows_no_secret(output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output, output


def test_the_active_profile_is_used_when_no_variables_are_set(
    tmp_path: Path, sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    home = _twilio_cli(tmp_path / "twilio", sandbox, activeProject="dev",
                       profiles={"dev": _profile(sandbox)})  # fmt: skip
    result = run_flexplan("plan", str(config),
                          env={**_base(sandbox), "TWILIO_CONFIG_DIR": str(home)})  # fmt: skip
    assert result.exit_code == 0, result
    where = home / "config.json"
    assert (
        f"Using API key {sandbox.api_key} from twilio CLI profile 'dev' ({where}), "
        f"account {sandbox.account_sid}.\n" in result.stderr
    )
    _shows_no_secret(result.output, sandbox.api_secret)


def test_the_default_directory_is_twilio_cli_in_the_home_directory(
    tmp_path: Path, sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    home = tmp_path / "home"
    _twilio_cli(home / ".twilio-cli", sandbox, activeProject="dev",
                profiles={"dev": _profile(sandbox)})  # fmt: skip
    env = {**_base(sandbox), "HOME": str(home), "TWILIO_CONFIG_DIR": ""}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 0, result
    assert "from twilio CLI profile 'dev'" in result.stderr


def test_profile_chooses_a_profile_and_wins_over_the_variables(
    tmp_path: Path, sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    home = _twilio_cli(tmp_path / "twilio", sandbox, activeProject="stale",
                       profiles={"stale": _profile(sandbox, "0" * 32),
                                 "dev": _profile(sandbox)})  # fmt: skip
    wrong = {"TWILIO_ACCOUNT_SID": sandbox.account_sid, "TWILIO_AUTH_TOKEN": "f" * 32}
    env = {**_base(sandbox), **wrong, "TWILIO_CONFIG_DIR": str(home)}
    for flag in ("--profile", "-p"):
        result = run_flexplan("plan", str(config), flag, "dev", env=env)
        assert result.exit_code == 0, result
        assert "from twilio CLI profile 'dev'" in result.stderr
        assert (
            "warning: TWILIO_* credentials in the environment are not used: --profile chooses "
            "the twilio CLI profile, as in the twilio CLI\n" in result.stderr
        )
        _shows_no_secret(result.output, sandbox.api_secret, "f" * 32)


def test_the_variables_win_over_the_active_profile(
    tmp_path: Path, sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    home = _twilio_cli(tmp_path / "twilio", sandbox, activeProject="stale",
                       profiles={"stale": _profile(sandbox, "0" * 32)})  # fmt: skip
    env = {**sandbox.credentials, "TWILIO_CONFIG_DIR": str(home)}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 0, result
    assert (
        f"Using the auth token from TWILIO_AUTH_TOKEN, account {sandbox.account_sid}.\n"
        in result.stderr
    )
    _shows_no_secret(result.output, sandbox.auth_token)


def test_an_api_key_without_its_secret_is_named_in_a_warning(
    sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    env = {**sandbox.credentials, "TWILIO_API_KEY": sandbox.api_key}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 0, result
    lines = result.stderr.splitlines()
    assert "warning: TWILIO_API_KEY is set without TWILIO_API_SECRET, so it is not used" in lines
    assert f"Using the auth token from TWILIO_AUTH_TOKEN, account {sandbox.account_sid}." in lines


def test_an_api_key_without_its_secret_and_nothing_else_is_an_error(
    sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    env = {**_base(sandbox), "TWILIO_ACCOUNT_SID": sandbox.account_sid,
           "TWILIO_API_KEY": sandbox.api_key}  # fmt: skip
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 1
    assert "error: Twilio credentials are missing: TWILIO_API_SECRET not set" in result.stderr
    assert "`twilio login`" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("settings", "args", "message"),
    [
        ({"projects": [{"id": "old", "accountSid": "AC" + "1" * 32}], "activeProject": "old"},
         (), "error: twilio CLI profile 'old' ({path}) holds no API key: a twilio CLI before "
         "3.0 kept it in the system keychain, which flexplan (like current twilio CLIs) does "
         "not read"),
        ({"profiles": {"dev": "good"}, "activeProject": "dev", "requireProfileInput": True},
         (), "error: the twilio CLI is set to require a profile (requireProfileInput in {path})"),
        ({"profiles": {"dev": "good"}}, ("--profile", "prod"),
         "error: there is no twilio CLI profile 'prod' in {path} (profiles: 'dev')"),
        ({"profiles": {"dev": "good"}}, (),
         "error: Twilio credentials are missing: TWILIO_ACCOUNT_SID, TWILIO_API_KEY and "
         "TWILIO_API_SECRET, or TWILIO_AUTH_TOKEN not set, and the twilio CLI has no active "
         "profile in {path} (profiles: 'dev')"),
    ],
    ids=["keychain-era profile", "requireProfileInput", "unknown --profile", "no active profile"],
)  # fmt: skip
def test_profiles_that_cannot_be_used_say_why(
    tmp_path: Path,
    sandbox: Any,
    config: Path,
    run_flexplan: Any,
    settings: dict[str, Any],
    args: tuple[str, ...],
    message: str,
) -> None:
    if "profiles" in settings:
        settings = {**settings, "profiles": {"dev": _profile(sandbox)}}
    home = _twilio_cli(tmp_path / "twilio", sandbox, **settings)
    env = {**_base(sandbox), "TWILIO_CONFIG_DIR": str(home)}
    result = run_flexplan("plan", str(config), *args, env=env)
    assert result.exit_code == 1, result
    assert message.format(path=home / "config.json") in result.stderr, result.stderr
    assert "Traceback" not in result.output
    _shows_no_secret(result.output, sandbox.api_secret)


def test_a_broken_config_file_is_one_error_naming_it(
    tmp_path: Path, sandbox: Any, config: Path, run_flexplan: Any
) -> None:
    home = tmp_path / "twilio"
    home.mkdir()
    (home / "config.json").write_text('{"profiles": ')
    result = run_flexplan("plan", str(config),
                          env={**_base(sandbox), "TWILIO_CONFIG_DIR": str(home)})  # fmt: skip
    assert result.exit_code == 1
    assert (
        f"error: cannot read the twilio CLI's profiles in {home / 'config.json'}: it is not "
        "valid JSON\n" in result.stderr
    )
    # with the variables set, the twilio CLI's file is not needed, so a broken one is ignored
    env = {**sandbox.credentials, "TWILIO_CONFIG_DIR": str(home)}
    assert run_flexplan("plan", str(config), env=env).exit_code == 0
