"""SQLite: the process-wide write lock (models/db.py) — FIFO hand-off, always released, and no
path where a thread waits on itself or forever."""
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.wecom.client import DatabaseTokenStorage
from models import KeyValue
from models.db import WriteLock, make_engine, make_session_factory, sqlite_write_lock


def _in_thread(func, timeout: float = 10.0):
    """Run ``func`` in a thread; fail (instead of hanging the suite) if it does not finish."""
    result = {}

    def run():
        try:
            result["value"] = func()
        except BaseException as exc:  # noqa: BLE001 — handed back to the test
            result["error"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{func} still blocked after {timeout}s"
    return result


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    """A migrated SQLite file, whatever TEST_DATABASE_URL says (the lock is SQLite's)."""
    return sqlite_template.fresh(tmp_path / "lock.db")


@pytest.fixture
def factory(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


# ---- the lock itself ---------------------------------------------------------------------------

def test_the_lock_is_reentrant_and_any_thread_may_release_it():
    lock = WriteLock()
    assert lock.acquire() and lock.acquire()  # a second write transaction in the same thread
    lock.release()
    assert lock.owner == threading.get_ident()
    _in_thread(lock.release)  # e.g. a pooled connection reset from another thread
    assert lock.owner is None
    assert _in_thread(lambda: lock.acquire(timeout=1))["value"] is True


def test_the_lock_is_handed_over_in_arrival_order():
    lock, order = WriteLock(), []
    assert lock.acquire()

    def waiter(n):
        assert lock.acquire(timeout=10)
        order.append(n)
        lock.release()
    threads = []
    for n in range(4):
        threads.append(threading.Thread(target=waiter, args=(n,)))
        threads[-1].start()
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3]
    assert lock.owner is None


def test_a_waiter_gives_up_after_its_timeout_instead_of_waiting_forever():
    lock = WriteLock()
    assert lock.acquire()
    started = time.monotonic()
    assert _in_thread(lambda: lock.acquire(timeout=0.2))["value"] is False
    assert 0.15 < time.monotonic() - started < 5
    assert not lock._waiters
    lock.release()
    assert lock.owner is None


def test_one_lock_per_database_file(tmp_path):
    assert sqlite_write_lock(f"sqlite:///{tmp_path / 'a.db'}") is sqlite_write_lock(f"sqlite:///{tmp_path}/./a.db")
    assert sqlite_write_lock(f"sqlite:///{tmp_path / 'a.db'}") is not sqlite_write_lock(f"sqlite:///{tmp_path / 'b.db'}")


# ---- the engine takes and releases it ----------------------------------------------------------

def test_the_engine_releases_the_lock_after_commit_rollback_close_and_invalidate(sqlite_url, factory):
    lock = sqlite_write_lock(sqlite_url)
    with factory.begin() as session:
        session.add(KeyValue(key="a", value="1"))
        session.flush()
        assert lock.owner == threading.get_ident()
    assert lock.owner is None  # committed

    with pytest.raises(RuntimeError):
        with factory.begin() as session:
            session.add(KeyValue(key="b", value="2"))
            session.flush()
            raise RuntimeError("rolled back")
    assert lock.owner is None

    session = factory()
    session.execute(text("SELECT 1"))
    assert lock.owner == threading.get_ident()
    session.close()  # no commit: the pool's reset on return rolls back
    assert lock.owner is None

    session = factory()
    session.execute(text("SELECT 1"))
    session.connection().invalidate()
    assert lock.owner is None
    session.close()

    with factory() as session:  # and the database still works
        assert session.get(KeyValue, "a").value == "1"
        assert session.get(KeyValue, "b") is None
    assert lock.owner is None


def test_a_failed_begin_releases_the_lock(sqlite_url, tmp_path):
    import sqlite3
    other_process = sqlite3.connect(tmp_path / "lock.db", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
    engine = make_engine(sqlite_url, busy_timeout=0.2)
    try:
        with pytest.raises(OperationalError):
            with make_session_factory(engine).begin() as session:
                session.execute(text("SELECT 1"))
        assert sqlite_write_lock(sqlite_url).owner is None
    finally:
        other_process.rollback()
        other_process.close()
        engine.dispose()


def test_writers_of_one_process_queue_on_the_lock_not_on_the_busy_timeout(sqlite_url):
    """Six threads each hold the write lock 4 × 50 ms; a 0.2 s busy timeout alone would fail
    some of them ("database is locked"); queued on the process lock, all succeed."""
    engine = make_engine(sqlite_url, busy_timeout=0.2)
    factory = make_session_factory(engine)
    errors = []

    def writer(n):
        try:
            for i in range(4):
                with factory.begin() as session:
                    session.add(KeyValue(key=f"{n}-{i}", value="x"))
                    session.flush()
                    time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine.dispose()
    assert errors == []
    with make_session_factory(make_engine(sqlite_url)).begin() as session:
        assert session.query(KeyValue).count() == 24


def test_a_nested_write_in_the_same_thread_fails_on_the_busy_timeout_and_never_hangs(sqlite_url):
    """A thread that opens a second write transaction while it holds one (here: the token
    storage's) does not wait on itself: SQLite's busy timeout answers, as it always did."""
    engine = make_engine(sqlite_url, busy_timeout=0.3)
    factory = make_session_factory(engine)
    storage = DatabaseTokenStorage(factory)

    def nested():
        with factory.begin() as outer:
            outer.add(KeyValue(key="outer", value="1"))
            outer.flush()
            with pytest.raises(OperationalError, match="locked"):
                storage.set("token", "t", 7200)
        storage.set("token", "t", 7200)  # the outer one committed: now it works
        return True
    result = _in_thread(nested)
    assert result.get("value") is True, result.get("error")
    assert sqlite_write_lock(sqlite_url).owner is None
    with factory() as session:
        assert {row.key for row in session.query(KeyValue)} == {"outer", "token"}
    engine.dispose()


def test_a_token_refresh_waits_for_another_threads_transaction_and_then_completes(sqlite_url, factory):
    storage = DatabaseTokenStorage(factory)
    session = factory()
    session.add(KeyValue(key="held", value="1"))
    session.flush()  # this thread holds the write lock
    done = threading.Event()
    thread = threading.Thread(target=lambda: (storage.set("token", "t", 7200), done.set()), daemon=True)
    thread.start()
    assert not done.wait(0.2)  # queued behind the open transaction
    session.commit()
    session.close()
    assert done.wait(5)
    assert storage.get("token") == "t"


def test_scheduler_leases_and_a_failing_handler_work_under_the_lock(make_settings):
    """Paths that open a second transaction after the first: _record_failure, leases."""
    import tests.support_handlers  # noqa: F401  (the 测试出错 handler)
    from bot.conversation.context import Message
    from bot.conversation.inbound import process_message
    from app import build_runtime
    from scheduler import acquire_lease, release_lease

    runtime = build_runtime(make_settings())
    try:
        message = Message(msg_type="text", userid="zhouba", create_time=1, msg_id="4242", text="测试出错",
                          raw={"Content": "测试出错"})
        outcome = _in_thread(lambda: process_message(runtime, message))["value"]
        assert (outcome.handler, outcome.status) == ("failure", "failed")
        again = _in_thread(lambda: process_message(runtime, message))["value"]
        assert again.duplicate
        assert _in_thread(lambda: acquire_lease(runtime, "scheduler", "me"))["value"] is True
        assert _in_thread(lambda: acquire_lease(runtime, "scheduler", "other"))["value"] is False
        _in_thread(lambda: release_lease(runtime, "scheduler", "me"))
        if runtime.engine.dialect.name == "sqlite":
            assert sqlite_write_lock(runtime.settings.database_url).owner is None
    finally:
        runtime.close()
