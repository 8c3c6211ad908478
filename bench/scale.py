"""Every job and the busiest commands on a 10,000-person department with a year of history.

    python bench/scale.py [--people 10000] [--weeks 52] [--database-url URL] [--samples 60]

Builds the org (groups of 20, each with a leader; the director heads the department) and a year
of history through the models, in bulk: weekly reports (≈ 480k), approvals with their steps and
audit rows (50k), meetings with minutes (2k) and their action items (20k, many never closed),
weekly syncs. ``--database-url`` (PostgreSQL) is WIPED first: give it a database of its own; the
default is a temporary SQLite file. Then it runs every job once with ``--now`` at a moment it has
work (as `app.py jobs run` does, without delivering) and prints per job: seconds, message/send
calls queued, and the most messages one person would receive; then p50/p99 of commands sent
through the callback path's ``process_message`` (decryption and HTTP excluded).

Targets (issue 16): every job < 5 s on SQLite, at most 3 messages to one person per event,
commands p99 < 100 ms.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 11, 0, tzinfo=TZ)  # a Friday in week 48
JOB_TIMES = [  # (job, when): in time order, each at a moment it has work
    ("weekly_sync_prompt", datetime(2026, 11, 26, 10, 0, tzinfo=TZ)),
    ("weekly_sync_digest", datetime(2026, 11, 27, 10, 0, tzinfo=TZ)),
    ("approval_reminder", datetime(2026, 11, 27, 11, 0, tzinfo=TZ)),
    ("minutes_overdue", datetime(2026, 11, 27, 11, 10, tzinfo=TZ)),
    ("decision_owner_check", datetime(2026, 11, 27, 11, 20, tzinfo=TZ)),
    ("emergency_backfill_reminder", datetime(2026, 11, 27, 11, 30, tzinfo=TZ)),
    ("weekly_report_reminder", datetime(2026, 11, 27, 15, 0, tzinfo=TZ)),
    ("weekly_report_overdue", datetime(2026, 11, 27, 17, 0, tzinfo=TZ)),
    ("manager_digest", datetime(2026, 11, 30, 9, 0, tzinfo=TZ)),
    ("action_item_followup", datetime(2026, 11, 30, 9, 30, tzinfo=TZ)),
    ("meeting_reminder", datetime(2026, 11, 30, 9, 35, tzinfo=TZ)),
    ("decision_owner_check", datetime(2026, 11, 30, 10, 20, tzinfo=TZ)),
    ("action_item_followup", datetime(2026, 12, 7, 9, 30, tzinfo=TZ)),
    ("monthly_report_reminder", datetime(2026, 12, 3, 10, 0, tzinfo=TZ)),
    ("self_evaluation_reminder", datetime(2026, 12, 25, 10, 0, tzinfo=TZ)),
    ("superior_evaluation_reminder", datetime(2026, 12, 20, 10, 0, tzinfo=TZ)),
    ("quarterly_audit", datetime(2027, 1, 4, 9, 0, tzinfo=TZ)),
]
COMMANDS = ("我的申请", "周报 查看", "待我审批", "周报 汇总", "帮助")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--database-url", help="a database this script may wipe (default: temporary SQLite)")
    parser.add_argument("--samples", type=int, default=60, help="calls per command")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the database's data (built by an earlier run)")
    parser.add_argument("--only", nargs="*", help="run only these jobs / commands")
    args = parser.parse_args()

    import logging
    logging.basicConfig(level=logging.WARNING)
    from app import build_runtime
    from models import migrate
    from scale_data import build_history, build_settings

    workdir = tempfile.TemporaryDirectory(prefix="bench-scale-")
    url = args.database_url or f"sqlite:///{workdir.name}/bot.db"
    if url.startswith("postgresql") and not args.reuse:
        from sqlalchemy import create_engine, pool, text
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    settings = build_settings(url, args.people)
    runtime = build_runtime(settings)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    print(f"database: {url.split('@')[-1]}")
    if not args.reuse:
        sizes = build_history(runtime, NOW, args.weeks, rng)
        print(f"built in {time.perf_counter() - started:.0f} s: {args.people} people, " +
              ", ".join(f"{n:,} {what}" for what, n in sizes.items()), flush=True)

    from scheduler.table import JOB_IDS
    planned = {job_id for job_id, _ in JOB_TIMES}
    schedule = JOB_TIMES + [(job_id, NOW) for job_id in JOB_IDS if job_id not in planned]  # the rest: once
    print("\njob                            seconds  sends  most to one person")
    worst_job, worst_person = 0.0, 0
    for job_id, when in schedule:
        if args.only and job_id not in args.only:
            continue
        seconds, sends, most = run_job_once(runtime, job_id, when)
        worst_job, worst_person = max(worst_job, seconds), max(worst_person, most)
        print(f"{job_id:30} {seconds:7.2f} {sends:6d}  {most:3d}   (at {when:%a %m-%d %H:%M})", flush=True)

    print("\ncommand            calls   p50 ms   p99 ms  max ms  msgs/call  most to one person  (a passive answer counts)")
    worst_p99 = 0.0
    for command in COMMANDS:
        if args.only and command not in args.only:
            continue
        for label, users in command_users(runtime, command, rng, args.samples):
            times, sends, most = run_command(runtime, command, users)
            p99 = percentile(times, 99)
            worst_p99 = max(worst_p99, p99)
            print(f"{label:16} {len(times):6d} {statistics.median(times):8.1f} {p99:8.1f} {max(times):7.1f}"
                  f" {sends / len(times):10.1f}  {most:3d}", flush=True)

    print(f"\ntargets: every job < 5 s: {'met' if worst_job < 5 else 'NOT met'} (worst {worst_job:.2f} s); "
          f"≤ 3 messages to one person per event: {'met' if worst_person <= 3 else 'NOT met'} (worst {worst_person}); "
          f"commands p99 < 100 ms: {'met' if worst_p99 < 100 else 'NOT met'} (worst {worst_p99:.0f} ms)")
    runtime.close()
    workdir.cleanup()
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def queued_counts(runtime, ids: list[int]) -> tuple[int, int]:
    """(message/send calls, most messages to one person) of the outbox rows ``ids``."""
    from sqlalchemy import select
    from models import OutboxMessage
    per_person: Counter = Counter()
    sends = 0
    with runtime.session_factory() as session:
        for start in range(0, len(ids), 500):
            for kind, recipients in session.execute(select(OutboxMessage.kind, OutboxMessage.recipients)
                                                    .where(OutboxMessage.id.in_(ids[start:start + 500]))):
                sends += kind == "send"
                per_person.update(recipients.split("|"))
    return sends, max(per_person.values(), default=0)


def run_job_once(runtime, job_id: str, when: datetime) -> tuple[float, int, int]:
    from scheduler import run_job
    started = time.perf_counter()
    ids = run_job(runtime, job_id, when)
    seconds = time.perf_counter() - started
    return (seconds, *queued_counts(runtime, ids))


def command_users(runtime, command: str, rng: random.Random, samples: int):
    """(label, the senders) for a command: who would send it."""
    org = runtime.org
    specialists = [m.userid for m in org.members.values() if m.has("specialist")]
    leaders = [m.userid for m in org.members.values() if m.has("group_leader")]
    if command == "待我审批":
        approvers = [org.director_id, *org.finance_ids, org.ceo_id]
        yield command, [approvers[i % len(approvers)] for i in range(samples)]
    elif command == "周报 汇总":
        yield "周报 汇总 (leader)", rng.sample(leaders, min(samples, len(leaders)))
        yield "周报 汇总 (director)", [org.director_id] * max(5, samples // 10)
    else:
        yield command, rng.sample(specialists, samples)


_msg_ids = iter(range(10**12, 10**13))


def run_command(runtime, command: str, users: list[str]) -> tuple[list[float], int, int]:
    from bot.conversation.context import Message
    from bot.conversation.inbound import process_message
    times, sends, most = [], 0, 0
    runtime.clock = lambda: NOW + timedelta(hours=5)  # Friday 16:00: this week's reports are in
    for userid in users:
        message = Message(msg_type="text", userid=userid, create_time=int(time.time()),
                          msg_id=str(next(_msg_ids)), text=command, raw={"Content": command})
        before = max_outbox_id(runtime)
        started = time.perf_counter()
        outcome = process_message(runtime, message)
        times.append((time.perf_counter() - started) * 1000)
        ids = list(range(before + 1, max_outbox_id(runtime) + 1))
        call_sends, call_most = queued_counts(runtime, ids)
        passive = 1 if outcome.passive else 0  # answered in the HTTP response: a message too
        sends, most = sends + call_sends + passive, max(most, call_most + passive)
    runtime.clock = None
    return times, sends, most


def max_outbox_id(runtime) -> int:
    from sqlalchemy import func, select
    from models import OutboxMessage
    with runtime.session_factory() as session:
        return session.scalar(select(func.max(OutboxMessage.id))) or 0


if __name__ == "__main__":
    sys.exit(main())
