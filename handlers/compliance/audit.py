"""The quarterly compliance audit (P16): every rule the quarter's records broke, with the record,
the clause and the evidence.

Per kind of record, the figures (checked / broken) cover every record; the findings listed are
those of a sample: all records when a kind has at most ``policy.audit_sample_size``, else a
seeded random sample of that many. The seed is printed so the same sample can be drawn again
(``python app.py audit --quarter 2026Q4 --seed N``). The job ``quarterly_audit`` sends the
director and compliance a markdown summary and the whole report as a CSV file.
"""
from __future__ import annotations

import importlib.util
import logging
import random
import secrets
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from bot.conversation.context import BaseContext, JobContext
from bot.conversation.router import job
from handlers.compliance import audit_duties as duties
from handlers.compliance import audit_rules as rules
from handlers.compliance.audit_report import report_csv, summary_markdown
from handlers.compliance.common import responders
from handlers.compliance.quarters import Quarter, Scope, make_scope, previous_quarter
from models import NotificationLedger

log = logging.getLogger(__name__)
LEDGER_KIND = "quarterly_audit"
CSV_NAME = "compliance-audit-{key}.csv"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what the report calls it
    clauses: str
    check: Callable[[BaseContext, Scope], list[rules.Record]]


KINDS: list[Kind] = [
    Kind("approvals", "审批", "P3/P4", rules.approvals),
    Kind("emergencies", "紧急事项补办", "P5", rules.emergencies),
    Kind("minutes", "会议纪要", "P9", rules.minutes),
    Kind("resolutions", "决议负责人", "P12", rules.resolutions),
    Kind("action_items", "决议执行", "P12", rules.action_items),
    Kind("weekly_reports", "周报", "P10", duties.weekly_reports),
    Kind("syncs", "协作周同步", "P18", duties.syncs),
    Kind("incidents", "数据泄露事件", "P15", duties.incidents),
]
# P8 once the documents feature (handlers/documents, which logs every send) is installed.
if importlib.util.find_spec("handlers.documents") is not None:
    KINDS.append(Kind("documents", "敏感文件", "P8", duties.sensitive_documents))


@dataclass
class KindResult:
    kind: Kind
    total: int  # records checked (all of them)
    broken: int  # records that broke at least one rule (all of them)
    sampled: list[rules.Record]  # the records whose findings the report lists

    @property
    def is_sample(self) -> bool:
        return len(self.sampled) < self.total


@dataclass
class AuditReport:
    scope: Scope
    seed: int
    sample_size: int
    results: list[KindResult]

    @property
    def quarter(self) -> Quarter:
        return self.scope.quarter

    def findings(self) -> list[tuple[Kind, rules.Record, rules.Problem]]:
        """Every problem of every sampled record, kind by kind, in record order."""
        return [(result.kind, record, problem) for result in self.results
                for record in result.sampled for problem in record.problems]


def sample(records: list[rules.Record], size: int, seed: int, kind: str) -> list[rules.Record]:
    """All records when there are at most ``size`` (or ``size`` is 0), else ``size`` of them drawn
    with ``random.Random(f"{seed}:{kind}")`` — the same seed draws the same sample — kept in order."""
    if not size or len(records) <= size:
        return list(records)
    chosen = set(random.Random(f"{seed}:{kind}").sample(range(len(records)), size))
    return [record for index, record in enumerate(records) if index in chosen]


def run_audit(ctx: BaseContext, quarter: Quarter, seed: int | None = None) -> AuditReport:
    """P16: check every record of ``quarter`` as of ``ctx.now``; sample what the report lists."""
    scope = make_scope(ctx.session, quarter, ctx.now)
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    size = ctx.policy.audit_sample_size
    results = []
    for kind in KINDS:
        records = kind.check(ctx, scope)
        results.append(KindResult(kind, len(records), sum(1 for r in records if r.problems),
                                  sample(records, size, seed, kind.key)))
    return AuditReport(scope, seed, size, results)


def _already_sent(ctx: JobContext, quarter: Quarter, recipients: list[str]) -> bool:
    sent = set(ctx.session.scalars(select(NotificationLedger.recipient).where(
        NotificationLedger.kind == LEDGER_KIND, NotificationLedger.period == quarter.key)))
    return set(recipients) <= sent


@job("quarterly_audit")
def quarterly_audit(ctx: JobContext) -> None:
    """P16: on the first working day after a quarter ends, audit it and send the director and
    compliance the summary and the whole report as a file (once per quarter)."""
    quarter = previous_quarter(ctx.now, ctx.settings.tz)
    if ctx.now.astimezone(ctx.settings.tz).date() < quarter.first_working_day_after():
        log.info("quarterly_audit: %s is audited from %s on", quarter.key, quarter.first_working_day_after())
        return
    recipients = responders(ctx)
    if not recipients or _already_sent(ctx, quarter, recipients):
        return
    report = run_audit(ctx, quarter)
    summary = summary_markdown(ctx, report)
    data = report_csv(ctx, report)
    for userid in recipients:
        if ctx.notify_once(LEDGER_KIND, quarter.key, userid, markdown=summary):
            ctx.queue_file(userid, CSV_NAME.format(key=quarter.key), data, "text/csv")
    ctx.audit(f"system:{ctx.job_id}", "audit_report", "audit", quarter.key, seed=report.seed, to=recipients,
              figures={r.kind.key: [r.total, r.broken, len(r.sampled)] for r in report.results},
              findings=len(report.findings()))

