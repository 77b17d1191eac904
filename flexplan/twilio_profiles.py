"""The twilio CLI's profiles (``twilio login``), read the way the CLI reads them.

The twilio CLI (``twilio-cli`` with ``@twilio/cli-core``) keeps its profiles in
``config.json`` in its configuration directory: ``TWILIO_CONFIG_DIR``, else
``$HOME/.twilio-cli``. Since twilio-cli 3.0 (January 2022, "Storing profiles in
config file instead of keytar") ``twilio login`` creates an API key and stores
it, secret included, under ``profiles``::

    {"profiles": {"dev": {"accountSid": "AC…", "apiKey": "SK…", "apiSecret": "…",
                          "region": null, "edge": null}},
     "activeProject": "dev", "requireProfileInput": false, "edge": null}

Profiles made by older releases are listed under ``projects`` (``{id,
accountSid, region}``) and their key was kept in the system keychain; current
twilio CLIs no longer read it either ("Could not get credentials for profile"),
and neither does flexplan: such a profile is an error that says to run
``twilio login`` again.

Which credentials a command uses (cli-core's ``ConfigData.getProfileById`` and
``TwilioClientCommand.run``):

1. ``--profile NAME``: that profile (``profiles``, then ``projects``), even when
   ``TWILIO_*`` variables are set;
2. else the environment: ``TWILIO_ACCOUNT_SID`` with ``TWILIO_API_KEY`` and
   ``TWILIO_API_SECRET``, else with ``TWILIO_AUTH_TOKEN``;
3. else the active profile (``activeProject``), else the first ``projects`` entry.

``requireProfileInput: true`` makes ``--profile`` mandatory. The edge is
``TWILIO_EDGE``, else the profile's, else the file's ``edge``; the region is the
profile's. The twilio CLI reads no ``TWILIO_PROFILE`` variable, so flexplan
reads none either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flexplan.errors import FlexplanError

CONFIG_FILE = "config.json"
MAX_CONFIG_BYTES = 1024 * 1024  # a twilio CLI config is a few KB


@dataclass(frozen=True)
class Profile:
    """One twilio CLI profile. ``api_secret`` is ``None`` for a keychain-era profile."""

    name: str
    account_sid: str
    api_key: str | None
    api_secret: str | None = field(repr=False)
    region: str | None = None
    edge: str | None = None


@dataclass(frozen=True)
class CliConfig:
    """What flexplan reads of the twilio CLI's ``config.json``."""

    path: Path
    profiles: dict[str, Profile] = field(default_factory=dict)
    legacy: list[Profile] = field(default_factory=list)  # ``projects``: no key in the file
    active: str | None = None
    require_profile: bool = False
    edge: str | None = None

    def find(self, name: str) -> Profile | None:
        name = name.strip()
        found = self.profiles.get(name)
        return found or next((p for p in self.legacy if p.name == name), None)

    def active_profile(self) -> Profile | None:
        """``activeProject`` when it names a profile, else the first ``projects`` entry."""
        found = self.find(self.active) if self.active else None
        return found or (self.legacy[0] if self.legacy else None)

    def names(self) -> list[str]:
        return [*self.profiles, *(p.name for p in self.legacy if p.name not in self.profiles)]


def config_dir(env: Mapping[str, str]) -> Path:
    """``TWILIO_CONFIG_DIR``, else ``.twilio-cli`` in the home directory (cli-core's env.js)."""
    given = env.get("TWILIO_CONFIG_DIR")
    if given:
        return Path(given)
    home = env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")
    return Path(home) / ".twilio-cli"


def read_config(env: Mapping[str, str]) -> CliConfig | None:
    """The twilio CLI's configuration, or ``None`` when it has none (no file)."""
    path = config_dir(env) / CONFIG_FILE
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise _unreadable(path, "it is larger than 1 MiB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, type(exc).__name__) from None
    except (ValueError, RecursionError):
        raise _unreadable(path, "it is not valid JSON") from None
    if not isinstance(data, dict):
        raise _unreadable(path, "it does not hold a JSON object")
    return _config(path, data)


def _unreadable(path: Path, why: str) -> FlexplanError:
    return FlexplanError(
        f"cannot read the twilio CLI's profiles in {path}: {why}",
        hint="fix or remove the file (`twilio login` writes it), or set TWILIO_ACCOUNT_SID "
        "with TWILIO_API_KEY and TWILIO_API_SECRET",
    )


def _config(path: Path, data: dict[str, Any]) -> CliConfig:
    profiles: dict[str, Profile] = {}
    given = data.get("profiles")
    for name, entry in given.items() if isinstance(given, dict) else ():
        if isinstance(entry, dict):
            profiles[str(name).strip()] = _profile(str(name).strip(), entry)
    projects = data.get("projects")
    legacy = [
        _profile(str(entry.get("id") or "").strip(), {**entry, "apiKey": None, "apiSecret": None})
        for entry in (projects if isinstance(projects, list) else [])
        if isinstance(entry, dict)
        and str(entry.get("id") or "").strip()
        and str(entry.get("id")).strip() not in profiles
    ]
    return CliConfig(
        path=path,
        profiles=profiles,
        legacy=legacy,
        active=_text(data.get("activeProject")),
        require_profile=data.get("requireProfileInput") is True,
        edge=_text(data.get("edge")),
    )


def _profile(name: str, entry: Mapping[str, Any]) -> Profile:
    return Profile(
        name=name,
        account_sid=_text(entry.get("accountSid")) or "",
        api_key=_text(entry.get("apiKey")),
        api_secret=_text(entry.get("apiSecret")),
        region=_text(entry.get("region")),
        edge=_text(entry.get("edge")),
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
