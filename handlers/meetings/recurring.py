"""The recurring meetings of P11 from ``[[meetings.recurring]]``, their occurrences, and who attends.

A person is named in the config by userid, ``role:<role>`` (everyone with the role),
``group:<group id>`` (the group's members) or ``leader:<group id>`` (its leader). Occurrences
are written to ``meetings`` a few days ahead, once each (unique series + start).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.config import PERSON_ROLES, ConfigError, config_section
from bot.conversation.context import BaseContext
from models import KeyValue
from models.meeting import Meeting

log = logging.getLogger(__name__)
HORIZON = timedelta(days=8)  # occurrences are put on the calendar this far ahead
FIRST_RUN_KEY = "meetings.first_run_at"
SERIES_STOPPED_KEY = "meetings.series_stopped.{key}"


@dataclass(frozen=True)
class Recurring:
    key: str
    title: str
    schedule: str  # crontab: minute hour day month weekday, in scheduler.timezone
    duration_minutes: int
    chair: str
    minute_taker: str
    attendees: tuple[str, ...]
    agenda: str
    review_action_items: bool  # P11: the weekly meeting goes through the open action items


# P11: a department meeting every week (plan and problems) and a strategy meeting every quarter.
DEFAULT_RECURRING = (
    {"id": "weekly", "title": "部门周会", "schedule": "0 10 * * mon", "duration": 60, "chair": "role:director",
     "minute_taker": "leader:coordination", "attendees": ["role:director", "role:group_leader"],
     "agenda": "本周计划与问题；上周决议跟进"},
    {"id": "quarterly", "title": "季度战略会", "schedule": "0 14 1-7 1,4,7,10 mon", "duration": 120,
     "chair": "role:director", "minute_taker": "leader:coordination",
     "attendees": ["role:director", "role:group_leader"], "agenda": "季度成果与下季度方向"},
)
_KEYS = {"id", "title", "schedule", "duration", "chair", "minute_taker", "attendees", "agenda", "review_action_items"}


@config_section("meetings")
def parse_meetings(raw) -> tuple[Recurring, ...]:
    """``[meetings]`` → the recurring meetings (the two of P11 when the section is absent)."""
    if raw is None:
        raw = {"recurring": list(DEFAULT_RECURRING)}
    if not isinstance(raw, dict):
        raise ConfigError("meetings: expected a table with [[meetings.recurring]] entries")
    unknown = sorted(set(raw) - {"recurring"})
    if unknown:
        raise ConfigError(f"meetings.{unknown[0]}: unknown key (expected [[meetings.recurring]])")
    entries = raw.get("recurring", [])
    if not isinstance(entries, list):
        raise ConfigError("meetings.recurring: expected a list of tables ([[meetings.recurring]])")
    parsed, seen = [], set()
    for i, entry in enumerate(entries):
        item = _parse_one(entry, f"meetings.recurring[{i}]")
        if item.key in seen:
            raise ConfigError(f"meetings.recurring[{i}].id: {item.key!r} appears twice")
        seen.add(item.key)
        parsed.append(item)
    return tuple(parsed)


def _parse_one(entry, where: str) -> Recurring:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key; expected one of {sorted(_KEYS)}")

    def text(key: str, default=None) -> str:
        value = entry.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise ConfigError(f"{where}.{key}: expected a non-empty string, got {value!r}")
        return value.strip()

    title, schedule = text("title"), text("schedule")
    try:
        trigger = CronTrigger.from_crontab(schedule)
    except ValueError as exc:
        raise ConfigError(f"{where}.schedule: expected a crontab such as \"0 10 * * mon\" "
                          f"(minute hour day month weekday), got {schedule!r}: {exc}") from None
    duration = entry.get("duration", 60)
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 < duration <= 24 * 60:
        raise ConfigError(f"{where}.duration: expected minutes between 1 and 1440, got {duration!r}")
    attendees = entry.get("attendees", [])
    if not isinstance(attendees, list) or not all(isinstance(a, str) and a.strip() for a in attendees):
        raise ConfigError(f"{where}.attendees: expected a list of userids, role:<role>, group:<id> or leader:<id>")
    chair, taker = text("chair"), text("minute_taker")
    for key, ref in [("chair", chair), ("minute_taker", taker)] + [("attendees", a) for a in attendees]:
        kind, _, value = ref.partition(":")
        if value and kind == "role" and value not in PERSON_ROLES:
            raise ConfigError(f"{where}.{key}: unknown role {value!r}; expected one of {sorted(PERSON_ROLES)}")
        if value and kind not in ("role", "group", "leader"):
            raise ConfigError(f"{where}.{key}: {ref!r}: expected a userid, role:<role>, group:<id> or leader:<id>")
    review = entry.get("review_action_items", str(trigger.fields[2]) == "*" and str(trigger.fields[1]) == "*"
                       and str(trigger.fields[4]) != "*")
    if not isinstance(review, bool):
        raise ConfigError(f"{where}.review_action_items: expected true or false, got {review!r}")
    return Recurring(text("id", title), title, schedule, duration, chair, taker,
                     tuple(a.strip() for a in attendees), entry.get("agenda", "") or "", review)


def resolve(ctx: BaseContext, ref: str) -> list[str]:
    """The userids a config reference names (unknown ones are logged and skipped)."""
    kind, _, value = ref.partition(":")
    org = ctx.org
    if not value:
        found = [ref] if org.get(ref) else []
    elif kind == "role":
        found = [m.userid for m in org.with_role(value)]
    elif kind == "group":
        found = [m.userid for m in org.group_members(value)]
    else:
        leader = org.group_leader(value)
        found = [leader.userid] if leader else []
    if not found:
        log.warning("meetings: %r names nobody in the org", ref)
    return found


def ensure_occurrences(ctx: BaseContext, until: datetime | None = None) -> None:
    """Put the configured meetings on the calendar from a little in the past up to ``until`` — but
    never before the bot first ran: a fresh install does not chase the minutes of a meeting held
    before it existed (P9, P11)."""
    tz = ctx.settings.tz
    until = until or ctx.now + HORIZON
    first_run = first_run_at(ctx)
    for series in ctx.settings.section("meetings"):
        if series_stopped(ctx, series.key):  # the director stopped it (取消会议 <编号> 全部)
            continue
        trigger = CronTrigger.from_crontab(series.schedule, timezone=tz)
        duration = timedelta(minutes=series.duration_minutes)
        # Meetings that ended within the minutes window still get their minutes asked for.
        since = max(ctx.now - duration - timedelta(hours=ctx.policy.minutes_due_hours), first_run)
        moment = trigger.get_next_fire_time(None, since)
        while moment is not None and moment <= until:
            _add_occurrence(ctx, series, moment, duration)
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))


def series_stopped(ctx: BaseContext, key: str) -> bool:
    """Whether the director stopped the recurring series ``key`` (``changes``)."""
    return ctx.session.get(KeyValue, SERIES_STOPPED_KEY.format(key=key)) is not None


def first_run_at(ctx: BaseContext) -> datetime:
    """When the bot first put recurring meetings on the calendar (recorded the first time)."""
    row = ctx.session.get(KeyValue, FIRST_RUN_KEY)
    if row is None:
        try:
            with ctx.session.begin_nested():  # another process may record it at the same moment
                row = KeyValue(key=FIRST_RUN_KEY, value=ctx.now.astimezone(timezone.utc).isoformat())
                ctx.session.add(row)
                ctx.session.flush()
        except IntegrityError:
            row = ctx.session.get(KeyValue, FIRST_RUN_KEY)
    return datetime.fromisoformat(row.value)


def _add_occurrence(ctx: BaseContext, series: Recurring, start: datetime, duration: timedelta) -> None:
    exists = ctx.session.scalar(select(Meeting.id).where(Meeting.series == series.key, Meeting.starts_at == start))
    if exists:
        return
    chair = (resolve(ctx, series.chair) or [ctx.org.director_id])[0]
    taker = (resolve(ctx, series.minute_taker) or [chair])[0]
    attendees = [chair, taker]
    for ref in series.attendees:
        attendees += resolve(ctx, ref)
    end = start + duration
    meeting = Meeting(title=series.title, series=series.key, weekly=series.review_action_items, starts_at=start,
                      ends_at=end, chair=chair, minute_taker=taker, attendees=list(dict.fromkeys(attendees)),
                      agenda=series.agenda, status="scheduled", created_by="system:config", created_at=ctx.now,
                      minutes_due_at=end + timedelta(hours=ctx.policy.minutes_due_hours))
    try:
        with ctx.session.begin_nested():  # another process may have added it a moment ago
            ctx.session.add(meeting)
            ctx.session.flush()
    except IntegrityError:
        return
    ctx.audit("system:config", "scheduled", "meeting", meeting.id, series=series.key, starts_at=start.isoformat())
