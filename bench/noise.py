"""A month of the 10,000-person department with the clock moved day by day: how many messages
one person gets (issue 30).

    python bench/noise.py [--people 10000] [--weeks 4] [--start 2026-12-08] [--days 31] [--database-url URL]

Builds the department and a few weeks of history with ``scale_data`` (``--weeks``; the approvals
and meetings scaled to the weeks, so the open work is a busy department's), then moves the clock
from ``--start`` through ``--days`` days, running every job at each of its fire times in order, as
the scheduler and the demo clock do — nobody acts meanwhile, the worst case for reminders. It
counts every outbox row the jobs write (a card, a text, a markdown, a file: one message each, per
recipient) and prints per role the most messages one person got in a day and in the month, how
many of those were repeats (the same message about the same item again: numbers of hours, days
and people masked), and the most identical messages one person got about one item.

Targets (issue 30): the director ≤ 5 messages a day; nobody more than 3 identical messages about
one item. Exit status 0 whenever it ran.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
TZ = ZoneInfo("Asia/Shanghai")
# A duration or a count that grows while an item waits ("已等待 49 小时", "还有 5 位"): masked, so
# a reminder repeated with a new number is still the same reminder.
_GROWING = re.compile(r"\d+(?=\s*(?:小时|天|分钟|位|件|项|人|条))")
ROLES = ("director", "ceo", "finance", "hr", "compliance", "group_leader", "specialist", "staff")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=4, help="weeks of history before --start")
    parser.add_argument("--start", default="2026-12-08", help="the first day (install day of the issue)")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--database-url", help="a database this script may wipe (default: temporary SQLite)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import logging
    import random
    logging.basicConfig(level=logging.WARNING)
    import scale_data
    from app import build_runtime
    from models import migrate

    scale_data.APPROVALS = max(200, scale_data.APPROVALS * args.weeks // 52)
    scale_data.MEETINGS = max(40, scale_data.MEETINGS * args.weeks // 52)
    workdir = tempfile.TemporaryDirectory(prefix="bench-noise-")
    url = args.database_url or f"sqlite:///{workdir.name}/bot.db"
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, pool, text
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    runtime = build_runtime(scale_data.build_settings(url, args.people))
    start = datetime.combine(date.fromisoformat(args.start), datetime.min.time(), TZ)
    started = time.perf_counter()
    sizes = scale_data.build_history(runtime, start, args.weeks, random.Random(args.seed))
    print(f"built in {time.perf_counter() - started:.0f} s: {args.people} people, "
          + ", ".join(f"{n:,} {what}" for what, n in sizes.items()), flush=True)

    end = start + timedelta(days=args.days)
    runs = fire_times(runtime, start, end)
    print(f"moving the clock {start:%Y-%m-%d} → {end:%Y-%m-%d}: {len(runs):,} job runs", flush=True)
    log = Log()
    started = time.perf_counter()
    from scheduler import run_job
    day = None
    for fire, job_id in runs:
        if fire.date() != day:
            day = fire.date()
            print(f"  {day}  {time.perf_counter() - started:6.0f} s", flush=True)
        log.add(runtime, fire.date(), run_job(runtime, job_id, fire))
    print(f"moved in {time.perf_counter() - started:.0f} s")
    report(runtime, log)
    runtime.close()
    workdir.cleanup()
    return 0


def fire_times(runtime, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """(fire time, job id) of every job in [start, end), in the order the scheduler runs them."""
    from scheduler.table import JOB_IDS, trigger_for
    due = []
    for order, job_id in enumerate(JOB_IDS):
        trigger = trigger_for(job_id, runtime.settings.policy, TZ)
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire < end:
            due.append((fire, order, job_id))
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return [(fire, job_id) for fire, _, job_id in sorted(due)]


class Log:
    """Messages per (person, day) and per (person, what was said)."""

    def __init__(self):
        self.per_day: Counter = Counter()  # (userid, day) → messages
        self.per_month: Counter = Counter()  # userid → messages
        self.said: Counter = Counter()  # (userid, masked content) → messages
        self.days: dict[tuple[str, date], list[str]] = defaultdict(list)  # what each person got each day

    def add(self, runtime, day: date, ids: list[int]) -> None:
        from sqlalchemy import select
        from models import OutboxMessage
        with runtime.session_factory() as session:
            for start in range(0, len(ids), 500):
                for kind, recipients, payload, part in session.execute(
                        select(OutboxMessage.kind, OutboxMessage.recipients, OutboxMessage.payload, OutboxMessage.part)
                        .where(OutboxMessage.id.in_(ids[start:start + 500]))):
                    if kind != "send" or part:  # a later part of a long text is the same message
                        continue
                    content = _GROWING.sub("#", _content(payload))
                    for userid in recipients.split("|"):
                        self.per_day[(userid, day)] += 1
                        self.per_month[userid] += 1
                        self.said[(userid, content)] += 1
                        self.days[(userid, day)].append(content)


def _content(payload: dict) -> str:
    msgtype = payload.get("msgtype", "")
    body = payload.get(msgtype) or {}
    if msgtype == "template_card":
        return "card:" + str((body.get("main_title") or {}).get("title", "")) + str(body.get("sub_title_text", ""))
    return f"{msgtype}:" + str(body.get("content") or body.get("filename") or body)


def role_of(runtime, userid: str) -> str:
    member = runtime.org.get(userid)
    if member is None:
        return "staff"
    return next((role for role in ROLES if member.has(role)), "staff")


def report(runtime, log: Log) -> None:
    daily: dict[str, int] = defaultdict(int)
    monthly: dict[str, int] = defaultdict(int)
    repeats: dict[str, int] = defaultdict(int)
    identical: dict[str, int] = defaultdict(int)
    example: dict[str, str] = {}
    people: dict[str, int] = Counter()
    for (userid, _), n in log.per_day.items():
        daily[role_of(runtime, userid)] = max(daily[role_of(runtime, userid)], n)
    for userid, n in log.per_month.items():
        role = role_of(runtime, userid)
        monthly[role] = max(monthly[role], n)
        people[role] += 1
    per_person_repeats: Counter = Counter()
    for (userid, _), n in log.said.items():
        role = role_of(runtime, userid)
        per_person_repeats[userid] += n - 1
        if n > identical[role]:
            identical[role], example[role] = n, _
    for userid, n in per_person_repeats.items():
        role = role_of(runtime, userid)
        repeats[role] = max(repeats[role], n)
    print("\nrole            people reached   most a day   most in the month   repeats (most, one person)"
          "   most identical about one item")
    for role in ROLES:
        if people[role]:
            print(f"{role:15} {people[role]:14,d} {daily[role]:12d} {monthly[role]:19d} {repeats[role]:28d}"
                  f" {identical[role]:32d}")
    print("\nthe message repeated most, per role:")
    for role in ROLES:
        if role in example:
            print(f"  {role:15} ×{identical[role]}  {example[role][:150]!r}")
    busiest = max((n, userid, day) for (userid, day), n in log.per_day.items() if role_of(runtime, userid) == "director") \
        if daily["director"] else None
    if busiest:
        print(f"the director's busiest day, {busiest[2]}:")
        for content in log.days[(busiest[1], busiest[2])]:
            print(f"  {content[:120]!r}")
    director_day = daily["director"]
    worst_identical = max(identical.values(), default=0)
    print(f"\ntargets: director ≤ 5 a day: {'met' if director_day <= 5 else 'NOT met'} (most {director_day}); "
          f"nobody more than 3 identical messages about one item: {'met' if worst_identical <= 3 else 'NOT met'} "
          f"(most {worst_identical})")


if __name__ == "__main__":
    sys.exit(main())
