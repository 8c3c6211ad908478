"""The reminder budget (issue 30): what the scheduled jobs may send one person.

People mute a bot that repeats itself, and then miss the reminder that matters. So every job run
(``scheduler.run_job``) hands its context a ``Budget`` chosen by the job table's delivery class
(``scheduler.table.DELIVERY``), and everything a job sends or records in the notification ledger
passes through it:

- **one message per person per run**: what a run sends someone (texts or markdown) is held and
  combined into one message when the run ends (``flush``);
- **a daily cap**: at most ``policy.reminders_per_day`` messages per person per day from the
  reminder jobs. A person at the cap is refused at the ledger (``admit``): nothing is recorded as
  sent, so the job offers the reminder again on a later run, with that day's facts — never a stale
  copy held back;
- **working days**: ``reminder`` jobs send nothing on a non-working day (they catch up on the next
  working day); ``any_day`` jobs (P15 data-leak incidents) do;
- **a cadence with an end**: a claim marked ``repeats`` (the same item reminded period after period)
  is admitted ``policy.reminder_repeats`` times; after that at most once a week, combined with what
  else is due — the job's own escalation (once, to whoever can unblock it) has happened by then.

Exempt: cards (approval cards and every card to act on), urgent sends (a priority), and the jobs
without a budget (digests, urgent notices' acknowledgement checks). ``timed`` jobs (a meeting's
reminder, due at the meeting's time) are combined and counted but never refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select

from bot.text.workdays import is_working_day
from bot.outbox import writer as outbox
from models import NotificationLedger

LEDGER_KIND = "reminder_budget"  # one ledger row per person per run that sent them something
REMINDER, ANY_DAY, TIMED = "reminder", "any_day", "timed"
COMBINED = {"text": "📬 这次有 {count} 件事提醒你：", "markdown": "**这次有 {count} 件事提醒你：**"}
SEPARATOR = "\n\n"
_CHUNK = 500


@dataclass
class Budget:
    """One job run's budget. ``mode``: REMINDER, ANY_DAY or TIMED; ``per_day``: the daily cap;
    ``repeats``: how many times one item is reminded before it becomes weekly."""

    mode: str
    per_day: int
    repeats: int
    pending: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # recipient → (msgtype, content)
    admitted: set[str] = field(default_factory=set)  # people this run may send to
    _used: dict[str, int] = field(default_factory=dict)  # messages already sent today, by person

    # ---- the ledger's gate -------------------------------------------------------------------
    def admit(self, ctx, kind: str, keys: list[tuple], repeats: bool = False) -> list[tuple]:
        """The (period, recipient, record) ``keys`` of ``kind`` this run may claim, in order.
        Refused keys are not recorded, so a later run offers them again."""
        if not keys:
            return keys
        if self.mode == TIMED:
            self.admitted.update(recipient for _, recipient, _ in keys)
            return keys
        if self.mode == REMINDER and not is_working_day(_local(ctx).date()):
            return []
        if repeats:
            keys = self._within_cadence(ctx, kind, keys)
        self._count_today(ctx, {recipient for _, recipient, _ in keys} - self.admitted)
        admitted = []
        for key in keys:
            recipient = key[1]
            if recipient in self.admitted or self._used.get(recipient, 0) < self.per_day:
                self.admitted.add(recipient)
                admitted.append(key)
        return admitted

    def _within_cadence(self, ctx, kind: str, keys: list[tuple]) -> list[tuple]:
        """Keys whose item was reminded fewer than ``repeats`` times, or not yet this week."""
        week = datetime.combine(_local(ctx).date() - timedelta(days=_local(ctx).weekday()), time(0),
                                tzinfo=ctx.settings.tz)
        history: dict[tuple[str, str], tuple[int, datetime]] = {}
        recipients = sorted({recipient for _, recipient, _ in keys})
        records = sorted({str(record) for _, _, record in keys})
        for start in range(0, len(recipients), _CHUNK):
            narrow = [NotificationLedger.record.in_(records)] if len(records) <= _CHUNK else []
            query = (select(NotificationLedger.recipient, NotificationLedger.record, func.count(),
                            func.max(NotificationLedger.created_at))
                     .where(NotificationLedger.kind == kind, *narrow,
                            NotificationLedger.recipient.in_(recipients[start:start + _CHUNK]))
                     .group_by(NotificationLedger.recipient, NotificationLedger.record))
            for recipient, record, count, last in ctx.session.connection().execute(query):
                history[(recipient, record)] = (count, last)
        kept = []
        for key in keys:
            count, last = history.get((key[1], str(key[2])), (0, None))
            if count < self.repeats or last is None or _aware(last) < week:
                kept.append(key)
        return kept

    def _count_today(self, ctx, recipients: set[str]) -> None:
        unknown = sorted(r for r in recipients if r not in self._used)
        day = _local(ctx).date().isoformat()
        for start in range(0, len(unknown), _CHUNK):
            chunk = unknown[start:start + _CHUNK]
            self._used.update({r: 0 for r in chunk})
            self._used.update(ctx.session.connection().execute(
                select(NotificationLedger.recipient, func.count())
                .where(NotificationLedger.kind == LEDGER_KIND, NotificationLedger.period == day,
                       NotificationLedger.recipient.in_(chunk))
                .group_by(NotificationLedger.recipient)).all())

    # ---- holding and sending -----------------------------------------------------------------
    def hold(self, recipients: list[str], msgtype: str, content: str) -> None:
        """Keep a text or markdown for ``recipients`` until the run ends."""
        for recipient in recipients:
            self.pending.setdefault(recipient, []).append((msgtype, content))

    def flush(self, ctx) -> list:
        """Queue what the run holds — one message per person (the same message to many people is
        one batched send) — and count it against each person's day. Returns the outbox rows."""
        if not self.pending:
            return []
        groups: dict[tuple[str, str], list[str]] = {}
        for recipient, parts in self.pending.items():
            for message in combine(parts):
                groups.setdefault(message, []).append(recipient)
        rows = []
        for (msgtype, content), recipients in groups.items():
            enqueue = outbox.enqueue_markdown if msgtype == "markdown" else outbox.enqueue_text
            rows += enqueue(ctx.session, recipients, content, ctx.origin)
        day, run = _local(ctx).date().isoformat(), f"{ctx.job_id}@{_local(ctx):%H:%M:%S}"
        _count(ctx, day, run, sorted(self.pending))
        self.pending = {}
        return rows


def _count(ctx, day: str, run: str, recipients: list[str]) -> None:
    """One ledger row per person for this run (a re-run at the same moment counts once)."""
    seen: set[str] = set()
    for start in range(0, len(recipients), _CHUNK):
        seen.update(ctx.session.connection().execute(select(NotificationLedger.recipient).where(
            NotificationLedger.kind == LEDGER_KIND, NotificationLedger.period == day, NotificationLedger.record == run,
            NotificationLedger.recipient.in_(recipients[start:start + _CHUNK]))).scalars())
    fresh = [dict(kind=LEDGER_KIND, period=day, recipient=r, record=run, created_at=ctx.now)
             for r in recipients if r not in seen]
    if fresh:
        ctx.session.connection().execute(insert(NotificationLedger.__table__), fresh)


def combine(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One message per message type from a run's (msgtype, content) parts, in order; the same
    content twice is said once. Texts and markdown stay apart: user text is quoted for its type."""
    by_type: dict[str, list[str]] = {}
    for msgtype, content in parts:
        if content not in by_type.setdefault(msgtype, []):
            by_type[msgtype].append(content)
    return [(msgtype, contents[0] if len(contents) == 1 else
             SEPARATOR.join([COMBINED[msgtype].format(count=len(contents)), *contents]))
            for msgtype, contents in by_type.items()]


def budget_for(mode: str | None, policy) -> Budget | None:
    """The budget of a run of a job of delivery class ``mode`` (None: the job has none)."""
    if mode is None:
        return None
    return Budget(mode, policy.reminders_per_day, policy.reminder_repeats)


def _local(ctx) -> datetime:
    return ctx.now.astimezone(ctx.settings.tz)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
