"""``did you mean …?``: the closest of the names a user could have meant.

difflib is imported on the first miss: a valid manifest never needs it (start-up).
"""

from __future__ import annotations

from collections.abc import Iterable


def close_matches(
    word: str, choices: Iterable[str], *, n: int = 1, cutoff: float = 0.6
) -> list[str]:
    """``difflib.get_close_matches``: up to ``n`` choices at least ``cutoff`` alike, best first."""
    import difflib

    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)
