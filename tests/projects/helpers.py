"""Helpers the project tests share: the demo week, registering a project, running jobs, the audit trail."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import AuditEntry, Project
from scheduler import run_job
from tests.chat import wait_text
from tests.conftest import FixedClock

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
REGISTER = "登记项目 数据平台 负责人 张三 计划立项 12月15日 预计完成 2027-03-31"


@pytest.fixture
def project_bot(start_bot):
    """The bot with no recurring meetings, its clock on Monday 30 November 2026, 09:00."""
    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, extra={"meetings": {"recurring": []}})
    bot.clock = clock
    return bot


def register(bot, line: str = REGISTER, by: str = "lizuzhang") -> str:
    bot.say(by, line)
    return wait_text(bot, by, "已登记项目")


def run(bot, job_id: str, at: datetime) -> list[int]:
    """Run a job as if the clock read ``at`` and wait until what it queued is delivered."""
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=5)
    return ids


def projects(bot) -> list[Project]:
    with bot.session() as s:
        return list(s.scalars(select(Project).order_by(Project.id)))


def audit(bot, record_type: str = "project") -> list[tuple[str, str, str]]:
    with bot.session() as s:
        return [(a.actor, a.action, a.record_id) for a in
                s.scalars(select(AuditEntry).where(AuditEntry.record_type == record_type).order_by(AuditEntry.id))]
