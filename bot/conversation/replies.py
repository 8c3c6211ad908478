"""Answering in the HTTP response: a reply that is one short text goes back passively.

WeCom shows a passive reply at once (doc 96469) and it costs no ``message/send`` call. The text
is stored with the callback's row in the same transaction, so a WeCom retry of the callback gets
the same answer and nothing is lost; it is counted in the per-person pacing log like any message
(and goes through the outbox instead when the person has no room left). Everything else — cards,
markdown, messages to others, texts over 2,048 bytes, a text that must follow something queued
for the same person or an urgent alert of the same turn (P15) — stays in the outbox.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session

from bot.conversation.context import Context, Reply
from bot.outbox.writer import TEXT_LIMIT
from bot.outbox.pacing import HOUR, MINUTE, Pacing
from models import InboundCallback, OutboxMessage, RecipientSend

_PACING = Pacing()


def passive_candidate(ctx: Context, reply: Reply | None) -> str | None:
    """The reply's text if it may be answered passively: a text alone, at most 2,048 bytes, to a
    message or a menu click (a card tap greys its button instead), with nothing queued for the
    sender in this turn (it would arrive after the passive text) and no urgent row for anyone."""
    message = ctx.message
    if reply is None or not reply.text or reply.markdown or reply.card or reply.button or message is None:
        return None
    if message.msg_type == "event" and message.event != "click":
        return None
    if len(reply.text.encode()) > TEXT_LIMIT:
        return None
    if any(isinstance(row, OutboxMessage) and ctx.userid in row.recipients.split("|") for row in ctx.queued):
        return None
    if ctx.after_reply:
        return None  # a note follows the answer (the conversation rule's): both go in order, by the outbox
    if any(isinstance(row, OutboxMessage) and row.priority for row in ctx.queued):
        return None  # P15/P17: urgent alerts of this turn are delivered before the sender's answer
    return reply.text


_SENT = RecipientSend.__table__
_RECENT = (select(func.count(), func.sum(case((_SENT.c.at > bindparam("minute_ago", type_=_SENT.c.at.type), 1), else_=0)))
           .where(_SENT.c.recipient == bindparam("userid"), _SENT.c.at > bindparam("hour_ago", type_=_SENT.c.at.type)))


def has_room(session: Session, userid: str, pacing: Pacing | None = None) -> bool:
    """Whether ``userid`` can receive one more message now (WeCom's 30 a minute, 1,000 an hour,
    or ``pacing``'s limits): one indexed count, with a statement built once."""
    now = datetime.now(timezone.utc)
    (minute_limit, hour_limit) = (limit for _, limit in (pacing or _PACING).limits)
    hour, minute = session.connection().execute(
        _RECENT, {"userid": userid, "minute_ago": now - MINUTE, "hour_ago": now - HOUR}).one()
    return (minute or 0) < minute_limit and (hour or 0) < hour_limit


def count_passive(session: Session, userid: str) -> None:
    """Log the passive reply in the per-person pacing log (it reaches the person like any message)."""
    _PACING.record(session.connection(), [(None, [userid])], datetime.now(timezone.utc))


def claim_passive(session: Session, userid: str, dedupe_key: str, text: str, pacing: Pacing | None = None) -> bool:
    """Store ``text`` as the (already stored) callback's passive reply and count it — unless the
    person has no room left this minute or hour (then False: queue it instead)."""
    if not has_room(session, userid, pacing):
        return False
    count_passive(session, userid)
    session.connection().execute(update(InboundCallback).where(InboundCallback.dedupe_key == dedupe_key)
                                 .values(reply=text))
    return True


def stored_reply(session: Session, dedupe_key: str) -> str | None:
    """The passive reply a callback got the first time (for WeCom's retry of it)."""
    return session.execute(select(InboundCallback.reply).where(InboundCallback.dedupe_key == dedupe_key)).scalar()
