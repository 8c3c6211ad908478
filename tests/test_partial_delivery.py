"""Partial delivery is visible (issue 22; MoeLove/qyweixin#4, WxJava#253, WxJava#3562):
``message/send`` answers errcode 0 with ``invaliduser`` / ``unlicenseduser`` for the recipients who
did not get it (81013 when none did). The outbox row records them, a WARNING says so, the sender
of a notice is told who (and 通知 N shows it), and an approval step whose approver cannot be
reached moves on like a leaver's, the director told why."""
from __future__ import annotations

import logging

import pytest

from sqlalchemy import select

from models import AuditEntry, OutboxMessage
from tests.approvals.helpers import request_row, submit
from tests.chat import tap, texts, wait_card, wait_text
from tests.conftest import wait_until
from tests.org.test_handover import synced_bot


def test_a_notice_that_missed_someone_tells_its_sender_who_and_its_status_shows_it(bot, caplog):
    bot.fake.state.unlicensed = {"zhouba"}  # 周八 has no WeCom licence
    bot.fake.state.known_users = set(bot.runtime.org.members) - {"qianqi"}  # 钱七's account is gone
    caplog.set_level(logging.WARNING, logger="bot.outbox")
    bot.say("wangzong", "紧急通知 数据库故障，请立即停止导入")  # to the whole department
    told = wait_text(bot, "wangzong", "没有送达")
    assert told.startswith("⚠️ 通知 #1 没有送达 2 人")
    assert "钱七（账号无效或不在应用可见范围内）" in told and "周八（未分配企业微信许可）" in told
    bot.say("wangzong", "通知 1")
    status = wait_text(bot, "wangzong", "未送达")
    assert "未送达 2 人：钱七（账号无效或不在应用可见范围内）、周八（未分配企业微信许可）" in status
    assert len([t for t in texts(bot, "wangzong") if "没有送达" in t]) == 1  # text and card: told once
    with bot.session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.origin == "notice:1")).all()
    assert len(rows) == 2 and all(r.status == "sent" and set(r.response["unreached"]) == {"invaliduser", "unlicenseduser"}
                                  for r in rows)
    assert any(r.levelname == "WARNING" and "not delivered to" in r.getMessage() for r in caplog.records)


def test_a_notice_that_reached_everyone_says_nothing_more(bot):
    bot.say("wangzong", "通知 周五下午3点部门例会，请准时参加")
    wait_text(bot, "wangzong", "✅ 通知 #1 已发给")
    bot.say("wangzong", "通知 1")
    assert "未送达" not in wait_text(bot, "wangzong", "已发给")
    assert not [t for t in texts(bot, "wangzong") if "没有送达" in t]


@pytest.mark.parametrize("case, why, reason", [
    ("unlicensed", "未分配企业微信许可", "unlicenseduser"),  # errcode 0, unlicenseduser
    ("invalid", "账号无效或不在应用可见范围内", "invaliduser"),  # the only recipient invalid: 81013
])
def test_an_approver_who_cannot_be_reached_has_the_step_moved_and_the_director_told_why(
        start_bot, fake_wecom, case, why, reason):
    bot = synced_bot(start_bot, fake_wecom)
    if case == "unlicensed":
        fake_wecom.state.unlicensed = {"liucaiwu"}
    else:
        fake_wecom.state.known_users = set(fake_wecom.state.contacts.users) - {"liucaiwu"}
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")  # the 复审 card does not reach 刘财务
    card = wait_card(bot, "zhoukuaiji")
    assert f"#{request_id}" in card["main_title"]["title"]
    summary = wait_text(bot, "wangzong", "组织架构变动")
    assert f"刘财务 收不到企业微信消息（{why}）" in summary and f"采购申请 #{request_id} 复审 → 周会计" in summary
    assert "刘财务 收不到企业微信消息，以下审批转由你处理" in wait_text(bot, "zhoukuaiji", "转由你处理")
    tap(bot, "zhoukuaiji", card, "同意")
    assert "全部审批通过" in wait_text(bot, "zhangsan", "全部审批通过")
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "zhoukuaiji"]
    with bot.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "not_reached")).one()
        assert entry.detail == {"step": 2, "approver": "liucaiwu", "reason": reason}


def test_partial_delivery_is_read_from_the_answer_and_kept_on_the_row(bot):
    bot.fake.state.unlicensed = {"zhouba"}
    bot.say("sunzuzhang", "通知 @数据分析师组 周五交材料")
    wait_text(bot, "sunzuzhang", "没有送达")
    with bot.session() as s:
        row = wait_until(lambda: s.scalars(select(OutboxMessage).where(OutboxMessage.origin == "notice:1",
                                                                       OutboxMessage.status == "sent")).first())
        assert row.response["unlicenseduser"] == "zhouba" and row.response["unreached"] == {"unlicenseduser": ["zhouba"]}
    assert [m["text"] for m in bot.received("qianqi") if "周五交材料" in (m.get("text") or "")]
    assert not [m for m in bot.received("zhouba") if "周五交材料" in (m.get("text") or "")]
