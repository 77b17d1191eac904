"""Names read from the account render inert (issue 10 item 4).

Markdown (the pull-request comment) shows them in code spans, or with HTML and
markdown syntax escaped, and keeps each value on its line so that none closes
the diff's code fence; the text plan shows control, bidirectional and
zero-width characters as ``\\u`` escapes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from plankit import studio_flow, write_config

from flexplan.render.escape import md_code, md_prose, md_text, visible

HTML_NAME = "<img src=x onerror=alert(1)>"
RTL_NAME = "Evil\u202eRTL\u200bflow"
TICK_NAME = "`tick`|pipe **bold** @org/team"
FENCE_WIDGET = "x\n```\n<script>alert(1)</script>"

MANIFEST = """\
version: 1
studio_flows:
  support:
    friendly_name: Support
    status: published
    definition_file: support.json
"""


def _seed(store: Any) -> None:
    for name in (HTML_NAME, RTL_NAME, TICK_NAME):
        store.add_studio_flow(friendly_name=name, status="draft", definition=studio_flow())
    live = studio_flow()
    live["states"].append({"name": FENCE_WIDGET, "type": "send-message", "transitions": [],
                           "properties": {"offset": {"x": 0, "y": 600}, "body": "hi"}})  # fmt: skip
    store.add_studio_flow(friendly_name="Support", status="published", definition=live)


def _plan(tmp_path: Path, sandbox: Any, env: dict[str, str], run_flexplan: Any, fmt: str) -> str:
    import json

    _seed(sandbox.store)
    config = write_config(tmp_path / "c", MANIFEST, {"support.json": json.dumps(studio_flow())})
    result = run_flexplan("plan", str(config), "--format", fmt, env=env)
    assert result.exit_code == 0, result
    return str(result.stdout)


def test_markdown_shows_account_names_inert(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    text = _plan(tmp_path, sandbox, sandbox_env, run_flexplan, "markdown")
    lines = text.splitlines()
    unmanaged = [line for line in lines if line.startswith("- `studio_flow` ")]
    assert any(line.startswith(f"- `studio_flow` `{HTML_NAME}` (`FW") for line in unmanaged)
    assert any(line.startswith("- `studio_flow` `Evil\\u202eRTL\\u200bflow` (`FW")
               for line in unmanaged)  # fmt: skip
    assert any(line.startswith("- `studio_flow` `` `tick`|pipe **bold** @org/team `` (`FW")
               for line in unmanaged)  # fmt: skip
    # the removed widget's name stays on its line, HTML-escaped in its folded summary
    assert (
        "<summary><code>- widget &quot;x\\n```\\n&lt;script&gt;alert(1)&lt;/script&gt;&quot; "
        "(send-message)</code> removed (1 property)</summary>"
    ) in lines
    assert "<script>" not in text
    # and in the flow's picture as Mermaid entity codes: no quote, backtick or markup
    (label,) = [line for line in lines if ":::removed" in line]
    assert label.startswith('  w3["- x#92;u000a#96;#96;#96;#92;u000a#60;script#62;alert#40;1#41;')
    assert label.count('"') == 2 and "`" not in label and "<script" not in label
    assert "\u202e" not in text and "\u200b" not in text


def test_text_plan_shows_invisible_characters_escaped(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    text = _plan(tmp_path, sandbox, sandbox_env, run_flexplan, "text")
    assert '"Evil\\u202eRTL\\u200bflow"' in text
    assert '      - widget "x\\n```\\n<script>alert(1)</script>" (send-message)' in text
    assert not any(unicodedata.category(c) in ("Cf", "Zl", "Zp") for c in text)
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)


def test_escape_helpers_exactly() -> None:
    assert visible("a\u202eb\u200d\u2028c\x1bd\n") == "a\\u202eb\\u200d\\u2028c\\u001bd\\u000a"
    assert visible("line\n", keep="\n") == "line\n"
    assert visible("\x1b[31mred\x1b[0m\u202e", colours=True) == "\x1b[31mred\x1b[0m\\u202e"
    assert visible("Café ☕ 👩‍💻") == "Café ☕ 👩\\u200d💻"
    assert md_text("<b>hi</b> & *x* [l](u) @team #1 $x$ _em_ snake_case") == (
        "\\<b>hi\\</b> \\& \\*x\\* \\[l\\](u) \\@team \\#1 \\$x\\$ \\_em\\_ snake_case"
    )
    assert md_code("a|b") == "`a|b`"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert md_code("``x``") == "``` ``x`` ```"
    assert md_prose("kept 'a<b>' (FW1): write `sid: FW1`") == (
        "kept 'a\\<b>' (FW1): write `sid: FW1`"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_code_spans_hold_any_text_on_one_line(text: str) -> None:
    span = md_code(text, in_table=True)
    fence = re.match(r"`+", span)
    assert fence is not None and span.endswith(fence.group(0))
    inner = span[len(fence.group(0)) : -len(fence.group(0))]
    assert all(len(run) != len(fence.group(0)) for run in re.findall(r"`+", inner))
    assert "\n" not in span and "\r" not in span
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in span)
    assert "|" not in inner.replace("\\|", "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_markdown_text_has_no_live_html(text: str) -> None:
    out = md_text(text)
    assert not re.search(r"(?<!\\)[<&]", out.replace("\\\\", ""))
    assert "\n" not in out


def test_validate_text_shows_invisible_characters_escaped(
    tmp_path: Path, run_flexplan: Any
) -> None:
    manifest = (
        'version: 1\nstudio_flows:\n  ok:\n    friendly_name: x\n    status: "pub\\u202elished"\n'
    )
    config = write_config(tmp_path / "v", manifest)
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 1
    assert "error: 'pub\\u202elished' is not a valid value for status" in result.stdout
    assert "\u202e" not in result.output
