"""The reminder budget (issue 30): what the scheduled jobs may send one person.

People mute a bot that repeats itself, and then miss the reminder that matters. So every job run
(``scheduler.run_job``) hands its context a ``Budget`` chosen by the job table's delivery class
(``scheduler.table.DELIVERY``), and everything a job sends or records in the notification ledger
passes through it:

- **one message per person per run**: what a run sends someone (texts or markdown) is held and
  combined into one message when the run ends (``flush``);
- **a daily cap**: once a person has had ``policy.reminders_per_day`` messages from the jobs in a
  day, the reminder jobs are refused at the ledger (``admit``) for them: nothing is recorded as
  sent, so the job offers the reminder again on a later run, with that day's facts — never a stale
  copy held back;
- **working days**: ``reminder`` jobs send nothing on a non-working day (they catch up on the next
  working day); ``any_day`` jobs (P15 data-leak incidents) do;
- **a cadence with an end**: a claim marked ``repeats`` (the same item reminded period after period)
  is admitted ``policy.reminder_repeats`` times to one person, then never again: the job's own
  escalation (once, to whoever can unblock it) has happened by then, and what still waits is listed
  in the person's weekly digest instead (``handlers.waiting``, Mondays with ``manager_digest``).

Exempt: cards (approval cards and every card to act on), urgent sends (a priority), and the jobs
without a budget (urgent notices' acknowledgement checks, the org sync). ``always`` jobs (a
meeting's reminder, due at the meeting's time; the weekly digests) are combined and counted but
never refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select

from bot.text.workdays import is_working_day
from bot.outbox import writer as outbox
from models import NotificationLedger, OutboxMessage

LEDGER_KIND = "reminder_budget"  # one ledger row per message a job sent a person (period: the local day)
REMINDER, ANY_DAY, ALWAYS = "reminder", "any_day", "always"
COMBINED = {"text": "📬 这次有 {count} 件事提醒你：", "markdown": "**这次有 {count} 件事提醒你：**"}
SEPARATOR = "\n\n"
_CHUNK = 500


@dataclass
class Budget:
    """One job run's budget. ``mode``: REMINDER, ANY_DAY or ALWAYS; ``per_day``: the daily cap
    (messages); ``repeats``: how many times one item is reminded to one person."""

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
        if self.mode == ALWAYS:
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
        """Keys whose item was reminded to that person fewer than ``repeats`` times."""
        history: dict[tuple[str, str], int] = {}
        recipients = sorted({recipient for _, recipient, _ in keys})
        records = sorted({str(record) for _, _, record in keys})
        for start in range(0, len(recipients), _CHUNK):
            narrow = [NotificationLedger.record.in_(records)] if len(records) <= _CHUNK else []
            query = (select(NotificationLedger.recipient, NotificationLedger.record, func.count())
                     .where(NotificationLedger.kind == kind, *narrow,
                            NotificationLedger.recipient.in_(recipients[start:start + _CHUNK]))
                     .group_by(NotificationLedger.recipient, NotificationLedger.record))
            history.update({(recipient, record): count
                            for recipient, record, count in ctx.session.connection().execute(query)})
        return [key for key in keys if history.get((key[1], str(key[2])), 0) < self.repeats]

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
        one batched send) — and count every message of the run against each person's day (cards
        and files too; urgent sends not). Returns the outbox rows queued here."""
        groups: dict[tuple[str, str], list[str]] = {}
        for recipient, parts in self.pending.items():
            for message in combine(parts):
                groups.setdefault(message, []).append(recipient)
        rows = []
        for (msgtype, content), recipients in groups.items():
            enqueue = outbox.enqueue_markdown if msgtype == "markdown" else outbox.enqueue_text
            rows += enqueue(ctx.session, recipients, content, ctx.origin)
        messages: dict[str, int] = {}
        for row in [*ctx.queued, *rows]:
            if isinstance(row, OutboxMessage) and row.kind == "send" and not row.part and row.priority < outbox.URGENT:
                for recipient in row.recipients.split("|"):
                    messages[recipient] = messages.get(recipient, 0) + 1
        run = f"{ctx.job_id}@{_local(ctx):%H:%M:%S}"
        _count(ctx, _local(ctx).date().isoformat(),
               [(recipient, f"{run}#{n}") for recipient, count in messages.items() for n in range(count)])
        self.pending = {}
        return rows


def _count(ctx, day: str, keys: list[tuple[str, str]]) -> None:
    """One ledger row per (person, message of this run); a re-run at the same moment counts once."""
    seen: set[tuple[str, str]] = set()
    recipients = sorted({recipient for recipient, _ in keys})
    for start in range(0, len(recipients), _CHUNK):
        seen.update(ctx.session.connection().execute(select(NotificationLedger.recipient, NotificationLedger.record).where(
            NotificationLedger.kind == LEDGER_KIND, NotificationLedger.period == day,
            NotificationLedger.recipient.in_(recipients[start:start + _CHUNK]))).all())
    fresh = [dict(kind=LEDGER_KIND, period=day, recipient=r, record=record, created_at=ctx.now)
             for r, record in keys if (r, record) not in seen]
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


