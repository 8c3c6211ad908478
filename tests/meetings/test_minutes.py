"""Minutes (P9) end to end: the prompt, minutes in chat, archiving and sending, lateness."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.meeting import Minutes
from tests.conftest import wait_until
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.meetings.helpers import ATTENDEES, ENDED, MONDAY, TZ, audit, end_meeting_and_submit, items, meetings, run

def test_minutes_with_three_resolutions_are_archived_and_sent_to_every_attendee(weekly_bot):
    bot = weekly_bot
    meeting = end_meeting_and_submit(bot)
    answer = wait_text(bot, "lizuzhang", "已归档会议")
    assert f"已归档会议 #{meeting.id}「部门周会」的纪要，已发给 5 位参会人" in answer
    assert "2 条还没有负责人，已请主持人 王总监 在 24 小时内指派" in answer
    for userid in ATTENDEES:
        sent = wait_text(bot, userid, "会议纪要 #")
        assert "**议题**\n> 供应商选型" in sent and "A 家最便宜" in sent
        assert "完成供应商比价（负责人 张三，截止 12月5日（周六））" in sent and "整理需求清单（⚠️ 待指派负责人）" in sent
    assert texts(bot, "lisi") == []
    first, second, third = items(bot)
    assert (first.owner, second.owner, third.owner) == ("zhangsan", None, None)
    assert first.owner_assigned_at == bot.clock.current and first.due_at.date().isoformat() == "2026-12-05"
    assert "你是决议 #" in wait_text(bot, "zhangsan", "📌")
    # the chair gets a pick-an-owner card per unowned resolution, one button per attendee
    chair_cards = wait_until(lambda: len(c := cards(bot, "wangzong", "decision_")) == 2 and c)
    assert [b["text"] for b in chair_cards[0]["button_list"]] == ["王总监", "李组长", "赵组长", "孙组长", "张三"]
    with bot.session() as s:
        minutes = s.scalar(select(Minutes))
        assert minutes.submitted_at <= minutes.due_at and "决议2：整理需求清单" in minutes.text
    assert ("lizuzhang", "minutes_submitted") in audit(bot, "meeting")
    assert audit(bot, "action_item").count(("lizuzhang", "assigned")) == 1


def test_the_prompt_card_takes_the_minutes_as_the_next_message(weekly_bot):
    bot = weekly_bot
    run(bot, "meeting_reminder", ENDED)
    bot.clock.current = ENDED
    tap(bot, "lizuzhang", wait_card(bot, "lizuzhang", "minutes_"), "填写纪要")
    wait_text(bot, "lizuzhang", "请直接回复会议 #")
    bot.say("lizuzhang", "议题：周计划\n决议：\n1. 上线新工单系统 负责人：赵组长\n2、整理培训材料")
    wait_text(bot, "lizuzhang", "已归档会议")
    assert [(i.text, i.owner) for i in items(bot)] == [("上线新工单系统", "zhaozuzhang"), ("整理培训材料", None)]


def test_with_two_meetings_waiting_the_bot_asks_which(adhoc_bot):
    bot = adhoc_bot
    for title in ("评审甲", "评审乙"):
        bot.say("lisi", f"登记会议 {title} 今天14:00-15:00 参会 张三 记录人 李四")
    wait_until(lambda: len(meetings(bot)) == 2)
    bot.clock.current = MONDAY.replace(hour=16)
    bot.say("lisi", "纪要 决议：补充测试用例")
    ask = wait_text(bot, "lisi", "这份纪要是哪一个")
    first, second = meetings(bot)
    assert f"#{first.id} 评审甲" in ask and f"#{second.id} 评审乙" in ask
    bot.say("lisi", "哪个都行")
    wait_text(bot, "lisi", "请回复上面列出的一个会议编号")
    bot.say("lisi", str(second.id))
    wait_text(bot, "lisi", f"已归档会议 #{second.id}「评审乙」")
    assert [m.status for m in meetings(bot)] == ["scheduled", "minuted"]


def test_long_minutes_are_summarised_and_the_full_text_is_retrievable(weekly_bot):
    bot = weekly_bot
    discussion = "讨论：" + "各组汇报了本周进展和遇到的问题，" * 120
    meeting = end_meeting_and_submit(bot, f"纪要\n议题：周计划\n{discussion}\n决议：推进采购")
    sent = wait_text(bot, "zhangsan", "会议纪要 #")
    assert len(sent.encode()) <= 2048 and f"全文请发「查看纪要 {meeting.id}」" in sent
    bot.say("zhangsan", f"查看纪要 {meeting.id}")
    # the full text comes in parts of at most 2048 bytes (after the summary)
    wait_until(lambda: "".join(texts(bot, "zhangsan")[1:]).count("各组汇报了本周进展") == 120,
               message="the full minutes")
    bot.say("lisi", f"查看纪要 {meeting.id}")
    assert "只有会议" in wait_text(bot, "lisi", "只有会议")


def test_bad_minutes_change_nothing(weekly_bot):
    bot = weekly_bot
    run(bot, "meeting_reminder", ENDED)
    bot.say("lizuzhang", "纪要\n决议：完成比价 负责人：张3")
    assert "负责人「张3」不在通讯录里" in wait_text(bot, "lizuzhang", "不在通讯录里")
    bot.say("lizuzhang", "纪要\n决议：完成比价 负责人：张三 截止：下个月吧")
    assert "截止：12月5日" in wait_text(bot, "lizuzhang", "截止日期「下个月吧」没看懂")
    bot.say("zhangsan", "纪要\n决议：完成比价")
    wait_text(bot, "zhangsan", "没有待交纪要的会议")
    assert items(bot) == [] and {m.status for m in meetings(bot)} == {"scheduled"}


def test_overdue_minutes_are_reminded_then_escalated_once(weekly_bot):
    bot = weekly_bot
    run(bot, "meeting_reminder", ENDED)
    end = MONDAY + timedelta(hours=2)
    assert run(bot, "minutes_overdue", end + timedelta(hours=23)) == []
    assert len(run(bot, "minutes_overdue", end + timedelta(hours=25))) == 1
    assert "纪要已过截止时间 12月1日（周二）11:00" in wait_text(bot, "lizuzhang", "⏰")
    assert run(bot, "minutes_overdue", end + timedelta(hours=26)) == []
    assert len(run(bot, "minutes_overdue", end + timedelta(hours=49))) == 1  # chair = director: one message
    assert "记录人 李组长 仍未提交" in wait_text(bot, "wangzong", "⚠️")
    assert run(bot, "minutes_overdue", end + timedelta(hours=50)) == []
    actions = [a for _, a in audit(bot, "meeting")]
    assert actions.count("minutes_reminded") == 1 and actions.count("minutes_escalated") == 1
    # late minutes are still taken, and say how late they are
    bot.clock.current = end + timedelta(hours=50)
    bot.say("lizuzhang", "纪要 决议：补交")
    assert "晚了 26 小时" in wait_text(bot, "lizuzhang", "已归档会议")


def test_a_weekend_deadline_is_pointed_out(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot)  # 决议：完成供应商比价 负责人：张三 截止：12月5日 — a Saturday
    reply = wait_text(bot, "lizuzhang", "已归档会议")
    assert "截止日 12月5日（周六）不是工作日" in reply and "12月4日（周五）" in reply
    assert items(bot)[0].due_at.astimezone(TZ).date().isoformat() == "2026-12-05"  # kept as written


@pytest.mark.parametrize("written,kept", [
    ("决议：**买服务器** 负责人：张三", "**买服务器**"),
    ("决议：\n- 买服务器\n* 租机房", "买服务器"),
    ("决议：*重要* 采购评审", "*重要* 采购评审"),
])
def test_the_parser_keeps_what_was_written(weekly_bot, written, kept):
    bot = weekly_bot
    end_meeting_and_submit(bot, "纪要\n" + written)
    assert items(bot)[0].text == kept
