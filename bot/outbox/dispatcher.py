"""The outbox dispatcher: delivers committed outbox rows to WeCom, each exactly once.

A dispatcher claims due rows with a lease in one short transaction (serialised between
dispatchers: SQLite's write lock, a PostgreSQL advisory lock), sends them one by one and marks
each row the moment WeCom answers, so a crash re-sends at most the row that was in flight — and
that one is sent again with WeCom's duplicate check on, or, for a card, recognised by 42014. The
claim also keeps WeCom's per-person limits (``bot.outbox.pacing``) and the order of a long message's
parts. Failures are retried with exponential back-off; a row is marked failed only when WeCom
refuses it for good or after ``retry_budget`` (default 24 h), and logged.
"""
from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

from sqlalchemy import and_, bindparam, event, exists, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import attachments, unreached
from bot.outbox.pacing import Pacing
from bot.wecom import card_copies
from bot.wecom.client import WeComClient, WeComError
from models import OutboxAttachment, OutboxMessage
from models.db import read_session_factory

log = logging.getLogger("bot.outbox")

WAKE_KEY = "outbox_written"  # session.info flag: this transaction wrote outbox rows
CLAIM_LOCK = 0x6F7574626F78  # PostgreSQL advisory lock id ("outbox") serialising claims
# Errors that, on a retry, mean an earlier attempt was delivered: the card's task_id is taken
# (42014) or the card update's response_code is used (42022) — by our own earlier send.
DELIVERED_EARLIER = {("send", 42014), ("update_card", 42022)}
MEDIA_REUSE = timedelta(days=2)  # WeCom keeps uploaded media 3 days; upload again after 2
_TABLE = OutboxMessage.__table__
_OPEN = ("pending", "sending")


def backoff_seconds(attempts: int) -> float:
    """1 s, 2 s, 4 s … capped at 10 minutes, with a little jitter."""
    return min(2 ** max(attempts - 1, 0), 600) * random.uniform(0.8, 1.2)


class _Claimed(NamedTuple):
    """A due row as read in the claiming transaction."""

    id: int
    kind: str
    recipients: str
    payload: dict
    attempts: int
    created_at: datetime
    chain: str | None
    part: int
    priority: int
    origin: str | None


def _due_statement(limit: int):
    """Due rows (pending and due, or leased with the lease run out) whose earlier parts are all
    sent or failed, highest priority first, then in the order they were written."""
    earlier = _TABLE.alias("earlier")
    earlier_open = exists().where(earlier.c.chain == _TABLE.c.chain, earlier.c.part < _TABLE.c.part,
                                  earlier.c.status.in_(_OPEN))
    due_at = bindparam("due_at", type_=_TABLE.c.next_attempt_at.type)
    claimable = or_(and_(_TABLE.c.status == "pending", _TABLE.c.next_attempt_at <= due_at),
                    and_(_TABLE.c.status == "sending", _TABLE.c.lease_until < due_at))
    return (select(*(_TABLE.c[name] for name in _Claimed._fields))
            .where(claimable, or_(_TABLE.c.part == 0, ~earlier_open))
            .order_by(_TABLE.c.priority.desc(), _TABLE.c.id).limit(limit)
            .with_for_update(skip_locked=True, of=_TABLE))


_CLAIM = _TABLE.update().where(_TABLE.c.id.in_(bindparam("ids", expanding=True))).values(
    status="sending", lease_until=bindparam("until", type_=_TABLE.c.lease_until.type),
    leased_by=bindparam("claimer"), attempts=_TABLE.c.attempts + 1)
_NARROW = _TABLE.update().where(_TABLE.c.id == bindparam("row_id")).values(recipients=bindparam("to"))
_DEFER = _TABLE.update().where(_TABLE.c.id == bindparam("row_id")).values(
    status="pending", lease_until=None, next_attempt_at=bindparam("at", type_=_TABLE.c.next_attempt_at.type))
_SENT = _TABLE.update().where(_TABLE.c.id == bindparam("row_id")).values(
    status="sent", sent_at=bindparam("at", type_=_TABLE.c.sent_at.type), lease_until=None,
    response=bindparam("answer", type_=_TABLE.c.response.type), last_error=None)


class Dispatcher:
    """Delivers due outbox rows in a background thread; woken at once after a commit.

    ``clock`` (aware UTC datetimes) drives leases, back-off and pacing, so tests can move time."""

    def __init__(self, session_factory: sessionmaker[Session], client: WeComClient, *,
                 poll_interval: float = 1.0, lease_seconds: int = 60,
                 retry_budget: timedelta = timedelta(hours=24), name: str | None = None,
                 clock: Callable[[], datetime] | None = None, pacing: Pacing | None = None,
                 batch_size: int = 50, build_context: Callable[[Session], object] | None = None,
                 on_unreached: Callable[[Session, int, str | None, dict], None] | None = None):
        self.session_factory = session_factory
        self.client = client
        self.poll_interval = poll_interval
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_budget = retry_budget
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.pacing = pacing or Pacing()
        self.build_context = build_context  # session → the context file builders get (bot.outbox.attachments)
        # (session, row id, origin, reason → ids): told, in the marking transaction, who a send missed
        self.on_unreached = on_unreached
        self._read_factory = read_session_factory(session_factory.kw["bind"])
        self._due = _due_statement(batch_size)
        self._pruned_at: datetime | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        event.listen(session_factory, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(WAKE_KEY, False):
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
                handled = self.run_once()
            except Exception:  # the database may be briefly unavailable; keep the thread alive
                log.exception("outbox dispatcher loop failed; retrying")
                handled = 0
            if not handled:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    def run_once(self, now: datetime | None = None) -> int:
        """Claim what is due and fits the recipients' budgets, deliver it row by row, marking
        each row as soon as WeCom answers. ``now`` fixes the clock for this round (tests).
        Returns how many rows were handled: sent, failed or put back to wait for room."""
        clock = (lambda: now) if now is not None else self.clock
        claimed, deferred = self._claim(clock())
        for row in claimed:
            self._deliver(row, clock)
        return len(claimed) + deferred

    def _claim(self, now: datetime) -> tuple[list[_Claimed], int]:
        """Lease due rows to this dispatcher in one transaction. Recipients without room in
        WeCom's per-person limits are split off into a row that waits for the room."""
        with self.session_factory.begin() as session:
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            self._prune(connection, now)
            rows = [_Claimed(*row) for row in connection.execute(self._due, {"due_at": now})]
            if not rows:
                return [], 0
            sends = [(row.id, row.recipients.split("|")) for row in rows if row.kind == "send"]
            plan = self.pacing.plan(connection, sends, now)
            claimed, deferred = [], 0
            for row in rows:
                ready = plan.now.get(row.id)
                later = plan.later.get(row.id)
                if later:
                    deferred += 1
                    if not ready:
                        connection.execute(_DEFER, {"row_id": row.id, "at": later[1]})
                        continue
                    self._split(session, row, ready, *later)
                    row = row._replace(recipients="|".join(ready))
                claimed.append(row._replace(attempts=row.attempts + 1))
            if claimed:
                connection.execute(_CLAIM, {"ids": [r.id for r in claimed], "until": now + self.lease,
                                            "claimer": self.name})
                self.pacing.record(connection, [(r.id, r.recipients.split("|")) for r in claimed
                                                if r.kind == "send"], now)
        return claimed, deferred

    def _split(self, session: Session, row: _Claimed, ready: list[str], waiting: list[str], at: datetime) -> None:
        """Send ``row`` to ``ready`` now; a copy (same chain, part and attempts, so a resend
        keeps the duplicate check) waits for the others until ``at``. An interactive card's copy
        gets a task_id of its own: WeCom refuses a task_id sent before (42014)."""
        connection = session.connection()
        connection.execute(_NARROW, {"row_id": row.id, "to": "|".join(ready)})
        payload, task_id = card_copies.with_fresh_task_id(row.payload)
        copy_id = connection.execute(_TABLE.insert().returning(_TABLE.c.id), {
            "created_at": row.created_at, "kind": row.kind, "recipients": "|".join(waiting), "payload": payload,
            "status": "pending", "attempts": row.attempts, "next_attempt_at": at, "origin": row.origin,
            "chain": row.chain, "part": row.part, "priority": row.priority}).scalar_one()
        if task_id:
            card_copies.moved(connection, row.id, copy_id, waiting, task_id)
        log.info("outbox row %s: %d recipient(s) at WeCom's per-person limit wait until %s",
                 row.id, len(waiting), at.isoformat(timespec="seconds"))

    def _prune(self, connection, now: datetime) -> None:
        if self._pruned_at is None or now - self._pruned_at > timedelta(minutes=1):
            self.pacing.prune(connection, now)
            self._pruned_at = now

    def _deliver(self, row: _Claimed, clock: Callable[[], datetime]) -> None:
        """Send one claimed row and record the outcome at once."""
        payload, recipients = dict(row.payload), row.recipients.split("|")
        started = time.perf_counter()
        try:
            if row.kind == "send":
                if "build" in payload.get("file", {}):
                    payload = {"msgtype": "file", "file": {"attachment_id": self._build(row, payload["file"])}}
                if "attachment_id" in payload.get("file", {}):
                    payload = {"msgtype": "file", "file": {"media_id": self._media_id(payload["file"]["attachment_id"],
                                                                                      clock())}}
                response = self.client.send(recipients, payload, duplicate_check=row.attempts > 1)
            elif row.kind == "update_card":
                code = payload.pop("response_code")
                response = self.client.update_template_card(recipients, code, payload)
            else:
                raise WeComError(None, f"unknown outbox kind {row.kind!r}", False)
        except WeComError as exc:
            if row.attempts > 1 and (row.kind, exc.errcode) in DELIVERED_EARLIER:
                # Our own earlier attempt reached WeCom but was not marked (a crash, a lost answer).
                log.info("outbox row %s: errcode %s on attempt %d means an earlier attempt was delivered",
                         row.id, exc.errcode, row.attempts)
                self._mark_sent(row, {"errcode": exc.errcode, "errmsg": "delivered by an earlier attempt"}, clock())
                return
            self._failed(row, exc, clock())
            return
        except Exception as exc:  # a bug, not WeCom: keep the row, retry later, say so
            log.exception("outbox row %s: unexpected error", row.id)
            self._failed(row, WeComError(None, type(exc).__name__, True), clock())
            return
        self._mark_sent(row, response, clock())
        log.info("outbox sent id=%s kind=%s recipients=%d ms=%.1f", row.id, row.kind, len(recipients),
                 (time.perf_counter() - started) * 1000)

    def _build(self, row: _Claimed, spec: dict) -> int:
        """Build the row's file (read-only transaction: no SQLite write lock while it runs), store
        it as an attachment and point the row at it, so a retry uploads the same bytes."""
        if self.build_context is None:
            raise WeComError(None, "no context to build files in", False)
        with self._read_factory() as session:
            filename, data, content_type = attachments.build(spec["build"], self.build_context(session),
                                                             spec.get("args") or {})
        with self.session_factory.begin() as session:
            attachment = OutboxAttachment(filename=filename, content_type=content_type, data=data)
            session.add(attachment)
            session.flush()
            payload = {"msgtype": "file", "file": {"attachment_id": attachment.id}}
            session.execute(_TABLE.update().where(_TABLE.c.id == row.id).values(payload=payload))
            return attachment.id

    def _media_id(self, attachment_id: int, now: datetime) -> str:
        """The attachment's media_id, uploading it first when it has none that WeCom still keeps.
        Stored at once, so a resend sends the same body (and WeCom's duplicate check drops it)."""
        with self.session_factory.begin() as session:
            attachment = session.get(OutboxAttachment, attachment_id)
            if attachment is None:
                raise WeComError(None, f"attachment {attachment_id} is missing", False)
            if attachment.media_id and attachment.uploaded_at and now - attachment.uploaded_at < MEDIA_REUSE:
                return attachment.media_id
            filename, data, content_type = attachment.filename, attachment.data, attachment.content_type
        media_id = self.client.upload_media(filename, data, content_type)  # no transaction open meanwhile
        with self.session_factory.begin() as session:
            attachment = session.get(OutboxAttachment, attachment_id)
            attachment.media_id, attachment.uploaded_at = media_id, now
        return media_id

    def _mark_sent(self, row: _Claimed, response: dict, at: datetime) -> None:
        answer = _clean_response(response)
        missed = unreached.from_response(answer) if row.kind == "send" else {}
        if missed:
            answer["unreached"] = missed
        with self.session_factory.begin() as session:
            connection = session.connection()
            connection.execute(_SENT, {"row_id": row.id, "at": at, "answer": answer})
            if row.kind == "send":  # counted when it went out, not when its batch was claimed
                self.pacing.settle(connection, row.id, at)
            self._missed(session, row, missed)

    def _missed(self, session: Session, row: _Claimed, missed: dict) -> None:
        """Say who a send did not reach (WARNING) and let the handlers react, in this transaction."""
        if not missed:
            return
        log.warning("outbox row %s (%s): not delivered to %s", row.id, row.origin or "-",
                    "; ".join(f"{reason} {'|'.join(ids)}" for reason, ids in missed.items()))
        if self.on_unreached is None:
            return
        try:
            with session.begin_nested():
                self.on_unreached(session, row.id, row.origin, missed)
        except Exception:  # the row stays marked: a bug in a reaction must not send it again
            log.exception("outbox row %s: reacting to the recipients not reached failed", row.id)

    def _failed(self, row: _Claimed, exc: WeComError, now: datetime) -> None:
        give_up = not exc.retryable or now - row.created_at > self.retry_budget
        values = dict(last_error=str(exc), lease_until=None)
        if give_up:
            values.update(status="failed")
            log.error("outbox row %s failed for good after %d attempts: %s", row.id, row.attempts, exc)
        else:
            delay = backoff_seconds(row.attempts)
            values.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
            log.warning("outbox row %s attempt %d failed (%s); retrying in %.1f s", row.id, row.attempts, exc, delay)
        missed = {}
        if give_up and row.kind == "send" and exc.errcode == unreached.ALL_INVALID:  # nobody was reached
            missed = {"invaliduser": row.recipients.split("|")}
            values["response"] = {"errcode": exc.errcode, "errmsg": exc.errmsg, "unreached": missed}
        with self.session_factory.begin() as session:
            connection = session.connection()
            connection.execute(_TABLE.update().where(_TABLE.c.id == row.id).values(**values))
            self.pacing.forget(connection, row.id)
            self._missed(session, row, missed)

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


def _clean_response(response: dict) -> dict:
    return {k: v for k, v in (response or {}).items() if k in ("errcode", "errmsg", "msgid", "response_code",
                                                                 "invaliduser", "invalidparty", "invalidtag",
                                                                 "unlicenseduser")}
