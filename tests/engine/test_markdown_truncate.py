from __future__ import annotations

from flexplan.render.markdown import truncate


def test_short_text_untouched() -> None:
    assert truncate("abc\n", 100) == "abc\n"


def test_long_text_keeps_head_and_tail_and_says_what_was_cut() -> None:
    lines = [f"line {i:05d}" for i in range(20000)]
    text = "\n".join(lines) + "\n"
    out = truncate(text, 65_536)
    assert len(out) <= 65_536
    assert out.startswith("line 00000\n")
    assert out.endswith("line 19999\n")
    assert "were cut to fit GitHub's 65536-character limit" in out


def test_open_code_fence_is_closed_and_reopened() -> None:
    text = "head\n```diff\n" + "".join(f"+ x{i}\n" for i in range(30000)) + "```\n"
    out = truncate(text, 10_000)
    assert len(out) <= 10_000
    assert out.count("```") % 2 == 0


def test_a_longer_fence_is_closed_and_reopened_with_its_own_length() -> None:
    """A block whose values hold ``` is fenced with ````: the cut must close it with ````."""
    body = "".join(f'-   widget "w```{i}" (say-play)\n' for i in range(30000))
    text = "head\n````diff\n" + body + "````\n\nafter\n"
    out = truncate(text, 10_000)
    assert len(out) <= 10_000
    head, _, rest = out.partition("> [!NOTE]")
    assert head.rstrip().endswith("````")
    assert "\n````diff\n" in rest
