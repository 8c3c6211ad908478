"""Reports end to end (P10): submit, replace after confirming, late, template, history, summaries."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.report import Report
from tests.conftest import FixedClock
from tests.chat import texts, wait_text

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # week 48; due Friday 11-27 17:00


@pytest.fixture
def clock():
    return FixedClock(WEDNESDAY)


@pytest.fixture
def timed_bot(start_bot, clock):
    return start_bot(clock=clock)


def reports(bot, userid=None):
    with bot.session() as s:
        query = select(Report).order_by(Report.id)
        if userid:
            query = query.where(Report.userid == userid)
        return list(s.scalars(query))


def test_a_weekly_report_is_stored_as_sent_and_on_time(timed_bot):
    bot = timed_bot
    bot.say("zhangsan", "周报 本周完成：回访客户3家\n下周计划：整理需求\n问题与风险：无")
    reply = wait_text(bot, "zhangsan", "已收到你的周报")
    assert "第48周" in reply and "按时提交" in reply and "11月27日（周五）17:00" in reply
    [report] = reports(bot, "zhangsan")
    assert (report.kind, report.period, report.late, report.group_id) == ("weekly", "2026-W48", False, "coordination")
    assert report.content == "本周完成：回访客户3家\n下周计划：整理需求\n问题与风险：无"


def test_a_second_report_replaces_the_first_only_after_confirming(timed_bot):
    bot = timed_bot
    bot.say("lisi", "周报 第一版")
    wait_text(bot, "lisi", "已收到")
    bot.say("lisi", "周报 第二版")
    assert "回复「确认」用新内容替换" in wait_text(bot, "lisi", "已于")
    bot.say("lisi", "嗯？")
    wait_text(bot, "lisi", "请回复「确认」替换周报")
    bot.say("lisi", "取消")
    wait_text(bot, "lisi", "已取消")
    assert [r.content for r in reports(bot, "lisi")] == ["第一版"]
    bot.say("lisi", "周报 第三版")
    wait_until_count(bot, "lisi", "已于", 2)
    bot.say("lisi", "确认")
    assert "已用新内容替换" in wait_text(bot, "lisi", "已用新内容替换")
    [report] = reports(bot, "lisi")
    assert (report.content, report.revisions, report.late) == ("第三版", 2, False)


def wait_until_count(bot, userid, contains, count):
    from tests.conftest import wait_until
    wait_until(lambda: len([t for t in texts(bot, userid) if contains in t]) >= count)


def test_a_report_after_the_deadline_is_accepted_and_marked_late(timed_bot, clock):
    bot = timed_bot
    clock.current = datetime(2026, 11, 27, 17, 30, tzinfo=TZ)
    bot.say("wangwu", "周报 本周完成：工具选型")
    assert "记为迟交" in wait_text(bot, "wangwu", "已收到")
    assert reports(bot, "wangwu")[0].late is True


def test_a_holiday_friday_moves_the_deadline_to_thursday(start_bot):
    clock = FixedClock(datetime(2026, 6, 18, 16, 0, tzinfo=TZ))  # Dragon Boat Festival is Friday 06-19
    bot = start_bot(clock=clock)
    bot.say("zhangsan", "周报 节前提交")
    assert "6月18日（周四）17:00" in wait_text(bot, "zhangsan", "按时提交")
    clock.current = datetime(2026, 6, 18, 18, 0, tzinfo=TZ)
    bot.say("lisi", "周报 节前晚了一点")
    assert "记为迟交" in wait_text(bot, "lisi", "已收到")


def test_bad_input_gets_an_example_and_changes_nothing(timed_bot):
    bot = timed_bot
    bot.say("zhangsan", "周报")
    assert "周报 本周完成：" in wait_text(bot, "zhangsan", "内容是空的")
    bot.say("zhangsan", "月报 13月 内容")
    assert "月报 11月" in wait_text(bot, "zhangsan", "没看懂要交哪一期")
    bot.say("liucaiwu", "周报 我是财务")
    assert "无需提交" in wait_text(bot, "liucaiwu", "P10")
    assert reports(bot) == []


def test_monthly_and_annual_reports_go_to_their_periods(start_bot):
    bot = start_bot(clock=FixedClock(datetime(2026, 12, 2, 9, 0, tzinfo=TZ)))
    bot.say("qianqi", "月报 本月完成：数据看板上线")
    assert "2026年11月" in wait_text(bot, "qianqi", "已收到你的月报")
    bot.say("qianqi", "年报 2025年 年度成果：补交")
    assert "记为迟交" in wait_text(bot, "qianqi", "已收到你的年报")
    assert [(r.kind, r.period, r.late) for r in reports(bot, "qianqi")] == [("monthly", "2026-11", False),
                                                                            ("annual", "2025", True)]


def test_template_and_own_history(timed_bot):
    bot = timed_bot
    bot.say("zhouba", "周报模板")
    reply = wait_text(bot, "zhouba", "模板如下")
    assert "【本周完成】" in reply and "【下周计划】" in reply and "【问题与风险】" in reply
    bot.wecom.click("zhouba", "report.template")  # the app menu's 周报模板
    wait_until_count(bot, "zhouba", "模板如下", 2)
    bot.say("zhouba", "我的周报")
    assert "还没有提交过周报" in wait_text(bot, "zhouba", "还没有提交过")
    bot.say("zhouba", "周报 本周完成：报表")
    wait_text(bot, "zhouba", "已收到")
    bot.say("zhouba", "周报 查看")
    history = wait_text(bot, "zhouba", "你最近的报告")
    assert "2026-W48" in history and "本周完成：报表" in history and "按时" in history


def test_summaries_by_scope(timed_bot):
    bot = timed_bot
    bot.say("zhangsan", "周报 协调组的周报")
    bot.say("wangwu", "周报 资源组的周报")
    wait_text(bot, "zhangsan", "已收到")
    wait_text(bot, "wangwu", "已收到")
    bot.say("lizuzhang", "周报 汇总")
    group = wait_text(bot, "lizuzhang", "项目协调组")
    assert "协调组的周报" in group and "未交：李组长、李四" in group and "资源组的周报" not in group
    bot.say("wangzong", "周报 汇总")
    summary = wait_text(bot, "wangzong", "周报汇总")  # every group in one message: it all fits
    assert "合计（3 个组）" in summary and "**资源支持组**" in summary and "资源组的周报" in summary
    assert "协调组的周报" in summary and "未交：孙组长、钱七、周八" in summary
    assert len(bot.received("wangzong")) == 1
    bot.say("lisi", "周报 汇总")
    assert "只有组长" in wait_text(bot, "lisi", "只有组长")
    assert not any("协调组的周报" in t for t in texts(bot, "lisi"))


def test_last_weeks_report_can_be_handed_in_on_monday(start_bot):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import FixedClock
    clock = FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")))  # Monday of W49
    bot = start_bot(clock=clock)
    bot.say("zhangsan", "周报 上周 上周完成：回访3家客户")
    text = bot.last_text("zhangsan")
    assert "第48周" in text and "迟交" in text
    from models.report import Report
    with bot.session() as s:
        assert [(r.period, r.late) for r in s.query(Report)] == [("2026-W48", True)]


def test_history_lists_the_newest_week_first(start_bot):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import FixedClock
    clock = FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")))  # Monday of W49
    bot = start_bot(clock=clock)
    bot.say("zhangsan", "周报 本周完成：第49周的事")
    wait_text(bot, "zhangsan", "已收到")
    bot.say("zhangsan", "周报 上周 上周完成：第48周的事")  # handed in later, for the older week
    wait_text(bot, "zhangsan", "第48周")
    bot.say("zhangsan", "查看周报")
    history = wait_text(bot, "zhangsan", "你最近的报告")
    assert history.index("2026-W49") < history.index("2026-W48")
