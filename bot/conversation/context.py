"""The one context every handler and job receives: who, what, when, and how to send."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.outbox import writer as outbox
from bot.config import Settings
from bot.org.directory import Member, OrgDirectory
from bot.text.quoting import markdown_as_text
from models import AuditEntry, NotificationLedger


@dataclass
class Reply:
    """What a handler answers the sender: text, markdown or a card; ``button`` greys the tapped
    card button for the tapper at once (the passive ``update_button`` reply)."""

    text: str | None = None
    markdown: str | None = None
    card: dict | None = None
    button: str | None = None


@dataclass(frozen=True)
class Message:
    """A decrypted callback, typed. ``msg_type`` is WeCom's MsgType (text, image, event, …)."""

    msg_type: str
    userid: str
    create_time: int
    msg_id: str | None = None
    text: str | None = None
    event: str | None = None
    event_key: str | None = None
    task_id: str | None = None
    response_code: str | None = None
    raw: dict = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """``msg:<sender>:MsgId`` for messages (a MsgId is unique per sender, not across the corp:
        WxJava#333); for events (and anything without a MsgId) the sender, the
        CreateTime and a digest of every decrypted field, so two different events in one second
        (a create_user then an update_user) differ while WeCom's retry, identical, is recognised."""
        if self.msg_type != "event" and self.msg_id:
            return f"msg:{self.userid}:{self.msg_id}"
        canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]
        prefix = "bad" if self.msg_type == "invalid" else "evt"
        return f"{prefix}:{self.userid}:{self.create_time}:{digest}"


@dataclass
class BaseContext:
    session: Session
    settings: Settings
    org: OrgDirectory
    now: datetime  # aware, in the configured time zone — never call datetime.now() in a handler
    origin: str = ""
    queued: list = field(default_factory=list)  # outbox rows this context wrote
    wecom: Any = None  # bot.wecom.WeComClient, for media transfer only (messages go through the outbox)

    @property
    def policy(self):
        return self.settings.policy

    def send_text(self, to: str | list[str], text: str, priority: int = 0) -> list:
        """Queue a text; ``priority=outbox.URGENT`` is delivered before anything queued earlier."""
        return self._queued(outbox.enqueue_text(self.session, _ids(to), text, self.origin, priority=priority))

    def send_markdown(self, to: str | list[str], text: str, priority: int = 0, readers: str = "managers") -> list:
        """Queue a markdown message, or the same as text where readers may use WeChat's 企业微信
        plug-in, which shows no markdown (``wecom.markdown``: "never"; "auto" with ``readers`` =
        "everyone" — minutes, summaries; "managers" — the digests — keep markdown)."""
        mode = self.settings.wecom.markdown
        if mode == "never" or (mode == "auto" and readers == "everyone"):
            return self.send_text(to, markdown_as_text(text), priority=priority)
        return self._queued(outbox.enqueue_markdown(self.session, _ids(to), text, self.origin, priority=priority))

    def send_card(self, to: str | list[str], card: dict, priority: int = 0) -> list:
        return self._queued(outbox.enqueue_card(self.session, _ids(to), card, self.origin, priority=priority))

    def queue_file(self, to: str | list[str], filename: str, data: bytes, content_type: str) -> list:
        """Queue a file in the outbox: the dispatcher uploads it (``media/upload``) when it delivers
        it, then sends it — no WeCom call inside the transaction, and the file travels with the
        change. The bytes wait in the outbox's attachment table, so this is not for files that
        must stay encrypted at rest (P8 documents use ``send_file``). Raises ValueError over 20 MB."""
        return self._queued(outbox.enqueue_file(self.session, _ids(to), filename, data, content_type, self.origin))

    def send_built_file(self, to: str | list[str], builder: str, args: dict) -> list:
        """Queue a file built at delivery by the ``@attachment(builder)`` function (a big
        spreadsheet costs the callback nothing)."""
        return self._queued(outbox.enqueue_built_file(self.session, _ids(to), builder, args, self.origin))
    def fetch_media(self, media_id: str, max_bytes: int):
        """Download a file or picture a member sent (``media/get``) → ``bot.wecom.Media``. Only in a
        deferred context (``Context.defer``), before its first database access: no transaction may
        be held while WeCom answers.

        Raises ``bot.wecom.MediaTooLarge`` past ``max_bytes`` and ``bot.wecom.WeComError``
        (errcode 40007: the media id expired or is unknown)."""
        return self.wecom.download_media(media_id, max_bytes)

    def send_file(self, to: str | list[str], filename: str, data: bytes,
                  content_type: str = "application/octet-stream") -> list:
        """Upload ``data`` as temporary media (valid 3 days) now, and queue a ``file`` message with
        it in the outbox. Like ``fetch_media``, only in a deferred context, before its first database
        access. Raises ``bot.wecom.WeComError`` when the upload fails (nothing queued)."""
        media_id = self.wecom.upload_media(filename, data, content_type)
        return self._queued(outbox.enqueue(self.session, _ids(to), {"msgtype": "file", "file": {"media_id": media_id}},
                                           self.origin))

    def update_card(self, userids: str | list[str], response_code: str, update: dict):
        row = outbox.enqueue_card_update(self.session, _ids(userids), response_code, update, self.origin)
        self._queued([row])
        return row

    def _queued(self, rows: list) -> list:
        self.queued.extend(rows)
        return rows

    def fetch(self, model, raw_id: object):
        """The record with id ``raw_id`` (digits from a message or a card key), or None — also
        for ids no database column can hold, so 「撤回 99999999999999999999」 is just not found."""
        text = str(raw_id).strip()
        if not text.isdigit() or len(text) > 9:
            return None
        return self.session.get(model, int(text))

    def audit(self, actor: str, action: str, record_type: str, record_id: Any, **detail: Any) -> AuditEntry:
        entry = AuditEntry(at=self.now, actor=actor, action=action, record_type=record_type,
                           record_id=str(record_id), detail=detail or None)
        self.session.add(entry)
        return entry

    def audit_many(self, actor: str, action: str, record_type: str, records: list[tuple[Any, dict]]) -> None:
        """One audit entry per (record id, detail), written in one statement: for jobs that touch
        thousands of records (no ORM object per entry)."""
        if records:
            self.session.connection().execute(insert(AuditEntry.__table__), [  # no autoflush, no ORM objects
                dict(at=self.now, actor=actor, action=action, record_type=record_type, record_id=str(record_id),
                     detail=detail or None) for record_id, detail in records])

    def notify_once(self, kind: str, period: str, recipient: str, record: Any = "", *,
                    text: str | None = None, markdown: str | None = None, card: dict | None = None,
                    readers: str = "managers", repeats: bool = False) -> bool:
        """Queue a notification unless (kind, period, recipient, record) was already queued.

        A job re-run for the same period therefore sends nothing twice. Returns True if queued.
        In a job, the reminder budget may refuse it (False, nothing recorded: a later run offers
        it again); ``repeats``: the item is reminded period after period (its cadence ends).
        """
        if not self.admit(kind, [(period, recipient, str(record))], repeats):
            return False
        key = dict(kind=kind, period=period, recipient=recipient, record=str(record), created_at=self.now)
        statement = _ledger_insert(self.session.bind.dialect)
        if statement is not None:
            # INSERT … ON CONFLICT DO NOTHING: no savepoint, whose snapshot of a job's large session
            # would cost more than the insert itself.
            # On the connection: no autoflush of the job's pending rows before every notification.
            if self.session.connection().execute(statement, key).scalar() is None:
                return False
        else:
            entry = NotificationLedger(**key)
            try:
                with self.session.begin_nested():
                    self.session.add(entry)
                    self.session.flush()
            except IntegrityError:
                return False
        (self.send_text(recipient, text) if text is not None else
         self.send_markdown(recipient, markdown, readers=readers) if markdown is not None else
         self.send_card(recipient, card))
        return True

    def admit(self, kind: str, keys: list[tuple[str, str, Any]], repeats: bool = False) -> list:
        """The ledger keys this context may claim: all of them, except in a job with a reminder
        budget (``bot.outbox.budget``)."""
        return keys

    def claim_once(self, kind: str, keys: list[tuple[str, str, Any]], *,
                   repeats: bool = False) -> list[tuple[str, str, Any]]:
        """Record the ``(period, recipient, record)`` keys of ``kind`` not yet in the ledger and
        return them (in order): a job then sends each recipient ONE message about everything new
        for them, instead of one per record. Two queries whatever the number of keys. In a job,
        the reminder budget admits the keys first (``admit``; ``repeats`` as for ``notify_once``)."""
        keys = self.admit(kind, keys, repeats)
        if not keys:
            return []
        recipients = sorted({recipient for _, recipient, _ in keys})
        narrow = []  # read only the ledger rows these keys could match, not the kind's whole history
        for column, values in ((NotificationLedger.period, {p for p, _, _ in keys}),
                               (NotificationLedger.record, {str(rec) for _, _, rec in keys})):
            if len(values) <= 500:
                narrow.append(column.in_(sorted(values)))
        seen: set[tuple[str, str, str]] = set()
        for start in range(0, len(recipients), 500):
            seen.update(self.session.connection().execute(
                select(NotificationLedger.period, NotificationLedger.recipient, NotificationLedger.record)
                .where(NotificationLedger.kind == kind, NotificationLedger.recipient.in_(recipients[start:start + 500]),
                       *narrow)).all())
        fresh = [key for key in dict.fromkeys((p, r, str(rec)) for p, r, rec in keys) if key not in seen]
        if fresh:  # Core executemany: ten thousand rows without ten thousand ORM objects
            self.session.connection().execute(insert(NotificationLedger.__table__), [
                dict(kind=kind, period=p, recipient=r, record=rec, created_at=self.now) for p, r, rec in fresh])
        return fresh


@dataclass
class Context(BaseContext):
    """A handler's context: one incoming message or tap from ``userid``."""

    message: Message | None = None
    userid: str = ""
    user: Member | None = None
    args: str = ""  # the text after the matched keyword
    conversation: Any = None  # bot.conversation.Conversation
    after_reply: list = field(default_factory=list)  # texts sent after the reply (a note on an open question)
    deferred: list = field(default_factory=list)  # work to run after this transaction commits
    # P20: the handler took an anonymous submission — the stored callback and the log line then
    # keep no sender (bot.conversation.inbound), so neither ties the author to it.
    anonymous: bool = False

    def queue_after_reply(self, text: str) -> None:
        self.after_reply.append(text)

    def defer(self, work) -> None:
        """Run ``work(ctx)`` after this transaction commits, in the background with a fresh context
        (same sender and message, its own session and transaction, no conversation): for slow calls
        to WeCom — a media download or upload — that must not hold the database meanwhile (on
        SQLite its write lock would stall every other callback). Its return value is the reply;
        if it fails, the sender is told, as for any handler."""
        self.deferred.append(work)

    def reply_to_sender(self, reply: Reply | str | None) -> None:
        if reply is None:
            return
        if isinstance(reply, str):
            reply = Reply(text=reply)
        if reply.text:
            self.send_text(self.userid, reply.text)
        if reply.markdown:
            self.send_markdown(self.userid, reply.markdown, readers="everyone")
        if reply.card:
            self.send_card(self.userid, reply.card)


@dataclass
class JobContext(BaseContext):
    """A scheduled job's context; ``now`` is the scheduled time (or ``jobs run --now``). With a
    ``budget`` (``bot.outbox.budget``, set by ``run_job``) its texts and markdown are held and
    combined into one message per person when the run ends, and its ledger claims are admitted
    by the person's reminder budget; cards and urgent (priority) sends go out as they are."""

    job_id: str = ""
    budget: Any = None

    def send_text(self, to: str | list[str], text: str, priority: int = 0) -> list:
        if self.budget is None or priority:
            return super().send_text(to, text, priority)
        self.budget.hold(_ids(to), "text", text)
        return []

    def send_markdown(self, to: str | list[str], text: str, priority: int = 0, readers: str = "managers") -> list:
        mode = self.settings.wecom.markdown
        if self.budget is None or priority or mode == "never" or (mode == "auto" and readers == "everyone"):
            return super().send_markdown(to, text, priority, readers)  # as text: through send_text, held there
        self.budget.hold(_ids(to), "markdown", text)
        return []

    def admit(self, kind: str, keys: list[tuple[str, str, Any]], repeats: bool = False) -> list:
        return keys if self.budget is None else self.budget.admit(self, kind, keys, repeats)


def _ids(to: str | list[str]) -> list[str]:
    return [to] if isinstance(to, str) else list(to)


_ledger_inserts: dict[str, Any] = {}


def _ledger_insert(dialect):
    """INSERT INTO notification_ledger … ON CONFLICT DO NOTHING RETURNING id, for SQLite and
    PostgreSQL (built once); None elsewhere."""
    if dialect.name not in _ledger_inserts:
        table = NotificationLedger.__table__
        if dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        elif dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            insert = None
        _ledger_inserts[dialect.name] = (insert(table).on_conflict_do_nothing().returning(table.c.id)
                                         if insert is not None and dialect.insert_returning else None)
    return _ledger_inserts[dialect.name]
