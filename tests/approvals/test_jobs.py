"""Approval jobs run with a fixed now (P3 reminders and escalation, P5 post-hoc approval chase)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import run_job
from tests.conftest import FixedClock
from tests.chat import tap, texts, wait_card, wait_text
from tests.approvals.helpers import audit_actions, submit

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def timed_bot(start_bot):
    return start_bot(clock=FixedClock(T0))


def _run(bot, job_id, hours):
    ids = run_job(bot.runtime, job_id, T0 + timedelta(hours=hours))
    bot.runtime.dispatcher.wait_for(ids, timeout=5)
    return ids


def test_a_slow_step_is_reminded_once_per_period_then_escalated(timed_bot):
    bot = timed_bot
    request_id = submit(bot, "zhangsan", "采购 服务器 3万元")
    wait_card(bot, "wangzong")
    assert _run(bot, "approval_reminder", 23) == []  # P3: not yet approval_remind_hours (24)
    assert len(_run(bot, "approval_reminder", 25)) == 1
    assert "已等待你初审 25 小时" in wait_text(bot, "wangzong", "⏰")
    assert _run(bot, "approval_reminder", 26) == []  # the same period: no second reminder
    _run(bot, "approval_reminder", 49)  # a new reminder period, and past approval_escalate_hours (48)
    assert len([t for t in texts(bot, "wangzong") if t.startswith("⏰")]) == 2
    # the director is the slow approver here, so the CEO hears of it
    assert "在初审已等待 王总监 49 小时" in wait_text(bot, "chenzong", "⚠️")
    assert _run(bot, "approval_reminder", 50) == []
    assert audit_actions(bot, request_id).count("reminded") == 2
    assert audit_actions(bot, request_id).count("escalated") == 1


def test_escalation_goes_to_the_waiting_approvers_superior(timed_bot):
    bot = timed_bot
    submit(bot, "lisi", "报销 差旅费 3500元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "liucaiwu")
    _run(bot, "approval_reminder", 49)
    # P1: the head of finance reports to the CEO, not to this department's director
    assert "已等待 刘财务 49 小时" in wait_text(bot, "chenzong", "⚠️")
    assert not [t for t in texts(bot, "wangzong") if t.startswith("⚠️")]


def test_the_ceo_waiting_is_reminded_again_and_the_requester_told(timed_bot):
    bot = timed_bot
    request_id = submit(bot, "lisi", "采购 服务器 8万元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu"), "同意")
    wait_card(bot, "chenzong")
    _run(bot, "approval_reminder", 49)
    assert f"再次提醒：采购申请 #{request_id}" in wait_text(bot, "chenzong", "再次提醒")
    assert "我已再次提醒 陈总" in wait_text(bot, "lisi", "⏳")
    assert not [t for t in texts(bot, "wangzong") if "请协调处理" in t]  # nobody is above the CEO
    assert _run(bot, "approval_reminder", 50) == []  # once per escalation period


def _about(bot, userid, request_id):
    return [t for t in texts(bot, userid) if f"#{request_id}" in t]


def test_the_ceo_waiting_gets_one_message_per_run(timed_bot):
    # P3: with nobody above the CEO, his 「再次提醒」 replaces the ordinary reminder of that run,
    # it does not come on top of it; it says the hours actually waited; then the cadence ends
    # (issue 30): no reminders on the weekend, policy.reminder_repeats (2) in all, then the weekly digest.
    bot = timed_bot  # T0 is Wednesday 10:00
    request_id = submit(bot, "lisi", "采购 服务器 8万元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu"), "同意")
    wait_card(bot, "chenzong")
    before = len(_about(bot, "chenzong", request_id))
    _run(bot, "approval_reminder", 49)  # Friday: a reminder period and an escalation period at once
    assert ["再次提醒" in t for t in _about(bot, "chenzong", request_id)[before:]] == [True]
    assert _run(bot, "approval_reminder", 73) == [] and _run(bot, "approval_reminder", 97) == []  # the weekend
    _run(bot, "approval_reminder", 120)  # Monday: a reminder period only: the ordinary reminder
    assert len(_about(bot, "chenzong", request_id)) == before + 2
    assert "已等待你终审 120 小时" in _about(bot, "chenzong", request_id)[-1]
    assert _run(bot, "approval_reminder", 144) == [] and _run(bot, "approval_reminder", 168) == []  # ended
    _run(bot, "approval_reminder", 288)  # the Monday after: nothing more about it
    assert len(_about(bot, "chenzong", request_id)) == before + 2
    _run(bot, "manager_digest", 287)  # Monday 09:00: it waits, in the CEO's weekly digest
    assert f"审批 1 件等你处理，最久的 #{request_id} 已等 11 天" in wait_text(bot, "chenzong", "仍在等你处理")
    assert len([t for t in texts(bot, "lisi") if t.startswith("⏳")]) == 1  # the requester is told once
    assert audit_actions(bot, request_id).count("reminded") == 1  # only the ones actually sent
    assert audit_actions(bot, request_id).count("escalated") == 1  # the 「再次提醒」


def test_a_late_backfill_escalation_says_the_hours_waited(timed_bot):
    bot = timed_bot
    submit(bot, "wangwu", "紧急采购 备用电源 2万元 机房断电")
    wait_card(bot, "wangzong")
    _run(bot, "emergency_backfill_reminder", 49)
    _run(bot, "emergency_backfill_reminder", 120)  # P5: a second escalation period, Monday 10:00
    # escalated once (issue 30): the CEO can unblock it; telling him again every 48 hours would not
    assert ["已过去 49 小时（补办时限 48 小时）" in t for t in texts(bot, "chenzong") if "仍未补办" in t] == [True]


def test_an_emergency_is_chased_once_per_period_after_a_night_or_weekend(timed_bot):
    # P5: the chase period counts working time: the 09:30 and 10:30 runs after a night share it.
    # Issue 30: the requester, who cannot sign, is told once; the approver policy.reminder_repeats
    # (2) times, then it waits in his weekly digest.
    bot = timed_bot  # T0 is Wednesday 10:00
    submit(bot, "zhangsan", "紧急采购 备用电源 2万元 机房断电")
    wait_card(bot, "wangzong")
    assert len(_run(bot, "emergency_backfill_reminder", 5)) == 2  # 15:00: requester and approver
    assert _run(bot, "emergency_backfill_reminder", 6) == []
    assert len(_run(bot, "emergency_backfill_reminder", 8.5)) == 1  # 18:30: the next 4 working hours: the approver
    overnight = _run(bot, "emergency_backfill_reminder", 23.5) + _run(bot, "emergency_backfill_reminder", 24.5)
    assert overnight == []  # Thursday 09:30 and 10:30: a night is not a period
    assert _run(bot, "emergency_backfill_reminder", 27.5) == []  # Thursday 13:30: reminded twice already
    _run(bot, "emergency_backfill_reminder", 56.5)  # Friday 18:30
    chased = {u: len([t for t in texts(bot, u) if t.startswith("⏰ 紧急")]) for u in ("zhangsan", "wangzong")}
    assert chased == {"zhangsan": 1, "wangzong": 2}
    _run(bot, "emergency_backfill_reminder", 119.5)  # Monday 09:30: a new week
    _run(bot, "emergency_backfill_reminder", 120.5)  # Monday 10:30
    assert len([t for t in texts(bot, "wangzong") if t.startswith("⏰ 紧急")]) == 2  # no more chases
    _run(bot, "manager_digest", 119)  # Monday 09:00
    assert "紧急采购的补办审批 1 件等你处理" in wait_text(bot, "wangzong", "仍在等你处理")
    assert len([t for t in texts(bot, "zhangsan") if t.startswith("⏰ 紧急")]) == 1


def test_a_rejection_without_a_reason_is_still_announced(timed_bot):
    bot = timed_bot
    request_id = submit(bot, "qianqi", "采购 椅子 2000元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    _run(bot, "approval_reminder", 1)  # after conversation_timeout_minutes (30)
    assert "（审批人未填写）" in wait_text(bot, "qianqi", f"❌ 你的采购申请 #{request_id}")


def test_an_emergency_is_chased_until_done_and_escalated(timed_bot):
    bot = timed_bot
    request_id = submit(bot, "wangwu", "紧急采购 备用电源 2万元 机房断电")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "liucaiwu")
    assert _run(bot, "emergency_backfill_reminder", 1) == []
    assert len(_run(bot, "emergency_backfill_reminder", 5)) == 2  # requester and pending approver
    assert "补办审批尚未完成" in wait_text(bot, "wangwu", "补办审批尚未完成")
    assert "补办审批等待你复审" in wait_text(bot, "liucaiwu", "补办审批等待你")
    assert _run(bot, "emergency_backfill_reminder", 6) == []
    assert _run(bot, "approval_reminder", 30) == []  # emergencies are chased by their own job
    _run(bot, "emergency_backfill_reminder", 49)  # P5: past emergency_backfill_hours (48)
    assert "已过去 49 小时（补办时限 48 小时）仍未补办完成" in wait_text(bot, "wangzong", "仍未补办完成")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu"), "同意")
    wait_text(bot, "wangwu", "已全部审批通过")
    assert _run(bot, "emergency_backfill_reminder", 60) == []  # done: nobody is chased any more
    assert "chased" in audit_actions(bot, request_id) and "escalated" in audit_actions(bot, request_id)


def test_whoever_is_asked_to_follow_up_may_read_the_record(timed_bot):
    # P5, P16: a rejected emergency is flagged to the director and compliance; compliance may
    # then open its record, someone not involved may not.
    bot = timed_bot
    request_id = submit(bot, "wangwu", "紧急采购 备用电源 2万元 机房断电")
    bot.say("wangzong", f"驳回 {request_id} 不合规")
    wait_text(bot, "zhengfawu", "补办审批被 王总监 驳回")
    bot.say("zhengfawu", f"审批记录 {request_id}")
    assert f"#{request_id} 采购：备用电源" in wait_text(bot, "zhengfawu", "审批链")
    bot.say("zhaoliu", f"审批记录 {request_id}")
    assert "只有申请人、审批人" in wait_text(bot, "zhaoliu", "审批记录")
