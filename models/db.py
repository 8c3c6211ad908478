"""Engine and session factory. SQLite gets WAL, foreign keys and a busy timeout.

SQLite allows one writer at a time, and every transaction here starts with BEGIN IMMEDIATE
(it takes the write lock up front). Left to SQLite alone, threads of one process waiting for
that lock poll it from the busy handler, sleeping 1, 2, 5 … 100 ms between tries: under load
most of a request's time is spent asleep while the lock is free, and the wait is unfair (p99
in the hundreds of ms). So each process also keeps one ``WriteLock`` per database file, taken
before BEGIN IMMEDIATE and released right after COMMIT or ROLLBACK: threads of this process
queue on it in arrival order and get the lock the moment it is free. The busy timeout still
arbitrates between processes (a second server, ``app.py worker``, the CLI).
"""
from __future__ import annotations

import collections
import logging
import os
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

BUSY_TIMEOUT = 30.0  # seconds: SQLite's busy timeout, and the longest wait for the process lock
_HOLDS = "sqlite_write_lock"  # key in a pooled connection's info: it holds the process lock
READ_ONLY = "bot_read_only"  # execution option: this transaction only reads (see read_session_factory)


class WriteLock:
    """A FIFO hand-off lock for the SQLite writer of one database file in this process.

    - Re-entrant per thread: a thread that opens a second write transaction while it holds one
      never waits on itself here (SQLite's busy timeout then decides, exactly as without this
      lock: a nested writer on the same file cannot get SQLite's lock either).
    - May be released by any thread (a connection can be reset on return to the pool, or
      invalidated, from another thread than the one that began its transaction).
    - ``acquire`` gives up after ``timeout`` seconds and returns False; the caller then goes on
      to BEGIN IMMEDIATE, whose busy timeout fails the way it always did. Nothing waits forever.
    """

    def __init__(self, timeout: float = BUSY_TIMEOUT):
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: collections.deque = collections.deque()  # (thread ident, its lock), oldest first

    @property
    def owner(self) -> int | None:
        return self._owner

    def acquire(self, timeout: float | None = None) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner is None:
                self._owner, self._depth = me, 1
                return True
            if self._owner == me:
                self._depth += 1
                return True
            waiter = threading.Lock()
            waiter.acquire()
            entry = (me, waiter)
            self._waiters.append(entry)
        waiter.acquire(timeout=self.timeout if timeout is None else timeout)
        with self._mutex:
            if self._owner == me:  # handed over by release() (possibly just as the wait timed out)
                return True
            self._waiters.remove(entry)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._owner is None:
                return
            self._depth -= 1
            if self._depth > 0:
                return
            if self._waiters:  # hand over directly: no thread can barge in between
                ident, waiter = self._waiters.popleft()
                self._owner, self._depth = ident, 1
                waiter.release()
            else:
                self._owner, self._depth = None, 0


_locks: dict[str, WriteLock] = {}
_locks_guard = threading.Lock()


def sqlite_write_lock(url: str) -> WriteLock:
    """The process-wide lock for the SQLite database at ``url`` (one per file; a fresh one for
    an in-memory database, which no other engine can share anyway)."""
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return WriteLock()
    key = os.path.realpath(database)
    with _locks_guard:
        return _locks.setdefault(key, WriteLock())


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout},
            pool_size=10,
            max_overflow=20,
        )
        write_lock = sqlite_write_lock(url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy's begin() drive transactions instead of pysqlite's implicit ones.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            read_only = bool(conn.get_execution_options().get(READ_ONLY))
            info = conn.connection.info
            if info.get(READ_ONLY, False) != read_only:  # a write in a reader fails instead of locking
                conn.exec_driver_sql(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")
                info[READ_ONLY] = read_only
            if read_only:
                conn.exec_driver_sql("BEGIN")  # a reader: WAL lets it run beside the writer, no lock
                return
            # Queue on this process's lock first, then BEGIN IMMEDIATE takes SQLite's write lock
            # up front, so writers of other processes queue on the busy timeout instead of failing
            # with "database is locked" on upgrade.
            if not info.get(_HOLDS):
                if write_lock.acquire():
                    info[_HOLDS] = write_lock
                else:
                    log.warning("waited %.0f s for the SQLite write lock of this process; going on to "
                                "SQLite's busy timeout", write_lock.timeout)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(info)
                raise

        _release_after_transaction(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _release(info: dict | None) -> None:
    lock = info.pop(_HOLDS, None) if info is not None else None
    if lock is not None:
        lock.release()


def _info(pooled) -> dict | None:
    try:  # an ad-hoc proxy (the dialect's first-connect set-up) has no info: it never holds the lock
        return pooled.info
    except (AttributeError, NotImplementedError):
        return None


def _release_after_transaction(engine: Engine) -> None:
    """Release the process lock right after the transaction ends — COMMIT or ROLLBACK, by the
    Connection or by the pool's reset on return — or when its connection is thrown away.

    SQLAlchemy's ``commit``/``rollback`` events fire *before* the statement runs, so the
    dialect's ``do_commit``/``do_rollback`` are wrapped (on this engine's dialect only); both
    the Connection and the pool pass the pooled connection, whose ``info`` says if it holds it.
    """
    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def commit_then_release(pooled):
        try:
            do_commit(pooled)
        finally:
            _release(_info(pooled))

    def rollback_then_release(pooled):
        try:
            do_rollback(pooled)
        finally:
            _release(_info(pooled))

    dialect.do_commit = commit_then_release
    dialect.do_rollback = rollback_then_release

    @event.listens_for(engine, "invalidate")
    def _invalidated(_dbapi_connection, record, _exc):
        _release(_info(record))

    @event.listens_for(engine, "close")
    def _closed(_dbapi_connection, record):
        _release(_info(record))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they BEGIN (deferred, ``query_only``) and never take the
    write lock, so a long read (a spreadsheet of a year's reports, a command that only looks)
    does not hold every writer up; a write in them raises. On other databases they are ordinary
    sessions."""
    return sessionmaker(bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
