"""The one sanitising step for what people type, where it is parsed or stored (issue 29).

Characters nobody sees can still change what others read: a right-to-left override (U+202E)
turns ``报告1.0版\u202ecod.exe`` into what looks like ``…exe.doc``; zero-width characters make two
names look alike that do not match; control characters and escape sequences reach a terminal.
So, on the way in:

- ``visible_text`` — any typed text (a message, a reason, minutes): bidirectional controls,
  zero-width and other invisible format characters and control characters are dropped; line
  breaks and tabs stay. A zero-width joiner between two symbols (emoji sequences) stays.
- ``one_line`` — a name or a title (file names, meeting titles, people's and departments'
  names): the same, and line breaks and runs of spaces become one space, so it is one line
  wherever it is shown.

The output side (how text is placed in a message, a terminal, a CSV cell) is ``bot.text.quoting``.
"""
from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\u0085\v\f]")
_SPACES = re.compile(r"[\s\u3000]+")
_ZWJ = "\u200d"


def _keep(previous: str, char: str, following: str) -> bool:
    """Whether ``char`` (between ``previous`` and ``following``) stays in visible text."""
    if char in "\n\t":
        return True
    if char == _ZWJ:  # 👨‍👩‍👧: a joiner inside an emoji sequence is part of what is shown
        return unicodedata.category(previous or " ") == "So" and unicodedata.category(following or " ") == "So"
    category = unicodedata.category(char)
    # Cf: format (bidi controls, zero-width, BOM, soft hyphen, tags); Cc: control; Co/Cn: private, unassigned
    # (unassigned is left alone: a character newer than this Python is still a character).
    return category not in ("Cf", "Cc", "Co")


def visible_text(value: object) -> str:
    """``value`` as text without invisible format and control characters (line breaks and tabs
    kept; ``\\r\\n`` and other line separators become ``\\n``). ``None`` gives ""."""
    text = _LINE_BREAKS.sub("\n", "" if value is None else str(value))
    if text.isprintable() and "\u200d" not in text:  # the common case: nothing to drop
        return text
    return "".join(char for index, char in enumerate(text)
                   if char.isprintable() or _keep(text[index - 1] if index else "", char, text[index + 1:index + 2]))


def one_line(value: object) -> str:
    """A name or a title: visible characters only, on one line (line breaks, tabs and runs of
    spaces become one space), without spaces around it. ``None`` gives ""."""
    return _SPACES.sub(" ", visible_text(value).replace(_ZWJ, "")).strip()
