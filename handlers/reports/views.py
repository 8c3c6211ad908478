"""Who submitted which report (P10), and how leaders read it: one summary message per request.

「周报 汇总」 and the director's overdue summary are one markdown message: the counts per group
and who is missing. When every report fits in that message too (a small department), it carries
them; otherwise the reports travel as one spreadsheet (counts, missing names and every report),
built when it is delivered (``@attachment("reports.summary")``), so the command answers at once
and no one is sent more than two messages however big the department is (WeCom drops a
person's 31st message in a minute).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox.attachments import attachment
from bot.conversation.context import BaseContext
from bot.org.directory import Member
from bot.outbox.writer import TEXT_LIMIT
from bot.text.quoting import markdown_block, markdown_inline
from bot.spreadsheet import CONTENT_TYPE, workbook_bytes
from handlers.reports.periods import Period, period_by_key, report_owers, when
from models.report import Report

NO_GROUP = "未分组"
EXCERPT_CHARS = 200  # per report in a message; the spreadsheet has the full text
FULL_REPORTS = 40  # at most this many reports are shown in the message itself (if they fit)
NAMES_PER_GROUP = 8  # missing names shown per group in the compact summary
COUNTS = "按时 **{on_time}** · 迟交 **{late}** · <font color=\"warning\">未交 {missing}</font>"
MORE_GROUPS = "…另有 {count} 个组，见表格"
SEE_FILE = "完整名单和每份{kind}见表格「{filename}」。"


@dataclass
class GroupStatus:
    on_time: list[Submitted] = field(default_factory=list)
    late: list[Submitted] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)


@dataclass
class Summary:
    """What one person is sent: the markdown, and the spreadsheet when the reports did not fit."""

    markdown: str
    file_args: dict | None = None  # for the "reports.summary" builder, when the reports did not fit


def status_label(report: Report | Submitted) -> str:
    return "迟交" if report.late else "按时"


@dataclass(frozen=True)
class Submitted:
    """A report as the counts need it (no content): who, when, late or not."""

    userid: str
    late: bool
    submitted_at: datetime


def period_reports(session: Session, period: Period, userids: list[str] | None = None) -> dict[str, Submitted]:
    """Who submitted the period's report, by author: one query (all, or those of ``userids``),
    without the texts (a department's week is 10,000 of them)."""
    query = select(Report.userid, Report.late, Report.submitted_at).where(Report.kind == period.kind,
                                                                        Report.period == period.key)
    if userids is not None and len(userids) <= 500:  # more: read the period's rows, filter here
        if not userids:
            return {}
        query = query.where(Report.userid.in_(userids))
    reports = {userid: Submitted(userid, late, at) for userid, late, at in session.execute(query)}
    if userids is not None and len(userids) > 500:
        wanted = set(userids)
        reports = {u: r for u, r in reports.items() if u in wanted}
    return reports


def split_status(members: list[Member], reports: dict[str, Submitted]) -> GroupStatus:
    """Each member's report: on time, late, or missing (member order kept)."""
    status = GroupStatus()
    for member in members:
        report = reports.get(member.userid)
        if report is None:
            status.missing.append(member)
        else:
            (status.late if report.late else status.on_time).append(report)
    return status


def period_status(session: Session, period: Period, members: list[Member]) -> GroupStatus:
    """Each member's report for ``period``: on time, late, or missing (member order kept)."""
    return split_status(members, period_reports(session, period, [m.userid for m in members]))


_BY_GROUP: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # org → (report roles, owers by group)


def owers_by_group(ctx: BaseContext) -> dict[str | None, list[Member]]:
    """Report owers keyed by group id (None for those in no group), groups in config order.
    Computed once per org (10,000 people: a command must not walk them every time)."""
    cached = _BY_GROUP.get(ctx.org)
    if cached is None or cached[0] != ctx.policy.report_roles:
        cached = _BY_GROUP[ctx.org] = (ctx.policy.report_roles, _owers_by_group(ctx))
    return cached[1]


def _owers_by_group(ctx: BaseContext) -> dict[str | None, list[Member]]:
    owers = report_owers(ctx.org, ctx.policy)
    grouped: dict[str | None, list[Member]] = {g: [] for g in ctx.org.groups
                                                if ctx.org.groups[g]["department"] == ctx.org.home_department}
    for member in owers:
        grouped.setdefault(member.group_id, []).append(member)
    return {g: members for g, members in grouped.items() if members or g is not None}


def group_name(ctx: BaseContext, group_id: str | None) -> str:
    return ctx.org.groups[group_id]["name"] if group_id in ctx.org.groups else NO_GROUP


def group_statuses(ctx: BaseContext, period: Period, group_ids: list[str | None] | None = None,
                   reports: dict[str, Submitted] | None = None) -> dict[str | None, GroupStatus]:
    """Status per group (all of the department's, or ``group_ids``) from one query."""
    grouped = owers_by_group(ctx)
    wanted = list(grouped) if group_ids is None else [g for g in group_ids if g in grouped]
    if reports is None:  # a leader's own group: only its members' rows
        reports = period_reports(ctx.session, period,
                                 None if group_ids is None else [m.userid for g in wanted for m in grouped[g]])
    return {g: split_status(grouped[g], reports) for g in wanted}


def summarise(ctx: BaseContext, period: Period, statuses: dict[str | None, GroupStatus],
              scope: list[str | None] | None = None) -> Summary:
    """The summary one reader gets for ``statuses`` (``scope``: their groups; None: every group)."""
    header = [f"### {period.kind_label}汇总 · {period.label}",
              f"截止：{when(period.deadline, ctx.settings.tz) if period.deadline else '本期无需提交'}"]
    if len(statuses) > 1:
        totals = [sum(len(getattr(s, part)) for s in statuses.values()) for part in ("on_time", "late", "missing")]
        header.append(f"合计（{len(statuses)} 个组）：" + COUNTS.format(on_time=totals[0], late=totals[1], missing=totals[2]))
    submitted = [r.userid for s in statuses.values() for r in s.on_time + s.late]
    if len(submitted) <= FULL_REPORTS:  # few enough to carry the texts, if they fit one message
        texts = report_texts(ctx.session, period, submitted)
        full = "\n".join(header + [_group_full(ctx, g, s, texts) for g, s in statuses.items()])
        if len(full.encode()) <= TEXT_LIMIT:
            return Summary(full)
    footer = SEE_FILE.format(kind=period.kind_label, filename=summary_filename(period))
    return Summary(_compact(ctx, header, statuses, footer),
                   {"kind": period.kind, "period": period.key, "groups": scope})


def summary_filename(period: Period) -> str:
    return f"{period.kind_label}汇总_{period.key}.xlsx"


def report_texts(session: Session, period: Period, userids: list[str] | None) -> dict[str, str]:
    """The reports' texts by author (all of the period's, or those of ``userids``)."""
    query = select(Report.userid, Report.content).where(Report.kind == period.kind, Report.period == period.key)
    if userids is not None:
        if not userids:
            return {}
        if len(userids) <= 500:
            query = query.where(Report.userid.in_(userids))
    return dict(session.execute(query).all())


def _group_full(ctx: BaseContext, group_id: str | None, status: GroupStatus, texts: dict[str, str]) -> str:
    lines = [f"**{markdown_inline(group_name(ctx, group_id))}**：" + COUNTS.format(
        on_time=len(status.on_time), late=len(status.late), missing=len(status.missing))]
    if status.missing:
        lines.append("未交：" + "、".join(markdown_inline(m.name) for m in status.missing))
    for report in sorted(status.on_time + status.late, key=lambda r: r.submitted_at):
        lines.append(f"**{markdown_inline(ctx.org.name(report.userid))}**（{status_label(report)}）\n"
                     + markdown_block(texts.get(report.userid, ""), EXCERPT_CHARS))
    return "\n".join(lines)


def _compact(ctx: BaseContext, header: list[str], statuses: dict[str | None, GroupStatus], footer: str) -> str:
    """Counts and missing names per group, the groups missing most first, cut to one message."""
    budget = TEXT_LIMIT - len(footer.encode()) - len(MORE_GROUPS.format(count=99999).encode()) - 2
    lines, used = list(header), len("\n".join(header).encode())
    ordered = sorted(statuses.items(), key=lambda item: -len(item[1].missing))
    for shown, (group_id, status) in enumerate(ordered):
        line = f"**{markdown_inline(group_name(ctx, group_id))}**：" + COUNTS.format(
            on_time=len(status.on_time), late=len(status.late), missing=len(status.missing))
        if status.missing:
            names = "、".join(markdown_inline(m.name) for m in status.missing[:NAMES_PER_GROUP])
            more = f"等 {len(status.missing)} 人" if len(status.missing) > NAMES_PER_GROUP else ""
            line += f"：{names}{more}"
        if used + len(line.encode()) + 1 > budget:
            lines.append(MORE_GROUPS.format(count=len(ordered) - shown))
            break
        lines.append(line)
        used += len(line.encode()) + 1
    return "\n".join(lines + [footer])


def spreadsheet(ctx: BaseContext, period: Period, statuses: dict[str | None, GroupStatus],
                texts: dict[str, str]) -> bytes:
    """Two sheets: counts and missing names per group; every owed report (missing ones too)."""
    tz = ctx.settings.tz
    counts = [(group_name(ctx, g), len(s.on_time), len(s.late), len(s.missing), "、".join(m.name for m in s.missing))
              for g, s in statuses.items()]
    reports = []
    for group_id, status in statuses.items():
        for report in sorted(status.on_time + status.late, key=lambda r: r.submitted_at):
            reports.append((group_name(ctx, group_id), ctx.org.name(report.userid), report.userid, status_label(report),
                            report.submitted_at.astimezone(tz).replace(tzinfo=None), texts.get(report.userid, "")))
        reports += [(group_name(ctx, group_id), m.name, m.userid, "未交", None, "") for m in status.missing]
    return workbook_bytes([("汇总", ("组", "按时", "迟交", "未交", "未交名单"), counts),
                           (period.kind_label, ("组", "姓名", "userid", "状态", "提交时间", "内容"), reports)],
                          widths={"汇总": (16, 8, 8, 8, 60), period.kind_label: (16, 10, 14, 8, 18, 80)})


@attachment("reports.summary")
def summary_file(ctx: BaseContext, args: dict) -> tuple[str, bytes, str]:
    """The spreadsheet of a summary, built when it is delivered (``args`` from ``summarise``)."""
    period = period_by_key(args["kind"], args["period"], ctx.policy, ctx.settings.tz)
    statuses = group_statuses(ctx, period, args.get("groups"))
    userids = None if args.get("groups") is None else [r.userid for s in statuses.values() for r in s.on_time + s.late]
    return summary_filename(period), spreadsheet(ctx, period, statuses, report_texts(ctx.session, period, userids)), \
        CONTENT_TYPE


def send_summary(ctx: BaseContext, to: str, summary: Summary) -> None:
    """Queue the summary (one markdown) and, when the reports did not fit, their spreadsheet."""
    ctx.send_markdown(to, summary.markdown, readers="everyone")
    if summary.file_args is not None:
        ctx.send_built_file(to, "reports.summary", summary.file_args)
