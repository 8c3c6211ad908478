"""帮助, 我是谁 (P1), and the friendly answers to everything else — through encrypted callbacks."""
import pytest
from sqlalchemy import select

from models import InboundCallback
from tests.conftest import wait_until


def test_help_lists_what_the_bot_can_do_in_one_message(bot):
    bot.say("zhangsan", "帮助")
    text = bot.last_text("zhangsan")
    assert "我是创新服务助手" in text
    assert "【审批】采购申请、" in text and "【会议纪要】" in text
    assert "【其他】帮助、我是谁、组织架构" in text
    assert "取消" in text
    assert len(text.encode()) <= 2048


def test_help_for_one_area_shows_examples(bot):
    bot.say("zhangsan", "帮助 审批")
    text = bot.last_text("zhangsan")
    assert text.startswith("【审批】的用法：")
    assert "• 采购申请 — " in text and "例：采购申请 测试服务器3台 8万元 用于压测环境" in text
    bot.say("zhangsan", "帮助 天气")
    assert "没有「天气」这一类" in bot.last_text("zhangsan", 2) and "帮助 审批" in bot.last_text("zhangsan", 2)


def test_every_help_area_fits_one_message_for_every_role(bot):
    from handlers.general import _entries, area_help, help_text
    from bot.conversation.context import Context
    for member in bot.runtime.org.members.values():
        ctx = Context(session=None, settings=bot.settings, org=bot.runtime.org, now=None, user=member)
        assert len(help_text(ctx).encode()) <= 2048, member.userid
        for label in _entries(ctx):
            assert len(area_help(ctx, label).encode()) <= 2048, (member.userid, label)


def test_help_also_answers_slash_command_and_english(bot):
    bot.say("zhangsan", "/help")
    bot.say("lisi", "help")
    assert "我是谁" in bot.last_text("zhangsan")
    assert "我是谁" in bot.last_text("lisi")
    assert "【审批】" in bot.last_text("lisi")


def test_whoami_for_a_specialist_shows_group_and_leader(bot):
    bot.say("zhangsan", "我是谁")
    text = bot.last_text("zhangsan")
    assert "张三（zhangsan）" in text
    assert "小组：项目协调组" in text
    assert "角色：专员" in text
    assert "直属上级：李组长（组长）" in text


def test_whoami_follows_the_reporting_line_upwards(bot):
    bot.say("lizuzhang", "我是谁")
    bot.say("wangzong", "我是谁")
    assert "直属上级：王总监（总监）" in bot.last_text("lizuzhang")
    director = bot.last_text("wangzong")
    assert "角色：总监" in director and "直属上级：陈总（CEO）" in director


def test_org_chart(bot):
    bot.say("wujishu", "组织架构")
    text = bot.last_text("wujishu")
    assert "总监：王总监" in text
    assert "项目协调组：组长 李组长；专员 张三、李四" in text


def test_someone_outside_the_org_gets_a_friendly_refusal(bot):
    bot.say("stranger01", "帮助")
    # The fake API accepts any userid: the refusal must reach the stranger.
    text = bot.last_text("stranger01")
    assert "不在本部门的组织架构" in text and "stranger01" in text


def test_unknown_text_is_stored_and_answered_with_help(bot):
    bot.say("lisi", "今天天气怎么样")
    text = bot.last_text("lisi")
    assert "没看懂「今天天气怎么样」" in text and "我是谁" in text
    with bot.session() as s:
        row = s.scalars(select(InboundCallback).where(InboundCallback.userid == "lisi")).one()
    assert row.status == "unrouted" and row.content == "今天天气怎么样"


def test_a_voice_message_gets_a_text_only_answer(bot):
    # Files and pictures go to the documents area (tests/documents); other kinds are answered here.
    voice = bot.wecom.inner_xml("wangwu", "voice", {"MediaId": "m1", "Format": "amr"})
    assert bot.wecom.post(voice).status_code == 200
    text = bot.last_text("wangwu")
    assert "只能看懂文字" in text and "语音" in text


def test_menu_click_is_routed_like_the_command(bot):
    assert bot.wecom.click("qianqi", "whoami").status_code == 200
    assert "钱七（qianqi）" in bot.last_text("qianqi")


def test_first_entry_greets_once(bot):
    bot.wecom.enter_agent("zhouba")
    bot.wait_messages("zhouba", 1)
    import time
    time.sleep(1.1)  # a second entry, a second later: a different event
    bot.wecom.enter_agent("zhouba")
    wait_until(lambda: len([1 for _ in _inbound(bot, "zhouba")]) == 2, message="second enter_agent stored")
    assert len(bot.received("zhouba")) == 1
    assert "你好，周八" in bot.last_text("zhouba")


def test_cancel_without_a_conversation(bot):
    bot.say("zhangsan", "取消")
    assert "没有进行中的操作" in bot.last_text("zhangsan")


def _inbound(bot, userid):
    with bot.session() as s:
        return s.scalars(select(InboundCallback).where(InboundCallback.userid == userid)).all()


@pytest.mark.parametrize("typed,keyword,example", [
    ("请问怎么发周报", "周报", "周报 本周完成"),
    ("怎么查我的申请", "我的申请", "我的申请"),
    ("如何登记会议呢", "登记会议", "登记会议 评审"),
])
def test_a_question_naming_a_command_gets_how_to_send_it(bot, typed, keyword, example):
    bot.say("lisi", typed)
    text = bot.last_text("lisi")
    assert f"想用「{keyword}」吗？" in text and example in text and "没看懂" not in text
    with bot.session() as s:  # nothing ran: no report, no meeting
        assert s.scalars(select(InboundCallback.status).where(InboundCallback.userid == "lisi")).one() == "unrouted"
