"""Long plans on GitHub: rendered by GitHub's own markdown parser (cmark-gfm), a plan far
over 65,536 characters, alone or with other environments in one comment, keeps every
``<details>`` and code block whole and puts the notice of what was cut outside them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.engine.model import Plan, ResourceChange
from flexplan.render.comment import Context, EnvironmentPlan, render_comment
from flexplan.render.fit import GITHUB_LIMIT, Document
from flexplan.render.markdown import render_markdown

NOTICE = "Cut to fit GitHub"


class _Widgets:
    """A rich diff whose values hold backticks (their block needs a longer fence)."""

    def __init__(self, count: int):
        self.count = count

    def lines(self) -> list[str]:
        return [f'+ widget "say```{i}" (say-play) — «{"é" * 40}»' for i in range(self.count)]

    def to_json(self) -> dict[str, Any]:
        return {"type": "test"}


def _plan(resources: int, environment: str | None = None, *, widgets: int = 3) -> Plan:
    changes = [
        ResourceChange(
            section="studio_flows",
            type_name="studio_flow",
            title="Studio flow",
            name=f"flow-{i:05d}",
            action="create",
            after={"friendly_name": f"Flow {i} ✓ ünïcödé " + "x" * 80, "definition": {}},
            details={"definition": _Widgets(widgets)},
        )
        for i in range(resources)
    ]
    return Plan("AC" + "1" * 32, environment, "digest", changes, notes=["first", "second"])


class _Blocks(HTMLParser):
    """Where the notice is and what is left open, in the HTML GitHub would show."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.notice_inside: list[list[str]] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("details", "pre", "code", "blockquote"):
            self.open.append(tag)
        if tag == "h3":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("details", "pre", "code", "blockquote"):
            assert self.open and self.open[-1] == tag, (tag, self.open)
            self.open.pop()
        if tag == "h3" and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if NOTICE in data:
            self.notice_inside.append(list(self.open))


def _as_github_shows(markdown: str) -> _Blocks:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    # a block swallowed by an unclosed code fence shows its markup as text
    assert "&lt;details&gt;" not in html and "&lt;/details&gt;" not in html
    blocks = _Blocks()
    blocks.feed(html)
    blocks.close()
    assert blocks.open == [], f"left open: {blocks.open}"
    return blocks


def _fences_balanced(markdown: str) -> bool:
    opened: str | None = None
    for line in markdown.splitlines():
        run = line[: len(line) - len(line.lstrip("`"))]
        if opened is None and len(run) >= 3:
            opened = run
        elif opened is not None and len(run) >= len(opened) and not line.strip("`").strip():
            opened = None
    return opened is None


def test_a_plan_far_over_the_limit_keeps_its_blocks_whole_and_the_notice_outside() -> None:
    plan = _plan(500, widgets=20)
    whole = render_markdown(plan, limit=10**9)
    assert len(whole) > 10 * GITHUB_LIMIT
    markdown = render_markdown(plan)
    assert len(markdown) <= GITHUB_LIMIT
    blocks = _as_github_shows(markdown)
    assert blocks.notice_inside == [["blockquote"]]  # once, in its own quote, in no block
    assert _fences_balanced(markdown)
    assert "**Plan: 500 to add, 0 to change, 0 to destroy.**" in markdown
    assert "| `+` | `studio_flow.flow-00499` |" in markdown  # the table is whole
    assert markdown.count("<details>") == markdown.count("</details>") > 0
    shown = markdown.count("<summary><code>+ studio_flow.")
    assert f"the details of {500 - shown} of 500 resources are left out" in markdown
    assert markdown.index(NOTICE) > markdown.rindex("</details>")
    assert markdown.rstrip().endswith("- second")  # the notes are kept


def test_one_resource_over_the_limit_is_cut_inside_with_its_fence_closed() -> None:
    markdown = render_markdown(_plan(1, widgets=3_000))
    assert len(markdown) <= GITHUB_LIMIT
    blocks = _as_github_shows(markdown)
    assert blocks.notice_inside == [["blockquote"]]
    assert "the first resource's details are cut short" in markdown
    assert "\n````\n" in markdown  # closed with its own, longer fence


def test_thousands_of_changes_cut_the_table_between_rows() -> None:
    markdown = render_markdown(_plan(3_000, widgets=0))
    assert len(markdown) <= GITHUB_LIMIT
    assert _as_github_shows(markdown).notice_inside == [["blockquote"]]
    assert "the summary table is cut short" in markdown
    assert "| `+` | `studio_flow.flow-00000` |" in markdown


def test_the_combined_comment_shares_the_limit_and_drops_no_environment() -> None:
    plans = [
        EnvironmentPlan(
            name, 2, render_markdown(_plan(count, name), limit=10**9 if name == "dev" else 65_536)
        )
        for name, count in (("dev", 1_500), ("staging", 900), ("production", 2))
    ]
    plans.append(EnvironmentPlan("qa", 0, render_markdown(_plan(0, "qa"))))
    comment = render_comment(plans, Context(commit="abc", next_step="merge to apply"))
    assert len(comment) <= GITHUB_LIMIT
    blocks = _as_github_shows(comment)
    assert blocks.headings == ["dev: changes", "staging: changes", "production: changes",
                               "qa: no changes"]  # fmt: skip
    assert blocks.notice_inside == [["blockquote"], ["blockquote"]]  # dev's and staging's
    assert _fences_balanced(comment)
    production = comment[comment.index("### `production`") : comment.index("### `qa`")]
    assert production.count("<details>") == 2 and NOTICE not in production  # whole
    dev = comment[: comment.index("### `staging`")]
    staging = comment[comment.index("### `staging`") : comment.index("### `production`")]
    assert abs(len(dev) - len(staging)) < 3_000  # an even share each
    assert "**Plan: 1500 to add" in dev and "**Plan: 900 to add" in staging
    assert comment.rstrip().endswith("**Next:** merge to apply")


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=4_000), max_size=30),
    head_rows=st.integers(min_value=0, max_value=300),
    limit=st.integers(min_value=2_000, max_value=40_000),
)
def test_any_document_fits_balanced(sizes: list[int], head_rows: int, limit: int) -> None:
    head = "**Plan**\n\n| a | b |\n|---|---|\n" + "".join(
        f"| {i} | é |\n" for i in range(head_rows)
    )
    resources = tuple(
        f"<details>\n<summary>r{i}</summary>\n\n```diff\n" + "+ x\n" * (n // 4) + "```\n\n"
        "</details>\n\n"
        for i, n in enumerate(sizes)
    )
    document = Document("### plan\n\n", head + "\n", resources, "**Notes**\n\n- n\n\n")
    text = document.fit(limit)
    assert len(text) <= limit
    blocks = _as_github_shows(text)
    assert len(blocks.notice_inside) <= 1 and all(n == ["blockquote"] for n in blocks.notice_inside)
    assert _fences_balanced(text)


def _flow(widgets: int, text: str) -> dict[str, Any]:
    states: list[dict[str, Any]] = [
        {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
         "transitions": [{"event": "incomingMessage", "next": "w0"}]},
    ]  # fmt: skip
    for i in range(widgets):
        nxt = [{"event": "sent", "next": f"w{i + 1}"}] if i + 1 < widgets else []
        states.append({
            "name": f"w{i}", "type": "send-message", "transitions": nxt,
            "properties": {"offset": {"x": 0, "y": 100 * i}, "body": f"{text} {i} ```"},
        })  # fmt: skip
    return {"description": "d", "initial_state": "Trigger", "flags": {}, "states": states}


def test_studio_diffs_and_pictures_far_over_the_limit_stay_whole() -> None:
    """Real Studio diffs: nested <details> per widget, a Mermaid block per flow."""
    from flexplan.resources.studio.diff import diff_definitions

    changes = [
        ResourceChange(
            section="studio_flows",
            type_name="studio_flow",
            title="Studio flow",
            name=f"flow-{n:03d}",
            action="update",
            sid="FW" + f"{n:032d}",
            before={"definition": {}},
            after={"definition": {}},
            details={"definition": diff_definitions(_flow(40, "old ✓"), _flow(40, "new «é»"))},
        )
        for n in range(40)
    ]
    markdown = render_markdown(Plan("AC" + "1" * 32, None, "d", changes))
    assert (
        len(markdown)
        <= GITHUB_LIMIT
        < len(render_markdown(Plan("AC" + "1" * 32, None, "d", changes), limit=10**9))
    )
    blocks = _as_github_shows(markdown)
    assert blocks.notice_inside == [["blockquote"]]
    assert _fences_balanced(markdown)
    assert "```mermaid" in markdown or "````mermaid" in markdown
