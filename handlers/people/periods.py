"""The calendar of P2 and P13, on the Chinese working calendar.

- A self-evaluation month: asked for on the ``policy.self_evaluation_remind_from_end``-th-to-last
  working day of the month, due on the ``policy.self_evaluation_due_day``-th working day of the
  next month at the end of working hours.
- A quarter's superior evaluation opens on the first working day after the quarter and is due on
  the ``policy.superior_evaluation_due_day``-th working day of that month.
- The annual promotion review on ``policy.promotion_review`` (MM-DD), moved to the last working
  day before it when it is a holiday; the rotation rule's first possible date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.text.workdays import is_working_day, nth_working_day, working_day_on_or_before
from bot.config import PolicySettings
from bot.text.dates import format_day


@dataclass(frozen=True)
class Month:
    key: str  # "2026-11"
    label: str  # 2026年11月
    start: date
    end: date  # the month's last day
    remind_on: date  # P13: the day the specialists are asked
    deadline: datetime  # aware


@dataclass(frozen=True)
class Quarter:
    key: str  # "2026Q4"
    label: str  # 2026年第4季度
    start: date
    end: date
    opens_on: date  # the first working day after the quarter
    deadline: datetime  # aware


def clock(spec: str) -> time:
    hour, minute = spec.split(":")
    return time(int(hour), int(minute))


def day_end(policy: PolicySettings) -> time:
    """The end of working hours (policy.working_hours), when a day's deadline falls."""
    return clock(policy.working_hours.split("-")[1])


def nth_last_working_day(year: int, month: int, n: int) -> date:
    """The ``n``-th-to-last working day of a month (n ≥ 1); the first one if it has fewer."""
    day = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    found, last = 0, None
    while day.month == month:
        if is_working_day(day):
            found, last = found + 1, day
            if found == n:
                return day
        day -= timedelta(days=1)
    return last or date(year, month, 1)


def month_period(year: int, month: int, policy: PolicySettings, tz: ZoneInfo) -> Month:
    start = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    due = nth_working_day(following.year, following.month, policy.self_evaluation_due_day)
    return Month(f"{year}-{month:02d}", f"{year}年{month}月", start, following - timedelta(days=1),
                 nth_last_working_day(year, month, policy.self_evaluation_remind_from_end),
                 datetime.combine(due, day_end(policy), tzinfo=tz))


def current_month(now: datetime, policy: PolicySettings, tz: ZoneInfo) -> Month:
    """The month whose self-evaluations are being collected (or were last): this month from its
    reminder day on, last month before it."""
    today = now.astimezone(tz).date()
    month = month_period(today.year, today.month, policy, tz)
    return month if today >= month.remind_on else previous_month(month, policy, tz)


def previous_month(month: Month, policy: PolicySettings, tz: ZoneInfo) -> Month:
    last = month.start - timedelta(days=1)
    return month_period(last.year, last.month, policy, tz)


def quarter_period(year: int, number: int, policy: PolicySettings, tz: ZoneInfo) -> Quarter:
    start = date(year, 3 * number - 2, 1)
    following = date(year + (number == 4), (3 * number) % 12 + 1, 1)
    opens = following
    while not is_working_day(opens):
        opens += timedelta(days=1)
    due = max(nth_working_day(following.year, following.month, policy.superior_evaluation_due_day), opens)
    return Quarter(f"{year}Q{number}", f"{year}年第{number}季度", start, following - timedelta(days=1), opens,
                   datetime.combine(due, day_end(policy), tzinfo=tz))


def quarter_of(day: date, policy: PolicySettings, tz: ZoneInfo) -> Quarter:
    return quarter_period(day.year, (day.month - 1) // 3 + 1, policy, tz)


def previous_quarter(day: date, policy: PolicySettings, tz: ZoneInfo) -> Quarter:
    """The quarter that ended before the one containing ``day``."""
    return quarter_of(quarter_of(day, policy, tz).start - timedelta(days=1), policy, tz)


def quarter_key_before(key: str) -> str:
    """"2026Q1" → "2025Q4"."""
    year, number = int(key[:4]), int(key[5:])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def quarter_label(key: str) -> str:
    return f"{key[:4]}年第{key[5:]}季度"


def promotion_review_day(year: int, policy: PolicySettings) -> date:
    """P2: the day of the annual promotion review (a holiday moves it to the working day before)."""
    month, day = (int(x) for x in policy.promotion_review.split("-"))
    return working_day_on_or_before(date(year, month, day))


def years_after(day: date, years: int) -> date:
    """The same date ``years`` later (29 February → 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def long_day(day: date) -> str:
    """2027年9月1日（周三）"""
    return f"{day.year}年{format_day(day)}"


def when(moment: datetime, tz: ZoneInfo) -> str:
    """12月3日（周四）18:00"""
    local = moment.astimezone(tz)
    return f"{format_day(local.date())}{local:%H:%M}"
