"""Transactional outbox: messages are rows written in the same transaction as the change that
causes them, and a dispatcher thread delivers them after commit.

Handlers and jobs never call WeCom; they call ``enqueue_*`` with their session. A dispatcher
claims a row with a conditional UPDATE (a lease), so two dispatchers — threads or processes,
SQLite or PostgreSQL — never send the same row twice. Failures are retried with exponential
back-off; a row is marked failed only after ``retry_budget`` (default 24 h), and logged.
"""
from __future__ import annotations

import base64
import logging
import random
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import and_, bindparam, event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.wecom import WeComClient, WeComError, batches
from models import OutboxMessage

log = logging.getLogger(__name__)

TEXT_LIMIT = 2048  # bytes, for text and markdown content (WeCom)
FILE_LIMIT = 20 * 1024 * 1024  # bytes, media/upload (WeCom)
URGENT = 10  # outbox priority of urgent alerts (P15 leak reports): claimed before anything else
_WAKE_KEY = "outbox_written"


# ---- writing -----------------------------------------------------------------------------

def split_content(content: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into parts of at most ``limit`` UTF-8 bytes, at line breaks where possible;
    the parts joined give back the text exactly."""
    parts, current = [], ""
    for line in content.splitlines(keepends=True):
        while len(line.encode()) > limit:  # a single over-long line: cut by characters
            cut = len(line)
            while len(line[:cut].encode()) > limit:
                cut = cut * limit // len(line[:cut].encode()) or 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return parts


def enqueue(session: Session, recipients: list[str], body: dict, origin: str | None = None,
            priority: int = 0, kind: str = "send") -> list[OutboxMessage]:
    """Queue one ``message/send`` body for ``recipients`` (batched by 1000); rows of a higher
    ``priority`` are delivered before older rows of a lower one."""
    rows = [OutboxMessage(kind=kind, recipients="|".join(batch), payload=body, origin=origin, priority=priority,
                          next_attempt_at=datetime.now(timezone.utc))
            for batch in batches(recipients)]
    session.add_all(rows)
    session.info[_WAKE_KEY] = True
    return rows


def enqueue_text(session: Session, recipients: list[str], text: str, origin: str | None = None,
                 priority: int = 0) -> list[OutboxMessage]:
    rows = []
    for part in split_content(text):
        rows += enqueue(session, recipients, {"msgtype": "text", "text": {"content": part}}, origin, priority)
    return rows


def enqueue_markdown(session: Session, recipients: list[str], text: str, origin: str | None = None,
                     priority: int = 0) -> list[OutboxMessage]:
    rows = []
    for part in split_content(text):
        rows += enqueue(session, recipients, {"msgtype": "markdown", "markdown": {"content": part}}, origin, priority)
    return rows


def enqueue_card(session: Session, recipients: list[str], card: dict, origin: str | None = None,
                 priority: int = 0) -> list[OutboxMessage]:
    return enqueue(session, recipients, {"msgtype": "template_card", "template_card": card}, origin, priority)


def enqueue_file(session: Session, recipients: list[str], filename: str, data: bytes, content_type: str,
                 origin: str | None = None) -> list[OutboxMessage]:
    """Queue a file: the dispatcher uploads it (``media/upload``, temporary media live 3 days, so
    it is uploaded when delivered, again on a retry) and sends it with ``message/send``."""
    if len(data) > FILE_LIMIT:
        raise ValueError(f"{filename}: {len(data)} bytes is over WeCom's {FILE_LIMIT} for a file")
    body = {"filename": filename, "content_type": content_type, "data": base64.b64encode(data).decode("ascii")}
    return enqueue(session, recipients, body, origin, kind="send_file")


def enqueue_card_update(session: Session, userids: list[str], response_code: str, update_body: dict,
                        origin: str | None = None) -> OutboxMessage:
    """Queue ``message/update_template_card`` with a callback's ResponseCode (valid once, 72 h)."""
    row = OutboxMessage(kind="update_card", recipients="|".join(userids), origin=origin,
                        payload={"response_code": response_code, **update_body},
                        next_attempt_at=datetime.now(timezone.utc))
    session.add(row)
    session.info[_WAKE_KEY] = True
    return row


# ---- delivering --------------------------------------------------------------------------

def backoff_seconds(attempts: int) -> float:
    """1 s, 2 s, 4 s … capped at 10 minutes, with a little jitter."""
    return min(2 ** max(attempts - 1, 0), 600) * random.uniform(0.8, 1.2)


class Dispatcher:
    """Delivers due outbox rows in a background thread; woken at once after a commit."""

    def __init__(self, session_factory: sessionmaker[Session], client: WeComClient, *,
                 poll_interval: float = 1.0, lease_seconds: int = 60,
                 retry_budget: timedelta = timedelta(hours=24), name: str | None = None):
        self.session_factory = session_factory
        self.client = client
        self.poll_interval = poll_interval
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_budget = retry_budget
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._built: dict[int, tuple] = {}
        self._mark_statement = None
        event.listen(session_factory, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_WAKE_KEY, False):
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> "Dispatcher":
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        event.remove(self.session_factory, "after_commit", self._after_commit)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # the database may be briefly unavailable; keep the thread alive
                log.exception("outbox dispatcher loop failed; retrying")
                delivered = 0
            if not delivered:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    def run_once(self, now: datetime | None = None) -> int:
        """Claim and deliver what is due; returns how many rows were attempted.

        One transaction claims the batch and reads the claimed rows; the rows sent are marked
        in one transaction at the end of the batch (or sooner, once a quarter of the lease has
        passed, so a slow batch never outlives its lease unmarked); a failure is recorded at once.
        """
        claimed = self._claim(now or datetime.now(timezone.utc))
        sent: list[tuple[_Claimed, dict, float]] = []
        started = time.monotonic()
        for row in claimed:
            result = self._deliver(row)
            if result is not None:
                sent.append((row, *result))
            if sent and time.monotonic() - started > self.lease.total_seconds() / 4:
                self._mark_sent(sent)
                sent, started = [], time.monotonic()
        if sent:
            self._mark_sent(sent)
        return len(claimed)

    def _claimable(self, now):
        return or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
        )

    def _statements(self, limit: int):
        """The claim's statements, built once (building SQL expressions costs more than running them)."""
        cached = self._built.get(limit)
        if cached is None:
            table = OutboxMessage.__table__
            due = (select(table.c.id).where(self._claimable(bindparam("due_at", type_=table.c.next_attempt_at.type)))
                   .order_by(table.c.priority.desc(), table.c.id).limit(limit)
                   .with_for_update(skip_locked=True))  # PostgreSQL: dispatchers take disjoint batches
            claim = (table.update()
                     .where(table.c.id.in_(bindparam("claim_ids", expanding=True)),
                            self._claimable(bindparam("due_at", type_=table.c.next_attempt_at.type)))
                     .values(status="sending", lease_until=bindparam("claim_until", type_=table.c.lease_until.type),
                             leased_by=bindparam("claimer"), attempts=table.c.attempts + 1))
            columns = [table.c[name] for name in _Claimed._fields]
            read = select(*columns).where(table.c.id.in_(bindparam("claim_ids", expanding=True)),
                                          table.c.status == "sending", table.c.leased_by == bindparam("claimer"),
                                          table.c.lease_until == bindparam("claim_until", type_=table.c.lease_until.type))
            cached = self._built[limit] = (due, claim.returning(*columns), claim, read)
        return cached

    def _claim(self, now: datetime, limit: int = 50) -> list["_Claimed"]:
        """Lease up to ``limit`` due rows to this dispatcher with one conditional UPDATE, and read
        them, in one transaction. A row leased by another dispatcher in between is not claimable
        any more, so the UPDATE skips it."""
        due, claim_returning, claim, read = self._statements(limit)
        until = now + self.lease
        with self.session_factory.begin() as session:
            connection = session.connection()
            ids = connection.execute(due, {"due_at": now}).scalars().all()
            if not ids:
                return []
            params = {"claim_ids": ids, "due_at": now, "claim_until": until, "claimer": self.name}
            if connection.dialect.update_returning:
                rows = connection.execute(claim_returning, params).all()
            else:
                connection.execute(claim, params)
                rows = connection.execute(read, params).all()
        return sorted((_Claimed(*row) for row in rows), key=lambda row: (-row.priority, row.id))

    def _deliver(self, row: "_Claimed") -> tuple[dict, float] | None:
        """Send one claimed row; returns (response, ms) when sent, None when it failed (recorded)."""
        kind, payload, attempts = row.kind, dict(row.payload), row.attempts  # attempts counts this one
        recipients = row.recipients.split("|")
        started = time.perf_counter()
        try:
            if kind == "send":
                response = self.client.send(recipients, payload, duplicate_check=attempts > 1)
            elif kind == "update_card":
                code = payload.pop("response_code")
                response = self.client.update_template_card(recipients, code, payload)
            elif kind == "send_file":
                media_id = self.client.upload_media(payload["filename"], base64.b64decode(payload["data"]),
                                                    payload["content_type"])
                response = self.client.send(recipients, {"msgtype": "file", "file": {"media_id": media_id}},
                                            duplicate_check=attempts > 1)
            else:
                raise WeComError(None, f"unknown outbox kind {kind!r}", False)
        except WeComError as exc:
            self._failed(row.id, attempts, row.created_at, exc)
            return None
        except Exception as exc:  # a bug, not WeCom: keep the row, retry later, say so
            log.exception("outbox row %s: unexpected error", row.id)
            self._failed(row.id, attempts, row.created_at, WeComError(None, type(exc).__name__, True))
            return None
        return response, (time.perf_counter() - started) * 1000

    def _mark_sent(self, sent: list[tuple["_Claimed", dict, float]]) -> None:
        table = OutboxMessage.__table__
        if self._mark_statement is None:
            self._mark_statement = table.update().where(table.c.id == bindparam("row_id")).values(
                status="sent", sent_at=bindparam("at", type_=table.c.sent_at.type), lease_until=None,
                response=bindparam("answer", type_=table.c.response.type), last_error=None)
        at = datetime.now(timezone.utc)
        with self.session_factory.begin() as session:
            session.connection().execute(self._mark_statement, [
                {"row_id": row.id, "at": at, "answer": _clean_response(response)} for row, response, _ in sent])
        for row, _, ms in sent:
            log.info("outbox sent id=%s kind=%s recipients=%d ms=%.1f", row.id, row.kind,
                     row.recipients.count("|") + 1, ms)

    def _failed(self, row_id: int, attempts: int, created_at: datetime, exc: WeComError) -> None:
        now = datetime.now(timezone.utc)
        give_up = not exc.retryable or now - created_at > self.retry_budget
        values = dict(last_error=str(exc), lease_until=None)
        if give_up:
            values.update(status="failed")
            log.error("outbox row %s failed for good after %d attempts: %s", row_id, attempts, exc)
        else:
            delay = backoff_seconds(attempts)
            values.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
            log.warning("outbox row %s attempt %d failed (%s); retrying in %.1f s", row_id, attempts, exc, delay)
        with self.session_factory.begin() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))

    def wait_for(self, ids: list[int], timeout: float = 60.0) -> list[OutboxMessage]:
        """Block until every row in ``ids`` is sent or failed (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.session_factory() as session:
                rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                       .order_by(OutboxMessage.id)).all()
            if all(r.status in ("sent", "failed") for r in rows) or time.monotonic() > deadline:
                return list(rows)
            self.wake()
            time.sleep(0.05)


class _Claimed(NamedTuple):
    """A row leased to this dispatcher, as read in the claiming transaction."""

    id: int
    kind: str
    recipients: str
    payload: dict
    attempts: int
    created_at: datetime
    priority: int


def _clean_response(response: dict) -> dict:
    return {k: v for k, v in (response or {}).items() if k in ("errcode", "errmsg", "msgid", "response_code",
                                                                 "invaliduser", "invalidparty", "invalidtag")}
