"""Report periods and their deadlines (P10), on the Chinese working calendar.

A weekly report is for the ISO week; it is due on ``policy.weekly_report_due`` (e.g. FRI 17:00),
moved to the last working day before it when that day is a holiday (调休 make-up days count).
A monthly report is due on the ``monthly_report_due_day``-th working day of the next month, an
annual report on ``annual_report_due`` (MM-DD) of the next year (moved like the weekly one);
both at the clock time of the weekly deadline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.text.workdays import nth_working_day, working_day_on_or_before
from bot.config import PolicySettings
from bot.org.directory import Member, OrgDirectory

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
WEEKDAY_LABELS = "一二三四五六日"
KIND_LABELS = {"weekly": "周报", "monthly": "月报", "annual": "年报"}


@dataclass(frozen=True)
class Period:
    kind: str  # weekly | monthly | annual
    key: str  # "2026-W48" | "2026-11" | "2026"
    label: str  # what users read: 第48周（11月23日—11月29日）
    start: date
    deadline: datetime | None  # aware; None when the period owes no report (a whole week off)
    remind_at: datetime | None = None  # weekly only: policy.weekly_report_remind, moved like the deadline

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _weekday_time(spec: str) -> tuple[int, time]:
    day, clock = spec.split()
    hour, minute = clock.split(":")
    return DAYS.index(day), time(int(hour), int(minute))


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def weekly_period(day: date, policy: PolicySettings, tz: ZoneInfo) -> Period:
    """The week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    label = f"第{week}周（{monday.month}月{monday.day}日—{(monday + timedelta(days=6)).month}月{(monday + timedelta(days=6)).day}日）"
    due_day, due_clock = _weekday_time(policy.weekly_report_due)
    remind_day, remind_clock = _weekday_time(policy.weekly_report_remind)
    due_date = working_day_on_or_before(monday + timedelta(days=due_day))
    if due_date < monday:  # no working day this week before the deadline (e.g. Spring Festival)
        return Period("weekly", f"{year}-W{week:02d}", label, monday, None)
    remind_date = max(working_day_on_or_before(monday + timedelta(days=remind_day)), monday)
    deadline = _at(due_date, due_clock, tz)
    remind_at = min(_at(remind_date, remind_clock, tz), deadline)
    return Period("weekly", f"{year}-W{week:02d}", label, monday, deadline, remind_at)


def monthly_period(year: int, month: int, policy: PolicySettings, tz: ZoneInfo) -> Period:
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    due = nth_working_day(next_year, next_month, policy.monthly_report_due_day)
    _, clock = _weekday_time(policy.weekly_report_due)
    return Period("monthly", f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1), _at(due, clock, tz))


def annual_period(year: int, policy: PolicySettings, tz: ZoneInfo) -> Period:
    month, day = (int(x) for x in policy.annual_report_due.split("-"))
    due = working_day_on_or_before(date(year + 1, month, day))
    _, clock = _weekday_time(policy.weekly_report_due)
    return Period("annual", str(year), f"{year}年", date(year, 1, 1), _at(due, clock, tz))


def period_by_key(kind: str, key: str, policy: PolicySettings, tz: ZoneInfo) -> Period:
    """The period stored as ``key`` ("2026-W48", "2026-11", "2026"). ValueError when malformed."""
    if kind == "weekly":
        year, week = key.split("-W")
        return weekly_period(date.fromisocalendar(int(year), int(week), 1), policy, tz)
    if kind == "monthly":
        year, month = key.split("-")
        return monthly_period(int(year), int(month), policy, tz)
    return annual_period(int(key), policy, tz)


def open_period(kind: str, now: datetime, policy: PolicySettings, tz: ZoneInfo) -> Period:
    """The period a report sent at ``now`` is for: this week; for monthly and annual reports the
    previous month (year) until its deadline, then the current one."""
    today = now.astimezone(tz).date()
    if kind == "weekly":
        return weekly_period(today, policy, tz)
    previous = previous_period(kind, now, policy, tz)
    if now <= previous.deadline:
        return previous
    return monthly_period(today.year, today.month, policy, tz) if kind == "monthly" else annual_period(today.year, policy, tz)


def previous_period(kind: str, now: datetime, policy: PolicySettings, tz: ZoneInfo) -> Period:
    today = now.astimezone(tz).date()
    if kind == "weekly":
        return weekly_period(today - timedelta(days=7), policy, tz)
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return monthly_period(last.year, last.month, policy, tz)
    return annual_period(today.year - 1, policy, tz)


def latest_past_deadline(kind: str, now: datetime, policy: PolicySettings, tz: ZoneInfo) -> Period | None:
    """The period whose deadline passed most recently (for the overdue summaries)."""
    candidates = [previous_period(kind, now, policy, tz)]
    if kind == "weekly":
        candidates.insert(0, weekly_period(now.astimezone(tz).date(), policy, tz))
    return next((p for p in candidates if p.deadline is not None and p.deadline <= now), None)


_MONTH_PREFIX = re.compile(r"^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:份)?[\s:：,，]+")
_YEAR_PREFIX = re.compile(r"^(\d{4})\s*年?度?[\s:：,，]+")
_LAST_WEEK_PREFIX = re.compile(r"^上周(?:周报)?[\s:：,，]+")


def explicit_period(kind: str, text: str, now: datetime, policy: PolicySettings,
                    tz: ZoneInfo) -> tuple[Period | None, str] | None:
    """``月报 11月 …`` / ``年报 2025年 …`` name their period: (period or None if invalid, rest of
    the text). None when the text names no period."""
    today = now.astimezone(tz).date()
    if kind == "weekly":  # 「周报 上周 …」: last week's report, handed in late (e.g. on Monday)
        match = _LAST_WEEK_PREFIX.match(text)
        return (weekly_period(today - timedelta(days=7), policy, tz), text[match.end():].strip()) if match else None
    pattern = _MONTH_PREFIX if kind == "monthly" else _YEAR_PREFIX if kind == "annual" else None
    match = pattern.match(text) if pattern else None
    if not match:
        return None
    rest = text[match.end():].strip()
    if kind == "monthly":
        month = int(match.group(2))
        # 「月报 12月」 in January means last December; an explicit year must be a sane one.
        year = int(match.group(1)) if match.group(1) else today.year - (month > today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= today.year or date(year, month, 1) > today:
            return None, rest
        return monthly_period(year, month, policy, tz), rest
    year = int(match.group(1))
    if year > today.year or year < 2000:
        return None, rest
    return annual_period(year, policy, tz), rest


def owes_reports(member: Member, org: OrgDirectory, policy: PolicySettings) -> bool:
    """P10: members of the department holding one of ``policy.report_roles``."""
    return member.department_id == org.home_department and bool(member.roles & set(policy.report_roles))


def report_owers(org: OrgDirectory, policy: PolicySettings) -> list[Member]:
    return [m for m in org.members.values() if owes_reports(m, org, policy)]


def when(moment: datetime, tz: ZoneInfo) -> str:
    """11月27日（周五）17:00"""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日（周{WEEKDAY_LABELS[local.weekday()]}）{local:%H:%M}"
