"""Per-recipient pacing (issue 16): WeCom drops what exceeds 30 messages a minute or 1,000 an hour
to one person, so the outbox queues the excess instead of losing it. The dispatchers here run on an
injected clock, one round at a time: nothing sleeps."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app import build_runtime
from bot.outbox import writer as outbox
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.pacing import Pacing
from models import OutboxMessage, RecipientSend
from tests.conftest import FixedClock


@pytest.fixture
def runtime(make_settings):
    runtime = build_runtime(make_settings())
    yield runtime
    runtime.close()


@pytest.fixture
def clock():
    return FixedClock(datetime.now(timezone.utc) + timedelta(hours=1))  # ahead of every row written now


@pytest.fixture
def dispatchers(runtime, clock):
    """``dispatchers(name, **options)``: a dispatcher on the test clock, never started (tests call
    ``drain``); stopped at teardown."""
    made = []

    def make(name="d", **options):
        dispatcher = Dispatcher(runtime.session_factory, runtime.client, name=name, clock=clock, **options)
        made.append(dispatcher)
        return dispatcher
    yield make
    for dispatcher in made:
        dispatcher.stop()


def drain(dispatcher) -> None:
    """Run rounds until nothing more is due now."""
    while dispatcher.run_once():
        pass


def queue(runtime, recipients, texts) -> None:
    with runtime.session_factory.begin() as s:
        for text in texts:
            outbox.enqueue_text(s, recipients, text, "test")


def received(fake, userid) -> list[str]:
    return [m["text"] for m in fake.state.sent_to(userid)]


def pending(runtime) -> list[OutboxMessage]:
    with runtime.session_factory() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)).all()


def test_the_31st_message_in_a_minute_waits_a_minute_and_is_delivered(runtime, fake_wecom, clock, dispatchers):
    queue(runtime, ["zhangsan"], [f"第{i}条" for i in range(1, 32)])
    dispatcher = dispatchers()
    t0 = clock.current
    drain(dispatcher)
    assert received(fake_wecom, "zhangsan") == [f"第{i}条" for i in range(1, 31)]
    [waiting] = pending(runtime)
    assert waiting.payload["text"]["content"] == "第31条"
    assert waiting.next_attempt_at == t0 + timedelta(minutes=1)  # when the first send leaves the window

    clock.advance(seconds=59)
    drain(dispatcher)
    assert len(received(fake_wecom, "zhangsan")) == 30  # still a full minute: not sent, not lost

    clock.advance(seconds=1)
    drain(dispatcher)
    assert received(fake_wecom, "zhangsan")[-1] == "第31条"
    assert pending(runtime) == []


def test_the_budget_is_shared_by_every_dispatcher(runtime, fake_wecom, dispatchers):
    queue(runtime, ["lisi"], [f"m{i}" for i in range(40)])
    first, second = dispatchers("one", batch_size=20), dispatchers("two", batch_size=20)
    assert first.run_once() == 20
    drain(second)
    drain(first)
    assert received(fake_wecom, "lisi") == [f"m{i}" for i in range(30)]
    assert len(pending(runtime)) == 10


def test_the_hour_limit_holds_across_minutes(runtime, fake_wecom, clock, dispatchers):
    queue(runtime, ["wangwu"], [f"m{i}" for i in range(12)])
    dispatcher = dispatchers(pacing=Pacing(per_minute=3, per_hour=7))
    sent_per_minute = []
    for _ in range(5):
        before = len(received(fake_wecom, "wangwu"))
        drain(dispatcher)
        sent_per_minute.append(len(received(fake_wecom, "wangwu")) - before)
        clock.advance(minutes=1)
    assert sent_per_minute == [3, 3, 1, 0, 0]  # 7 within the hour, then nothing until it has passed
    clock.advance(minutes=56)
    drain(dispatcher)
    assert len(received(fake_wecom, "wangwu")) == 10  # the first minute's three have left the hour
    assert received(fake_wecom, "wangwu") == [f"m{i}" for i in range(10)]  # in order, none lost


def test_a_full_person_does_not_hold_up_the_others_in_one_message(runtime, fake_wecom, clock, dispatchers):
    queue(runtime, ["wangzong"], [f"报告{i}" for i in range(30)])
    dispatcher = dispatchers()
    drain(dispatcher)
    queue(runtime, ["wangzong", "lisi", "zhangsan"], ["全员通知"])
    drain(dispatcher)
    assert received(fake_wecom, "lisi") == received(fake_wecom, "zhangsan") == ["全员通知"]
    [waiting] = pending(runtime)
    assert waiting.recipients == "wangzong"
    clock.advance(minutes=1)
    drain(dispatcher)
    assert received(fake_wecom, "wangzong")[-1] == "全员通知"
    sends = [c["json"]["touser"] for c in fake_wecom.state.calls_to("message/send")]
    assert sends[-2:] == ["lisi|zhangsan", "wangzong"]


def test_a_failed_send_gives_its_slot_back(runtime, fake_wecom, clock, dispatchers, monkeypatch):
    from bot.outbox import dispatcher as module
    monkeypatch.setattr(module, "backoff_seconds", lambda attempts: 0)
    fake_wecom.state.fail_next("busy", "busy")
    queue(runtime, ["zhaoliu"], ["hello"])
    dispatcher = dispatchers()
    drain(dispatcher)
    assert received(fake_wecom, "zhaoliu") == ["hello"]
    with runtime.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(RecipientSend)) == 1  # two failures, one send


def test_the_log_forgets_what_no_window_needs(runtime, fake_wecom, clock, dispatchers):
    queue(runtime, ["qianqi"], ["a", "b"])
    dispatcher = dispatchers()
    drain(dispatcher)
    clock.advance(hours=1, minutes=2)
    queue(runtime, ["qianqi"], ["c"])
    drain(dispatcher)
    with runtime.session_factory() as s:
        assert s.scalars(select(RecipientSend.outbox_id)).all() == [3]
