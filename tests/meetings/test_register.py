"""Meetings (P11) end to end: registration in chat, the recurring meeting from config, reminders.

"""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import wait_until
from tests.chat import cards, texts, wait_card, wait_text
from tests.meetings.helpers import ATTENDEES, MONDAY, TZ, count_meetings, end_meeting_and_submit, meetings, run

# ---- the recurring meeting ----------------------------------------------------------------

def test_a_recurring_meeting_is_reminded_once_then_its_minute_taker_is_asked(weekly_bot):
    bot = weekly_bot
    assert run(bot, "meeting_reminder", MONDAY) == []  # 60 min before: not yet (meeting_remind_minutes = 30)
    # one send to every attendee (the same text), not one per person
    [row] = run(bot, "meeting_reminder", MONDAY + timedelta(minutes=35))
    with bot.session() as s:
        from models import OutboxMessage
        assert sorted(s.get(OutboxMessage, row).recipients.split("|")) == sorted(ATTENDEES)
    for userid in ATTENDEES:
        reminder = wait_text(bot, userid, "会议提醒")
        assert "「部门周会」" in reminder and "25 分钟后开始" in reminder and "本周计划与问题" in reminder
    assert run(bot, "meeting_reminder", MONDAY + timedelta(minutes=40)) == []  # a re-run sends nothing twice
    assert texts(bot, "lisi") == []
    # it ends at 11:00; the next run asks the minute-taker (the coordination group's leader) for minutes
    assert run(bot, "meeting_reminder", MONDAY + timedelta(hours=1, minutes=55)) == []
    assert len(run(bot, "meeting_reminder", MONDAY + timedelta(hours=2, minutes=5))) == 1
    card = wait_card(bot, "lizuzhang", "minutes_")
    assert card["main_title"]["title"].startswith("请提交会议纪要 #")
    assert {"keyname": "截止", "value": "12月1日（周二）11:00"} in card["horizontal_content_list"]  # end + 24 h
    assert run(bot, "meeting_reminder", MONDAY + timedelta(hours=2, minutes=10)) == []
    assert [m.title for m in meetings(bot)].count("部门周会") >= 1


def test_the_weekly_reminder_lists_open_action_items(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, "纪要\n决议：完成供应商比价 负责人：张三\n决议：整理需求")
    next_monday = MONDAY + timedelta(days=7, minutes=35)
    run(bot, "meeting_reminder", next_monday)
    reminder = wait_text(bot, "zhaozuzhang", "待跟进的决议（2 项）")
    assert "完成供应商比价（负责人 张三）" in reminder and "整理需求（⚠️ 待指派负责人）" in reminder


def test_meeting_list_shows_the_configured_meeting(weekly_bot):
    weekly_bot.say("zhangsan", "会议列表")
    answer = wait_text(weekly_bot, "zhangsan", "接下来的会议")
    assert "11月30日（周一）10:00-11:00 部门周会（主持 王总监，记录 李组长）" in answer


# ---- registering a meeting in chat --------------------------------------------------------

def test_a_group_leader_registers_a_meeting_in_one_line(adhoc_bot):
    bot = adhoc_bot
    bot.say("lizuzhang", "登记会议 项目评审 明天14:00-15:00 参会 张三 李四 记录人 李四")
    answer = wait_text(bot, "lizuzhang", "已登记会议")
    assert "「项目评审」" in answer and "12月1日（周二）14:00-15:00" in answer and "记录人：李四" in answer
    for userid in ("zhangsan", "lisi"):
        assert "李组长 邀请你参加会议" in wait_text(bot, userid, "邀请你参加")
    [meeting] = meetings(bot)
    assert (meeting.chair, meeting.minute_taker) == ("lizuzhang", "lisi")
    assert meeting.attendees == ["lizuzhang", "lisi", "zhangsan"]
    assert meeting.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=TZ)
    assert meeting.minutes_due_at == datetime(2026, 12, 2, 15, 0, tzinfo=TZ)


def test_registration_asks_for_what_is_missing(adhoc_bot):
    bot = adhoc_bot
    bot.say("zhaozuzhang", "登记会议 工具选型")
    wait_text(bot, "zhaozuzhang", "什么时候开")
    bot.say("zhaozuzhang", "下周一")
    wait_text(bot, "zhaozuzhang", "12月7日 几点开始")
    bot.say("zhaozuzhang", "下午3点")
    wait_text(bot, "zhaozuzhang", "请发参会人的姓名")
    bot.say("zhaozuzhang", "王五 赵六")
    wait_text(bot, "zhaozuzhang", "谁来记录纪要")
    bot.say("zhaozuzhang", "王五")
    answer = wait_text(bot, "zhaozuzhang", "已登记会议")
    assert "12月7日（周一）15:00-16:00（未写结束时间，按 1 小时计）" in answer
    assert meetings(bot)[0].minute_taker == "wangwu"


def test_an_unparseable_date_changes_nothing(adhoc_bot):
    bot = adhoc_bot
    bot.say("lizuzhang", "登记会议 项目评审 2月30日 10点 参会 张三 记录人 张三")
    answer = wait_text(bot, "lizuzhang", "没看懂时间")
    assert "「2月30日」" in answer and "明天14:00-15:00" in answer
    bot.say("lizuzhang", "登记会议 项目评审 昨天 10点 参会 张三 记录人 张三")
    assert "11月29日（周日）10:00-11:00 已经过去了" in wait_text(bot, "lizuzhang", "已经过去了")
    bot.say("lizuzhang", "登记会议 项目评审 参会 张三 记录人 张三")
    wait_text(bot, "lizuzhang", "什么时候开")
    bot.say("lizuzhang", "下午几点吧")  # no date and no time: asked again
    assert "明天14:00-15:00" in wait_text(bot, "lizuzhang", "没看懂时间「下午几点吧」")
    assert count_meetings(bot) == 0


def test_an_unknown_attendee_changes_nothing(adhoc_bot):
    bot = adhoc_bot
    bot.say("lizuzhang", "登记会议 项目评审 明天14:00-15:00 参会 张三 张3 记录人 张三")
    answer = wait_text(bot, "lizuzhang", "通讯录里没有")
    assert "「张3」" in answer and "登记会议 项目评审 明天14:00-15:00 参会" in answer
    assert count_meetings(bot) == 0
    assert texts(bot, "zhangsan") == []


def test_nothing_is_reminded_for_a_cancelled_flow(adhoc_bot):
    bot = adhoc_bot
    bot.say("lizuzhang", "登记会议 项目评审")
    wait_text(bot, "lizuzhang", "什么时候开")
    bot.say("lizuzhang", "取消")
    wait_text(bot, "lizuzhang", "已取消")
    assert count_meetings(bot) == 0 and cards(bot, "lizuzhang", "minutes_") == []


def test_a_date_far_in_the_future_is_refused_not_a_crash(bot):
    from sqlalchemy import select
    from models import InboundCallback
    bot.say("lizuzhang", "登记会议 评审 9999-12-31 10:00-11:00 参会 张三 记录人 张三")
    wait_until(lambda: bot.received("lizuzhang"))
    with bot.session() as s:
        assert s.scalars(select(InboundCallback.status)).all() == ["done"]
    assert "出错了" not in bot.last_text("lizuzhang")


def test_a_fresh_install_does_not_chase_a_meeting_held_before_it(start_bot, clock):
    # The weekly meeting was at 10:00; the bot is installed at 10:30 and first runs its jobs then:
    # the meeting is not on its calendar, nobody is asked for its minutes (P9, P11).
    from tests.meetings.helpers import WEEKLY, meetings
    bot = start_bot(clock=clock, extra={"meetings": WEEKLY})
    run(bot, "meeting_reminder", MONDAY + timedelta(hours=1, minutes=30))
    assert run(bot, "meeting_reminder", MONDAY + timedelta(hours=2, minutes=5)) == []
    assert [m.starts_at for m in meetings(bot)] == [MONDAY + timedelta(days=7, hours=1)]  # next week's
