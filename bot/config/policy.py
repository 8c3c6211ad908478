"""``[policy]``: every number POLICY.md leaves open ("X"), approval chains (P3/P4) and KPIs (P13)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.config.org import PERSON_ROLES
from bot.config.tables import ConfigError, Table

CHAIN_ROLES = {"department_head", "group_leader", "director", "finance", "ceo"}


@dataclass(frozen=True)
class ChainStep:
    role: str
    label: str
    min_amount_wan: float | None = None  # step applies only when amount ≥ this (万元)


@dataclass(frozen=True)
class Kpi:
    """P13: one KPI of a department (``[[policy.kpis]]``); the rater enters the figure."""
    department: str
    name: str
    unit: str = ""
    target: float | None = None


@dataclass(frozen=True)
class PolicySettings:
    """Every number POLICY.md leaves open ("X"), with its documented default."""

    rotation_interval_years: int = 2  # P2
    director_limit_wan: float = 5  # P4
    split_window_days: int = 30  # P4: requests of the same thing within this many days may be one split purchase
    split_escalates: bool = True  # P4: a split purchase's chain is that of its total (the CEO from the limit)
    split_kinds: tuple[str, ...] = ("procurement",)  # P4: kinds checked for splits (a standing 报销 is none)
    split_exempt_items: tuple[str, ...] = ()  # P4: legitimate repeats (e.g. "云服务器月租"), never a split
    approver_brief_days: int = 90  # P3: the approver's card shows the requester's requests of this many days
    near_limit_percent: int = 90  # P4: an amount from this % of a tier up to it is "just under the limit"
    emergency_backfill_hours: int = 48  # P5
    kickoff_days: int = 7  # P6
    acceptance_days: int = 15  # P6
    acceptance_remind_days: int = 3  # P6: the owner is reminded this many days before acceptance is due
    review_window_days: int = 14  # P6: mid-term review reminders in the quarter's last this-many days
    sensitive_keywords: tuple[str, ...] = ("合同", "协议", "报价")  # P8: a file name with one is sensitive
    minutes_due_hours: int = 24  # P9
    minutes_escalate_hours: int = 24  # P9
    weekly_report_due: str = "FRI 17:00"  # P10
    weekly_report_remind: str = "FRI 15:00"  # P10
    monthly_report_due_day: int = 3  # P10
    annual_report_due: str = "01-15"  # P10
    report_roles: tuple[str, ...] = ("specialist", "group_leader")  # P10
    decision_owner_hours: int = 24  # P12
    stale_item_weeks: int = 4  # P12: overdue this long → to the chair once, off the owner's list
    promotion_quarters: int = 4  # P13
    promotion_review: str = "12-15"  # P2: the annual promotion review (MM-DD)
    self_evaluation_remind_from_end: int = 3  # P13: asked on the Nth-to-last working day of the month
    self_evaluation_due_day: int = 3  # P13: due on this working day of the next month
    superior_evaluation_due_day: int = 10  # P13: due on this working day of the quarter's first month
    evaluation_remind_every_days: int = 1  # P13: reminders repeat every this many days until due
    evaluation_time: str = "10:00"  # P13: when the evaluation jobs run
    urge_interval_hours: int = 4  # P3
    approval_remind_hours: int = 24  # P3
    approval_escalate_hours: int = 48  # P3
    meeting_remind_minutes: int = 30  # P11
    incident_escalate_hours: int = 24  # P15
    audit_sample_size: int = 50  # P16
    urgent_ack_minutes: int = 10  # P17
    mediation_days: int = 7  # P19
    suggestion_answer_days: int = 14  # P20
    reminders_per_day: int = 3  # issue 30: reminder messages one person gets a day from the jobs
    reminder_repeats: int = 2  # issue 30: one item is reminded this often, then at most weekly
    conversation_timeout_minutes: int = 30
    sender_budget_per_minute: int = 6  # what one member may make the bot send to others: actions a minute
    sender_budget_per_day: int = 150  # … and a day
    leak_repeat_minutes: int = 10  # P15: the same leak reported again by the same person within this is one incident
    working_hours: str = "09:00-18:00"
    chains: dict[str, tuple[ChainStep, ...]] = field(default_factory=dict)
    kpis: tuple[Kpi, ...] = ()  # P13


def parse_policy(t: Table) -> PolicySettings:
    defaults = PolicySettings()
    values: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        if name in ("chains", "kpis"):
            continue
        if isinstance(default, tuple):
            values[name] = tuple(t.get(name, list, list(default)))
        elif isinstance(default, float):
            values[name] = t.get(name, (int, float), default)
        else:
            values[name] = t.get(name, type(default), default)
        if isinstance(default, int) and values[name] < 0:
            raise ConfigError(f"policy.{name}: expected a number ≥ 0, got {values[name]}")
    for name in ("weekly_report_due", "weekly_report_remind"):
        if not re.fullmatch(r"(MON|TUE|WED|THU|FRI|SAT|SUN) ([01]\d|2[0-3]):[0-5]\d", values[name]):
            raise ConfigError(f"policy.{name}: expected a weekday and time such as \"FRI 17:00\", got {values[name]!r}")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", values["annual_report_due"]):
        raise ConfigError(f"policy.annual_report_due: expected MM-DD such as \"01-15\", got {values['annual_report_due']!r}")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", values["working_hours"]):
        raise ConfigError(f"policy.working_hours: expected \"HH:MM-HH:MM\", got {values['working_hours']!r}")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", values["evaluation_time"]):
        raise ConfigError(f"policy.evaluation_time: expected \"HH:MM\" such as \"10:00\", got {values['evaluation_time']!r}")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", values["promotion_review"]):
        raise ConfigError(f"policy.promotion_review: expected MM-DD such as \"12-15\", got {values['promotion_review']!r}")
    for name in ("self_evaluation_remind_from_end", "self_evaluation_due_day", "superior_evaluation_due_day",
                 "evaluation_remind_every_days", "reminders_per_day", "reminder_repeats"):
        if values[name] < 1:
            raise ConfigError(f"policy.{name}: expected a number ≥ 1, got {values[name]}")
    if not set(values["report_roles"]) <= PERSON_ROLES:
        raise ConfigError(f"policy.report_roles: expected roles among {sorted(PERSON_ROLES)}")
    values["chains"] = _parse_chains(t.get("chains", dict, {}), values["director_limit_wan"])
    values["kpis"] = _parse_kpis(t.get("kpis", list, []))
    t.finish()
    return PolicySettings(**values)


def _parse_chains(raw: dict, director_limit: float) -> dict[str, tuple[ChainStep, ...]]:
    # P3/P4 default: department head (初审) → finance (复审) → CEO (终审) from the director's limit up.
    default_steps = [{"role": "department_head", "label": "初审"}, {"role": "finance", "label": "复审"},
                     {"role": "ceo", "label": "终审", "min_amount_wan": "director_limit"}]
    raw = {"procurement": default_steps, "reimbursement": default_steps, **raw}
    chains = {}
    for kind, steps in raw.items():
        if not isinstance(steps, list) or not steps:
            raise ConfigError(f"policy.chains.{kind}: expected a non-empty list of steps")
        parsed = []
        for i, step in enumerate(steps):
            t = Table(step, f"policy.chains.{kind}[{i}]")
            role = t.get("role", str, what=f"one of {sorted(CHAIN_ROLES)}")
            label = t.get("label", str, role)
            limit = t.get("min_amount_wan", (int, float, str), None, 'a number of 万元 or "director_limit"')
            t.finish()
            if role not in CHAIN_ROLES:
                raise ConfigError(f"policy.chains.{kind}[{i}].role: expected one of {sorted(CHAIN_ROLES)}, got {role!r}")
            if isinstance(limit, str):
                if limit != "director_limit":
                    raise ConfigError(f'policy.chains.{kind}[{i}].min_amount_wan: expected a number or "director_limit"')
                limit = director_limit
            parsed.append(ChainStep(role, label, None if limit is None else float(limit)))
        chains[kind] = tuple(parsed)
    return chains


def _parse_kpis(raw: list) -> tuple[Kpi, ...]:
    """P13: ``[[policy.kpis]]`` entries: department (an id), name, unit, target (a number)."""
    kpis = []
    for i, entry in enumerate(raw):
        t = Table(entry, f"policy.kpis[{i}]")
        kpi = Kpi(t.get("department", str, what="a department id"), t.get("name", str, what="the KPI's name"),
                  t.get("unit", str, ""), t.get("target", (int, float), None))
        t.finish()
        kpis.append(kpi)
    return tuple(kpis)
