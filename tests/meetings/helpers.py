"""Helpers the meeting, minutes and decision tests share: the demo week, running jobs, reading rows."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import AuditEntry
from models.meeting import ActionItem, Meeting
from scheduler import run_job
from tests.chat import wait_text

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # the weekly meeting is at 10:00
WEEKLY = {"recurring": [{"id": "weekly", "title": "部门周会", "schedule": "0 10 * * mon", "duration": 60,
                         "chair": "role:director", "minute_taker": "leader:coordination",
                         "attendees": ["role:group_leader", "zhangsan"], "agenda": "本周计划与问题"}]}
ATTENDEES = ["wangzong", "lizuzhang", "zhaozuzhang", "sunzuzhang", "zhangsan"]


def run(bot, job_id: str, at: datetime) -> list[int]:
    """Run a job as if the clock read ``at`` and wait until what it queued is delivered."""
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=5)
    return ids


def meetings(bot) -> list[Meeting]:
    with bot.session() as s:
        return list(s.scalars(select(Meeting).order_by(Meeting.id)))


def count_meetings(bot) -> int:
    with bot.session() as s:
        return s.scalar(select(func.count(Meeting.id)))


ENDED = MONDAY + timedelta(hours=2, minutes=5)  # the weekly meeting ended at 11:00
MINUTES = ("纪要\n议题：供应商选型\n讨论：比较了三家报价，A 家最便宜\n"
           "决议：完成供应商比价 负责人：张三 截止：12月5日\n决议2：整理需求清单\n决议：准备季度汇报材料")


def running_since(bot, at: datetime = MONDAY) -> None:
    """The bot has been running since ``at`` (its jobs ran then): recurring meetings from then on
    are on its calendar, none before (a fresh install chases no minutes of older meetings)."""
    run(bot, "meeting_reminder", at)


def end_meeting_and_submit(bot, text: str = MINUTES, at=ENDED) -> Meeting:
    """Run the reminder job after the weekly meeting ended, then send minutes as its minute-taker."""
    running_since(bot)
    run(bot, "meeting_reminder", at)
    bot.clock.current = at + timedelta(minutes=5)
    bot.say("lizuzhang", text)
    wait_text(bot, "lizuzhang", "已归档会议")
    return next(m for m in meetings(bot) if m.status == "minuted")


def items(bot) -> list[ActionItem]:
    with bot.session() as s:
        return list(s.scalars(select(ActionItem).order_by(ActionItem.id)))


def audit(bot, record_type: str) -> list[tuple[str, str]]:
    with bot.session() as s:
        return [(a.actor, a.action) for a in s.scalars(select(AuditEntry).where(AuditEntry.record_type == record_type)
                                                       .order_by(AuditEntry.id))]
