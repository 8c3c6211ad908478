"""Meetings that change (P11, P9, P6): 取消会议, 改期, 会议 N 加人 / 减人 / 地点, a registration
that repeats one asks 「是同一个会吗？」, 补登会议 records a meeting already held; recurring
occurrences change alone, the director may stop the series. Through the callback path and the jobs."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models import AuditEntry
from models.meeting import Meeting
from tests.chat import texts, wait_text
from tests.meetings.helpers import MONDAY, count_meetings, meetings, run

REGISTER = "登记会议 项目评审 明天14:00-15:00 参会 张三 李四 记录人 李四"


def register(bot, who="lizuzhang", text=REGISTER) -> int:
    bot.say(who, text)
    answer = wait_text(bot, who, "已登记会议")
    return int(re.search(r"#(\d+)", answer).group(1))


def row(bot, meeting_id) -> Meeting:
    with bot.session() as s:
        return s.get(Meeting, meeting_id)


def test_cancel_a_meeting_tells_attendees_and_stops_reminders_and_the_minutes_chase(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    bot.say("lizuzhang", f"取消会议 {number} 时间冲突")
    answer = wait_text(bot, "lizuzhang", "已取消会议")
    assert f"#{number}「项目评审」" in answer and "李四、张三" in answer
    assert "时间冲突" in wait_text(bot, "zhangsan", "已被 李组长 取消")
    assert row(bot, number).status == "cancelled"
    start = MONDAY + timedelta(days=1, hours=5)  # Tuesday 14:00
    assert run(bot, "meeting_reminder", start - timedelta(minutes=20)) == []  # no reminder
    assert run(bot, "meeting_reminder", start + timedelta(hours=1, minutes=5)) == []  # no minutes prompt
    assert run(bot, "minutes_overdue", start + timedelta(days=3)) == []  # no chase


def test_cancel_is_not_read_as_withdrawing_a_request(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    bot.say("lizuzhang", f"取消会议 {number}")
    wait_text(bot, "lizuzhang", "已取消会议")
    assert not [t for t in texts(bot, "lizuzhang") if "申请 #" in t]  # not 「没有找到你的申请 #1」


def test_only_the_chair_registrar_a_leader_or_the_director_may_change_it(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    bot.say("zhangsan", f"取消会议 {number}")  # an attendee, not the chair
    wait_text(bot, "zhangsan", f"只有会议 #{number} 的主持人、登记人、组长或总监可以修改它")
    assert row(bot, number).status == "scheduled"
    bot.say("zhaozuzhang", f"会议 {number} 地点 3楼会议室")  # another group's leader may
    wait_text(bot, "zhaozuzhang", "地点改为「3楼会议室」")
    bot.say("zhangsan", "取消会议 999")
    wait_text(bot, "zhangsan", "没有编号为 999 的会议")
    bot.say("zhangsan", "取消会议")
    wait_text(bot, "zhangsan", "请带上会议编号，例如：取消会议 3 时间冲突")


def test_reschedule_tells_attendees_and_the_reminder_follows_the_new_time(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    start = MONDAY + timedelta(days=1, hours=5)
    assert run(bot, "meeting_reminder", start - timedelta(minutes=20))  # reminded for the old time
    bot.say("lizuzhang", f"改期 {number} 周四10:00-11:00")
    answer = wait_text(bot, "lizuzhang", "已把会议")
    assert "12月3日（周四）10:00-11:00" in answer
    assert "12月1日（周二）14:00-15:00 → 12月3日（周四）10:00-11:00" in wait_text(bot, "zhangsan", "改期了")
    moved = row(bot, number)
    assert moved.minutes_due_at - moved.ends_at == timedelta(hours=24)
    new_start = MONDAY + timedelta(days=3, hours=1)
    assert run(bot, "meeting_reminder", new_start - timedelta(minutes=20))  # reminded again, at the new time
    assert len([t for t in texts(bot, "zhangsan") if "会议提醒" in t]) == 2


def test_reschedule_refuses_the_past_and_bad_times_and_changes_nothing(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    bot.say("lizuzhang", f"改期 {number} 昨天10:00")
    wait_text(bot, "lizuzhang", "已经过去了")
    bot.say("lizuzhang", f"会议 {number} 改到 某天")
    wait_text(bot, "lizuzhang", f"改期 {number} 周五14:00-15:00")
    assert row(bot, number).starts_at == MONDAY + timedelta(days=1, hours=5)


def test_add_and_remove_people_and_set_the_place(adhoc_bot):
    bot = adhoc_bot
    number = register(bot)
    bot.say("lizuzhang", f"会议 {number} 加人 王五")
    wait_text(bot, "lizuzhang", "已把 王五 加入会议")
    assert "3楼" not in wait_text(bot, "wangwu", "把你加入了会议")
    bot.say("lizuzhang", f"会议 {number} 减人 张三")
    wait_text(bot, "lizuzhang", "已把 张三 移出会议")
    wait_text(bot, "zhangsan", "不需要你参加了")
    bot.say("lizuzhang", f"会议 {number} 减人 李四")  # the minute-taker stays until replaced
    wait_text(bot, "lizuzhang", "李四 是会议")
    bot.say("lizuzhang", f"会议 {number} 地点 3楼大会议室")
    wait_text(bot, "wangwu", "地点：3楼大会议室")
    assert set(row(bot, number).attendees) == {"lizuzhang", "lisi", "wangwu"}
    bot.say("lizuzhang", f"会议 {number} 加人 不存在的人")
    wait_text(bot, "lizuzhang", "通讯录里没有「不存在的人」")
    start = MONDAY + timedelta(days=1, hours=5)
    run(bot, "meeting_reminder", start - timedelta(minutes=20))
    assert "地点：3楼大会议室" in wait_text(bot, "wangwu", "会议提醒")
    assert not [t for t in texts(bot, "zhangsan") if "会议提醒" in t]
    bot.say("zhangsan", f"会议 {number}")  # no longer an attendee: not shown
    wait_text(bot, "zhangsan", f"没有编号为 {number} 的会议")
    bot.say("lisi", f"会议 {number}")
    details = wait_text(bot, "lisi", "参会：")
    assert "地点：3楼大会议室" in details and "王五" in details


def test_the_same_meeting_registered_twice_is_asked_about(adhoc_bot):
    bot = adhoc_bot
    first = register(bot)
    bot.say("lizuzhang", "登记会议 项目评审 明天14:30 参会 张三 李四 记录人 李四")
    wait_text(bot, "lizuzhang", "是同一个会吗？")
    bot.say("lizuzhang", "是")
    wait_text(bot, "lizuzhang", f"没有重复登记，会议 #{first} 保持不变")
    assert count_meetings(bot) == 1
    bot.say("lizuzhang", "登记会议 另一个评审 明天14:30 参会 张三 李四 记录人 李四")  # same attendees
    wait_text(bot, "lizuzhang", "参会人相同")
    bot.say("lizuzhang", "不是")
    wait_text(bot, "lizuzhang", "已登记会议 #2")
    assert count_meetings(bot) == 2


def test_a_meeting_already_held_can_be_recorded_and_its_minutes_are_due_from_now(adhoc_bot):
    bot = adhoc_bot
    bot.say("lizuzhang", "登记会议 周会 昨天10:00 参会 张三 记录人 李四")
    wait_text(bot, "lizuzhang", "补登会议")  # the refusal points at 补登会议
    bot.say("lizuzhang", "补登会议 项目启动会 上周五10:00-11:00 参会 张三 记录人 李四")
    answer = wait_text(bot, "lizuzhang", "已补登会议")
    assert "11月27日（周五）10:00-11:00" in answer and "12月1日 09:00 截止" in answer
    [meeting] = meetings(bot)
    assert meeting.minutes_due_at == MONDAY + timedelta(hours=24)
    assert not [t for t in texts(bot, "zhangsan") if "邀请你" in t]  # nobody is invited to the past
    assert run(bot, "meeting_reminder", MONDAY + timedelta(minutes=5))  # the minute-taker is asked now
    assert [c for c in bot.received("lisi") if c.get("msgtype") == "template_card"]
    bot.say("lizuzhang", "补登会议 评审 明天10:00 参会 张三 记录人 李四")
    wait_text(bot, "lizuzhang", "还没到")


def test_an_occurrence_of_the_weekly_meeting_moves_alone_and_the_director_may_stop_the_series(weekly_bot):
    bot = weekly_bot
    run(bot, "meeting_reminder", MONDAY)  # puts this week's and next week's occurrences on record
    occurrences = [m for m in meetings(bot) if m.series == "weekly"]
    this_week = occurrences[0]
    bot.say("wangzong", f"改期 {this_week.id} 今天15:00")
    answer = wait_text(bot, "wangzong", "已把会议")
    assert "改期后编号为" in answer
    run(bot, "meeting_reminder", MONDAY + timedelta(minutes=5))  # the slot is not put back at 10:00
    at_ten = [m for m in meetings(bot) if m.starts_at == this_week.starts_at]
    assert [m.status for m in at_ten] == ["cancelled"]
    assert [m for m in meetings(bot) if m.status == "scheduled" and m.starts_at == MONDAY + timedelta(hours=6)]
    bot.say("lizuzhang", f"取消会议 {occurrences[1].id} 全部")
    wait_text(bot, "lizuzhang", "只有总监可以停掉整个系列会议")
    bot.say("wangzong", f"取消会议 {occurrences[1].id} 全部")
    wait_text(bot, "wangzong", "已停掉系列会议「部门周会」")
    run(bot, "meeting_reminder", MONDAY + timedelta(days=14))
    assert not [m for m in meetings(bot) if m.series == "weekly" and m.status == "scheduled"]
    with bot.session() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.record_type == "meeting",
                                                         AuditEntry.action == "moved")).all() == ["moved"]
