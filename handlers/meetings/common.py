"""Helpers the meeting, minutes and decision modules share: names, labels, lookups."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from bot.conversation.context import BaseContext
from bot.text.dates import format_day, format_range
from bot.text.names import one_line
from bot.text.quoting import text_inline
from models.meeting import ActionItem, Meeting

NAME_SEPARATORS = re.compile(r"[\s,，、;；/]+")
# A labelled field (负责人 张三, 记录人：李四) starts the line or follows a space or a comma, and
# the commas and colons around its value are not part of it (P6, P11: lines typed as people write).
LABEL_BOUNDARY = r"(?:^|(?<=[\s,，、;；。]))"
FIELD_TRIM = " \t\r\n,，、;；。:："
_COMMA_RUNS = re.compile(r"(?:\s*[,，;；]\s*)+")


def find_person(ctx: BaseContext, token: str) -> str | None:
    """A userid from a name as written (张三, 张三（财务部）) or a userid (zhangsan); None when nobody
    matches. Two people of that name: ``AmbiguousName`` (``OrgDirectory.find``)."""
    member = ctx.org.find(token)
    return member.userid if member else None


def find_people(ctx: BaseContext, text: str) -> tuple[list[str], list[str]]:
    """(userids found, names not found) for a list of names separated by spaces, 、 or commas."""
    found, unknown = [], []
    for token in NAME_SEPARATORS.split(text.strip()):
        if not token:
            continue
        userid = find_person(ctx, token)
        if userid:
            found.append(userid)
        else:
            unknown.append(token)
    return list(dict.fromkeys(found)), unknown


def split_labelled(text: str, labels: re.Pattern) -> tuple[str, dict[str, str]]:
    """(what comes before the first label, {label: value}) for a line of labelled fields such as
    「数据平台五期，负责人张三，计划立项12月20日」: ``labels`` captures the label and eats the colon
    after it; spaces, commas and colons around each part are trimmed."""
    parts = labels.split(text)
    return parts[0].strip(FIELD_TRIM), {k: v.strip(FIELD_TRIM) for k, v in zip(parts[1::2], parts[2::2])}


def tidy_title(text: str) -> str:
    """A title left over from a line with commas: 「评审会， ，」 → 「评审会」; one line (a title typed
    over several lines, as the step-by-step 登记会议 takes it, is joined by spaces)."""
    return _COMMA_RUNS.sub("，", one_line(text)).strip(FIELD_TRIM)


def names(ctx: BaseContext, userids) -> str:
    return "、".join(ctx.org.name(u) for u in userids) or "（无）"


def sample_name(ctx: BaseContext, exclude: str = "") -> str:
    """A real colleague's name for the examples in our answers."""
    for member in ctx.org.members.values():
        if member.userid != exclude and member.has("specialist"):
            return member.name
    return "张三"


def when_text(ctx: BaseContext, meeting: Meeting) -> str:
    return format_range(meeting.starts_at, meeting.ends_at, ctx.settings.tz)


def local(ctx: BaseContext, moment: datetime) -> datetime:
    return moment.astimezone(ctx.settings.tz)


OVERDUE = "，已逾期 {days} 天"


def due_text(ctx: BaseContext, item: ActionItem) -> str:
    """截止 12月5日（周六）, with 「，已逾期 N 天」 once an open item's day is past (P12), or nothing
    when the item has no deadline."""
    if item.due_at is None:
        return ""
    day = local(ctx, item.due_at).date()
    late = (local(ctx, ctx.now).date() - day).days if item.status != "done" and ctx.now > item.due_at else 0
    return f"截止 {format_day(day, local(ctx, ctx.now).date())}" + (OVERDUE.format(days=late) if late > 0 else "")


def item_line(ctx: BaseContext, item: ActionItem, with_owner: bool = True,
              quote: Callable[..., str] = text_inline) -> str:
    """#12 完成供应商比价（负责人 张三，截止 12月5日（周六））; the typed text and progress go through
    ``quote`` (``text_inline`` for text messages, ``markdown_inline`` for markdown)."""
    facts = []
    if with_owner:
        facts.append(f"负责人 {ctx.org.name(item.owner)}" if item.owner else "⚠️ 待指派负责人")
    if item.due_at is not None:
        facts.append(due_text(ctx, item))
    if item.status == "done":
        facts.append("已完成")
    elif item.progress:
        facts.append(f"进展：{quote(item.progress, 40)}")
    return f"#{item.id} {quote(item.text)}" + (f"（{'，'.join(facts)}）" if facts else "")


def open_items(ctx: BaseContext, owner: str | None = None) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.status == "open")
    if owner is not None:
        query = query.where(ActionItem.owner == owner)
    return list(ctx.session.scalars(query.order_by(ActionItem.id)))


def can_manage(ctx: BaseContext, meeting: Meeting, userid: str) -> bool:
    """P12: the chair assigns owners; the director may too."""
    return userid in (meeting.chair, ctx.org.director_id)
