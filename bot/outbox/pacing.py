"""Per-recipient pacing: never more than WeCom delivers to one person.

WeCom delivers at most 30 messages a minute and 1,000 an hour from one app to one member and
drops the excess without an error (WECOM.md, Limits). So every ``message/send`` is written to
``recipient_sends`` (one row per person) in the transaction that claims it, and a claim only
sends to people whose last minute and last hour leave room; the others wait in the outbox until
the oldest send leaves the window. A claimed batch is sent one row after another, so each row's
log entries are moved to the moment WeCom accepted it (``settle``): the windows count sends when
they happened, not when their batch was claimed. The log is in the database, so every dispatcher of every
process shares one budget; the claim transaction is serialised (SQLite's write lock, a
PostgreSQL advisory lock) so two dispatchers never both take the last slot.
"""
from __future__ import annotations

from bisect import insort
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, func, insert, select
from sqlalchemy.engine import Connection

from models import RecipientSend

PER_MINUTE = 30  # WeCom: messages per app to one member per minute
PER_HOUR = 1000  # … and per hour
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
_CHUNK = 500  # recipients per IN (…) list
_LOG = RecipientSend.__table__


@dataclass
class Plan:
    """What a claim may send now: row id → recipients now, and row id → (recipients, when) later."""

    now: dict[int, list[str]] = field(default_factory=dict)
    later: dict[int, tuple[list[str], datetime]] = field(default_factory=dict)


class Pacing:
    """The shared per-recipient budget (``per_minute``, ``per_hour``)."""

    def __init__(self, per_minute: int = PER_MINUTE, per_hour: int = PER_HOUR):
        self.limits = ((MINUTE, per_minute), (HOUR, per_hour))

    def plan(self, connection: Connection, rows: list[tuple[int, list[str]]], now: datetime) -> Plan:
        """Split ``rows`` (row id, recipients), in delivery order, into what fits the budget now
        and what must wait, with the moment each waiting row's first recipient has room again."""
        demand = Counter(r for _, recipients in rows for r in recipients)
        counts = self._counts(connection, list(demand), now)
        minute_limit, hour_limit = self.limits[0][1], self.limits[1][1]
        tight = [r for r, wanted in demand.items()
                 if counts.get(r, (0, 0))[0] + wanted > minute_limit or counts.get(r, (0, 0))[1] + wanted > hour_limit]
        history = self._history(connection, tight, now)  # recipient → sorted send times, last hour
        plan = Plan()
        for row_id, recipients in rows:
            ready, waiting = [], []
            for recipient in recipients:
                times = history.get(recipient)
                if times is None:
                    ready.append(recipient)
                    continue
                slot = self._next_slot(times, now)
                insort(times, slot)  # the next message to this person queues behind this one
                if slot <= now:
                    ready.append(recipient)
                else:
                    waiting.append((recipient, slot))
            plan.now[row_id] = ready
            if waiting:
                plan.later[row_id] = ([r for r, _ in waiting], min(slot for _, slot in waiting))
        return plan

    def _next_slot(self, times: list[datetime], now: datetime) -> datetime:
        """The earliest moment ≥ now with room in every window: the limit-th most recent send
        must have left the window."""
        slot = now
        for window, limit in self.limits:
            if len(times) >= limit:
                slot = max(slot, times[-limit] + window)
        return slot

    def _counts(self, connection: Connection, recipients: list[str], now: datetime) -> dict[str, tuple[int, int]]:
        minute_ago, hour_ago = now - MINUTE, now - HOUR
        counts: dict[str, tuple[int, int]] = {}
        for start in range(0, len(recipients), _CHUNK):
            chunk = recipients[start:start + _CHUNK]
            query = (select(_LOG.c.recipient, func.sum(case((_LOG.c.at > minute_ago, 1), else_=0)), func.count())
                     .where(_LOG.c.recipient.in_(chunk), _LOG.c.at > hour_ago).group_by(_LOG.c.recipient))
            counts.update({r: (int(m or 0), int(h)) for r, m, h in connection.execute(query)})
        return counts

    def _history(self, connection: Connection, recipients: list[str], now: datetime) -> dict[str, list[datetime]]:
        history: dict[str, list[datetime]] = {r: [] for r in recipients}
        for start in range(0, len(recipients), _CHUNK):
            chunk = recipients[start:start + _CHUNK]
            query = (select(_LOG.c.recipient, _LOG.c.at).where(_LOG.c.recipient.in_(chunk), _LOG.c.at > now - HOUR)
                     .order_by(_LOG.c.recipient, _LOG.c.at))
            for recipient, at in connection.execute(query):
                history[recipient].append(at)
        return history

    @staticmethod
    def record(connection: Connection, sends: list[tuple[int | None, list[str]]], at: datetime) -> None:
        """Log the sends (outbox row id or None, recipients) as made ``at``."""
        values = [{"recipient": r, "at": at, "outbox_id": row_id} for row_id, recipients in sends for r in recipients]
        if values:
            connection.execute(insert(RecipientSend), values)

    @staticmethod
    def settle(connection: Connection, row_id: int, at: datetime) -> None:
        """The row was sent ``at``: its log entries (written at the claim) move to that moment."""
        connection.execute(_SETTLE, {"row_id": row_id, "sent_at": at})

    @staticmethod
    def forget(connection: Connection, row_id: int) -> None:
        """A send that failed reached nobody: give its slots back."""
        connection.execute(_FORGET, {"row_id": row_id})

    @staticmethod
    def prune(connection: Connection, now: datetime) -> None:
        """Drop the log rows no window looks at any more."""
        connection.execute(delete(RecipientSend).where(RecipientSend.at < now - HOUR))


_FORGET = delete(_LOG).where(_LOG.c.outbox_id == bindparam("row_id"))
_SETTLE = _LOG.update().where(_LOG.c.outbox_id == bindparam("row_id")).values(
    at=bindparam("sent_at", type_=_LOG.c.at.type))
