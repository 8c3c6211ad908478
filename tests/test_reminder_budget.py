"""The reminder budget (issue 30) through the job path with the clock moved: one message per person
per run, at most policy.reminders_per_day a day, working days only (but P15 leaks any day), a
cadence with an end (remind, escalate once, then the weekly digest), nobody chased for what only someone else
can do — and urgent notices and cards are exempt."""
import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.reminders import combine
from bot.text.workdays import is_working_day
from scheduler import run_job
from scheduler.table import trigger_for
from tests.approvals.helpers import submit
from tests.chat import tap, texts, wait_card, wait_text
from tests.conftest import FixedClock

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # a Wednesday


@pytest.fixture
def timed_bot(start_bot):
    clock = FixedClock(T0)
    bot = start_bot(clock=clock)
    bot.clock = clock
    return bot


def _run(bot, job_id, at):
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=5)
    return ids


def _fires(bot, job_id, start, end):
    """The job's fire times in (start, end], as the scheduler (and the demo clock) runs it."""
    trigger = trigger_for(job_id, bot.settings.policy, TZ)
    fire = trigger.get_next_fire_time(None, start + timedelta(seconds=1))
    while fire is not None and fire <= end:
        yield fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))


def _chases(bot, userid):
    return [t for t in texts(bot, userid) if t.startswith("⏰ 紧急") or "⏰ 紧急" in t]


def test_a_backfill_the_director_has_not_signed_for_a_month(timed_bot):
    # The month: the requester got 65 identical chases, the director 45. Now the requester
    # is told once, the director (the approver) twice and then in his weekly digest, the CEO once.
    bot = timed_bot
    submit(bot, "zhangsan", "紧急采购 备用电源 2万元 机房断电")
    wait_card(bot, "wangzong")
    for fire in _fires(bot, "emergency_backfill_reminder", T0, T0 + timedelta(days=30)):
        ids = _run(bot, "emergency_backfill_reminder", fire)
        if not is_working_day(fire.date()):
            assert ids == []  # nothing on a weekend or holiday
    assert len(_chases(bot, "zhangsan")) == 1
    assert len(_chases(bot, "wangzong")) == 2
    _run(bot, "manager_digest", datetime(2026, 12, 21, 9, 0, tzinfo=TZ))
    assert "紧急采购的补办审批 1 件等你处理" in wait_text(bot, "wangzong", "仍在等你处理")
    assert len([t for t in texts(bot, "chenzong") if "仍未补办完成" in t]) == 1  # escalated once


def test_what_one_run_has_for_a_person_is_one_message(timed_bot):
    # The CEO is reminded of his own step (#1) and told of finance's slow step (#2) by one run.
    bot = timed_bot
    slow_at_finance = submit(bot, "lisi", "报销 差旅费 3500元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "liucaiwu")
    bot.clock.advance(hours=22)
    at_ceo = submit(bot, "zhangsan", "采购 服务器 8万元")
    tap(bot, "wangzong", wait_card(bot, "wangzong", count=2), "同意")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu", count=2), "同意")
    wait_card(bot, "chenzong")
    before = len(texts(bot, "chenzong"))
    _run(bot, "approval_reminder", T0 + timedelta(hours=49))  # Friday 11:00
    new = texts(bot, "chenzong")[before:]
    assert len(new) == 1
    assert new[0].startswith("📬 这次有 2 件事提醒你")
    assert f"申请 #{at_ceo}" in new[0] and f"申请 #{slow_at_finance}" in new[0]


def test_a_person_gets_at_most_the_daily_budget_and_the_rest_comes_later(start_bot, make_settings):
    base = make_settings()
    clock = FixedClock(T0)
    bot = start_bot(clock=clock, policy=dataclasses.replace(base.policy, reminders_per_day=1))
    submit(bot, "zhangsan", "紧急采购 备用电源 2万元 机房断电")
    submit(bot, "lisi", "采购 椅子 2000元")
    wait_card(bot, "wangzong", count=2)
    thursday = T0 + timedelta(days=1)
    _run(bot, "emergency_backfill_reminder", thursday.replace(hour=10, minute=30))
    assert len(_chases(bot, "wangzong")) == 1
    assert _run(bot, "approval_reminder", thursday.replace(hour=11)) == []  # his one for the day is used
    assert not [t for t in texts(bot, "wangzong") if "已等待你初审" in t]
    _run(bot, "approval_reminder", thursday.replace(hour=12))
    assert not [t for t in texts(bot, "wangzong") if "已等待你初审" in t]
    _run(bot, "approval_reminder", T0 + timedelta(days=2, hours=-1))  # Friday 09:00: offered again
    assert "已等待你初审 47 小时" in wait_text(bot, "wangzong", "已等待你初审")


def test_reminders_wait_for_a_working_day_but_a_leak_does_not(timed_bot):
    bot = timed_bot
    submit(bot, "zhangsan", "采购 椅子 2000元")
    wait_card(bot, "wangzong")
    bot.say("lisi", "报告数据泄露 U盘丢失，里面有客户合同")
    wait_text(bot, "zhengfawu", "（P15）")
    saturday = datetime(2026, 11, 28, 9, 30, tzinfo=TZ)
    assert _run(bot, "approval_reminder", saturday.replace(hour=10)) == []
    assert _run(bot, "incident_reminder", saturday)  # P15: compliance hears of it on Saturday
    assert "还有 1 件数据泄露事件未结案" in wait_text(bot, "zhengfawu", "未结案")
    _run(bot, "approval_reminder", datetime(2026, 11, 30, 9, 0, tzinfo=TZ))  # Monday
    wait_text(bot, "wangzong", "已等待你初审")


def test_an_open_incident_is_reminded_twice_then_in_the_weekly_digest(timed_bot):
    bot = timed_bot
    bot.say("lisi", "报告数据泄露 U盘丢失，里面有客户合同")
    wait_text(bot, "zhengfawu", "（P15）")
    for day in range(1, 15):
        _run(bot, "incident_reminder", (T0 + timedelta(days=day)).replace(hour=9, minute=30))
    assert len([t for t in texts(bot, "zhengfawu") if "未结案" in t]) == 2  # Thursday and Friday
    _run(bot, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert "数据泄露事件 1 件未结案" in wait_text(bot, "zhengfawu", "第50周 仍在等你处理")


def test_urgent_notices_and_cards_are_outside_the_budget(start_bot, make_settings):
    base = make_settings()
    clock = FixedClock(T0)
    bot = start_bot(clock=clock, policy=dataclasses.replace(base.policy, reminders_per_day=1))
    submit(bot, "zhangsan", "紧急采购 备用电源 2万元 机房断电")
    wait_card(bot, "wangzong")
    _run(bot, "emergency_backfill_reminder", T0 + timedelta(hours=5))  # his one reminder today
    bot.say("wangzong", "紧急通知 今晚机房停电，请保存工作")
    wait_text(bot, "zhangsan", "今晚机房停电")
    _run(bot, "urgent_ack_check", T0 + timedelta(minutes=20))  # P17: the sender hears who has not tapped 收到
    wait_text(bot, "wangzong", "⏰ 紧急通知 #1")
    bot.say("lisi", "采购 椅子 2000元")
    tap(bot, "lisi", wait_card(bot, "lisi", "apprq_"), "提交")
    wait_card(bot, "wangzong", count=2)  # an approval card is never held back


def test_combine_keeps_text_and_markdown_apart_and_says_a_repeat_once():
    parts = [("text", "甲"), ("markdown", "**乙**"), ("text", "丙"), ("text", "甲")]
    assert combine(parts) == [("text", "📬 这次有 2 件事提醒你：\n\n甲\n\n丙"), ("markdown", "**乙**")]
    assert combine([("text", "甲")]) == [("text", "甲")]
