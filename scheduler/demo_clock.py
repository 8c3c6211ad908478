"""The demo's movable clock: the emulator page moves it forward ("下一个周五 15:00") and every job
that falls due on the way runs, in order, as the scheduler would have run it — each at its own
fire time, its messages delivered before the next one runs. Only the emulator (demo mode) has
one; a production process has none, so its clock is always the real one.

While the clock is moved the scheduler's own timers for the policy jobs are paused (they follow
real time) and a tick every ``TICK_SECONDS`` runs what falls due on the demo's time instead;
``reset`` returns to real time and resumes them. The offset is kept in the database
(``kv_store``), so a restarted demo keeps the time its chat history was written at.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from models import KeyValue
from scheduler import run_job, sweep_conversations
from scheduler.table import JOB_IDS, trigger_for

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from scheduler import SchedulerService

log = logging.getLogger("scheduler.demo_clock")
KEY = "emulator.clock_offset"
TICK_SECONDS = 15
MAX_JUMP = timedelta(days=31)  # a month of five-minutely meeting checks still runs in seconds
DELIVERY_WAIT = 10.0  # seconds to wait for one job's messages before the next job runs


class ClockError(ValueError):
    """A move the clock refuses (backwards, too far); the message is for the page (Chinese)."""


class DemoClock:
    """Real time plus an offset; ``move_to`` runs the jobs due on the way."""

    def __init__(self, runtime: "Runtime", service: "SchedulerService | None" = None):
        self.runtime = runtime
        self.service = service
        self.offset = timedelta(0)
        self.caught_up: datetime | None = None  # demo time up to which the jobs have run
        self.moving_to: datetime | None = None  # while a move runs (the page shows its progress)
        self.lock = threading.Lock()
        self._load()

    # ---- reading -----------------------------------------------------------------------------
    @property
    def moved(self) -> bool:
        return self.offset != timedelta(0)

    def now(self) -> datetime:
        """The demo's time, aware, in the configured time zone."""
        return (datetime.now(timezone.utc) + self.offset).astimezone(self.runtime.settings.tz)

    def due_between(self, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        """(fire time, job id) of every job due in (start, end], in the order the scheduler runs
        them: by time, then by the job table's order."""
        tz, policy = self.runtime.settings.tz, self.runtime.settings.policy
        due = []
        for order, job_id in enumerate(JOB_IDS):
            trigger = trigger_for(job_id, policy, tz)
            fire = trigger.get_next_fire_time(None, start + timedelta(seconds=1))
            while fire is not None and fire <= end:
                due.append((fire, order, job_id))
                fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return [(fire, job_id) for fire, _, job_id in sorted(due)]

    # ---- moving ------------------------------------------------------------------------------
    def move_to(self, target: datetime) -> list[tuple[datetime, str, int]]:
        """Move the clock forward to ``target`` (aware), running every job due on the way;
        returns (fire time, job id, messages queued) of each run. Raises ``ClockError`` for a time in the past or more than MAX_JUMP ahead."""
        with self.lock:
            start = self.now()
            if target <= start:
                raise ClockError("只能把时间往后拨。想回到现在，点「回到现在」。")
            if target - start > MAX_JUMP:
                raise ClockError(f"一次最多往后拨 {MAX_JUMP.days} 天，请分几次拨。")
            self._pause_timers()
            self.moving_to = target
            try:
                ran = self._catch_up(start, target)
            finally:
                self._set_offset(target - datetime.now(timezone.utc))
                self.caught_up, self.moving_to = target, None
            return ran

    def set_time(self, moment: datetime) -> None:
        """Put the demo's time at ``moment`` without running anything (a test's starting point)."""
        with self.lock:
            self._pause_timers()
            self._set_offset(moment - datetime.now(timezone.utc))
            self.caught_up = moment

    def reset(self) -> None:
        """Back to real time; the scheduler's own timers take over again."""
        with self.lock:
            self._set_offset(timedelta(0))
            self.caught_up = None
            if self.service is not None:
                for job_id in JOB_IDS:
                    self.service.scheduler.resume_job(job_id)

    def tick(self) -> None:
        """Run what fell due on the moved clock since the last move or tick (the scheduler's
        timers are paused while the clock is moved)."""
        if not self.moved or (self.service is not None and not self.service.has_lock):
            return
        with self.lock:
            if not self.moved:
                return
            now, offset = self.now(), self.offset
            start = self.caught_up or now
            self.caught_up = now
            try:
                self._catch_up(start, now)
            finally:
                self._set_offset(offset, persist=False)

    def attach(self, service: "SchedulerService") -> None:
        """Let the clock pause ``service``'s timers while moved, and tick on it."""
        self.service = service
        service.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, id="_demo_clock",
                                  coalesce=True, max_instances=1)
        if self.moved:
            self._pause_timers()

    # ---- inside ------------------------------------------------------------------------------
    def _catch_up(self, start: datetime, end: datetime) -> list[tuple[datetime, str, int]]:
        ran = []
        for fire, job_id in self.due_between(start, end):
            self._set_offset(fire - datetime.now(timezone.utc), persist=False)  # messages carry the fire time
            try:
                ids = run_job(self.runtime, job_id, fire)
            except Exception:  # as the scheduler does: log it, and the next job still runs
                log.exception("job %s failed at %s", job_id, fire.isoformat())
                continue
            if ids and self.runtime.dispatcher is not None:
                self.runtime.dispatcher.wait_for(ids, timeout=DELIVERY_WAIT)
            ran.append((fire, job_id, len(ids)))
        sweep_conversations(self.runtime, end)
        log.info("demo clock: %s → %s, %d job run(s)", start.isoformat(), end.isoformat(), len(ran))
        return ran

    def _pause_timers(self) -> None:
        if self.service is not None:
            for job_id in JOB_IDS:
                self.service.scheduler.pause_job(job_id)

    def _set_offset(self, offset: timedelta, persist: bool = True) -> None:
        self.offset = offset
        self.runtime.clock = (lambda: datetime.now(timezone.utc) + self.offset) if offset else None
        if persist:
            with self.runtime.session_factory.begin() as session:
                row = session.get(KeyValue, KEY) or KeyValue(key=KEY, value="0")
                row.value = json.dumps({"offset_seconds": offset.total_seconds()})
                session.merge(row)

    def _load(self) -> None:
        with self.runtime.session_factory() as session:
            row = session.get(KeyValue, KEY)
        if row is not None:
            seconds = json.loads(row.value).get("offset_seconds", 0)
            if seconds:
                self._set_offset(timedelta(seconds=seconds), persist=False)
                self.caught_up = self.now()
