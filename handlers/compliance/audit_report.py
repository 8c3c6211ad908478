"""How the quarterly audit (P16) reads: a markdown summary for WeCom (one message), the whole
report as CSV (a file through media/upload), and plain text for ``python app.py audit``."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.conversation.context import BaseContext
from bot.text.dates import format_datetime
from bot.text.quoting import csv_cell, markdown_inline, terminal_line

if TYPE_CHECKING:
    from handlers.compliance.audit import AuditReport, KindResult

HIGHLIGHTS_PER_KIND = 3  # findings of each kind shown before more of any one kind
SUMMARY_LIMIT = 1900  # bytes: the summary stays one WeCom markdown message (≤ 2048)
TITLE = "季度合规审计 · {label}（P16）"
PERIOD = "范围：{start} 至 {end}，截至 {as_of}"
SEED = "抽样种子 {seed}：每类超过 {size} 条时随机抽查 {size} 条（同一种子可重抽同一样本）"
SERVICE = "周报与协作同步自 {since} 起审计（此前助手尚未启用）"
NO_SERVICE = "助手在本季度没有收到过消息，周报与协作同步无从审计"
FINDINGS = "发现的问题（共 {count} 条）："
CLEAN = "本季度抽查的记录没有发现违规。"
MORE = "……其余 {count} 条见附件完整报告。"
FILE_NOTE = "完整报告（含每条证据）见随后发送的 CSV 文件。"


def _figure(result: "KindResult") -> str:
    sample = f"，抽查 {len(result.sampled)}" if result.is_sample else ""
    return f"检查 {result.total} · 违规 {result.broken}{sample}"


def _header(ctx: BaseContext, report: "AuditReport") -> list[str]:
    scope, tz = report.scope, ctx.settings.tz
    last_day = (report.quarter.end - timedelta(days=1)).date()
    lines = [PERIOD.format(start=report.quarter.start.date().isoformat(), end=last_day.isoformat(),
                           as_of=format_datetime(scope.as_of, tz)),
             SEED.format(seed=report.seed, size=report.sample_size)]
    lines.append(SERVICE.format(since=format_datetime(scope.in_service, tz)) if scope.in_service else NO_SERVICE)
    return lines


def summary_markdown(ctx: BaseContext, report: "AuditReport") -> str:
    """The director's and compliance's summary: figures per kind, then as many findings as fit."""
    lines = ["## " + TITLE.format(label=report.quarter.label)] + _header(ctx, report)
    lines += [f"**{r.kind.label}**（{r.kind.clauses}）：{_figure(r)}" for r in report.results]
    findings = report.findings()
    if not findings:
        return "\n".join(lines + [CLEAN])
    lines.append(f"**{FINDINGS.format(count=len(findings))}**")
    shown = 0
    # Numbered as shown (1, 2, 3 …): the file lists every finding in full, with its own numbers.
    for number, (_, (kind, record, problem)) in enumerate(_highlights(findings), 1):
        line = f"{number}. `{problem.clause}` {markdown_inline(record.label)}：{markdown_inline(problem.evidence)}"
        tail = [MORE.format(count=len(findings) - shown - 1), FILE_NOTE]
        if len("\n".join(lines + [line] + tail).encode()) > SUMMARY_LIMIT:
            break
        lines.append(line)
        shown += 1
    if shown < len(findings):
        lines.append(MORE.format(count=len(findings) - shown))
    lines.append(FILE_NOTE)
    return "\n".join(lines)


def _highlights(findings: list) -> list:
    """(number, finding) with the first few of every kind before the rest, so one long kind (a
    month of missing weekly reports) does not push the others out of the summary."""
    numbered = list(enumerate(findings, 1))
    first, rest, seen = [], [], {}
    for number, finding in numbered:
        kind = finding[0].key
        seen[kind] = seen.get(kind, 0) + 1
        (first if seen[kind] <= HIGHLIGHTS_PER_KIND else rest).append((number, finding))
    return first + rest


def report_text(ctx: BaseContext, report: "AuditReport") -> str:
    """The whole report as plain text (the command line): figures, then every finding."""
    lines = [TITLE.format(label=report.quarter.label)] + _header(ctx, report) + [""]
    width = max(len(r.kind.label) for r in report.results)
    lines += [f"{r.kind.label:　<{width}} {r.kind.clauses:6} {_figure(r)}" for r in report.results]
    findings = report.findings()
    lines.append("")
    if not findings:
        return "\n".join(lines + [CLEAN])
    lines.append(FINDINGS.format(count=len(findings)))
    # Labels and evidence carry typed titles and names: one line each, so none prints a finding.
    lines += [f"{number}. [{problem.clause}] {kind.label} · {terminal_line(record.label)}：{terminal_line(problem.evidence)}"
              for number, (kind, record, problem) in enumerate(findings, 1)]
    return "\n".join(lines)


def report_csv(ctx: BaseContext, report: "AuditReport") -> bytes:
    """The whole report as CSV (UTF-8 with BOM, so Excel shows the Chinese): a header block, the
    figures per kind, then one row per finding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["季度合规审计", report.quarter.key, report.quarter.label])
    for line in _header(ctx, report):
        writer.writerow([csv_cell(line)])
    writer.writerow([])
    writer.writerow(["类别", "条款", "检查", "违规", "抽查"])
    for r in report.results:
        writer.writerow([r.kind.label, r.kind.clauses, r.total, r.broken, len(r.sampled)])
    writer.writerow([])
    writer.writerow(["序号", "类别", "条款", "记录", "问题与证据"])
    for number, (kind, record, problem) in enumerate(report.findings(), 1):
        writer.writerow([number, kind.label, problem.clause, csv_cell(record.label), csv_cell(problem.evidence)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
