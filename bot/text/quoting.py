"""The one quoting step for user text placed in a message the bot sends to someone else.

Whatever a person typed (a title, a reason, minutes, a report, a name) reaches other people
only through these functions, one per message type, so it can never become a link, a heading,
bold text or a line that looks like the bot's own:

- ``text_inline`` / ``text_block`` for ``text`` messages, where WeCom renders ``<a href>``:
  angle brackets become their full-width forms (the characters stay readable, the tag is dead).
  ``text_inline`` folds line breaks into one line (titles, names, one-line fields);
  ``text_block`` keeps the lines but starts each with a bar, so no line of it can pass for a
  line the bot wrote.
- ``markdown_inline`` / ``markdown_block`` for ``markdown`` messages (WeCom's subset: headings,
  ``**bold**``, ``[link](url)``, inline code, ``> quote``, ``<font>``): every markup character
  becomes its full-width form; a block is a ``>`` quote, one quoted line per line typed.
- ``terminal_line`` for what the command line prints (``app.py audit``, ``jobs run``): one line,
  no escape sequence, so a title with line breaks cannot print a finding of its own.
- ``csv_cell`` and ``sheet_cell`` for CSV files and spreadsheets: a cell never starts a formula
  (``=``, ``+``, ``-``, ``@``), and holds no invisible or illegal character.

Every step drops invisible format characters (``bot.text.names.visible_text``: bidi overrides,
zero-width characters) — names are cleaned where they are parsed, this catches what was stored
before.

The original text stays untouched in the database: quoting is for display only.

``markdown_as_text`` turns a markdown message the bot wrote into a ``text`` one, for readers in
WeChat's 企业微信 plug-in (微信插件), which cannot show markdown: the bot's own markup is dropped,
a ``>`` quote becomes bar lines as ``text_block`` writes them, and the user text inside stays as
quoted (full-width, so it neither makes markup nor a tag).
"""
from __future__ import annotations

import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bot.text.names import visible_text

# Characters that make markup, each mapped to a look-alike that is plain text everywhere.
_TEXT_TABLE = str.maketrans({"<": "＜", ">": "＞"})
_MARKDOWN_TABLE = str.maketrans({
    "<": "＜", ">": "＞", "[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿",
    "`": "｀", "#": "＃", "~": "～", "|": "｜", "\\": "＼",
})
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\u0085\v\f]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs as a formula at a cell's start
BLOCK_BAR = "｜"
CELL_LIMIT = 32767  # characters per spreadsheet cell (Excel)


def _clean(value: object) -> str:
    # Zero-width and bidirectional controls could hide or reorder what a reader sees.
    return visible_text(value)


def _shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in _LINE_BREAKS.split(text.strip())]


def text_inline(value: object, limit: int | None = None) -> str:
    """User text as one line of a ``text`` message: tags defused, line breaks folded into a space,
    at most ``limit`` characters (an ellipsis marks a cut). ``None`` gives ""."""
    folded = " ".join(part.strip() for part in _LINE_BREAKS.split(_clean(value)) if part.strip())
    return _shorten(folded.translate(_TEXT_TABLE), limit)


def text_block(value: object, limit: int | None = None) -> str:
    """User text of several lines for a ``text`` message: tags defused, each line after a bar
    ("｜…"), so the caller's label line ("张三 写道：") is the only line without one."""
    cleaned = _shorten(_clean(value).strip(), limit).translate(_TEXT_TABLE)
    return "\n".join(BLOCK_BAR + line for line in _lines(cleaned))


def markdown_inline(value: object, limit: int | None = None) -> str:
    """User text as one line of a ``markdown`` message: every markup character made plain,
    line breaks folded, at most ``limit`` characters."""
    folded = " ".join(part.strip() for part in _LINE_BREAKS.split(_clean(value)) if part.strip())
    return _shorten(folded, limit).translate(_MARKDOWN_TABLE)


def markdown_block(value: object, limit: int | None = None) -> str:
    """User text of several lines for a ``markdown`` message: markup made plain, each line a
    ``>`` quote line (an empty line stays inside the quote), under a label the caller writes."""
    cleaned = _shorten(_clean(value).strip(), limit).translate(_MARKDOWN_TABLE)
    return "\n".join("> " + line if line else ">" for line in _lines(cleaned))


def terminal_line(value: object, limit: int | None = None) -> str:
    """User text as one line of what the command line prints: invisible characters and escape
    sequences gone (``visible_text`` drops ESC and every control character), line breaks and tabs
    folded into a space, at most ``limit`` characters."""
    folded = " ".join(part.strip() for part in re.split(r"[\n\t]", _clean(value)) if part.strip())
    return _shorten(folded, limit)


def csv_cell(value: object) -> str:
    """User text as a CSV cell (the csv module quotes separators and line breaks): a cell that a
    spreadsheet would run as a formula starts with an apostrophe, as Excel's own text marker."""
    text = _clean(value)
    return "'" + text if text.startswith(_FORMULA) else text


def sheet_cell(value: str) -> str:
    """User text as an xlsx cell value (stored as a string, never a formula, by
    ``bot.spreadsheet``): invisible and XML-illegal characters dropped, at most CELL_LIMIT characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", _clean(value))[:CELL_LIMIT]


_HEADING = re.compile(r"^#{1,6}\s*")
_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]*)\)")
_FONT = re.compile(r"</?font[^>]*>")


def markdown_as_text(markdown: str) -> str:
    """A markdown message (WeCom's subset) as a ``text`` message's content: headings, bold,
    inline code and ``<font>`` dropped, ``[t](url)`` as "t（url）", quote lines as bar lines."""
    lines = []
    for line in markdown.split("\n"):
        if line.startswith(">"):
            line = BLOCK_BAR + line[1:].removeprefix(" ")
        line = _HEADING.sub("", line)
        line = _LINK.sub(lambda m: f"{m.group(1)}（{m.group(2)}）" if m.group(2) else m.group(1), line)
        line = _FONT.sub("", line).replace("**", "").replace("`", "")
        lines.append(line)
    return "\n".join(lines)
