"""The callback fast path: one INSERT per callback (ON CONFLICT DO NOTHING), batched outbox
claims, settled HTTP environment, cheap log redaction — with the same contracts as before."""
import logging
import threading

import pytest
import requests
from sqlalchemy import event, func, select

from bot.outbox import writer as outbox
from bot.conversation.context import Message
from bot.conversation.inbound import process_message
from bot.logs import RedactSecrets
from bot.outbox.writer import Dispatcher
from app import build_runtime
from models import InboundCallback, OutboxMessage, RecipientSend


@pytest.fixture
def runtime(make_settings):
    runtime = build_runtime(make_settings())
    yield runtime
    runtime.close()


def _statements(engine):
    """Collect the SQL the engine runs (executemany counted once)."""
    seen = []

    def record(_conn, _cursor, statement, _params, _context, executemany):
        seen.append(" ".join(statement.split()).upper())
    event.listen(engine, "before_cursor_execute", record)
    return seen


def _text(userid: str, content: str, msg_id: str) -> Message:
    return Message(msg_type="text", userid=userid, create_time=1700000000, msg_id=msg_id, text=content,
                   raw={"FromUserName": userid, "Content": content, "MsgId": msg_id})


def _count(runtime, model) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_callback_is_stored_with_its_handler_and_its_passive_answer(runtime):
    seen = _statements(runtime.engine)
    outcome = process_message(runtime, _text("zhangsan", "我是谁", "1001"))
    assert (outcome.handler, outcome.status, outcome.duplicate) == ("whoami", "done", False)
    assert "张三" in outcome.passive  # one short text: answered in the HTTP response, not sent
    inserts = [s for s in seen if s.startswith("INSERT INTO INBOUND_CALLBACKS")]
    assert len(inserts) == 1 and "ON CONFLICT" in inserts[0]
    updates = [s for s in seen if s.startswith("UPDATE INBOUND_CALLBACKS")]
    # SQLite: a route that only reads runs without the write lock, then ONE insert stores the
    # callback with its answer; PostgreSQL stores the callback first and the answer after.
    assert len(updates) == (0 if runtime.engine.dialect.name == "sqlite" else 1)
    with runtime.session_factory() as session:
        row = session.scalars(select(InboundCallback)).one()
        assert (row.dedupe_key, row.handler, row.status, row.content, row.error) == \
            ("msg:zhangsan:1001", "whoami", "done", "我是谁", None)
        assert row.payload["MsgId"] == "1001" and row.reply == outcome.passive
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalars(select(RecipientSend.recipient)).all() == ["zhangsan"]  # counted for pacing


def test_a_retry_has_no_second_effect_and_gets_the_same_answer(runtime):
    message = _text("zhangsan", "我是谁", "1002")
    first = process_message(runtime, message)
    assert not first.duplicate and first.passive
    for _ in range(2):
        again = process_message(runtime, message)
        assert again.duplicate and again.passive == first.passive
    assert (_count(runtime, InboundCallback), _count(runtime, OutboxMessage), _count(runtime, RecipientSend)) == (1, 0, 1)


def test_a_writing_route_runs_in_a_write_transaction_and_is_remembered(runtime):
    assert "report.weekly" not in runtime.writers  # each runtime learns its writers afresh
    outcome = process_message(runtime, _text("zhangsan", "周报 本周完成：回访", "1010"))
    assert outcome.handler == "report.weekly" and outcome.passive and "已收到" in outcome.passive
    from models.report import Report
    assert _count(runtime, Report) == 1
    if runtime.engine.dialect.name == "sqlite":
        assert "report.weekly" in runtime.writers


def test_a_person_at_wecoms_limit_gets_the_answer_through_the_outbox(runtime):
    from datetime import datetime, timezone
    with runtime.session_factory.begin() as session:  # thirty messages this minute already
        session.add_all(RecipientSend(recipient="wangwu", at=datetime.now(timezone.utc)) for _ in range(30))
    outcome = process_message(runtime, _text("wangwu", "我是谁", "1011"))
    assert outcome.passive is None
    with runtime.session_factory() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
    assert row.recipients == "wangwu" and "王五" in row.payload["text"]["content"]


def test_unrouted_text_and_strangers_keep_their_status(runtime):
    assert process_message(runtime, _text("zhangsan", "今天天气怎么样", "1003")).status == "unrouted"
    assert process_message(runtime, _text("nobody-here", "我是谁", "1004")).handler == "special:stranger"
    with runtime.session_factory() as session:
        stored = {r.dedupe_key: (r.handler, r.status) for r in session.scalars(select(InboundCallback))}
    assert stored["msg:zhangsan:1003"][1] == "unrouted"
    assert stored["msg:nobody-here:1004"] == ("special:stranger", "done")


def test_a_failing_handler_is_recorded_once_and_a_retry_stays_a_duplicate(runtime):
    import tests.support_handlers  # noqa: F401  (测试出错 raises after queueing a message)
    message = _text("zhouba", "测试出错", "1005")
    outcome = process_message(runtime, message)
    assert (outcome.handler, outcome.status) == ("failure", "failed")
    assert process_message(runtime, message).duplicate
    with runtime.session_factory() as session:
        row = session.scalars(select(InboundCallback)).one()
        bodies = [r.payload for r in session.scalars(select(OutboxMessage))]
    assert (row.status, row.handler, row.error) == ("failed", None, "RuntimeError")
    assert len(bodies) == 1 and "never be sent" not in str(bodies)


def test_concurrent_duplicates_have_one_effect(runtime):
    message = _text("lisi", "我是谁", "1006")
    barrier, outcomes = threading.Barrier(6), []

    def one():
        barrier.wait()
        outcomes.append(process_message(runtime, message))
    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.duplicate for o in outcomes) == [False] + [True] * 5
    assert (_count(runtime, InboundCallback), _count(runtime, RecipientSend)) == (1, 1)
    assert len({o.passive for o in outcomes}) == 1  # every attempt answered the same


# ---- the dispatcher ---------------------------------------------------------------------------

def test_a_batch_is_claimed_with_one_update_and_each_row_marked_the_moment_it_is_sent(runtime, fake_wecom):
    with runtime.session_factory.begin() as session:
        for i in range(5):
            outbox.enqueue_text(session, ["zhangsan"], f"m{i}", "test")
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="solo")
    try:
        seen = _statements(runtime.engine)
        assert dispatcher.run_once() == 5
        updates = [s for s in seen if s.startswith("UPDATE OUTBOX_MESSAGES")]
        # the claim, then one per row as WeCom accepts it: a crash re-sends at most one row (issue 9)
        assert len(updates) == 1 + 5
        assert len([s for s in seen if s.startswith("SELECT") and "OUTBOX_MESSAGES.PAYLOAD" in s]) == 1
    finally:
        dispatcher.stop()
    assert [m["text"] for m in fake_wecom.state.sent_to("zhangsan")] == [f"m{i}" for i in range(5)]
    with runtime.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {(r.status, r.attempts, r.leased_by, r.lease_until) for r in rows} == {("sent", 1, "solo", None)}
    assert all(r.response["errcode"] == 0 and r.sent_at for r in rows)


def test_dispatchers_claiming_at_once_take_disjoint_rows(runtime, fake_wecom):
    with runtime.session_factory.begin() as session:
        for i in range(40):
            outbox.enqueue_text(session, [f"user{i % 4}"], f"m{i}", "test")
    dispatchers = [Dispatcher(runtime.session_factory, runtime.client, name=f"d{n}", batch_size=15) for n in range(4)]
    barrier, claimed = threading.Barrier(4), {}

    def claim(d):
        from datetime import datetime, timezone
        barrier.wait()
        claimed[d.name] = [row.id for row in d._claim(datetime.now(timezone.utc))[0]]
    threads = [threading.Thread(target=claim, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for d in dispatchers:
        d.stop()
    ids = [i for rows in claimed.values() for i in rows]
    assert len(ids) == len(set(ids)) == 40


# ---- the WeCom client's HTTP session ----------------------------------------------------------

def test_the_environment_is_read_once_and_an_explicit_proxy_still_applies(make_settings, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    from bot.wecom.client import WeComClient, DatabaseTokenStorage
    settings = make_settings()
    direct = WeComClient(settings.wecom, DatabaseTokenStorage(None))._client._http
    assert direct.trust_env is False and not direct.proxies  # the fake API is on 127.0.0.1: NO_PROXY
    import dataclasses
    remote = dataclasses.replace(settings.wecom, api_base_url="https://qyapi.weixin.qq.com/cgi-bin/")
    http = WeComClient(remote, DatabaseTokenStorage(None))._client._http
    assert http.trust_env is False
    assert http.proxies.get("https") == "http://proxy.example:3128"
    assert http.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert isinstance(http, requests.Session)


# ---- log redaction ----------------------------------------------------------------------------

@pytest.mark.parametrize("msg, args, expected", [
    ("callback type=%s user=%s ms=%.1f", ("text", "zhangsan", 1.5), "callback type=text user=zhangsan ms=1.5"),
    ("GET %s", ("https://x/cgi-bin/gettoken?corpid=c&corpsecret=S3CR3T-VALUE",), "GET https://x/cgi-bin/gettoken?corpid=c&corpsecret=***"),
    ("url %s", ("/message/send?access_token=abcdef123",), "url /message/send?access_token=***"),
    ("secret is %s", ("TOPSECRETKEY",), "secret is ***"),
])
def test_log_redaction(msg, args, expected):
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    assert RedactSecrets(["TOPSECRETKEY"]).filter(record)
    assert record.getMessage() == expected
    if expected == msg % args:  # nothing to hide: the record is left as it was
        assert record.args == args
