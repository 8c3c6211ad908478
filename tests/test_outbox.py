"""The transactional outbox: nothing lost when WeCom fails or the process dies, nothing twice."""
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select

from bot.outbox import dispatcher
from bot.outbox import writer as outbox
from bot.outbox.writer import Dispatcher, split_content
from app import build_runtime
from models import OutboxMessage
from tests.conftest import ROOT, free_port, outbox_busy, wait_until


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(dispatcher, "backoff_seconds", lambda attempts: 0.05)


@pytest.fixture
def runtime(make_settings):
    """A runtime with no server; ``runtime.dispatch(**options)`` starts a dispatcher stopped at teardown."""
    runtime = build_runtime(make_settings())
    started = []

    def dispatch(**options):
        dispatcher = Dispatcher(runtime.session_factory, runtime.client, **options).start()
        started.append(dispatcher)
        return dispatcher
    def stop_dispatchers():
        while started:
            started.pop().stop()
    runtime.dispatch = dispatch
    runtime.stop_dispatchers = stop_dispatchers
    yield runtime
    stop_dispatchers()
    runtime.close()


def _queue(bot, userid: str, text: str) -> None:
    """A message written to the outbox as a handler writes it (callback replies are mostly passive now)."""
    with bot.runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, [userid], text, "test")


def _rows(bot):
    with bot.session() as s:
        return s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.mark.parametrize("faults", [["http500"], ["busy", "busy"], ["limit"], ["http500", "busy", "expired"]])
def test_a_failing_api_delivers_once_it_recovers(bot, fast_retries, faults):
    bot.fake.state.fail_next(*faults)
    _queue(bot, "zhangsan", "你好，张三")
    messages = bot.wait_messages("zhangsan", 1)
    assert "张三" in messages[0]["text"]
    row = wait_until(lambda: (r := _rows(bot)) and r[0].status == "sent" and r[0], message="row sent")
    # an expired token is refreshed within the same attempt; every other fault costs one
    assert row.attempts == len([f for f in faults if f != "expired"]) + 1
    assert len(bot.received("zhangsan")) == 1
    # retried sends ask WeCom to drop duplicates
    sends = bot.fake.state.calls_to("message/send")
    assert sends[-1]["json"].get("enable_duplicate_check") == 1


def test_an_expired_token_is_refreshed_and_the_send_retried(bot):
    _queue(bot, "lisi", "第一条")
    bot.wait_messages("lisi", 1)
    assert len(bot.fake.state.calls_to("gettoken")) == 1
    bot.fake.state.expire_tokens()
    _queue(bot, "lisi", "第二条")
    bot.wait_messages("lisi", 2)
    assert len(bot.fake.state.calls_to("gettoken")) == 2  # 42001 → fetch a new token → resend


def test_a_permanent_error_marks_the_row_failed_and_logs_it(bot, caplog):
    bot.fake.state.known_users = {"nobody"}  # every recipient invalid → 81013
    _queue(bot, "wangwu", "你好")
    row = wait_until(lambda: (r := _rows(bot)) and r[0].status == "failed" and r[0], message="row failed")
    assert "81013" in row.last_error
    assert any("failed for good" in r.getMessage() for r in caplog.records)


def test_rows_past_the_retry_budget_are_failed(runtime, fake_wecom, fast_retries):
    with runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, ["zhangsan"], "hello", "test")
    fake_wecom.state.fail_next(*["busy"] * 50)
    # a budget long enough for several fast retries even on a loaded machine
    runtime.dispatch(retry_budget=timedelta(seconds=2), poll_interval=0.02)

    def failed_row():
        with runtime.session_factory() as s:
            row = s.scalars(select(OutboxMessage)).one()
            return row if row.status == "failed" else None
    row = wait_until(failed_row, timeout=20, message="budget exhausted")
    assert row.attempts >= 2


def test_a_commit_wakes_the_dispatcher_without_waiting_for_the_poll(runtime, fake_wecom):
    runtime.dispatch(poll_interval=60)
    with runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, ["zhangsan"], "wake up", "test")
    # far sooner than the 60 s poll: only the after-commit wake-up can explain it
    wait_until(lambda: fake_wecom.state.sent_to("zhangsan"), timeout=10, message="delivery")


def test_a_rolled_back_transaction_sends_nothing(runtime, fake_wecom):
    runtime.dispatch(poll_interval=0.05)
    with pytest.raises(RuntimeError):
        with runtime.session_factory.begin() as s:
            outbox.enqueue_text(s, ["zhangsan"], "never", "test")
            s.flush()
            raise RuntimeError("the state change failed")
    with runtime.session_factory.begin() as s:
        outbox.enqueue_text(s, ["zhangsan"], "marker", "test")
    wait_until(lambda: fake_wecom.state.sent_to("zhangsan"), message="marker")
    assert [m["text"] for m in fake_wecom.state.sent_to("zhangsan")] == ["marker"]


def test_two_dispatchers_never_send_the_same_row_twice(runtime, fake_wecom):
    with runtime.session_factory.begin() as s:
        for i in range(60):  # six people, ten each: well inside WeCom's 30 a minute per person
            outbox.enqueue_text(s, [f"user{i % 6}"], f"message {i}", "test")
    runtime.dispatch(poll_interval=0.01, name="one")
    runtime.dispatch(poll_interval=0.01, name="two")

    def texts():
        return [m["text"] for n in range(6) for m in fake_wecom.state.sent_to(f"user{n}")]
    wait_until(lambda: len(texts()) >= 60, timeout=20, message="60 sends")
    wait_until(lambda: not outbox_busy(runtime.session_factory, datetime.now(timezone.utc)), message="all sent")
    runtime.stop_dispatchers()  # a duplicate send, if any, has landed once they stopped
    texts = texts()
    assert sorted(texts) == sorted(f"message {i}" for i in range(60))
    with runtime.session_factory() as s:
        leased_by = {r.leased_by for r in s.scalars(select(OutboxMessage))}
    assert leased_by <= {"one", "two"}


def test_recipients_are_batched_by_a_thousand(runtime, fake_wecom):
    people = [f"user{i:04d}" for i in range(2500)]
    with runtime.session_factory.begin() as s:
        rows = outbox.enqueue_text(s, people + people[:10], "全员通知", "test")
    assert [len(r.recipients.split("|")) for r in rows] == [1000, 1000, 500]
    runtime.dispatch(poll_interval=0.05)
    wait_until(lambda: fake_wecom.state.sent_to("user2499") and fake_wecom.state.sent_to("user0000")
               and fake_wecom.state.sent_to("user1500"), message="all three batches delivered")
    sends = fake_wecom.state.calls_to("message/send")
    assert sorted(len(c["json"]["touser"].split("|")) for c in sends) == [500, 1000, 1000]


def test_a_killed_process_delivers_its_pending_messages_after_restart(make_settings, fake_wecom, config_file,
                                                                      start_bot):
    """Kill -9 a real `app.py serve` while WeCom is failing, restart, and the reply arrives."""
    settings = make_settings()
    port = free_port()
    config = config_file(port=port)
    fake_wecom.state.fail_next(*["http500"] * 10_000)
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from bot.emulator.callbacks import CallbackSender
        sender = CallbackSender(settings.wecom, f"http://127.0.0.1:{port}/wecom/callback")
        wait_until(lambda: _answers(sender), timeout=30, message="server up")
        wait_until(lambda: len(fake_wecom.state.calls_to("message/send")) >= 2, timeout=10, message="failing sends")
        # Kill it while the row waits for its next attempt (not mid-send under a 60 s lease, which a
        # restarted process rightly leaves alone until the lease runs out).
        wait_until(lambda: _waiting_for_retry(settings.database_url), timeout=20, message="row between attempts")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert fake_wecom.state.sent_to("lizuzhang") == []
    fake_wecom.state.faults.clear()
    bot = start_bot()  # the same database: pending rows are picked up again
    messages = bot.wait_messages("lizuzhang", 1, timeout=10)
    assert "周报汇总" in messages[0]["markdown"]


def _waiting_for_retry(url: str) -> bool:
    from datetime import datetime, timezone
    from sqlalchemy import create_engine, pool
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(OutboxMessage.status, OutboxMessage.next_attempt_at)).first()
    finally:
        engine.dispose()
    if row is None or row.status != "pending":
        return False
    due = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=timezone.utc)
    return (due - datetime.now(timezone.utc)).total_seconds() > 1.5


def _answers(sender) -> bool:
    try:
        # a markdown answer (not a passive text): it waits in the outbox while WeCom fails
        return sender.text("lizuzhang", "周报 汇总", msg_id=99887766).status_code == 200
    except Exception:
        return False


@given(st.text(alphabet=st.sampled_from(list("ab中文\n 🙂")), max_size=3000))
def test_split_content_is_lossless_and_within_the_limit(text):
    parts = split_content(text, limit=100)
    assert "".join(parts) == text
    assert all(len(p.encode()) <= 100 for p in parts)
    assert all(parts) or text == ""


def test_split_content_prefers_line_breaks():
    text = "\n".join(f"第{i}行：" + "内容" * 20 for i in range(50))
    parts = split_content(text)
    assert len(parts) > 1
    assert all(p.endswith("\n") for p in parts[:-1])
