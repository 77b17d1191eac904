"""Cutting markdown: whole lines only, open blocks closed with their own fence."""

from __future__ import annotations

from flexplan.render.fit import Document, cut_balanced, parse_document
from flexplan.render.markdown import MARKER


def test_short_text_untouched() -> None:
    assert cut_balanced("abc\n", 100) == ("abc\n", False)


def test_long_text_keeps_whole_lines_within_the_budget() -> None:
    text = "".join(f"line {i:05d} «é»\n" for i in range(20000))
    out, cut = cut_balanced(text, 65_536)
    assert cut and len(out) <= 65_536
    assert out.startswith("line 00000 «é»\n")
    assert all(line.startswith("line ") for line in out.splitlines() if line)


def test_open_code_fence_is_closed() -> None:
    text = "head\n```diff\n" + "".join(f"+ x{i}\n" for i in range(30000)) + "```\n"
    out, _ = cut_balanced(text, 10_000)
    assert len(out) <= 10_000
    assert out.count("```") % 2 == 0


def test_a_longer_fence_is_closed_with_its_own_length() -> None:
    """A block whose values hold ``` is fenced with ````: the cut must close it with ````."""
    body = "".join(f'-   widget "w```{i}" (say-play)\n' for i in range(30000))
    text = "<details>\n<summary>s</summary>\n\n````diff\n" + body + "````\n\n</details>\n"
    out, _ = cut_balanced(text, 10_000)
    assert len(out) <= 10_000
    assert out.endswith("````\n\n</details>\n\n")


def test_a_written_document_reads_back_with_its_blocks_and_its_count() -> None:
    block = "<details>\n<summary>r</summary>\n\n" + "text\n" * 200 + "\n</details>\n\n"
    document = Document("### t\n\n", "**Plan**\n\n", (block,) * 10, "n\n\n")
    assert parse_document(MARKER + "\n" + document.fit(100_000)) == document
    cut = parse_document(MARKER + "\n" + document.fit(5_000))
    assert cut is not None and cut.resource_count == 10 and 0 < len(cut.resources) < 10
    assert cut.resources == (block,) * len(cut.resources) and cut.tail == "n\n\n"


def test_other_text_is_not_a_document() -> None:
    assert parse_document("**flexplan plan failed**\n") is None
