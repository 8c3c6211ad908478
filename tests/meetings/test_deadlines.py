"""Decision deadlines as people write them (issue 21, P12): a past date is refused with the reason and an
example, 下周五前 / 月底前 / 三天内 in the resolution itself set the deadline, and 我的待办 says 已逾期 N 天."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, strategies as st

from bot.text.dates import deadline_phrase, find_deadline
from tests.chat import wait_text
from tests.meetings.helpers import ENDED, TZ, end_meeting_and_submit, items, meetings, run

SAID_ON = ENDED.date()  # Monday 30 November 2026


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=TZ)


def test_a_past_deadline_is_refused_and_nothing_is_archived(weekly_bot):
    bot = weekly_bot
    run(bot, "meeting_reminder", ENDED)
    bot.clock.current = ENDED + timedelta(minutes=5)
    bot.say("lizuzhang", "纪要\n决议：完成供应商比价 负责人：张三 截止：11月25日")
    answer = wait_text(bot, "lizuzhang", "已经过去了")
    assert "「11月25日」已经过去了（今天是 11月30日（周一））" in answer and "纪要还没有提交" in answer
    assert "例如：截止：12月7日" in answer
    assert items(bot) == [] and all(m.status == "scheduled" for m in meetings(bot))
    bot.say("lizuzhang", "纪要\n决议：完成供应商比价 负责人：张三 截止：12月7日")  # the example works
    wait_text(bot, "lizuzhang", "已归档会议")
    assert [i.due_at for i in items(bot)] == [end_of(date(2026, 12, 7))]


def test_deadlines_said_in_the_resolution(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, "纪要\n决议：下周五前出详细方案 负责人：张三\n决议：月底前完成比价 负责人：张三\n"
                                "决议：三天内回复客户 负责人：张三\n决议：12月5日的会上再议")
    assert [(i.text, i.due_at) for i in items(bot)] == [
        ("下周五前出详细方案", end_of(date(2026, 12, 11))), ("月底前完成比价", end_of(date(2026, 11, 30))),
        ("三天内回复客户", end_of(date(2026, 12, 3))), ("12月5日的会上再议", None)]
    assert "截止 12月11日（周五）" in wait_text(bot, "zhangsan", "下周五前出详细方案")


def test_my_todo_says_how_many_days_overdue(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, "纪要\n决议：完成供应商比价 负责人：张三 截止：12月2日\n决议：整理需求 负责人：张三 截止：12月31日")
    bot.clock.current = datetime(2026, 12, 6, 10, 0, tzinfo=TZ)
    bot.say("zhangsan", "我的待办")
    todo = wait_text(bot, "zhangsan", "你负责的待办")
    assert "完成供应商比价（截止 12月2日（周三），已逾期 4 天）" in todo
    assert "整理需求（截止 12月31日（周四））" in todo


DEADLINES = [
    ("下周五前", date(2026, 12, 11)), ("周五前", date(2026, 12, 4)), ("12月5日之前", date(2026, 12, 5)),
    ("月底前", date(2026, 11, 30)), ("下月底", date(2026, 12, 31)), ("年底前", date(2026, 12, 31)),
    ("三天内", date(2026, 12, 3)), ("两周内", date(2026, 12, 14)), ("1个月内", date(2026, 12, 30)),
    ("11月25日", date(2026, 11, 25)), ("2026-12-05", date(2026, 12, 5)),
]


@pytest.mark.parametrize("phrase,day", DEADLINES)
def test_find_deadline(phrase, day):
    assert find_deadline(phrase, SAID_ON)[0] == day


@pytest.mark.parametrize("text,phrase", [
    ("下周五前出详细方案", "下周五前"), ("月底前完成比价", "月底前"), ("三天内回复客户", "三天内"),
    ("12月5日之前提交", "12月5日之前"), ("12月5日的会上再议", None), ("整理需求清单", None),
])
def test_a_deadline_stated_in_a_sentence(text, phrase):
    assert deadline_phrase(text) == phrase


@given(today=st.dates(date(2020, 1, 1), date(2035, 12, 31)), n=st.integers(1, 99))
def test_within_n_days_and_month_end(today, n):
    assert find_deadline(f"{n}天内", today)[0] == today + timedelta(days=n)
    assert find_deadline(f"{n}周内", today)[0] == today + timedelta(weeks=n)
    end = find_deadline("月底前", today)[0]
    assert end >= today and end.month == today.month and (end + timedelta(days=1)).day == 1
    following = find_deadline("下月底", today)[0]
    assert following > end and (following + timedelta(days=1)).day == 1 and (following - end).days <= 31


def test_a_deadline_next_year_says_its_year(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, "纪要\n决议：完成年度规划 负责人：张三 截止：2027-03-31\n决议：整理需求 负责人：张三 截止：12月31日")
    assert "截止 2027年3月31日（周三）" in wait_text(bot, "zhangsan", "完成年度规划")
    bot.say("zhangsan", "我的待办")
    todo = wait_text(bot, "zhangsan", "你负责的待办")
    assert "完成年度规划（截止 2027年3月31日（周三））" in todo and "整理需求（截止 12月31日（周四））" in todo
