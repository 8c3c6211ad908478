"""Since when the bot is in use — for the department and for each person — and the one rule every
feature judges a period by (issue 30): a period whose deadline had passed before the bot was in use
for a person is neither chased, counted late nor shown as missing. A period still open then (the
week or month the bot was installed in) counts from the install on.

The department's start is the earliest time the bot ran at: recorded at its first start on its
database, moved earlier only by a clock read earlier (the demo's, ``jobs run --now``). A person
who came into the org later (the address book or the config) counts from then
(``people.added_at``), one who joined the department later (``joined``, P2) from that day. The
quarterly audit's 「此前助手尚未启用」 reads the same start.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import KeyValue, Person

KEY = "bot.in_use_since"


def record_start(session: Session, now: datetime) -> datetime:
    """Note that the bot runs at ``now`` (aware; its clock: real, the demo's, or a job's ``--now``)
    and return the start of use: the earliest time it ran at. Recorded at the first start; only a
    clock read earlier than that (the demo's or ``jobs run --now``) moves it."""
    row = session.get(KeyValue, KEY)
    if row is not None:
        start = datetime.fromisoformat(row.value)
        if now < start:
            row.value, start = now.isoformat(), now
        return start
    try:
        with session.begin_nested():
            session.add(KeyValue(key=KEY, value=now.isoformat()))
    except IntegrityError:  # another process recorded it first
        return record_start(session, now)
    return now


def set_start(session: Session, moment: datetime) -> None:
    """Put the start of use at ``moment`` (aware): a restored demo, or a test's department that
    has used the bot for a while."""
    row = session.get(KeyValue, KEY)
    if row is None:
        session.add(KeyValue(key=KEY, value=moment.isoformat()))
    else:
        row.value = moment.isoformat()


@dataclass
class InUse:
    """Read once per run: ``since(userid)`` and ``judged(userid, deadline)`` for everyone."""

    start: datetime
    later: dict[str, datetime] = field(default_factory=dict)  # userid → in use since, when after ``start``

    def since(self, userid: str) -> datetime:
        """When the bot came into use for ``userid`` (aware)."""
        return self.later.get(userid, self.start)

    def judged(self, userid: str, deadline: datetime | None) -> bool:
        """Whether ``userid`` is judged on a period due at ``deadline``: chased before it, counted
        late or missing after it. False for a period with no deadline."""
        return deadline is not None and deadline >= self.since(userid)

    def served(self, deadline: datetime | None) -> bool:
        """Whether the department was using the bot by ``deadline`` (figures not per person)."""
        return deadline is not None and deadline >= self.start

    def members(self, members: Iterable, deadline: datetime | None) -> list:
        """The ``members`` (anything with ``userid``) judged on a period due at ``deadline``, in order."""
        return [m for m in members if self.judged(m.userid, deadline)]


def in_use(ctx) -> InUse:
    """The department's start (recorded now if none is) and each later person's, for ``ctx``
    (a context: session, org, settings, now); read once per context (a job asks per person)."""
    cached = ctx.__dict__.get("_in_use")
    if cached is not None:
        return cached
    ctx._in_use = uses = _read(ctx)
    return uses


def _read(ctx) -> InUse:
    start = record_start(ctx.session, ctx.now)
    later: dict[str, datetime] = {}
    for userid, added in ctx.session.execute(select(Person.userid, Person.added_at)
                                             .where(Person.added_at.is_not(None), Person.added_at > start)):
        later[userid] = added
    for member in ctx.org.members.values():
        if member.joined is not None:
            joined = datetime.combine(member.joined, time(0), tzinfo=ctx.settings.tz)
            if joined > later.get(member.userid, start):
                later[member.userid] = joined
    return InUse(start, later)
