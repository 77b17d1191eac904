"""Lines apply prints: one per action as it starts and ends, a progress bar, the final report."""

from __future__ import annotations

from collections.abc import Sequence

from flexplan.engine.apply import ActionResult, ApplyResult
from flexplan.engine.model import ResourceChange
from flexplan.render.escape import visible

_STARTING = {
    "create": "Creating...",
    "update": "Modifying...",
    "delete": "Destroying...",
    "replace": "Replacing (destroy, then create)...",
}
_DONE = {
    "create": "Creation complete",
    "update": "Modifications complete",
    "delete": "Destruction complete",
    "replace": "Replacement complete",
}


def event_line(event: str, change: ResourceChange, result: ActionResult | None) -> str:
    return visible(_event_line(event, change, result))


def _event_line(event: str, change: ResourceChange, result: ActionResult | None) -> str:
    if event == "start" or result is None:
        sid = f" [sid={change.sid}]" if change.sid and change.action != "create" else ""
        starting = _STARTING[change.action]
        if change.action == "replace" and change.create_first:
            starting = "Replacing (create, then destroy)..."
        return f"{change.address}: {starting}{sid}"
    took = f"after {result.seconds:.1f}s"
    if result.status == "done":
        sid = f" [sid={result.sid}]" if result.sid else ""
        notes = [result.note] if result.note else []
        if result.retries:
            notes.append(f"{result.retries} {'retry' if result.retries == 1 else 'retries'}")
        note = f" ({'; '.join(notes)})" if notes else ""
        return f"{change.address}: {_DONE[change.action]} {took}{sid}{note}"
    return f"{change.address}: FAILED {took}: {result.error}"


def progress_bar(done: int, total: int, running: int, *, width: int = 30) -> str:
    """``[#########.....] 12/40 actions done, 3 running`` (a terminal's status line)."""
    filled = width * done // total if total else width
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} actions done, {running} running"
    )


def verification_lines(result: ApplyResult) -> list[str]:
    """What the end-of-apply read back found: extra copies removed, duplicates left alone."""
    lines = [
        f"Removed an extra copy this apply made: {address} {removed} (a duplicate of {kept}, "
        "left by a create whose answer was lost or late)"
        for address, removed, kept in result.verification.removed
    ]
    lines += [f"Warning: {note}" for note in result.verification.notes]
    return lines


def final_report(result: ApplyResult, targets: Sequence[str] = ()) -> str:
    """What the apply did; ``targets``: the ``--target`` addresses its plan was limited to,
    which the command to run again keeps (a whole apply would change what was left out)."""
    checked = verification_lines(result)
    extra = "\n".join(checked) + "\n" if checked else ""
    return extra + _outcome(result, "".join(f" --target {t}" for t in targets))


def _outcome(result: ApplyResult, targeting: str) -> str:
    counts = result.counts()
    replaced = f" ({counts['replaced']} replaced)" if counts["replaced"] else ""
    done_text = (
        f"{counts['added']} added, {counts['changed']} changed, "
        f"{counts['destroyed']} destroyed{replaced}"
    )
    if result.ok:
        return f"Apply complete: {done_text}.\n"
    failed, skipped = result.of("failed"), result.of("not attempted")
    head = f"Apply stopped ({result.stopped})" if result.stopped else "Apply failed"
    lines = [
        f"{head}: {len(failed)} action(s) failed, {len(skipped)} not attempted; done: {done_text}.",
        "",
    ]
    lines += _section("Done", result.of("done"), lambda r: f"{r.action} {r.address}")
    lines += _section("Failed", failed, lambda r: f"{r.action} {r.address}: {r.error}")
    lines += _section("Not attempted", skipped, lambda r: f"{r.action} {r.address}")
    again = f"`flexplan apply{targeting}` again"
    lines.append(
        f"Run {again} to finish: it converges from where this stopped."
        if result.stopped and not failed
        else f"Fix the cause and run {again}: it converges from where this stopped."
    )
    return visible("\n".join(lines) + "\n", keep="\n")


def _section(title: str, items: list[ActionResult], describe: object) -> list[str]:
    if not items:
        return []
    assert callable(describe)
    return [f"{title}:", *(f"  - {describe(r)}" for r in items), ""]
