"""Test plumbing without fixtures: a WSGI server thread that stops at once, waiting on a
condition, and what ``BotServer.settle()`` waits for."""
from __future__ import annotations

import selectors
import socket
import threading
import time
from datetime import datetime

from werkzeug.serving import make_server


class ServerThread:
    """A WSGI app served on 127.0.0.1 (a free port) in a background thread.

    ``stop()`` returns at once: the accept loop also waits on a wake-up socket, where werkzeug's
    ``serve_forever`` would notice ``shutdown()`` only at its next 0.5 s poll."""

    def __init__(self, app, port: int = 0):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._wake_r, self._wake_w = socket.socketpair()
        self.thread = threading.Thread(target=self._serve, name=f"test-server-{self.port}", daemon=True)
        self.thread.start()

    def _serve(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self.server, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                self.server._handle_request_noblock()  # accept; ThreadingMixIn answers in a thread

    def stop(self):
        if self.thread.is_alive():
            self._wake_w.send(b"x")
            self.thread.join()
        self.server.server_close()
        self._wake_r.close()
        self._wake_w.close()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02, message: str = "condition"):
    """Poll until ``predicate()`` is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settle_background(runtime, timeout: float = 5.0) -> None:
    """Wait until every task submitted so far to ``runtime.background()`` has finished: one
    barrier task per worker thread holds them all, so each has finished what it took before."""
    pool = runtime._background  # None until a handler deferred work
    if pool is None:
        return
    workers = pool._max_workers
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        pool.submit(barrier.wait, timeout)
    barrier.wait(timeout)


def outbox_busy(session_factory, now: datetime) -> bool:
    """An outbox row is being sent, or pending and due at ``now`` (aware UTC)."""
    from sqlalchemy import and_, exists, or_, select

    from models import OutboxMessage
    with session_factory() as s:
        return bool(s.scalar(select(exists().where(or_(
            OutboxMessage.status == "sending",
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now))))))
