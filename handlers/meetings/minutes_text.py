"""Reading minutes typed in chat (P12: topics, discussion, resolutions) and rendering them (P9)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.outbox.writer import TEXT_LIMIT
from bot.text.dates import deadline_phrase
from bot.text.quoting import markdown_block

_HEADER = re.compile(r"^\s*(?:\*\*)?(议题|主题|讨论|讨论内容|决议|决议事项|决定|结论)\s*"
                     r"(?:\d+|[一二三四五六七八九十]+)?\s*(?:\*\*)?\s*[:：]\s*(.*)$")
_SECTION = {"议题": "topics", "主题": "topics", "讨论": "discussion", "讨论内容": "discussion", "决议": "resolutions",
            "决议事项": "resolutions", "决定": "resolutions", "结论": "resolutions"}
# A list marker; "-" and "*" only before a space, so 「**买服务器**」 keeps what was written.
_LIST_ITEM = re.compile(r"^\s*(?:\d+\s*[.、．)）]|[（(]\s*\d+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|[-*](?=\s)|[•·])\s*(.+)$")
_OWNER = re.compile(r"[，,;；\s]*负责人\s*[:：]?\s*@?([^\s，,;；]+)")
_DUE = re.compile(r"[，,;；\s]*(?:截止|截至|期限|完成时间)(?:日期|时间)?\s*[:：]?\s*([^\s，,;；]+)")


@dataclass
class Resolution:
    text: str
    owner: str | None = None  # the name as written
    due: str | None = None  # the deadline as written


@dataclass
class ParsedMinutes:
    topics: str = ""
    discussion: str = ""
    resolutions: list[Resolution] = field(default_factory=list)


def parse_minutes(text: str) -> ParsedMinutes:
    """Sections by their ``议题:`` / ``讨论:`` / ``决议:`` lines (full-width colons too); one resolution
    per 决议 line (``决议1:``) or per line or list item under a bare ``决议:``."""
    parsed, section = ParsedMinutes(), None
    topics, discussion = [], []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            section, line = _SECTION[header.group(1)], header.group(2).strip()
            if not line:
                continue
        if section == "resolutions":
            item = _LIST_ITEM.match(line)
            parsed.resolutions.append(_resolution(item.group(1) if item else line))
        elif section == "discussion":
            discussion.append(line)
        else:  # lines before any header count as topics
            topics.append(line)
    parsed.topics, parsed.discussion = "\n".join(topics), "\n".join(discussion)
    parsed.resolutions = [r for r in parsed.resolutions if r.text]
    return parsed


def _resolution(line: str) -> Resolution:
    owner = _OWNER.search(line)
    due = _DUE.search(line)
    for match in sorted([m for m in (owner, due) if m], key=lambda m: m.start(), reverse=True):
        line = line[:match.start()] + line[match.end():]
    text = line.strip(" ，,;；。")[:500]
    # 「下周五前出详细方案」: the deadline said in the sentence (kept in its text) when no 截止： is written.
    return Resolution(text, owner.group(1) if owner else None, due.group(1) if due else deadline_phrase(text))


def render_minutes(title: str, facts: list[tuple[str, str]], topics: str, discussion: str,
                   resolutions: list[str], footer: str, limit: int = TEXT_LIMIT) -> tuple[str, bool]:
    """The minutes as one markdown message ≤ ``limit`` bytes: in full when they fit, else a summary
    (sections shortened, then resolutions dropped from the end). Returns (markdown, summarised).
    ``title`` and ``resolutions`` must already be quoted (``markdown_inline``); topics and discussion
    are raw text and quoted here."""
    for cut in (None, 300, 120, 40):
        body = _markdown(title, facts, topics, discussion, resolutions, footer, cut)
        if len(body.encode()) <= limit:
            return body, cut is not None
    kept = list(resolutions)
    while kept:
        kept.pop()
        more = [f"……另有 {len(resolutions) - len(kept)} 条决议"]
        body = _markdown(title, facts, topics, discussion, [r[:60] for r in kept] + more, footer, 40)
        if len(body.encode()) <= limit:
            return body, True
    return _markdown(title, facts, "", "", [f"共 {len(resolutions)} 条决议"], footer, 0)[:limit // 3], True


def _markdown(title, facts, topics, discussion, resolutions, footer, cut) -> str:
    """``title`` and ``resolutions`` come quoted by the caller; the typed topics and discussion are
    quoted here, each as a ``>`` block under the bot's own bold label (markup in them stays plain)."""
    def short(text: str) -> str:
        return text if cut is None or len(text) <= cut else text[:cut] + "…"
    lines = [f"**{title}**"] + [f"> {k}：{v}" for k, v in facts]
    if topics:
        lines += ["", "**议题**", markdown_block(topics, cut)]
    if discussion:
        lines += ["", "**讨论**", markdown_block(discussion, cut)]
    if resolutions:
        lines += ["", "**决议**"] + [f"{i}. {short(r) if cut else r}" for i, r in enumerate(resolutions, 1)]
    lines += ["", footer]
    return "\n".join(lines)
