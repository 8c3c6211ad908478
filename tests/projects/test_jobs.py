"""P6 jobs end to end: the kickoff reminder and the missed-kickoff notice, the quarterly mid-term
review reminder, acceptance reminded then escalated — each at the right moment and never twice."""
from __future__ import annotations

from datetime import datetime, timedelta

import app as app_module
from tests.chat import texts, wait_text
from tests.projects.helpers import MONDAY, TZ, audit, projects, register, run


def at(month: int, day: int, hour: int = 9, minute: int = 40, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def test_a_project_registered_today_gets_its_kickoff_reminder_once(project_bot):
    bot = project_bot
    register(bot)
    assert len(run(bot, "project_kickoff_reminder", at(11, 30))) == 1
    reminder = wait_text(bot, "zhangsan", "还没有登记启动会")
    assert "#1「数据平台」：12月8日（周二） 至 12月15日（周二）" in reminder
    assert "登记会议 数据平台启动会 12月15日 14:00-15:00" in reminder and "项目 1" in reminder
    assert run(bot, "project_kickoff_reminder", at(12, 1)) == []  # not twice
    # P6: again when the window opens, still without a kickoff meeting
    assert len(run(bot, "project_kickoff_reminder", at(12, 8))) == 1
    assert run(bot, "project_kickoff_reminder", at(12, 9)) == []
    assert [t for t in texts(bot, "wangzong") if "启动会" in t] == []
    assert [a for a in audit(bot) if a[1] == "kickoff_reminded"] == [("system:project_kickoff_reminder",
                                                                      "kickoff_reminded", "1")] * 2


def test_a_registered_kickoff_stops_the_reminders_and_counts_once_held(project_bot):
    bot = project_bot
    register(bot)
    bot.say("zhangsan", "登记会议 数据平台启动会 12月9日 14:00-15:00 参会 李四 记录人 李四 项目 1")
    wait_text(bot, "zhangsan", "已登记会议")
    assert run(bot, "project_kickoff_reminder", at(11, 30)) == []
    assert run(bot, "project_kickoff_reminder", at(12, 8)) == []
    assert run(bot, "project_kickoff_reminder", at(12, 16)) == []  # held on 12-09: the window closed fine


def test_a_missed_kickoff_window_is_told_to_the_owner_and_the_director_once(project_bot):
    bot = project_bot
    register(bot)
    register(bot, "登记项目 工具平台 负责人 王五 计划立项 12月15日", by="zhaozuzhang")
    assert len(run(bot, "project_kickoff_reminder", at(11, 30))) == 2  # one per owner
    assert len(run(bot, "project_kickoff_reminder", at(12, 8))) == 2  # the window opens
    assert run(bot, "project_kickoff_reminder", at(12, 15, 17)) == []  # the last day is still inside
    sent = run(bot, "project_kickoff_reminder", at(12, 16))
    assert len(sent) == 3  # 张三, 王五, and one message to the director listing both
    missed = wait_text(bot, "wangzong", "启动会的时间范围已过")
    assert "#1「数据平台」 负责人 张三" in missed and "#2「工具平台」 负责人 王五" in missed
    assert "#2" not in wait_text(bot, "zhangsan", "启动会的时间范围已过")
    assert run(bot, "project_kickoff_reminder", at(12, 17)) == []
    assert ("system:project_kickoff_reminder", "kickoff_missed", "1") in audit(bot)


def test_the_mid_term_review_is_reminded_in_the_quarters_last_two_weeks_until_held(project_bot):
    bot = project_bot
    register(bot, "登记项目 数据平台 负责人 张三 计划立项 12月1日")
    register(bot, "登记项目 工具平台 负责人 王五 计划立项 12月2日", by="zhaozuzhang")
    assert run(bot, "project_review_reminder", at(12, 17, 10, 10)) == []  # 15 days left: not yet
    assert len(run(bot, "project_review_reminder", at(12, 18, 10, 10))) == 2
    reminder = wait_text(bot, "zhangsan", "中期评审")
    assert "本季度（2026年第4季度，12月31日（周四） 结束）还剩 14 天" in reminder and "#1「数据平台」" in reminder
    assert "登记会议 数据平台中期评审 12月21日 14:00-15:00" in reminder  # Monday, not Saturday
    assert run(bot, "project_review_reminder", at(12, 21, 10, 10)) == []  # not twice in the same round
    # 王五 holds a review for his project; 张三 does not
    bot.clock.current = at(12, 22, 9, 0)
    bot.say("wangwu", "登记会议 工具平台中期评审 12月22日 10:00-11:00 参会 赵六 记录人 赵六 项目 2")
    assert "（中期评审）" in wait_text(bot, "wangwu", "已登记会议")
    sent = run(bot, "project_review_reminder", at(12, 25, 10, 10))  # 6 days left: the second round
    assert len(sent) == 1
    assert len([t for t in texts(bot, "zhangsan") if "中期评审" in t]) == 2
    assert len([t for t in texts(bot, "wangwu") if "中期评审" in t and "本季度" in t]) == 1
    assert run(bot, "project_review_reminder", at(12, 30, 10, 10)) == []


def test_acceptance_is_reminded_then_escalated_then_recorded(project_bot):
    bot = project_bot
    register(bot, "登记项目 数据平台 负责人 张三 计划立项 11月30日")  # approved today: it may be completed (P6)
    bot.say("lisi", "项目完成 1")
    assert "只有项目负责人 张三、组长或总监" in wait_text(bot, "lisi", "标记项目")
    bot.say("zhangsan", "项目完成 1")
    done = wait_text(bot, "zhangsan", "已标记完成")
    assert "验收须在 15 天内完成（截止 12月15日（周二））" in done and "项目验收 1 通过" in done
    assert "张三 把项目 #1「数据平台」标记为完成" in wait_text(bot, "wangzong", "标记为完成")
    assert projects(bot)[0].acceptance_due_at == MONDAY + timedelta(days=15)
    assert run(bot, "project_acceptance_reminder", at(12, 11, 9, 50)) == []  # more than 3 days left
    assert run(bot, "project_acceptance_reminder", at(12, 12, 9, 50)) == []  # Saturday: reminders wait (issue 30)
    assert len(run(bot, "project_acceptance_reminder", at(12, 14, 9, 50))) == 1  # Monday
    assert "验收快到期了" in wait_text(bot, "zhangsan", "验收快到期")
    assert run(bot, "project_acceptance_reminder", at(12, 14, 10, 50)) == []
    assert run(bot, "project_acceptance_reminder", at(12, 15, 9, 50))  # the director and the owner: one send
    wait_text(bot, "zhangsan", "已过验收截止日期")
    overdue = wait_text(bot, "wangzong", "已过验收截止日期")
    assert "#1「数据平台」 负责人 张三，验收截止 12月15日（周二）" in overdue
    assert run(bot, "project_acceptance_reminder", at(12, 16, 9, 50)) == []
    bot.clock.current = at(12, 17, 11, 0)
    bot.say("zhangsan", "项目验收 1 通过")
    assert "组长或总监记录" in wait_text(bot, "zhangsan", "组长或总监记录")
    bot.say("lizuzhang", "项目验收 1")
    wait_text(bot, "lizuzhang", "请写验收结论")
    bot.say("lizuzhang", "项目验收 1 通过，各项指标达标")
    accepted = wait_text(bot, "lizuzhang", "已记录项目")
    assert "通过，各项指标达标" in accepted and "已超期 2 天" in accepted
    assert "李组长 验收：通过，各项指标达标" in wait_text(bot, "zhangsan", "已由")
    assert projects(bot)[0].status == "accepted"
    assert run(bot, "project_acceptance_reminder", at(12, 18, 9, 50)) == []
    assert [a[1] for a in audit(bot)] == ["registered", "completed", "acceptance_reminded", "acceptance_escalated",
                                          "accepted"]


def test_jobs_run_on_the_command_line_sends_the_kickoff_reminder(project_bot, config_file, fake_wecom, capsys):
    register(project_bot)
    config = config_file()
    code = app_module.main(["jobs", "run", "project_kickoff_reminder", "--config", str(config),
                            "--now", "2026-11-30T10:00:00+08:00"])
    out = capsys.readouterr().out
    assert code == 0 and "1 message(s)" in out and "[sent] to zhangsan: text: 📌 这些项目还没有登记启动会" in out
    assert app_module.main(["jobs", "run", "project_kickoff_reminder", "--config", str(config),
                            "--now", "2026-11-30T11:00:00+08:00"]) == 0
    assert "0 message(s)" in capsys.readouterr().out


def test_kickoff_examples_suggest_a_working_day(project_bot):
    """P6: the window 12-13 (Sunday) … 12-20 (Sunday): the example is Friday 12-18, not a Sunday."""
    bot = project_bot
    answer = register(bot, "登记项目 数据平台 负责人 张三 计划立项 12月20日")
    assert "登记会议 数据平台启动会 12月18日 14:00-15:00" in answer
    run(bot, "project_kickoff_reminder", at(11, 30))
    assert "数据平台启动会 12月18日" in wait_text(bot, "zhangsan", "还没有登记启动会")
    run(bot, "project_kickoff_reminder", at(12, 25))  # Friday: the missed notice suggests Monday
    assert "登记会议 数据平台启动会 12月28日 14:00-15:00" in wait_text(bot, "zhangsan", "启动会的时间范围已过")
