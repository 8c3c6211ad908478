"""P6 end to end: 登记项目 (group leaders and the director), bad input, 项目列表, 项目 <编号>,
and meetings linked to a project with 「登记会议 … 项目 <编号>」."""
from __future__ import annotations

from datetime import date

from tests.chat import texts, wait_text
from tests.conftest import wait_until
from tests.projects.helpers import REGISTER, audit, projects, register


def test_a_group_leader_registers_a_project_and_the_owner_is_told(project_bot):
    bot = project_bot
    answer = register(bot)
    assert "#1「数据平台」" in answer and "负责人：张三" in answer and "计划立项：12月15日（周二）" in answer
    assert "预计完成：2027" not in answer and "预计完成：3月31日（周三）" in answer
    # P6: the kickoff window is the kickoff_days (7) before the planned approval date
    assert "12月8日（周二） 至 12月15日（周二）" in answer
    assert "登记会议 数据平台启动会 12月15日 14:00-15:00 参会 张三" in answer and "项目 1" in answer
    told = wait_text(bot, "zhangsan", "你是负责人")
    assert "李组长 登记了项目 #1「数据平台」" in told and "12月8日（周二） 至 12月15日（周二）" in told
    [project] = projects(bot)
    assert (project.owner, project.planned_approval, project.expected_completion, project.status) == \
        ("zhangsan", date(2026, 12, 15), date(2027, 3, 31), "open")
    assert (project.department_id, project.group_id) == ("innovation", "coordination")
    assert audit(bot) == [("lizuzhang", "registered", "1")]


def test_a_specialist_may_not_register_a_project(project_bot):
    project_bot.say("zhangsan", REGISTER)
    answer = wait_text(project_bot, "zhangsan", "P6")
    assert "组长或总监登记" in answer and "李组长" in answer
    assert projects(project_bot) == [] and audit(project_bot) == []


def test_bad_registrations_are_explained_and_change_nothing(project_bot):
    bot = project_bot
    cases = [("登记项目 数据平台 负责人 张三", "还缺计划立项日期"),
             ("登记项目 负责人 张三 计划立项 12月15日", "还缺项目名称"),
             ("登记项目 数据平台 负责人 无名氏 计划立项 12月15日", "通讯录里没有「无名氏」"),
             ("登记项目 数据平台 负责人 张三 计划立项 下个月", "没看懂计划立项日期"),
             ("登记项目 数据平台 负责人 张三 计划立项 11月1日", "已经过去了"),
             ("登记项目 数据平台 负责人 张三 计划立项 12月15日 预计完成 12月1日", "早于计划立项日期"),
             ("登记项目 数据平台 负责人 张三 计划立项 2月30日", "没看懂计划立项日期「2月30日」")]
    for line, expected in cases:
        bot.say("zhaozuzhang", line)
        answer = wait_text(bot, "zhaozuzhang", expected)
        assert "登记项目 数据平台 负责人" in answer  # a working example
    assert projects(bot) == [] and audit(bot) == []
    register(bot)
    bot.say("wangzong", "登记项目 数据平台 负责人 李四 计划立项 12月20日")
    assert "已经有同名项目 #1「数据平台」" in wait_text(bot, "wangzong", "同名项目")
    assert len(projects(bot)) == 1


def test_project_list_and_details_show_the_kickoff_and_linked_meetings(project_bot):
    bot = project_bot
    register(bot)
    bot.say("zhangsan", "登记会议 数据平台启动会 12月9日 14:00-15:00 参会 李四 记录人 李四 项目 1")
    registered = wait_text(bot, "zhangsan", "已登记会议")
    assert "项目：#1「数据平台」（启动会）" in registered
    bot.say("lisi", "项目列表")
    listing = wait_text(bot, "lisi", "项目（共 1 个）")
    assert "#1「数据平台」 负责人 张三 · 计划立项 12月15日（周二） · 启动会 #1 12月9日（周三）" in listing
    bot.say("lisi", "项目 1")
    details = wait_text(bot, "lisi", "启动会时间范围")
    assert "会议 #1 12月9日（周三） 数据平台启动会（已安排）" in details and "归档文件：0 份" in details
    assert ("zhangsan", "meeting_linked", "1") in audit(bot)


def test_a_meeting_for_an_unknown_project_is_not_registered(project_bot):
    bot = project_bot
    bot.say("zhangsan", "登记会议 启动会 12月9日 14:00-15:00 参会 李四 记录人 李四 项目 7")
    assert "没有编号为 7 的项目" in wait_text(bot, "zhangsan", "项目列表")
    bot.say("zhangsan", "项目 99")
    wait_text(bot, "zhangsan", "没有编号为 99 的项目")
    bot.say("zhangsan", "项目完成 数据平台")
    assert "请写项目编号，例如：项目完成 1" in wait_text(bot, "zhangsan", "请写项目编号")
    # 「项目评审」 in a title is a title, not a project link
    bot.say("zhangsan", "登记会议 项目评审 12月9日 14:00-15:00 参会 李四 记录人 李四")
    answer = wait_text(bot, "zhangsan", "已登记会议")
    assert "「项目评审」" in answer and "项目：#" not in answer


def test_a_meeting_before_the_kickoff_window_is_flagged(project_bot):
    bot = project_bot
    register(bot)
    bot.say("zhangsan", "登记会议 数据平台预备会 12月2日 14:00 参会 李四 记录人 李四 项目 1")
    answer = wait_text(bot, "zhangsan", "已登记会议")
    assert "⚠️ 早于启动会时间范围 12月8日（周二） 至 12月15日（周二）（P6）" in answer
    assert all("⚠️" not in t for t in texts(bot, "lisi"))  # the invitation carries no warning


def test_fields_written_with_commas_and_no_spaces_are_understood(project_bot):
    """P6: labels may follow a Chinese or ASCII comma, values may follow the label directly."""
    bot = project_bot
    answer = register(bot, "登记项目 数据平台五期，负责人张三，计划立项12月20日，预计完成2027-03-31")
    assert "#1「数据平台五期」" in answer and "负责人：张三" in answer and "计划立项：12月20日（周日）" in answer
    assert "预计完成：3月31日（周三）" in answer
    bot.say("lizuzhang", "登记项目 数据平台六期,负责人:李四,计划立项:12月21日")
    assert "负责人：李四" in wait_text(bot, "lizuzhang", "#2「数据平台六期」")
    [first, second] = projects(bot)
    assert (first.name, first.owner, second.name, second.owner) == ("数据平台五期", "zhangsan", "数据平台六期", "lisi")
    # 登记会议 shares the field splitting: commas around the title, the names and the project number
    bot.say("zhangsan", "登记会议 数据平台评审会，12月9日14:00-15:00，参会李四，王五，记录人李四，项目1")
    registered = wait_text(bot, "zhangsan", "已登记会议")
    assert "「数据平台评审会」" in registered and "参会：张三、李四、王五" in registered
    assert "项目：#1「数据平台五期」" in registered


def test_a_project_name_is_one_line_of_plain_text(project_bot):
    """P6: markup, long names and extra lines are refused with an example, and nothing is registered."""
    bot = project_bot
    cases = [('登记项目 <a href="http://evil.example">门户</a> 负责人 张三 计划立项 12月20日', "不能含 < > [ ] ( )"),
             ("登记项目 [点我](http://evil.example) 负责人 张三 计划立项 12月20日", "（有「[」）"),
             ("登记项目 ### 大标题 负责人 张三 计划立项 12月20日", "（有「#」）"),
             ("登记项目 " + "很长" * 16 + " 负责人 张三 计划立项 12月20日", "项目名称最多 30 个字（现在 32 个）"),
             ("登记项目 A项目 负责人 张三 计划立项 12月20日\n✅ 已批准", "第 2 行「✅ 已批准」不是负责人"),
             ('登记项目 <a href="x">门户</a>\n✅ 已验收 负责人 张三 计划立项 12月20日', "第 2 行「✅ 已验收 负责人 张三")]
    for line, expected in cases:
        bot.say("lizuzhang", line)
        answer = wait_text(bot, "lizuzhang", expected)
        assert "这次没有登记" in answer and "登记项目 数据平台 负责人" in answer
    assert projects(bot) == [] and audit(bot) == []
    # fields on lines of their own are fine
    answer = register(bot, "登记项目 数据平台（二期）\n负责人 张三\n计划立项 12月20日")
    assert "#1「数据平台（二期）」" in answer and "负责人：张三" in answer


def test_projects_belong_to_the_home_department(project_bot):
    """P6 (README, Projects): owners are members of the department; outsiders do not read its projects."""
    bot = project_bot
    bot.say("lizuzhang", "登记项目 数据平台 负责人 刘财务 计划立项 12月15日")
    refusal = wait_text(bot, "lizuzhang", "这次没有登记")
    assert "负责人须是创新服务部的成员（P6），刘财务 在财务部" in refusal
    assert projects(bot) == []
    register(bot)
    for outsider in ("liucaiwu", "wujishu"):
        for line in ("项目列表", "项目 1"):
            bot.say(outsider, line)
        wait_until(lambda: len([t for t in texts(bot, outsider) if "只对创新服务部、总监和总经理开放" in t]) == 2,
                   message=f"two refusals to {outsider}")
        assert all("数据平台" not in t for t in texts(bot, outsider))
    bot.say("chenzong", "项目 1")
    assert "负责人：张三" in wait_text(bot, "chenzong", "启动会时间范围")
    bot.say("wangwu", "项目列表")
    wait_text(bot, "wangwu", "项目（共 1 个）")
