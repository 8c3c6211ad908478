"""Notices end to end (P17): broadcast, one group, urgent with phone numbers, refusals, the list."""
from sqlalchemy import select

from models.notice import Notice
from tests.chat import texts, wait_text


def notices(bot):
    with bot.session() as s:
        return list(s.scalars(select(Notice).order_by(Notice.id)))


def test_the_director_broadcasts_to_the_department(bot):
    bot.say("wangzong", "通知 周五下午3点部门例会，请准时参加")
    assert "已发给全部门 9 人" in wait_text(bot, "wangzong", "✅ 通知")
    assert "周五下午3点部门例会" in wait_text(bot, "zhouba", "📢【通知】")
    assert "王总监 发给全部门" in wait_text(bot, "lizuzhang", "📢【通知】")
    assert not any("部门例会" in t for t in texts(bot, "liucaiwu"))  # finance is another department
    [notice] = notices(bot)
    assert (notice.sender, notice.group_id, notice.urgent, len(notice.recipients)) == ("wangzong", None, False, 9)


def test_a_group_leader_notifies_one_group(bot):
    bot.say("lizuzhang", "通知 @资源支持组 明天上午提交工具清单")
    wait_text(bot, "lizuzhang", "已发给资源支持组 3 人")
    assert "明天上午提交工具清单" in wait_text(bot, "wangwu", "【通知】")
    assert not any("工具清单" in t for t in texts(bot, "zhangsan"))


def test_an_urgent_notice_lists_phone_numbers_for_the_sender(bot):
    bot.say("sunzuzhang", "紧急通知 @数据分析师组 数据库故障，请立即停止导入")
    reply = wait_text(bot, "sunzuzhang", "请逐一电话确认")
    assert "钱七：13800000015" in reply and "周八：13800000016" in reply and "孙组长：" not in reply
    assert "数据库故障" in wait_text(bot, "qianqi", "🚨【紧急通知】")
    assert notices(bot)[0].urgent is True


def test_specialists_are_refused_and_bad_input_changes_nothing(bot):
    bot.say("zhangsan", "通知 大家好")
    assert "只有总监和组长可以发布通知" in wait_text(bot, "zhangsan", "P17")
    bot.say("qianqi", "紧急通知 着火了")
    wait_text(bot, "qianqi", "只有总监和组长")
    bot.say("wangzong", "通知 @市场组 明天开会")
    reply = wait_text(bot, "wangzong", "没有找到小组")
    assert "项目协调组、资源支持组、数据分析师组" in reply and "通知 @项目协调组" in reply
    bot.say("wangzong", "通知")
    assert "通知 周五下午3点部门例会" in wait_text(bot, "wangzong", "请在「通知」后面写上内容")
    assert notices(bot) == []
    assert not any("大家好" in t or "着火了" in t for t in texts(bot, "lisi"))


def test_recent_notices_are_listed(bot):
    bot.say("wangzong", "通知 第一条")
    wait_text(bot, "wangzong", "✅ 通知")
    bot.say("zhangsan", "通知 列表")
    assert "王总监→全部门：第一条" in wait_text(bot, "zhangsan", "最近的通知")
    bot.say("liucaiwu", "通知列表")
    assert "最近没有通知" in wait_text(bot, "liucaiwu", "最近没有通知")
