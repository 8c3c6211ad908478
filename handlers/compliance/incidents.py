"""Data-leak incidents after the report (P15): 事件, 事件列表, 事件进展 and 结案.

Only the reporter, the director and compliance (``[org.roles] compliance``) see an incident;
compliance closes it (the director, when the org names no compliance officer). Every step is in
the audit log, which is also the incident's history.
"""
from __future__ import annotations

from sqlalchemy import select, update

from bot.conversation.context import BaseContext, Context
from bot.text.dates import format_datetime
from bot.text.quoting import text_block, text_inline
from bot.conversation.router import intent
from handlers import acks
from handlers.compliance.common import can_see, closers, details_text, names, parties, responders, split_id
from handlers.compliance.leaks import report_count
from models import AuditEntry, Incident

STATUS = {"open": "处理中", "closed": "已结案"}
HISTORY_LABELS = {"reported": "报告", "details": "补充信息", "update": "进展", "acknowledged": "确认收到",
                  "reminded": "提醒合规", "escalated": "超时再次告知总监", "closed": "结案"}
HISTORY_LIMIT = 12
LIST_LIMIT = 20
# Not there and not yours read alike: whether an incident exists is not for everyone (issue 29).
UNKNOWN = "没有你能查看的编号 {id} 的事件。发「事件列表」查看你能看到的事件和编号。"
FORBIDDEN = UNKNOWN
NEED_ID = "请带上事件编号，例如：{example}\n发「事件列表」查看编号。"
CLOSE_EXAMPLE = "结案 3 已撤回误发文件，经核实未扩散"
UPDATE_EXAMPLE = "事件进展 3 已联系受影响客户并致歉"
CLOSE_FORBIDDEN = "只有合规人员（{names}）可以结案数据泄露事件（P15）。"
NEED_CONCLUSION = "请写上结论，例如：" + CLOSE_EXAMPLE
ALREADY_CLOSED = "事件 #{id} 已于 {at} 由 {by} 结案，无需再次结案。"
CLOSED_REPLY = "✅ 已结案数据泄露事件 #{id}，已通知 {names}。"
CLOSED_NOTE = "✅ 数据泄露事件 #{id} 已由 {by} 结案（P15）。\n结论：\n{conclusion}"
NEED_NOTE = "请写上进展，例如：" + UPDATE_EXAMPLE
UPDATE_CLOSED = "事件 #{id} 已结案，不能再补充进展。"
UPDATED_REPLY = "✅ 已记录事件 #{id} 的进展，已转告 {names}。"
UPDATE_NOTE = "📝 数据泄露事件 #{id} 有新进展（{by}）：\n{note}\n发「事件 {id}」查看全部记录。"
REPORTED_TIMES = "同一报告共 {count} 次（{minutes} 分钟内重复的报告算作本事件，不再另行通知）"
NONE_VISIBLE = "目前没有你能查看的数据泄露事件。发现数据泄露请立即发：报告数据泄露 发生了什么"
LIST_HEADER = "数据泄露事件（处理中 {open} 件）："


def _history(ctx: BaseContext, incident: Incident) -> list[str]:
    entries = ctx.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "incident",
                                                           AuditEntry.record_id == str(incident.id))
                                  .where(AuditEntry.action != "repeated")  # counted once, in describe()
                                  .order_by(AuditEntry.id)).all()[-HISTORY_LIMIT:]
    lines = []
    for entry in entries:
        label = HISTORY_LABELS.get(entry.action, entry.action)
        actor = "系统" if entry.actor.startswith("system:") else ctx.org.name(entry.actor)
        note = (entry.detail or {}).get("note")
        lines.append(f"· {format_datetime(entry.at, ctx.settings.tz)} {actor}：{label}"
                     + (f"「{text_inline(note, 40)}」" if note else ""))
    return lines


def describe(ctx: BaseContext, incident: Incident) -> str:
    """The whole incident for its reporter, the director and compliance."""
    lines = [f"数据泄露事件 #{incident.id} · {STATUS[incident.status]}",
             f"报告人：{ctx.org.name(incident.reporter)} · {format_datetime(incident.created_at, ctx.settings.tz)}",
             "情况：", text_block(incident.description, 500), details_text(incident)]
    reported = report_count(ctx, incident)
    if reported > 1:
        lines.append(REPORTED_TIMES.format(count=reported, minutes=ctx.policy.leak_repeat_minutes))
    subject = acks.load_subject(ctx.session, "incident", incident.id)
    if subject and subject.expected:
        lines += acks.status_lines(ctx, subject, settled=incident.status != "open")  # closed: no calls
    lines.append("记录：")
    lines += _history(ctx, incident)
    if incident.status == "closed":
        lines += [f"结论（{ctx.org.name(incident.closed_by)}，{format_datetime(incident.closed_at, ctx.settings.tz)}）：",
                  text_block(incident.conclusion or "", 500)]
    return "\n".join(lines)


def _visible(ctx: Context, raw: str, example: str) -> tuple[Incident | None, str, str | None]:
    """(incident, rest of the text, refusal): the incident named at the start of ``raw``."""
    number, rest = split_id(raw)
    if number is None:
        return None, rest, NEED_ID.format(example=example)
    incident = ctx.fetch(Incident, number)
    if incident is None:
        return None, rest, UNKNOWN.format(id=number)
    if not can_see(ctx, incident, ctx.userid):
        return None, rest, FORBIDDEN.format(id=number)
    return incident, rest, None


@intent("incident.show", "事件", "查看事件", summary="查看一个数据泄露事件的详情和进展（报告人、总监、合规）",
        example="事件 3", numbered=True)
def show_incident(ctx: Context) -> str:
    """P15: one incident, for its reporter, the director and compliance only."""
    incident, _, refusal = _visible(ctx, ctx.args, "事件 3")
    return refusal or describe(ctx, incident)


@intent("incident.list", "事件列表", summary="数据泄露事件列表（总监、合规看全部，其他人看自己报告的）",
        example="事件列表")
def list_incidents(ctx: Context) -> str:
    """P15: the director and compliance see every incident, a reporter their own; open ones first."""
    query = select(Incident)
    if ctx.userid not in responders(ctx):
        query = query.where(Incident.reporter == ctx.userid)
    rows = ctx.session.scalars(query.order_by(Incident.id.desc()).limit(200)).all()
    if not rows:
        return NONE_VISIBLE
    rows = sorted(rows, key=lambda i: (i.status != "open", -i.id))[:LIST_LIMIT]
    lines = [LIST_HEADER.format(open=sum(1 for i in rows if i.status == "open"))]
    for incident in rows:
        lines.append(f"#{incident.id} {STATUS[incident.status]} {format_datetime(incident.created_at, ctx.settings.tz)} "
                     f"{ctx.org.name(incident.reporter)}：{text_inline(incident.description, 30)}")
    lines.append("发「事件 编号」查看详情。")
    return "\n".join(lines)


@intent("incident.update", "事件进展", summary="补充数据泄露事件的处置进展", example=UPDATE_EXAMPLE, numbered=True)
def update_incident(ctx: Context) -> str:
    """P15: the reporter, the director or compliance adds progress; the others are told."""
    incident, note, refusal = _visible(ctx, ctx.args, UPDATE_EXAMPLE)
    if refusal:
        return refusal
    if incident.status != "open":
        return UPDATE_CLOSED.format(id=incident.id)
    if not note:
        return NEED_NOTE
    incident.last_update_at = ctx.now
    ctx.audit(ctx.userid, "update", "incident", incident.id, note=note[:1000])
    others = [u for u in parties(ctx, incident) if u != ctx.userid]
    if others:
        ctx.send_text(others, UPDATE_NOTE.format(id=incident.id, by=ctx.org.name(ctx.userid), note=text_block(note, 800)))
    return UPDATED_REPLY.format(id=incident.id, names=names(ctx, others))


@intent("incident.close", "结案", summary="合规人员结案数据泄露事件（P15）", example=CLOSE_EXAMPLE,
        roles=("compliance",), numbered=True)
def close_incident(ctx: Context) -> str:
    """P15: compliance closes an incident with its conclusion; reporter and director are told."""
    allowed = closers(ctx)
    if ctx.userid not in allowed:
        return CLOSE_FORBIDDEN.format(names=names(ctx, allowed))
    incident, conclusion, refusal = _visible(ctx, ctx.args, CLOSE_EXAMPLE)
    if refusal:
        return refusal
    if not conclusion:
        return NEED_CONCLUSION
    won = ctx.session.execute(update(Incident).where(Incident.id == incident.id, Incident.status == "open")
                              .values(status="closed", closed_at=ctx.now, closed_by=ctx.userid,
                                      conclusion=conclusion[:2000], last_update_at=ctx.now)
                              .execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.refresh(incident)
    if not won:
        return ALREADY_CLOSED.format(id=incident.id, at=format_datetime(incident.closed_at, ctx.settings.tz),
                                     by=ctx.org.name(incident.closed_by))
    ctx.audit(ctx.userid, "closed", "incident", incident.id, note=conclusion[:1000])
    others = [u for u in parties(ctx, incident) if u != ctx.userid]
    if others:
        ctx.send_text(others, CLOSED_NOTE.format(id=incident.id, by=ctx.org.name(ctx.userid),
                                                 conclusion=text_block(conclusion, 800)))
    return CLOSED_REPLY.format(id=incident.id, names=names(ctx, others))
