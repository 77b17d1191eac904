"""A markdown plan fitted into a size limit, cut only where the markdown stays whole.

GitHub refuses a comment over 65,536 characters (its answer says characters;
measured, what it counts is never more than that many characters, however
many bytes they take). A plan over the limit keeps its title, its summary line
and table whole, and as many resources as fit, in plan order; the rest are
left out whole, and a notice outside every block says how many and where the
whole plan is. Only when the table alone is over the limit (thousands of
changes), or one resource alone is, is a block cut inside: at a line, with its
open code fence and ``<details>`` closed after the cut. Text is cut between
lines, so a character is never split.

A document written by ``render_markdown`` marks its blocks with HTML comments
(invisible on GitHub) so that ``flexplan comment`` can fit several plans into
one comment, each with its share of the limit (render.comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

GITHUB_LIMIT = 65_536
MARKER = "<!-- flexplan plan -->"
NOTICE_ROOM = 600  # what the notice and the block markers take, at most
_BLOCK = re.compile(r"^<!-- flexplan:(title|head|resource|notice|tail)(?: (\d+))? -->\n", re.M)
_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
WHOLE_PLAN = "run `flexplan plan` to see it whole"


@dataclass(frozen=True)
class Document:
    """A markdown plan in blocks; each block ends with a blank line."""

    title: str
    head: str  # summary line, table and warning: kept whole when anything is
    resources: tuple[str, ...]  # one <details> block each, in plan order
    tail: str  # what is not managed, notes
    total: int | None = None  # resources in the plan, when ``resources`` lost some before

    @property
    def resource_count(self) -> int:
        return len(self.resources) if self.total is None else self.total

    def fit(self, limit: int, *, markers: bool = True, whole_at: str = WHOLE_PLAN) -> str:
        """The document within ``limit`` characters (see the module's docstring)."""
        mark = _mark if markers else _unmarked
        top = mark("title") + self.title + mark("head", self.resource_count) + self.head
        resources = [mark("resource") + block for block in self.resources]
        tail = mark("tail") + self.tail if self.tail else ""
        whole = top + "".join(resources) + tail
        if len(whole) <= limit and self.total is None:
            return whole
        room = max(limit - NOTICE_ROOM, 0)
        tail, tail_cut = cut_balanced(tail, room // 3)  # notes: short, and they matter
        room -= len(tail)
        top, top_cut = cut_balanced(top, room)
        room -= len(top)
        kept: list[str] = []
        for block in resources:
            if len(block) > room:
                break
            kept.append(block)
            room -= len(block)
        partly = False
        if not kept and resources and room > NOTICE_ROOM:
            first, partly = cut_balanced(resources[0], room)
            kept.append(first)
        notice = _notice(
            shown=len(kept) - partly, partly=partly, total=self.resource_count,
            head_cut=top_cut, tail_cut=tail_cut, limit=limit, whole_at=whole_at,
        )  # fmt: skip
        return top + "".join(kept) + mark("notice") + notice + tail

    def retitled(self, title: str) -> Document:
        return replace(self, title=title)


def _mark(kind: str, count: int | None = None) -> str:
    return f"<!-- flexplan:{kind}{'' if count is None else f' {count}'} -->\n"


def _unmarked(kind: str, count: int | None = None) -> str:
    return ""


def parse_document(text: str) -> Document | None:
    """The blocks of a document ``render_markdown`` wrote; ``None`` for any other text."""
    if not text.startswith(f"{MARKER}\n<!-- flexplan:title -->\n"):
        return None
    body = text[len(MARKER) + 1 :]
    marks = list(_BLOCK.finditer(body))
    blocks: dict[str, list[str]] = {"title": [], "head": [], "resource": [], "tail": []}
    total: int | None = None
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        kind = mark.group(1)
        content = body[mark.end() : following.start() if following else len(body)]
        if kind == "head" and mark.group(2):
            total = int(mark.group(2))
        if kind != "notice":
            blocks[kind].append(content)
    resources = tuple(blocks["resource"])
    return Document(
        title="".join(blocks["title"]),
        head="".join(blocks["head"]),
        resources=resources,
        tail="".join(blocks["tail"]),
        total=total if total is not None and total != len(resources) else None,
    )


def cut_balanced(text: str, budget: int) -> tuple[str, bool]:
    """``text`` whole when it fits in ``budget`` characters; else its first lines that fit,
    with the code fence and ``<details>`` still open at the cut closed after it."""
    if len(text) <= budget:
        return text, False
    kept: list[str] = []
    size = 0
    state = _Open()
    for line in text.splitlines(keepends=True):
        after = state.after(line)
        if size + len(line) + len(after.closers()) + 1 > budget:
            break
        kept.append(line)
        size += len(line)
        state = after
    text = "".join(kept) + state.closers()
    if text and not text.endswith("\n\n"):
        text += "\n"  # a blank line ends a table or paragraph cut short
    return text, True


def close_open(text: str) -> str:
    """``text`` with the code fence and ``<details>`` it leaves open closed at its end."""
    state = _Open()
    for line in text.splitlines(keepends=True):
        state = state.after(line)
    return text + state.closers()


@dataclass(frozen=True)
class _Open:
    """What is open at a point of a markdown text: a code fence, ``<details>`` blocks."""

    fence: str | None = None
    details: int = 0

    def after(self, line: str) -> _Open:
        stripped = line.rstrip("\n")
        match = _FENCE.match(stripped)
        if self.fence is None:
            if match:
                return replace(self, fence=match.group(1))
            if stripped.startswith("<details"):
                return replace(self, details=self.details + 1)
            if stripped == "</details>" and self.details:
                return replace(self, details=self.details - 1)
            return self
        if match is None or match.group(2).strip():
            return self
        closes = match.group(1)[0] == self.fence[0] and len(match.group(1)) >= len(self.fence)
        return replace(self, fence=None) if closes else self

    def closers(self) -> str:
        text = f"{self.fence}\n" if self.fence else ""
        text += "\n</details>\n" * self.details
        return text + "\n" if text else ""


def _notice(
    *, shown: int, partly: bool, total: int, head_cut: bool, tail_cut: bool, limit: int,
    whole_at: str,
) -> str:  # fmt: skip
    left_out = total - shown - partly
    what: list[str] = []
    if head_cut:
        what.append("the summary table is cut short")
    if partly:
        what.append("the first resource's details are cut short")
    if left_out > 0:
        listed = "" if head_cut else " (the table above lists every change)"
        what.append(f"the details of {left_out} of {total} resources are left out{listed}")
    if tail_cut:
        what.append("the information at the end is cut short")
    said = "; ".join(what) or "parts are left out"
    return (
        f"> [!NOTE]\n> Cut to fit GitHub's {limit:,}-character limit: {said}. "
        f"{whole_at[:1].upper()}{whole_at[1:]}.\n\n"
    )
