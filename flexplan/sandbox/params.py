"""Form parameters as Twilio reads them.

The twilio SDK sends ``application/x-www-form-urlencoded`` bodies with dotted
names (``Integration.FlowSid``), booleans as ``true``/``false`` and lists as
repeated keys (``AutoCreation.WebhookFilters=a&AutoCreation.WebhookFilters=b``).
``Params`` reads them and raises Twilio-shaped 400s for bad values.
"""

from __future__ import annotations

from collections.abc import Iterable

from flexplan.sandbox.errors import invalid, missing
from flexplan.sandbox.ids import is_sid


class Params:
    """Parsed query or form parameters: name -> list of values."""

    def __init__(self, data: dict[str, list[str]] | None = None) -> None:
        self.data = data or {}

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str) -> str | None:
        values = self.data.get(name)
        return values[-1] if values else None

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def values(self, name: str) -> list[str]:
        return list(self.data.get(name, []))

    def flag(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise invalid(f"Invalid value '{value}' for {name}: expected true or false")

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise invalid(f"Invalid value '{value}' for {name}: expected an integer") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise invalid(f"{name} must be between {low} and {high}, got {number}")
        return number

    def enum(self, name: str, allowed: Iterable[str], *, fold_case: bool = False) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        options = list(allowed)
        for option in options:
            if value == option or (fold_case and value.lower() == option.lower()):
                return option
        raise invalid(f"Invalid {name}: '{value}' is not one of {', '.join(options)}")

    def sid(self, name: str, prefix: str) -> str | None:
        value = self.text(name)
        if value is None or value == "":
            return None
        if not is_sid(value, prefix):
            raise invalid(f"Invalid {name}: '{value}' is not a valid {prefix} SID")
        return value

    def enum_list(self, name: str, allowed: Iterable[str]) -> list[str]:
        options = set(allowed)
        values = self.values(name)
        for value in values:
            if value not in options:
                raise invalid(
                    f"Invalid {name}: '{value}' is not one of {', '.join(sorted(options))}"
                )
        return values
