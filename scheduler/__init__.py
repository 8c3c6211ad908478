"""APScheduler set-up: the job table, one scheduler per deployment (a lease in the database),
and ``run_job`` — the one function both the scheduler and ``jobs run`` call."""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from bot import messages
from bot.conversation.context import Context, JobContext
from bot.conversation.flows import Conversation, expire_conversations
from bot.runtime import Runtime
from models import Lease, OutboxMessage
from bot.outbox.reminders import budget_for
from scheduler.table import JOB_IDS, delivery, job_schedules, trigger_for
from scheduler.words import schedule_in_words

log = logging.getLogger("scheduler")
LOCK_NAME = "scheduler"
LOCK_TTL = timedelta(seconds=60)


def nothing_to_do(ctx: JobContext) -> None:
    """A job whose feature is not built yet: it runs, logs, and sends nothing."""
    log.info("job %s: nothing to do", ctx.job_id)


def job_function(runtime: Runtime, job_id: str):
    if job_id not in JOB_IDS:
        raise KeyError(job_id)
    route = runtime.registry.jobs.get(job_id)
    return route.func if route else nothing_to_do


def run_job(runtime: Runtime, job_id: str, now: datetime | None = None) -> list[int]:
    """Run one job once, as if the clock read ``now``; return the ids of the outbox rows it wrote.
    Its messages go through the job's reminder budget (``bot.outbox.reminders``): one per person."""
    func = job_function(runtime, job_id)
    now = (now or runtime.now()).astimezone(runtime.settings.tz)
    with runtime.session_factory.begin() as session:
        ctx = JobContext(session=session, settings=runtime.settings, org=runtime.org, now=now,
                         origin=f"job:{job_id}", job_id=job_id, wecom=runtime.client,
                         budget=budget_for(delivery(job_id), runtime.settings.policy))
        func(ctx)
        if ctx.budget is not None:
            ctx.queued.extend(ctx.budget.flush(ctx))
        session.flush()
        ids = [row.id for row in ctx.queued if isinstance(row, OutboxMessage)]
    log.info("job %s ran at %s: %d message(s) queued", job_id, now.isoformat(), len(ids))
    return ids


def sweep_conversations(runtime: Runtime, now: datetime | None = None) -> int:
    """End the conversations whose time is up and tell each user (the flow's timeout handler
    decides what to say, e.g. a rejection still waiting for its reason is announced without one)."""
    now = (now or runtime.now()).astimezone(runtime.settings.tz)
    timeout = runtime.settings.policy.conversation_timeout_minutes
    with runtime.session_factory.begin() as session:
        rows = expire_conversations(session, now)
        for row in rows:
            ctx = Context(session=session, settings=runtime.settings, org=runtime.org, now=now,
                          origin=f"timeout:{row.flow}", userid=row.userid, user=runtime.org.get(row.userid))
            ctx.conversation = Conversation(session, row.userid, now, timeout, row=row)
            handler = runtime.registry.flow_timeouts.get(row.flow)
            answer = handler.func(ctx) if handler else messages.CONVERSATION_TIMED_OUT.format(minutes=timeout)
            if answer and ctx.user is not None:
                ctx.send_text(row.userid, answer)
            session.delete(row)
    return len(rows)


def acquire_lease(runtime: Runtime, name: str, holder: str, ttl: timedelta = LOCK_TTL) -> bool:
    """Take or renew a named lease; False while another live holder has it."""
    now = datetime.now(timezone.utc)
    with runtime.session_factory.begin() as session:
        renewed = session.execute(
            update(Lease).where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
            .values(holder=holder, expires_at=now + ttl).execution_options(synchronize_session=False))
        if renewed.rowcount == 1:
            return True
        if session.get(Lease, name) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        except IntegrityError:
            return False
    return True


def release_lease(runtime: Runtime, name: str, holder: str) -> None:
    with runtime.session_factory.begin() as session:
        lease = session.get(Lease, name)
        if lease is not None and lease.holder == holder:
            session.delete(lease)


class SchedulerService:
    """The scheduler of ``serve`` and ``worker``. Jobs run only while this process holds the
    database lease, so a second scheduler started by mistake stays idle (and takes over if
    the first one dies)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler = BackgroundScheduler(timezone=runtime.settings.tz)
        self.has_lock = False

    def start(self) -> "SchedulerService":
        policy = self.runtime.settings.policy
        for job_id in JOB_IDS:
            self.scheduler.add_job(self._run, trigger_for(job_id, policy, self.runtime.settings.tz),
                                   args=[job_id], id=job_id, name=job_id, coalesce=True,
                                   misfire_grace_time=300, max_instances=1)
        self.scheduler.add_job(self._heartbeat, "interval", seconds=20, id="_scheduler_lease")
        self.scheduler.add_job(self._sweep, "interval", seconds=60, id="_conversation_timeouts",
                               coalesce=True, max_instances=1)
        self._heartbeat()
        self.scheduler.start()
        return self

    def _heartbeat(self) -> None:
        try:
            held = acquire_lease(self.runtime, LOCK_NAME, self.holder)
        except Exception:
            log.exception("scheduler lease check failed")
            held = False
        if held != self.has_lock:
            log.info("scheduler lease %s by %s", "taken" if held else "held elsewhere; idle", self.holder)
        self.has_lock = held

    def _run(self, job_id: str) -> None:
        if not self.has_lock:
            log.info("job %s skipped: another scheduler holds the lease", job_id)
            return
        try:
            run_job(self.runtime, job_id)
        except Exception:
            log.exception("job %s failed", job_id)

    def _sweep(self) -> None:
        if not self.has_lock:
            return
        try:
            sweep_conversations(self.runtime)
        except Exception:
            log.exception("conversation timeout sweep failed")

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)
        if self.has_lock:
            release_lease(self.runtime, LOCK_NAME, self.holder)


def describe_jobs(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(job id, schedule, implemented?) for ``jobs list``."""
    rows = []
    for job_id, fields in job_schedules(runtime.settings.policy).items():
        schedule = schedule_in_words(job_id, fields, runtime.settings.policy)
        rows.append((job_id, schedule, "yes" if job_id in runtime.registry.jobs else "not yet (no-op)"))
    return rows
