"""Cards split by per-person pacing (issue 22): when some recipients of a card are at WeCom's
per-person limit, their copy goes a minute later with a task_id of its own — WeCom takes each
task_id once (doc 90236, 42014) — and its buttons work. The dispatcher runs on a test clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.outbox import writer as outbox
from bot.outbox.dispatcher import Dispatcher
from models import OutboxMessage
from tests.chat import cards, tap, texts
from tests.conftest import FixedClock, wait_until


def drain(dispatcher) -> None:
    while dispatcher.run_once():
        pass


def delivered(bot, predicate):
    """Deliver what is due (handlers may queue after their callback answered) until ``predicate()``."""
    return wait_until(lambda: (drain(bot.outbox), predicate())[1], message="a delivery")


def paced_bot(start_bot):
    """A bot whose outbox is delivered by hand on a test clock, two messages per person a minute."""
    bot = start_bot(wecom={"messages_per_person_minute": 2, "messages_per_person_hour": 1000})
    bot.runtime.dispatcher.stop()
    bot.runtime.dispatcher = None
    clock = FixedClock(datetime.now(timezone.utc) + timedelta(hours=1))  # ahead of every row written now
    bot.outbox = Dispatcher(bot.runtime.session_factory, bot.runtime.client, clock=clock, pacing=bot.runtime.pacing)
    bot.outbox_clock = clock
    return bot


def test_the_later_copy_of_an_urgent_card_has_its_own_task_id_and_can_be_acknowledged(start_bot):
    bot = paced_bot(start_bot)
    with bot.runtime.session_factory.begin() as s:  # 钱七 had a message this minute: her budget is spent
        outbox.enqueue_text(s, ["qianqi"], "刚才的消息", "test")
    drain(bot.outbox)
    bot.say("sunzuzhang", "紧急通知 @数据分析师组 数据库故障，请立即停止导入")
    first = delivered(bot, lambda: cards(bot, "zhouba", "ack_notice_1_"))[0]
    assert [m for m in bot.received("qianqi") if m.get("card")] == []  # waits for room
    bot.outbox_clock.advance(minutes=1)
    later = delivered(bot, lambda: cards(bot, "qianqi", "ack_notice_1_"))[0]
    assert later["task_id"] != first["task_id"] and later["button_list"] == first["button_list"]
    with bot.session() as s:
        assert s.scalars(select(OutboxMessage.status).where(OutboxMessage.status != "sent")).all() == []
        answers = [r.response for r in s.scalars(select(OutboxMessage).where(OutboxMessage.payload.is_not(None)))]
    assert all(a.get("errcode") in (0, None) for a in answers)  # nothing refused, nothing taken for delivered
    tap(bot, "qianqi", later, "收到")
    assert "紧急通知 #1" in next(t for t in delivered(bot, lambda: [t for t in texts(bot, "qianqi") if "已确认收到" in t]))


def test_kept_copies_follow_their_recipients_into_the_later_send(start_bot):
    from bot.wecom.cards import button_card
    from models import CardCopy

    bot = paced_bot(start_bot)
    card = button_card("demo_card_1", "演示卡片", buttons=[("知道了", "demo:1", "primary")])
    with bot.runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, ["qianqi"], "刚才的消息", "test")
        outbox.enqueue_text(s, ["qianqi"], "又一条", "test")
        [row] = outbox.enqueue_card(s, ["zhouba", "qianqi"], card, "test")
        s.flush()
        s.add_all([CardCopy(ref="demo", userid=u, task_id="demo_card_1", outbox_id=row.id,
                            created_at=datetime.now(timezone.utc)) for u in ("zhouba", "qianqi")])
    drain(bot.outbox)
    bot.outbox_clock.advance(minutes=1)
    later = delivered(bot, lambda: [m["card"] for m in bot.received("qianqi") if m.get("card")])[0]
    with bot.session() as s:
        copies = {c.userid: c for c in s.scalars(select(CardCopy))}
        assert copies["zhouba"].task_id == "demo_card_1" and copies["qianqi"].task_id == later["task_id"]
        sent = s.get(OutboxMessage, copies["qianqi"].outbox_id)
        assert sent.recipients == "qianqi" and sent.response["response_code"]  # the copy's own code updates it
