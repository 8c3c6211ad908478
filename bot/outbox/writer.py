"""Transactional outbox: messages are rows written in the same transaction as the change that
causes them, and a dispatcher (``bot.outbox.dispatcher``) delivers them after commit.

Handlers and jobs never call WeCom; they call ``enqueue_*`` with their session. Text longer than
WeCom's 2,048 bytes becomes several rows of one chain, delivered in order. ``priority`` puts a
row ahead of everything else that is due (an urgent alert).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from bot.outbox.dispatcher import WAKE_KEY, Dispatcher, backoff_seconds  # noqa: F401  (re-exported)
from bot.wecom.client import batches
from models import OutboxAttachment, OutboxMessage

TEXT_LIMIT = 2048  # bytes, for text and markdown content (WeCom)
FILE_LIMIT = 20 * 1024 * 1024  # bytes, media/upload (WeCom)
URGENT = 10  # outbox priority of urgent alerts (P15 leak reports, P17): delivered before anything else


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


def enqueue(session: Session, recipients: list[str], body: dict, origin: str | None = None, *,
            priority: int = 0, chain: str | None = None, part: int = 0) -> list[OutboxMessage]:
    """Queue one ``message/send`` body for ``recipients`` (batched by 1000 userids per row)."""
    now = datetime.now(timezone.utc)
    rows = [OutboxMessage(kind="send", recipients="|".join(batch), payload=body, origin=origin,
                          next_attempt_at=now, priority=priority, chain=chain, part=part)
            for batch in batches(recipients)]
    session.add_all(rows)
    session.info[WAKE_KEY] = True
    return rows


def _enqueue_parts(session: Session, recipients: list[str], msgtype: str, text: str, origin: str | None,
                   priority: int) -> list[OutboxMessage]:
    """One row per part (and per 1000 recipients); the parts of one text form a chain, so a
    later part waits until the earlier ones are sent or failed (a retried part never lets the
    next one overtake it)."""
    parts = split_content(text)
    chain = uuid.uuid4().hex if len(parts) > 1 else None
    rows = []
    for index, part in enumerate(parts):
        rows += enqueue(session, recipients, {"msgtype": msgtype, msgtype: {"content": part}}, origin,
                        priority=priority, chain=chain, part=index)
    return rows


def enqueue_text(session: Session, recipients: list[str], text: str, origin: str | None = None, *,
                 priority: int = 0) -> list[OutboxMessage]:
    """Queue a text message (split into parts of ≤ 2,048 bytes, delivered in order)."""
    return _enqueue_parts(session, recipients, "text", text, origin, priority)


def enqueue_markdown(session: Session, recipients: list[str], text: str, origin: str | None = None, *,
                     priority: int = 0) -> list[OutboxMessage]:
    """Queue a markdown message (split like a text)."""
    return _enqueue_parts(session, recipients, "markdown", text, origin, priority)


def enqueue_card(session: Session, recipients: list[str], card: dict, origin: str | None = None, *,
                 priority: int = 0) -> list[OutboxMessage]:
    """Queue a template card (the send's response carries the card's response_code)."""
    return enqueue(session, recipients, {"msgtype": "template_card", "template_card": card}, origin,
                   priority=priority)


def enqueue_file(session: Session, recipients: list[str], filename: str, data: bytes, content_type: str,
                 origin: str | None = None, *, priority: int = 0) -> list[OutboxMessage]:
    """Queue a ``file`` message: the bytes are stored with the row and uploaded (``media/upload``)
    when it is delivered, so the file travels in the same transaction as the change."""
    if len(data) > FILE_LIMIT:
        raise ValueError(f"{filename}: {len(data)} bytes is over WeCom's {FILE_LIMIT} for a file")
    attachment = OutboxAttachment(filename=filename, content_type=content_type, data=data)
    session.add(attachment)
    session.flush()
    return enqueue(session, recipients, {"msgtype": "file", "file": {"attachment_id": attachment.id, "filename": filename}},
                   origin, priority=priority)


def enqueue_built_file(session: Session, recipients: list[str], builder: str, args: dict,
                       origin: str | None = None) -> list[OutboxMessage]:
    """Queue a ``file`` message whose bytes the dispatcher builds when it delivers the row
    (``bot.outbox.attachments``): the answer is queued in milliseconds, the file follows."""
    return enqueue(session, recipients, {"msgtype": "file", "file": {"build": builder, "args": args}}, origin)


def enqueue_card_update(session: Session, userids: list[str], response_code: str, update_body: dict,
                        origin: str | None = None) -> OutboxMessage:
    """Queue ``message/update_template_card`` with a callback's ResponseCode (valid once, 72 h)."""
    row = OutboxMessage(kind="update_card", recipients="|".join(userids), origin=origin,
                        payload={"response_code": response_code, **update_body},
                        next_attempt_at=datetime.now(timezone.utc))
    session.add(row)
    session.info[WAKE_KEY] = True
    return row
