"""Text read from the account or the manifest, made harmless where it is shown.

Names, labels and values are written by whoever edits the account or opens the
pull request. In a terminal, control, bidirectional and zero-width characters
could hide or reorder what a reviewer reads; they are shown as ``\\u202e``. In
markdown (a pull-request comment), HTML and markdown syntax in those values
must not render: values go into code spans, or have their syntax
backslash-escaped.
"""

from __future__ import annotations

import re
import unicodedata

# Control, format (bidi, zero-width, soft hyphen), separator and private-use characters.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours flexplan itself writes
# What could start markup mid-line (an underscore only at a word's edge: GFM ignores
# intraword ones, so ``studio_flows`` stays readable); ``>`` matters only at a line start.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<#|~&@$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_CODE_SEGMENT = re.compile(r"`([^`]+)`")
_BACKTICKS = re.compile(r"`+")


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str, *, keep: str = "", colours: bool = False) -> str:
    """``text`` with every invisible or control character (but those in ``keep``) escaped."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at C speed
    if colours:
        parts = _SGR.split(text)
        codes = _SGR.findall(text)
        out = [visible(parts[0], keep=keep)]
        for code, part in zip(codes, parts[1:], strict=True):
            out += [code, visible(part, keep=keep)]
        return "".join(out)
    return "".join(
        ch if ch in keep or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES else _escaped(ch)
        for ch in text
    )


def md_text(text: str) -> str:
    """Plain text for markdown: invisible characters escaped, HTML and syntax inert."""
    return _MD_SPECIAL.sub(r"\\\1", visible(text))


def md_prose(text: str) -> str:
    """A sentence flexplan wrote around untrusted names: its `code` parts stay code."""
    out: list[str] = []
    last = 0
    for m in _CODE_SEGMENT.finditer(text):
        out += [md_text(text[last : m.start()]), md_code(m.group(1))]
        last = m.end()
    out.append(md_text(text[last:]))
    return "".join(out)


def md_code(text: str, *, in_table: bool = False) -> str:
    """An inline code span holding ``text`` exactly (no HTML, markdown or mention inside)."""
    body = visible(text)
    if in_table:
        body = body.replace("|", "\\|")  # GFM splits cells before it reads code spans
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")) or not body:
        body = f" {body} "
    return f"{fence}{body}{fence}"
