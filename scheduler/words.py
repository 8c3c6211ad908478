"""The job table in words, for ``jobs list``: 每周五 15:00, 工作日 9:00–18:00 每小时, 每 5 分钟…

The cron fields say when a job wakes up; for the jobs that wake daily and decide from the
working calendar whether today is their day (P10), ``MEANING`` says what the schedule really is.
"""
from __future__ import annotations

from bot.config import PolicySettings

WEEKDAYS = {"mon": "一", "tue": "二", "wed": "三", "thu": "四", "fri": "五", "sat": "六", "sun": "日"}
SPEC_DAYS = {"MON": "一", "TUE": "二", "WED": "三", "THU": "四", "FRI": "五", "SAT": "六", "SUN": "日"}


def schedule_in_words(job_id: str, fields: dict, policy: PolicySettings) -> str:
    """What ``jobs list`` prints for one job: its schedule in words, and what the job decides itself."""
    words = cron_in_words(fields)
    meaning = _meaning(job_id, policy)
    return f"{meaning}（{words} 检查）" if meaning else words


def cron_in_words(fields: dict) -> str:
    """APScheduler cron fields as words: {"day_of_week": "fri", "hour": 15, "minute": 0} → 每周五 15:00."""
    minute, hour = str(fields.get("minute", "0")), str(fields.get("hour", "*"))
    day, month, weekday = str(fields.get("day", "*")), str(fields.get("month", "*")), fields.get("day_of_week")
    if minute.startswith("*/"):
        return f"每 {minute[2:]} 分钟"
    if "-" in hour:  # a range of hours: every hour within it
        start, end = hour.split("-")
        when = f"{int(start)}:{int(minute):02d}–{int(end)}:{int(minute):02d} 每小时"
    elif hour == "*":
        when = f"每小时第 {int(minute)} 分"
    else:
        when = f"{int(hour)}:{int(minute):02d}"
    if weekday == "mon-fri":
        return f"周一至周五 {when}"
    if weekday:
        return f"每周{'、'.join(WEEKDAYS[d] for d in str(weekday).split(','))} {when}"
    if month != "*":
        return f"每年 {'、'.join(month.split(','))} 月 {day} 日 {when}"
    if day != "*":
        return f"每月 {day} 日 {when}"
    return f"每天 {when}"


def _meaning(job_id: str, policy: PolicySettings) -> str:
    def weekly(spec: str) -> str:
        day, clock = spec.split()
        return f"每周{SPEC_DAYS[day]} {clock}"
    moved = "，遇节假日提前到之前的最后一个工作日"
    return {
        "weekly_report_reminder": f"{weekly(policy.weekly_report_remind)}{moved}",
        "weekly_report_overdue": f"{weekly(policy.weekly_report_due)}截止后{moved}",
        "monthly_report_reminder": (f"每月第 {policy.monthly_report_due_day} 个工作日（月报截止日）提醒、次日起通报；"
                                    f"年报 {policy.annual_report_due} 截止"),
        "weekly_sync_prompt": f"每周四 10:00{moved}",  # P18, handlers.sync.collaborations.sync_days
        "weekly_sync_digest": f"每周五 10:00{moved}",
    }.get(job_id, "")
