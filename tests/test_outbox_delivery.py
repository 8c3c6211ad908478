"""Nothing sent twice, nothing marked failed that was delivered (issue 9): each row is marked the
moment WeCom accepts it, 42014 on a retried card means our earlier attempt arrived, and the parts
of a long message arrive in order even when one is retried."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app import build_runtime
from bot.outbox import dispatcher as dispatcher_module
from bot.outbox import writer as outbox
from bot.outbox.dispatcher import Dispatcher
from models import ApprovalStep, OutboxMessage
from tests.chat import tap, wait_card, wait_text
from tests.conftest import FixedClock, wait_until


@pytest.fixture
def runtime(make_settings):
    runtime = build_runtime(make_settings())
    yield runtime
    runtime.close()


@pytest.fixture
def clock():
    return FixedClock(datetime.now(timezone.utc) + timedelta(hours=1))  # ahead of every row written now


class Killed(BaseException):
    """What kill -9 does to a dispatcher: it stops where it is, nothing after runs."""


class DyingClient:
    """The real client, killed right after WeCom accepted the ``survive``-th send."""

    def __init__(self, client, survive: int):
        self.client, self.left = client, survive

    def send(self, *args, **kwargs):
        answer = self.client.send(*args, **kwargs)
        self.left -= 1
        if self.left == 0:
            raise Killed()
        return answer


def rows(runtime) -> list[OutboxMessage]:
    with runtime.session_factory() as s:
        return s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_rows_sent_before_a_kill_are_not_sent_again(runtime, fake_wecom, clock):
    with runtime.session_factory.begin() as s:
        for i in range(6):
            outbox.enqueue_text(s, ["zhangsan"], f"m{i}", "test")
    dying = Dispatcher(runtime.session_factory, DyingClient(runtime.client, survive=4), name="dying", clock=clock)
    with pytest.raises(Killed):
        dying.run_once()
    dying.stop()
    # the three rows WeCom accepted before the fourth are marked already; the fourth was in flight
    assert [r.status for r in rows(runtime)] == ["sent"] * 3 + ["sending"] * 3
    clock.advance(seconds=61)  # the dead dispatcher's lease runs out
    restarted = Dispatcher(runtime.session_factory, runtime.client, name="restarted", clock=clock)
    try:
        while restarted.run_once():
            pass
    finally:
        restarted.stop()
    assert [m["text"] for m in fake_wecom.state.sent_to("zhangsan")] == [f"m{i}" for i in range(6)]
    resent = [c["json"] for c in fake_wecom.state.calls_to("message/send")][-3:]
    assert resent[0]["enable_duplicate_check"] == 1  # the one in flight: WeCom drops it as a duplicate
    assert [r.status for r in rows(runtime)] == ["sent"] * 6


def test_a_card_resent_after_a_kill_is_marked_sent_not_failed(runtime, fake_wecom, clock):
    card = {"card_type": "button_interaction", "task_id": "appr_7_1_abcd", "main_title": {"title": "采购审批"},
            "button_list": [{"text": "同意", "style": 1, "key": "approval:approve:7:1"}]}
    with runtime.session_factory.begin() as s:
        outbox.enqueue_card(s, ["wangzong"], card, "test")
    dying = Dispatcher(runtime.session_factory, DyingClient(runtime.client, survive=1), name="dying", clock=clock)
    with pytest.raises(Killed):
        dying.run_once()
    dying.stop()
    clock.advance(seconds=61)
    restarted = Dispatcher(runtime.session_factory, runtime.client, name="restarted", clock=clock)
    restarted.run_once()
    restarted.stop()
    [row] = rows(runtime)
    assert (row.status, row.attempts, row.response["errcode"]) == ("sent", 2, 42014)
    assert "response_code" not in row.response  # unknown: a later update of this card falls back to text
    assert len(fake_wecom.state.sent_to("wangzong")) == 1


def test_a_bad_task_id_on_the_first_attempt_still_fails(runtime, fake_wecom):
    card = {"card_type": "button_interaction", "task_id": "has spaces", "main_title": {"title": "x"},
            "button_list": [{"text": "同意", "style": 1, "key": "k"}]}
    with runtime.session_factory.begin() as s:
        outbox.enqueue_card(s, ["wangzong"], card, "test")
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d")
    dispatcher.run_once()
    dispatcher.stop()
    [row] = rows(runtime)
    assert row.status == "failed" and "42014" in row.last_error


def test_a_card_whose_answer_was_lost_is_delivered_once_and_withdrawal_falls_back_to_text(bot, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "backoff_seconds", lambda attempts: 0.05)
    bot.say("zhaoliu", "采购 白板 800元")
    summary = wait_card(bot, "zhaoliu", "apprq_")
    bot.fake.state.fail_next("lost")  # the approver's card reaches WeCom, the answer does not reach us
    tap(bot, "zhaoliu", summary, "提交")
    submitted = wait_text(bot, "zhaoliu", "编号")
    request_id = int(re.search(r"编号 (\d+)", submitted).group(1))
    wait_card(bot, "wangzong")

    def card_row():
        with bot.session() as s:
            step = s.scalars(select(ApprovalStep).where(ApprovalStep.request_id == request_id)).first()
            row = s.get(OutboxMessage, step.card_outbox_id)
            return row if row.status != "pending" and row.status != "sending" else None
    row = wait_until(card_row, message="card row settled")
    assert (row.status, row.response["errcode"]) == ("sent", 42014)
    assert len([m for m in bot.received("wangzong") if m.get("card")]) == 1
    bot.say("zhaoliu", f"撤回 {request_id}")
    wait_text(bot, "wangzong", f"已撤回采购申请 #{request_id}")  # no response_code: told by text


def test_the_parts_of_a_long_message_arrive_in_order_when_one_is_retried(runtime, fake_wecom, clock, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "backoff_seconds", lambda attempts: 5)
    text = "".join(f"第{i:03d}行：" + "内容" * 30 + "\n" for i in range(80))  # about 3 parts of ≤ 2,048 bytes
    with runtime.session_factory.begin() as s:
        parts = outbox.enqueue_text(s, ["lisi", "wangwu"], text, "test")
    assert len(parts) >= 3 and len({p.chain for p in parts}) == 1
    fake_wecom.state.fail_next("busy")  # the first part fails once
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d", clock=clock)
    try:
        assert dispatcher.run_once() == 1  # only the first part is due: the others wait behind it
        assert dispatcher.run_once() == 0  # the first part waits for its retry, the others behind it
        assert fake_wecom.state.sent_to("lisi") == []
        clock.advance(seconds=5)
        while dispatcher.run_once():
            pass
    finally:
        dispatcher.stop()
    for userid in ("lisi", "wangwu"):
        assert "".join(m["text"] for m in fake_wecom.state.sent_to(userid)) == text


def test_a_part_that_fails_for_good_lets_the_next_one_go(runtime, fake_wecom):
    text = "x" * 3000
    with runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, ["lisi"], text, "test")
    fake_wecom.state.known_users = {"nobody"}  # 81013: no retry can help
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d")
    try:
        while dispatcher.run_once():
            pass
    finally:
        dispatcher.stop()
    assert [r.status for r in rows(runtime)] == ["failed", "failed"]


def test_a_priority_row_goes_ahead_of_everything_due(runtime, fake_wecom):
    with runtime.session_factory.begin() as s:
        for i in range(3):
            outbox.enqueue_text(s, ["wangzong"], f"例行 {i}", "test")
        outbox.enqueue_text(s, ["wangzong"], "紧急：数据泄露", "test", priority=1)
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d")
    try:
        while dispatcher.run_once():
            pass
    finally:
        dispatcher.stop()
    assert [m["text"] for m in fake_wecom.state.sent_to("wangzong")] == ["紧急：数据泄露", "例行 0", "例行 1", "例行 2"]


def test_a_file_is_uploaded_once_and_its_resend_is_recognised(runtime, fake_wecom, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "backoff_seconds", lambda attempts: 0)
    with runtime.session_factory.begin() as s:
        outbox.enqueue_file(s, ["wangzong"], "周报汇总.xlsx", b"PK-spreadsheet", "application/octet-stream", "test")
    fake_wecom.state.fail_next("pass", "lost")  # uploaded; then the send's answer is lost
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d")
    try:
        while dispatcher.run_once():
            pass
    finally:
        dispatcher.stop()
    [row] = rows(runtime)
    assert row.status == "sent"
    uploads = fake_wecom.state.calls_to("media/upload")
    sends = [c["json"] for c in fake_wecom.state.calls_to("message/send")]
    assert len(uploads) == 1 and len(sends) == 2  # the resend reuses the media_id…
    assert len({s["file"]["media_id"] for s in sends}) == 1  # …so it is the same body: WeCom drops it
    [received] = fake_wecom.state.sent_to("wangzong")
    assert received["filename"] == "周报汇总.xlsx" and received["size"] == len(b"PK-spreadsheet")
