"""Colour in the text plan: ``--no-color``, ``FORCE_COLOR`` (force-color.org), ``NO_COLOR``
(no-color.org), else a terminal only (issue 14 item 6). The test's stdout is not a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from applykit import copy_example

ESC = "\x1b["


@pytest.mark.parametrize(
    ("force", "no", "flags", "coloured"),
    [
        ("", "", (), False),  # not a terminal
        ("1", "", (), True),
        ("0", "", (), True),  # any value that is not empty
        ("", "1", (), False),
        ("1", "1", (), True),  # FORCE_COLOR over NO_COLOR
        ("1", "", ("--no-color",), False),  # the flag over both
    ],
)
def test_colour_follows_the_flag_then_force_color_then_no_color(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any,
    force: str, no: str, flags: tuple[str, ...], coloured: bool,
) -> None:  # fmt: skip
    config = copy_example(tmp_path, "quickstart")
    env = {**sandbox_env, "FORCE_COLOR": force, "NO_COLOR": no}
    result = run_flexplan("plan", str(config), *flags, env=env)
    assert result.exit_code == 0, result
    assert (ESC in result.stdout) is coloured, result.stdout[:400]
    assert "Plan: " in result.stdout


def test_force_color_never_colours_json_or_markdown(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = copy_example(tmp_path, "quickstart")
    for fmt in ("json", "markdown"):
        result = run_flexplan("plan", str(config), "--format", fmt,
                              env={**sandbox_env, "FORCE_COLOR": "1"})  # fmt: skip
        assert result.exit_code == 0 and ESC not in result.stdout, result
