"""P6 end to end: who may link a meeting to a project with 「登记会议 … 项目 <编号>」, and what the
linked meeting is — the kickoff (also late, 补开), a mid-term review — never a link to an accepted project."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models.meeting import Meeting
from tests.chat import texts, wait_text
from tests.projects.helpers import TZ, audit, register, run

LINK = "登记会议 {title} {when} 参会 赵六 记录人 {taker} 项目 {id}"


def meetings(bot) -> list[Meeting]:
    with bot.session() as s:
        return list(s.scalars(select(Meeting).order_by(Meeting.id)))


def test_only_the_owner_their_leader_or_the_director_link_a_meeting(project_bot):
    bot = project_bot
    register(bot)  # 李组长 registers 数据平台 for 张三 (项目协调组)
    for userid, taker in (("wangwu", "王五"), ("lisi", "李四"), ("zhaozuzhang", "赵组长")):
        bot.say(userid, LINK.format(title="蹭会", when="12月9日 16:00-17:00", taker=taker, id=1))
        refusal = wait_text(bot, userid, "这次没有登记")
        assert "只有项目 #1「数据平台」的负责人 张三、组长 李组长 或总监可以把会议关联到这个项目" in refusal
        assert "去掉「项目 1」再发" in refusal
    assert meetings(bot) == [] and [a for a in audit(bot) if a[1] == "meeting_linked"] == []
    for userid, taker in (("zhangsan", "张三"), ("lizuzhang", "李组长"), ("wangzong", "王总监")):
        bot.say(userid, LINK.format(title="数据平台碰头会", when="12月9日 16:00-17:00", taker=taker, id=1))
        assert "项目：#1「数据平台」" in wait_text(bot, userid, "已登记会议")
    assert len(meetings(bot)) == 3


def test_an_accepted_project_takes_no_more_meetings(project_bot):
    bot = project_bot
    register(bot, "登记项目 数据平台 负责人 张三 计划立项 11月30日")
    bot.say("zhangsan", "项目完成 1")
    wait_text(bot, "zhangsan", "已标记完成")
    bot.say("lizuzhang", "项目验收 1 通过")
    wait_text(bot, "lizuzhang", "已记录项目")
    for userid, taker in (("wangwu", "王五"), ("zhangsan", "张三")):
        bot.say(userid, LINK.format(title="蹭会", when="明天 16:00-17:00", taker=taker, id=1))
        refusal = wait_text(bot, userid, "这次没有登记")
        assert "项目 #1「数据平台」已验收结束，不能再关联会议" in refusal
    assert meetings(bot) == []


def test_a_kickoff_after_the_window_is_a_late_kickoff_not_a_review(project_bot):
    bot = project_bot
    register(bot, "登记项目 客户门户 负责人 李四 计划立项 12月2日")
    bot.clock.current = datetime(2026, 12, 5, 9, 0, tzinfo=TZ)  # the window (11-25 … 12-02) has passed
    bot.say("lisi", LINK.format(title="客户门户启动会", when="明天 14:00-15:00", taker="李四", id=1))
    answer = wait_text(bot, "lisi", "已登记会议")
    assert "项目：#1「客户门户」（启动会，补开：晚于时间范围 11月25日（周三） 至 12月2日（周三）（P6））" in answer
    assert "中期评审" not in answer
    bot.say("lisi", "项目列表")
    assert "启动会 #1 12月6日（周日）（补开）" in wait_text(bot, "lisi", "项目（共 1 个）")
    assert ("lisi", "meeting_linked", "1") in audit(bot)
    # the next meeting linked is a review; the late kickoff does not count as this quarter's review
    bot.say("lisi", LINK.format(title="客户门户推进会", when="12月10日 14:00-15:00", taker="李四", id=1))
    assert "（中期评审）" in wait_text(bot, "lisi", "客户门户推进会")


def test_the_first_meeting_linked_after_the_window_is_the_kickoff_and_the_owner_is_told(project_bot):
    bot = project_bot
    register(bot, "登记项目 客户门户 负责人 李四 计划立项 12月2日")
    bot.clock.current = datetime(2026, 12, 5, 9, 0, tzinfo=TZ)
    bot.say("lizuzhang", LINK.format(title="客户门户碰头", when="12月7日 14:00-15:00", taker="李组长", id=1))
    assert "（启动会，补开：" in wait_text(bot, "lizuzhang", "已登记会议")
    told = wait_text(bot, "lisi", "补开")
    assert "李组长 登记了项目 #1「客户门户」的启动会 #1（12月7日（周一）），晚于启动会时间范围" in told


def test_a_late_kickoff_does_not_count_as_the_quarters_review(project_bot):
    bot = project_bot
    register(bot, "登记项目 客户门户 负责人 李四 计划立项 12月2日")
    bot.clock.current = datetime(2026, 12, 16, 9, 0, tzinfo=TZ)
    bot.say("lisi", LINK.format(title="客户门户启动会", when="12月17日 14:00-15:00", taker="李四", id=1))
    wait_text(bot, "lisi", "补开")
    assert len(run(bot, "project_review_reminder", datetime(2026, 12, 18, 10, 10, tzinfo=TZ))) == 1
    assert "#1「客户门户」" in wait_text(bot, "lisi", "还没有中期评审")
    assert all("补开" not in t for t in texts(bot, "zhaoliu"))  # the invitation carries no project note
