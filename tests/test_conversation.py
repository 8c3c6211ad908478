"""Multi-turn conversations: state in the database, a timeout, and 取消 to leave."""
from datetime import datetime, timezone

from sqlalchemy import select

import tests.support_handlers  # noqa: F401
from models import ConversationState, InboundCallback, OutboxMessage
from tests.conftest import FixedClock


def test_the_next_message_goes_to_the_open_question(bot):
    bot.say("zhangsan", "测试问答 服务器")
    assert bot.last_text("zhangsan", 1) == "金额是多少？"
    bot.say("zhangsan", "8万")
    assert bot.last_text("zhangsan", 2) == "用途是什么？"
    bot.say("zhangsan", "压测")
    assert bot.last_text("zhangsan", 3) == "已记录：服务器 8万 压测"
    with bot.session() as s:
        assert s.get(ConversationState, "zhangsan") is None


def test_conversations_are_per_user(bot):
    bot.say("zhangsan", "测试问答 A")
    bot.wait_messages("zhangsan", 1)
    bot.say("lisi", "我是谁")
    assert "李四" in bot.last_text("lisi")


def test_the_state_survives_a_restart(start_bot):
    first = start_bot()
    first.say("wangwu", "测试问答 打印机")
    first.wait_messages("wangwu", 1)
    first.stop()
    second = start_bot()
    second.say("wangwu", "3000元")
    assert second.last_text("wangwu", 2) == "用途是什么？"  # the same fake WeCom saw both


def test_cancel_leaves_the_conversation(bot):
    bot.say("lisi", "测试问答 椅子")
    bot.wait_messages("lisi", 1)
    bot.say("lisi", "取消")
    assert "已取消" in bot.last_text("lisi", 2)
    bot.say("lisi", "我是谁")
    assert "李四" in bot.last_text("lisi", 3)


def test_an_expired_conversation_lets_the_message_route_normally(start_bot):
    clock = FixedClock(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))
    bot = start_bot(clock=clock)
    bot.say("qianqi", "测试问答 显示器")
    bot.wait_messages("qianqi", 1)
    clock.advance(minutes=31)  # policy.conversation_timeout_minutes = 30
    bot.say("qianqi", "我是谁")
    assert "钱七" in bot.last_text("qianqi", 2)
    bot.say("qianqi", "随便说点什么")
    # the expired flow was cleared, so this is an ordinary unknown message
    assert "没看懂" in bot.last_text("qianqi", 3)


def test_a_failing_handler_keeps_the_message_rolls_back_and_apologises(bot):
    bot.say("zhouba", "测试出错")
    text = bot.last_text("zhouba")
    assert "出错了" in text and "已保存" in text
    with bot.session() as s:
        row = s.scalars(select(InboundCallback)).one()
        bodies = [r.payload for r in s.scalars(select(OutboxMessage))]
    assert (row.status, row.content, row.error) == ("failed", "测试出错", "RuntimeError")
    assert all("never be sent" not in str(b) for b in bodies)


def test_the_sweeper_ends_timed_out_conversations_and_tells_the_user(start_bot):
    from scheduler import sweep_conversations
    clock = FixedClock(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))
    bot = start_bot(clock=clock)
    bot.say("zhouba", "测试问答 椅子")
    bot.wait_messages("zhouba", 1)
    assert sweep_conversations(bot.runtime, clock.current) == 0  # not yet
    clock.advance(minutes=31)
    assert sweep_conversations(bot.runtime, clock.current) == 1
    assert "已超时（30 分钟没有回复），已取消" in bot.last_text("zhouba", 2)
    assert sweep_conversations(bot.runtime, clock.current) == 0  # once
    with bot.session() as s:
        assert s.get(ConversationState, "zhouba") is None


def test_a_handler_that_lost_a_race_runs_again_once(bot):
    from tests.support_handlers import RACES
    RACES["left"] = 1
    bot.say("lisi", "测试竞争")
    assert bot.last_text("lisi", 2) == "第二次成功"
    assert [m["text"] for m in bot.received("lisi")] == ["written before the race was lost", "第二次成功"]
    with bot.session() as s:
        assert s.scalars(select(InboundCallback.status)).all() == ["done"]


def test_a_race_lost_twice_is_recorded_as_a_failure(bot):
    from tests.support_handlers import RACES
    RACES["left"] = 2
    bot.say("zhangsan", "测试竞争")
    assert "出错了" in bot.last_text("zhangsan")
    with bot.session() as s:
        assert s.scalars(select(InboundCallback.status)).all() == ["failed"]
    RACES["left"] = 0


def test_the_reminder_repeats_the_question_not_the_whole_message():
    from bot.conversation.flows import question_of
    assert question_of("要采购什么？例如：显示器 3500元") == "要采购什么？例如：显示器 3500元"  # one line: as it is
    alert = "🚨 已登记数据泄露事件 #1。\n请马上电话联系：王总监 13800000001\n泄露的是哪些数据？例如：客户姓名"
    assert question_of(alert) == "泄露的是哪些数据？例如：客户姓名"
    image = "收到图片。按制度（P7），请回复文件名，例如：\n数据平台项目-2026年11月-1.0版.jpg\n不需要归档就发「取消」。"
    assert question_of(image) == "请回复文件名，例如：数据平台项目-2026年11月-1.0版.jpg"
    assert question_of("「x.docx」还不能归档。\n请改名后重新发送；发「取消」放弃。") == "请改名后重新发送；发「取消」放弃。"


def test_the_answer_comes_before_the_note_on_the_open_question(bot):
    # Not a passive reply (shown whenever the HTTP response returns) while a note follows it: both
    # go through the outbox, the answer first.
    from tests.chat import texts, wait_text
    bot.say("lisi", "采购")
    wait_text(bot, "lisi", "要采购什么")
    bot.say("lisi", "我是谁", msg_id=990001)
    wait_text(bot, "lisi", "还在等你回复")
    with bot.session() as s:
        assert s.scalar(select(InboundCallback.reply).where(InboundCallback.dedupe_key == "msg:lisi:990001")) is None
        rows = [r.payload["text"]["content"] for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                if r.recipients == "lisi" and r.payload.get("msgtype") == "text"]
    answer = next(i for i, t in enumerate(rows) if "你是" in t)
    note = next(i for i, t in enumerate(rows) if "还在等你回复" in t)
    assert answer < note
    shown = texts(bot, "lisi")
    assert next(i for i, t in enumerate(shown) if "你是" in t) < next(i for i, t in enumerate(shown) if "还在等你回复" in t)
