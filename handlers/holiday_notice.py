"""Next year's holidays before the State Council has published its 调休 (P10 deadlines): the
director hears once, in December, which days the deadlines treat as holidays and which days are
usually moved, instead of deadlines silently counted on a calendar that will change."""
from __future__ import annotations

from datetime import date

from bot.conversation.context import JobContext
from bot.text import workdays

KIND = "calendar_unpublished"
NOTE = ("<font color=\"warning\">**{year} 年放假安排**</font>：国务院还没有公布 {year} 年的调休。"
        "在公布之前，截止日按法定假日计算：{holidays}。{usual}公布后以公布的安排为准。")
USUAL = "往年的做法通常还会放 {days}，再由前后的周末补班；这些日子暂按工作日计算，补班的周末暂按休息日计算。"
WEEKDAYS = "一二三四五六日"


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _span(first: date, last: date) -> str:
    return f"{_day(first)}（周{WEEKDAYS[first.weekday()]}）" if first == last else f"{_day(first)}—{_day(last)}"


def holiday_note(year: int) -> str:
    """``year``'s holidays as the deadlines count them and the weekdays usually added (P10)."""
    breaks = workdays.breaks(year)
    holidays = "；".join(f"{b.name} {_span(b.first, b.last)}" for b in breaks)
    moved = [f"{'、'.join(_day(d) for d in b.usually_off)}（{b.name}）" for b in breaks if b.usually_off]
    return NOTE.format(year=year, holidays=holidays, usual=USUAL.format(days="，".join(moved)) if moved else "")


def december_note(ctx: JobContext, director: str) -> str:
    """The note for the director's digest, once a year: in December, while next year's 调休 is not
    published (``workdays.adjustments_published``). "" otherwise. Records it in the ledger."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    year = today.year + 1
    if today.month != 12 or workdays.adjustments_published(year):
        return ""
    if not ctx.claim_once(KIND, [(str(year), director, "")]):
        return ""
    return "\n" + holiday_note(year)
