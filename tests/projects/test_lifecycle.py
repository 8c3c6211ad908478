"""P6 end to end: 项目完成 keeps the order kickoff → 立项 → review → completion → acceptance, and
the answers about completion and acceptance read cleanly."""
from __future__ import annotations

from datetime import datetime

from tests.chat import texts, wait_text
from tests.projects.helpers import TZ, audit, projects, register


def test_a_project_is_not_completed_before_its_approval_date(project_bot):
    bot = project_bot
    register(bot)  # 计划立项 12月15日, today is 11月30日
    bot.say("zhangsan", "项目完成 1")
    refusal = wait_text(bot, "zhangsan", "还没到立项日期")
    assert "项目 #1「数据平台」计划 12月15日（周二） 立项，还没到立项日期，这次没有标记完成" in refusal
    assert "启动会 → 立项 → 中期评审 → 完成 → 验收" in refusal
    assert "请先在 12月8日（周二） 至 12月15日（周二） 之间召开启动会并登记" in refusal and "项目 1" in refusal
    assert projects(bot)[0].status == "open" and [a[1] for a in audit(bot)] == ["registered"]
    assert all("标记为完成" not in t for t in texts(bot, "wangzong"))
    # with the kickoff registered, the answer says so; still not before 立项
    bot.say("zhangsan", "登记会议 数据平台启动会 12月9日 14:00-15:00 参会 李四 记录人 李四 项目 1")
    wait_text(bot, "zhangsan", "已登记会议")
    bot.say("lizuzhang", "项目完成 1")
    assert "启动会 #1 已登记。立项以后再发「项目完成 1」" in wait_text(bot, "lizuzhang", "还没到立项日期")
    bot.clock.current = datetime(2026, 12, 15, 10, 0, tzinfo=TZ)
    bot.say("zhangsan", "项目完成 1")
    done = wait_text(bot, "zhangsan", "已标记完成")
    assert "✅ 项目 #1「数据平台」已标记完成" in done and "没有启动会" not in done
    assert projects(bot)[0].status == "completed"


def test_completing_without_a_kickoff_warns_and_the_answers_have_no_stray_spaces(project_bot):
    bot = project_bot
    register(bot, "登记项目 A项目 负责人 张三 计划立项 11月30日")
    bot.say("lisi", "项目完成 1")
    assert "可以标记项目 #1「A项目」完成" in wait_text(bot, "lisi", "标记项目")
    bot.say("zhangsan", "项目完成 1")
    assert "⚠️ 这个项目没有启动会的记录（P6）" in wait_text(bot, "zhangsan", "已标记完成")
    assert "没有启动会的记录" in wait_text(bot, "wangzong", "标记为完成")
    bot.say("zhangsan", "项目完成 1")
    assert "项目 #1「A项目」已经是「已完成」了" in wait_text(bot, "zhangsan", "无需再标记")
    bot.say("lizuzhang", "项目验收 1 通过")
    assert "✅ 已记录项目 #1「A项目」的验收：通过" in wait_text(bot, "lizuzhang", "已记录项目")
    assert "🎉 项目 #1「A项目」已由 李组长 验收：通过" in wait_text(bot, "zhangsan", "已由")
