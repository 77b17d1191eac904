"""One pull-request comment from the plans of several environments (``flexplan comment``).

Every environment gets a share of GitHub's limit: environments whose plans are
short keep them whole, and what they leave is shared evenly by the longer ones,
each cut between resources as a single plan is (render.fit), with its own
notice. An environment is never dropped: its heading, summary line and table
come first. The comment says which commit was planned, links the CI run and
says what happens next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from flexplan.render.escape import md_code, md_text
from flexplan.render.fit import GITHUB_LIMIT, MARKER, Document, close_open, parse_document

STATUS = {0: "no changes", 2: "changes"}


@dataclass(frozen=True)
class EnvironmentPlan:
    name: str
    exit_code: int | None  # what `flexplan plan --detailed-exitcode` exited with; None: no plan
    markdown: str  # what plan wrote (or the error text the CI script wrote instead)

    @property
    def status(self) -> str:
        return (
            STATUS.get(self.exit_code, "**error**") if self.exit_code is not None else "**error**"
        )


@dataclass(frozen=True)
class Context:
    """Where the plans come from and what happens next, for the comment's reader."""

    commit: str | None = None
    commit_url: str | None = None
    run_url: str | None = None
    next_step: str | None = None


def render_comment(
    plans: Sequence[EnvironmentPlan], context: Context = Context(), *, limit: int = GITHUB_LIMIT
) -> str:
    head = f"{MARKER}\n## flexplan plan\n\n{_context_line(context)}"
    foot = f"**Next:** {md_text(context.next_step)}\n" if context.next_step else ""
    sections = [_section(p) for p in plans]
    shares = _shares([len(s.fit(10**12, markers=False)) for s in sections],
                     limit - len(head) - len(foot))  # fmt: skip
    whole_at = _whole_at(context)
    body = [
        s.fit(share, markers=False, whole_at=whole_at)
        for s, share in zip(sections, shares, strict=True)
    ]
    return head + "".join(body) + foot


def _section(plan: EnvironmentPlan) -> Document:
    title = f"### {md_code(plan.name)}: {plan.status}\n\n"
    document = parse_document(plan.markdown)
    if document is not None:
        return document.retitled(title)
    text = plan.markdown if plan.markdown.strip() else "_no plan was produced_\n"
    return Document(title=title, head=_closed(text), resources=(), tail="")


def _closed(text: str) -> str:
    """Foreign text (the CI script's error report) with its blocks closed, a blank line last."""
    closed = close_open(text.rstrip("\n") + "\n")
    return closed if closed.endswith("\n\n") else closed + "\n"


def _shares(wants: list[int], room: int) -> list[int]:
    """Each section's share of ``room``: all it wants if it fits in an even share, and the
    rest shared evenly among the longer ones (water-filling)."""
    shares = [0] * len(wants)
    left, count = max(room, 0), len(wants)
    for index in sorted(range(len(wants)), key=lambda i: wants[i]):
        share = min(wants[index], left // count)
        shares[index] = share
        left -= share
        count -= 1
    return shares


def _context_line(context: Context) -> str:
    parts: list[str] = []
    if context.commit:
        sha = md_code(context.commit[:12])
        url = context.commit_url
        parts.append(f"Commit [{sha}]({link(url)})" if url else f"Commit {sha}")
    if context.run_url:
        parts.append(f"[CI run]({link(context.run_url)})")
    return " · ".join(parts) + "\n\n" if parts else ""


def _whole_at(context: Context) -> str:
    if context.run_url:
        return f"the whole plans are in the job summaries of the [CI run]({link(context.run_url)})"
    return "the whole plans are in the plan jobs' summaries and artifacts"


def link(url: str) -> str:
    """A URL as a markdown link target: nothing in it can end the link or start markup."""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")
