"""The job table of DESIGN.md: which job runs when. Times are in ``scheduler.timezone``;
the ones the policy leaves open come from ``[policy]``."""
from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

from bot.config import PolicySettings

DAYS = {"MON": "mon", "TUE": "tue", "WED": "wed", "THU": "thu", "FRI": "fri", "SAT": "sat", "SUN": "sun"}


def _weekly(spec: str) -> dict:
    day, clock = spec.split()
    hour, minute = clock.split(":")
    return {"day_of_week": DAYS[day], "hour": int(hour), "minute": int(minute)}


def _daily_at_time_of(spec: str) -> dict:
    """Every day at the time of a "FRI 17:00" setting: a holiday Friday moves the deadline to an
    earlier working day (P10), and the job itself checks the calendar and the ledger."""
    hour, minute = spec.split()[1].split(":")
    return {"hour": int(hour), "minute": int(minute)}


def _daily(clock: str) -> dict:
    hour, minute = clock.split(":")
    return {"hour": int(hour), "minute": int(minute)}


def job_schedules(policy: PolicySettings) -> dict[str, dict]:
    """Job id → cron fields (APScheduler ``CronTrigger`` keyword arguments)."""
    start, end = policy.working_hours.split("-")
    working = {"day_of_week": "mon-fri", "hour": f"{int(start[:2])}-{int(end[:2])}"}
    return {
        "weekly_report_reminder": _daily_at_time_of(policy.weekly_report_remind),  # P10
        "weekly_report_overdue": _daily_at_time_of(policy.weekly_report_due),  # P10, at the deadline
        "monthly_report_reminder": {"hour": 10, "minute": 0},  # P10, checks the month's deadline daily
        "minutes_overdue": {**working, "minute": 10},  # P9, hourly in working hours
        "decision_owner_check": {**working, "minute": 20},  # P12, hourly in working hours
        "action_item_followup": {"hour": 9, "minute": 30},  # P12, daily
        "approval_reminder": {**working, "minute": 0},  # P3, hourly in working hours
        "emergency_backfill_reminder": {**working, "minute": 30},  # P5, hourly in working hours
        # P18: Thursday's prompt and Friday's digest, daily so that a holiday moves them earlier
        "weekly_sync_prompt": {"day_of_week": "mon-fri", "hour": 10, "minute": 0},
        "weekly_sync_digest": {"day_of_week": "mon-fri", "hour": 10, "minute": 0},
        "meeting_reminder": {"minute": "*/5"},  # P11
        "manager_digest": {"day_of_week": "mon", "hour": 9, "minute": 0},  # P0
        # P16: daily in the quarter's first days; the job itself waits for the first working day
        # after the quarter (1 October is a holiday) and audits each quarter once.
        "quarterly_audit": {"month": "1,4,7,10", "day": "1-15", "hour": 9, "minute": 0},
        # P13: daily at policy.evaluation_time; the jobs read the working calendar for their days
        "self_evaluation_reminder": _daily(policy.evaluation_time),
        "superior_evaluation_reminder": _daily(policy.evaluation_time),
        "promotion_review": _daily(policy.evaluation_time),  # P2: acts on policy.promotion_review
        "project_kickoff_reminder": {"day_of_week": "mon-fri", "hour": 9, "minute": 40},  # P6, daily
        "project_review_reminder": {"day_of_week": "mon-fri", "hour": 10, "minute": 10},  # P6, quarter's end
        "project_acceptance_reminder": {"day_of_week": "mon-fri", "hour": 9, "minute": 50},  # P6, daily
        "org_sync": {"hour": 2, "minute": 30},  # P1: reconcile with WeCom's address book, nightly
        "incident_reminder": {"hour": 9, "minute": 30},  # P15, compliance daily (a leak waits for no weekend)
        "incident_escalation": {"hour": "8-22", "minute": 40},  # P15, hourly: silent incidents to the director
        # P17: who has not tapped 收到 after urgent_ack_minutes — checked every 5 minutes (as the meeting
        # reminder), so the sender hears 10–15 minutes after; every minute would slow the demo clock 5-fold.
        "urgent_ack_check": {"minute": "*/5"},
        "mediation_deadline": {**working, "minute": 50},  # P19, hourly in working hours: late mediations to HR
    }


JOB_IDS = tuple(job_schedules(PolicySettings()))

# How each job may speak (``bot.outbox.reminders``): "reminder" (the default) — combined per person
# per run, refused past policy.reminders_per_day, on working days only; "any_day" — the same on any
# day; "always" — combined and counted, never refused (due at a fixed moment); None — no budget.
DELIVERY: dict[str, str | None] = {
    "incident_reminder": "any_day",  # P15: a leak waits for no weekend
    "incident_escalation": "any_day",  # P15
    "meeting_reminder": "always",  # P11: before the meeting, whatever the day
    "manager_digest": "always",  # P0: the weekly digest (and what still waits, issue 30)
    "weekly_sync_digest": "always",  # P18: a digest
    "quarterly_audit": "always",  # P16: a report, once a quarter
    "promotion_review": "always",  # P2: a list, once a year
    "urgent_ack_check": None,  # P17: urgent notices are exempt
    "org_sync": None,  # P1: tells of org changes as they are found
}

def delivery(job_id: str) -> str | None:
    """The delivery class of ``job_id`` (see DELIVERY)."""
    return DELIVERY.get(job_id, "reminder")


def trigger_for(job_id: str, policy: PolicySettings, timezone) -> CronTrigger:
    return CronTrigger(timezone=timezone, **job_schedules(policy)[job_id])
