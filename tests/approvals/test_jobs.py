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
    assert "已超过 48 小时仍未补办完成" in wait_text(bot, "wangzong", "已超过 48 小时")
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
