"""The per-sender budget (issue 29): how much one member can make the bot send to OTHER people.

A leak alert, an urgent notice, a 催办, an invitation, a suggestion to the director: each message
a member sends that makes the bot write to someone else is one *action*. A member has
``policy.sender_budget_per_minute`` actions a minute and ``policy.sender_budget_per_day`` a day;
past that the message is not carried out (its transaction is rolled back: no state, no message to
anyone) and the sender reads why and when to try again (``bot.conversation.inbound``). Answers to
the sender alone and card taps (each card is tapped once) are not actions.

The log (``sender_actions``) holds a keyed hash of the userid, never the userid: who sent what
stays unlinkable there (an anonymous suggestion counts too, docs/security.md).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models import OutboxMessage, SenderAction

MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)
_LOG = SenderAction.__table__


@dataclass(frozen=True)
class Verdict:
    """``allowed``; else which window is full (``"minute"`` or ``"day"``), its limit and when it has room."""

    allowed: bool
    window: str = ""
    limit: int = 0
    retry_at: datetime | None = None


def sender_key(secret: str, userid: str) -> str:
    """HMAC-SHA256 of the userid under a server secret (hex): the same person, the same key;
    nobody without the secret can tell whose it is."""
    return hmac.new(secret.encode(), userid.encode(), hashlib.sha256).hexdigest()


def messages_others(rows, sender: str) -> bool:
    """Whether any of the outbox ``rows`` (those a context queued, and those still new in its
    session) goes to anyone but ``sender``."""
    return any(isinstance(row, OutboxMessage) and set((row.recipients or "").split("|")) - {sender} for row in rows)


def spend(session: Session, key: str, now: datetime, per_minute: int, per_day: int) -> Verdict:
    """Count one action for ``key`` at ``now`` if the budget has room; a limit of 0 means no limit."""
    log = _LOG.c
    connection = session.connection()
    connection.execute(delete(SenderAction).where(log.at < now - DAY))
    for window, span, limit in (("minute", MINUTE, per_minute), ("day", DAY, per_day)):
        if not limit:
            continue
        times = connection.execute(select(log.at).where(log.sender_key == key, log.at > now - span)
                                   .order_by(log.at.desc()).limit(limit)).scalars().all()
        if len(times) >= limit:
            return Verdict(False, window, limit, times[-1] + span)
    connection.execute(insert(SenderAction), {"sender_key": key, "at": now})
    return Verdict(True)


