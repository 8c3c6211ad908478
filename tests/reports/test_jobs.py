"""Report jobs with a fixed now (P10): the Friday reminder, the overdue lists, monthly reports."""
import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler import run_job
from tests.conftest import FixedClock
from tests.chat import texts, wait_text

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY_REMIND = datetime(2026, 11, 27, 15, 0, tzinfo=TZ)
FRIDAY_DUE = datetime(2026, 11, 27, 17, 0, tzinfo=TZ)
SPECIALISTS = ["zhangsan", "lisi", "wangwu", "zhaoliu", "qianqi", "zhouba"]


def run(bot, job_id, now):
    ids = run_job(bot.runtime, job_id, now)
    bot.runtime.dispatcher.wait_for(ids, timeout=20)
    return ids


def sends(bot):
    return [c["json"] for c in bot.fake.state.calls_to("message/send")]


def test_the_friday_reminder_skips_those_who_submitted_and_runs_once(start_bot):
    bot = start_bot(clock=FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=TZ)))
    bot.say("zhangsan", "周报 本周完成：客户回访")
    wait_text(bot, "zhangsan", "已收到")
    assert run(bot, "weekly_report_reminder", datetime(2026, 11, 26, 15, 0, tzinfo=TZ)) == []  # Thursday: too early
    [row] = run(bot, "weekly_report_reminder", FRIDAY_REMIND)
    reminder = sends(bot)[-1]
    assert set(reminder["touser"].split("|")) == {"lisi", "wangwu", "zhaoliu", "qianqi", "zhouba",
                                                   "lizuzhang", "zhaozuzhang", "sunzuzhang"}
    assert "11月27日（周五）17:00" in reminder["text"]["content"]
    assert not any("周报提醒" in t for t in texts(bot, "zhangsan"))
    assert not any("周报提醒" in t for t in texts(bot, "wangzong"))  # the director owes no report
    assert run(bot, "weekly_report_reminder", FRIDAY_REMIND) == []  # a re-run sends nothing twice
    assert run(bot, "weekly_report_reminder", FRIDAY_DUE) == []  # past the deadline: the overdue job's turn


def test_2500_people_are_reminded_in_three_sends(start_bot, make_settings):
    base = make_settings().org
    extra = tuple({"userid": f"sp{i:04d}", "name": f"专员{i}", "department": "innovation",
                   "group": ("coordination", "resources", "analysts")[i % 3], "roles": ["specialist"]}
                  for i in range(2500))
    bot = start_bot(clock=FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=TZ)),
                    org=dataclasses.replace(base, people=base.people + extra))
    bot.say("sp0000", "周报 已完成")
    wait_text(bot, "sp0000", "已收到")
    ids = run(bot, "weekly_report_reminder", FRIDAY_REMIND)
    reminders = [s for s in sends(bot) if "周报提醒" in (s.get("text") or {}).get("content", "")]
    assert len(ids) == 3 and len(reminders) == 3
    batches = [s["touser"].split("|") for s in reminders]
    assert sorted(len(b) for b in batches) == [508, 1000, 1000]  # 2500 + 9 owers − 1 who submitted
    everyone = [u for b in batches for u in b]
    assert len(set(everyone)) == 2508 and "sp0000" not in everyone


def test_a_holiday_friday_moves_the_reminder_and_the_overdue_list(start_bot):
    bot = start_bot(clock=FixedClock(datetime(2026, 6, 17, 9, 0, tzinfo=TZ)))  # Dragon Boat Festival: Fri 06-19
    assert run(bot, "weekly_report_reminder", datetime(2026, 6, 18, 15, 0, tzinfo=TZ))
    assert "6月18日（周四）17:00" in wait_text(bot, "lisi", "周报提醒")
    assert run(bot, "weekly_report_overdue", datetime(2026, 6, 18, 17, 0, tzinfo=TZ))
    assert "6月18日（周四）17:00" in wait_text(bot, "lizuzhang", "已截止")
    assert run(bot, "weekly_report_reminder", datetime(2026, 6, 19, 15, 0, tzinfo=TZ)) == []
    assert run(bot, "weekly_report_overdue", datetime(2026, 6, 19, 17, 0, tzinfo=TZ)) == []  # already announced


def test_after_the_deadline_leaders_get_their_missing_lists(start_bot):
    clock = FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=TZ))
    bot = start_bot(clock=clock)
    for userid in ("zhangsan", "wangwu", "zhaoliu", "sunzuzhang"):
        bot.say(userid, f"周报 {userid} 本周完成")
        wait_text(bot, userid, "已收到")
    clock.current = datetime(2026, 11, 27, 16, 59, tzinfo=TZ)
    assert run(bot, "weekly_report_overdue", clock.current) == []  # the deadline has not passed
    run(bot, "weekly_report_overdue", FRIDAY_DUE)
    # a leader who owes a report is told so apart, never asked to remind themselves (issue 21)
    told = wait_text(bot, "lizuzhang", "已截止")
    assert "项目协调组 还有 1 人未交：李四" in told and "你自己的周报也还没交" in told and "你自己、" not in told
    told = wait_text(bot, "zhaozuzhang", "已截止")
    assert "资源支持组 其他人都已交" in told and "你自己的周报也还没交" in told and "请提醒他们" not in told
    assert "数据分析师组 还有 2 人未交：钱七、周八" in wait_text(bot, "sunzuzhang", "已截止")
    digest = wait_text(bot, "wangzong", "周报汇总")  # one message for every group
    resources = digest.split("**资源支持组**")[1].split("**数据分析师组**")[0]
    assert "按时 **2**" in resources and "未交 1" in resources and "未交：赵组长" in resources
    assert "wangwu 本周完成" in resources and "zhangsan 本周完成" not in resources
    assert "全部已交" not in wait_text(bot, "zhaozuzhang", "已截止")
    assert "仍未提交" in wait_text(bot, "lisi", "已过截止时间")
    assert not any("已过截止时间" in t for t in texts(bot, "zhangsan"))
    # a late report is marked late and counted so
    clock.current = datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
    bot.say("lisi", "周报 补交")
    assert "记为迟交" in wait_text(bot, "lisi", "已收到")
    bot.say("lizuzhang", "周报 汇总")
    assert "迟交 **1**" in wait_text(bot, "lizuzhang", "**项目协调组**")
    assert run(bot, "weekly_report_overdue", datetime(2026, 11, 28, 17, 0, tzinfo=TZ)) == []


def test_monthly_reports_are_reminded_on_the_due_day_and_chased_after(start_bot):
    bot = start_bot(clock=FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=TZ)))
    bot.say("qianqi", "月报 本月完成：看板")
    wait_text(bot, "qianqi", "已收到你的月报")
    assert run(bot, "monthly_report_reminder", datetime(2026, 12, 2, 10, 0, tzinfo=TZ)) == []
    run(bot, "monthly_report_reminder", datetime(2026, 12, 3, 10, 0, tzinfo=TZ))  # 3rd working day of December
    reminder = wait_text(bot, "zhouba", "月报提醒")
    assert "2026年11月的月报请在 12月3日（周四）17:00 前提交" in reminder
    assert "直接发「月报 本月完成…」即可" in reminder  # the month's words, not the week's
    assert not any("月报提醒" in t for t in texts(bot, "qianqi"))
    run(bot, "monthly_report_reminder", datetime(2026, 12, 4, 10, 0, tzinfo=TZ))
    told = wait_text(bot, "sunzuzhang", "月报已截止")
    assert "还有 1 人未交：周八" in told and "你自己的月报也还没交" in told
    assert run(bot, "monthly_report_reminder", datetime(2026, 12, 5, 10, 0, tzinfo=TZ)) == []
