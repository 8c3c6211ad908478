"""报告数据泄露 (P15): anyone in the org reports a leak; in the same transaction the director and
compliance get an urgent alert (delivered before anything else waiting in the outbox) with the
phone numbers to call (P17) and a 「收到」 card; the reporter gets an incident number and a short
conversation asks what is missing: which data, how many people, whether it is still exposed.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.outbox import writer as outbox
from bot.conversation.context import Context
from bot.text.dates import format_datetime
from bot.text.quoting import text_block, text_inline
from bot.conversation.router import intent, on_flow, on_flow_cancel, on_flow_timeout
from handlers import acks
from handlers.compliance.common import contacts, details_text, names, responders
from models import AuditEntry, Incident

FLOW = "incident.details"
EXAMPLE = "报告数据泄露 客户名单被误发到外部微信群，约200人"
HOWTO = "请在「报告数据泄露」后面写上发生了什么，例如：\n" + EXAMPLE + "\n发现数据泄露请立即报告（P15），我会马上通知总监和合规。"
QUESTION_HOWTO = ("发现数据泄露请立即报告（P15）：发「报告数据泄露 发生了什么」，例如：\n" + EXAMPLE
                  + "\n我会马上通知总监和合规，并告诉你该给谁打电话。写「数据泄漏」「报告泄露」也可以。")
# P15: a leak is reported however it is spelled — 泄漏 is as common as 泄露, and people drop 报告
# or 数据 or add 了/事件; each of these opens an incident (an urgent path: no "did you mean").
# 「数据泄露了 …」 is a keyword of its own so that it stands alone and interrupts an open question.
KEYWORDS = ("报告数据泄露", "报告数据泄漏", "报告数据外泄", "报告泄露", "报告泄漏", "数据泄露", "数据泄漏",
            "数据外泄", "数据泄露了", "数据泄漏了", "泄露事件", "泄漏事件")
_FILLER = re.compile(r"^(?:了|啦|事件|报告)+[\s:：,，。!！]*")
# 「怎么报告数据泄露」「数据泄露怎么办」: a question about reporting, not a report.
_QUESTION = re.compile(r"^(?:要|该|应该|应当)?(?:怎么|怎样|如何|咋)|^(?:的)?(?:流程|步骤|方法)(?:是什么)?[?？]?$")
_ASKED = r"(?:怎么|怎样|如何|咋)\s*(?:才能|来|去)?\s*(?:报告|上报|报|反映)\s*(?:数据)?\s*(?:泄露|泄漏|外泄)"
ALERT = ("🚨【数据泄露报告】事件 #{id}（P15）\n报告人：{reporter}（{where}，电话 {phone}）\n时间：{at}\n情况：\n{text}\n"
         "请立即电话联系报告人并处置（P17）。其他接警人：{others}\n"
         "请点卡片「收到」确认。合规处理后发「结案 {id} 结论」，发「事件 {id}」查看进展。")
CARD_TITLE = "🚨 数据泄露事件 #{id}"
REPORTED = ("🚨 已登记数据泄露事件 #{id}，已立即通知 {names}。\n请马上电话联系：{contacts}（P17）\n"
            "为便于处置，请再补充几句（不清楚就回复「不清楚」，发「取消」结束）：\n{question}")
NOBODY = "⚠️ 已登记数据泄露事件 #{id}，但组织架构里没有可通知的总监或合规人员，请立即电话联系上级。"
QUESTIONS = {"DATA": "泄露的是哪些数据？例如：客户姓名和手机号",
             "COUNT": "大约涉及多少人？例如：约200人",
             "EXPOSED": "这些数据现在是否仍然暴露在外？回复「是」或「否」，或说明情况"}
FIELDS = {"DATA": "data_kind", "COUNT": "affected", "EXPOSED": "still_exposed"}
REPEATED = ("这与你 {minutes} 分钟内报告的数据泄露事件 #{id} 相同，已算作同一事件（共报告 {count} 次），"
            "没有再次通知 {names}。有新情况请发「事件进展 {id} 补充内容」，发「事件 {id}」查看进展。")
_SPACES = re.compile(r"\s+")
THANKS = "谢谢，已补充到事件 #{id} 并转告 {names}。合规处理中，有进展会通知你；发「事件 {id}」随时查看。"
STOPPED = "好的，不再追问。已把目前的信息转告 {names}；想到什么可以发「事件进展 {id} 补充内容」。"
DETAILS = "📝 数据泄露事件 #{id} 补充信息（报告人 {reporter}）：\n{details}\n发「事件 {id}」查看详情。"
YES = {"是", "是的", "对", "仍然", "仍在", "还在", "还是", "yes", "y"}
NO = {"否", "不是", "没有", "无", "已处理", "已删除", "已撤回", "已修复", "已关闭", "no", "n"}
# "约200人", "三十多位客户": a count of people in the report itself needs no question.
_COUNT = re.compile(r"(?:约|大约|近|超过)?\s*[\d一二两三四五六七八九十百千万几,，]+\s*(?:多|余)?\s*[个名位户]?\s*"
                    r"(?:人|客户|用户|员工|会员|患者)")


def _where(ctx: Context) -> str:
    user = ctx.user
    return f"{user.department_name}·{user.group_name}" if user.group_name else user.department_name


@intent("incident.report", *KEYWORDS, summary="发现数据泄露立即报告，马上通知总监和合规（P15）",
        example=EXAMPLE)
def report_leak(ctx: Context) -> str:
    """P15: open an incident and alert the director and compliance at once, urgent first."""
    text = _FILLER.sub("", ctx.args.strip(), count=1).strip()
    if _QUESTION.search(text):
        return QUESTION_HOWTO
    if not text:
        return HOWTO
    earlier = _same_report(ctx, text)
    if earlier is not None:  # the same report again within minutes: one incident, nobody alerted twice
        ctx.audit(ctx.userid, "repeated", "incident", earlier.id)
        return REPEATED.format(id=earlier.id, minutes=ctx.policy.leak_repeat_minutes,
                               count=report_count(ctx, earlier), names=names(ctx, earlier.alerted))
    count = _COUNT.search(text)
    incident = Incident(reporter=ctx.userid, description=text[:4000], status="open", created_at=ctx.now,
                        last_update_at=ctx.now, affected=count.group(0).strip() if count else None)
    alerted = [u for u in responders(ctx) if u != ctx.userid]
    incident.alerted = alerted
    ctx.session.add(incident)
    ctx.session.flush()
    ctx.audit(ctx.userid, "reported", "incident", incident.id, alerted=alerted)
    if alerted:
        # P15 "at once": these rows are claimed before anything else waiting in the outbox.
        for userid in alerted:
            others = [u for u in alerted if u != userid]
            ctx.send_text(userid, ALERT.format(
                id=incident.id, reporter=ctx.user.name, where=_where(ctx), phone=ctx.user.phone or acks.NO_PHONE,
                at=format_datetime(ctx.now, ctx.settings.tz), text=text_block(text, 1000),
                others=contacts(ctx, others) if others else "（无）"), priority=outbox.URGENT)
        acks.send_ack_cards(ctx, "incident", incident.id, alerted, CARD_TITLE.format(id=incident.id),
                            [("报告人", ctx.user.name), ("情况", text_inline(text, 30))], ctx.user.name,
                            priority=outbox.URGENT)
    else:
        return NOBODY.format(id=incident.id)
    missing = _missing(incident)
    ctx.conversation.start(FLOW, missing[0], {"incident_id": incident.id})
    return REPORTED.format(id=incident.id, names=names(ctx, alerted), contacts=contacts(ctx, alerted),
                           question=QUESTIONS[missing[0]])


def _same_report(ctx: Context, text: str) -> Incident | None:
    """The reporter's open incident with this very description (spaces aside) reported within
    ``policy.leak_repeat_minutes``, or None."""
    since = ctx.now - timedelta(minutes=ctx.policy.leak_repeat_minutes)
    wanted = _SPACES.sub("", text[:4000])
    recent = ctx.session.scalars(select(Incident).where(Incident.reporter == ctx.userid, Incident.status == "open",
                                                        Incident.created_at >= since).order_by(Incident.id.desc()))
    return next((i for i in recent if _SPACES.sub("", i.description) == wanted), None)


def report_count(ctx, incident: Incident) -> int:
    """How many times the incident was reported: once, and once per identical report after it."""
    return 1 + (ctx.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.record_type == "incident", AuditEntry.record_id == str(incident.id),
        AuditEntry.action == "repeated")) or 0)


@intent("incident.howto", pattern=_ASKED, hidden=True)
def how_to_report(ctx: Context) -> str:
    """「请问怎么报告数据泄露」: how to report, with an example (P15)."""
    return QUESTION_HOWTO


def _missing(incident: Incident) -> list[str]:
    return [state for state, field in FIELDS.items() if getattr(incident, field) is None]


def _exposure(answer: str) -> str:
    folded = answer.strip().rstrip("。.!！").lower()
    return "是" if folded in YES else "否" if folded in NO else answer


def _forward(ctx: Context, incident: Incident) -> None:
    """Tell the director and compliance what the reporter added (one message each)."""
    if incident.alerted:
        ctx.send_text(incident.alerted, DETAILS.format(id=incident.id, reporter=ctx.org.name(incident.reporter),
                                                       details=details_text(incident)))


@on_flow(FLOW, label="数据泄露事件的补充信息")
def answer_detail(ctx: Context) -> str:
    """P15: the reporter's answers, one question at a time; the last one is forwarded."""
    incident = ctx.session.get(Incident, ctx.conversation.data.get("incident_id"))
    state = ctx.conversation.state
    if incident is None or state not in FIELDS:
        ctx.conversation.end()
        return acks.STALE
    answer = (ctx.message.text or "").strip()[:1000]
    setattr(incident, FIELDS[state], _exposure(answer) if state == "EXPOSED" else answer)
    incident.last_update_at = ctx.now
    ctx.audit(ctx.userid, "details", "incident", incident.id, field=FIELDS[state], note=answer)
    missing = _missing(incident)
    if missing:
        ctx.conversation.advance(missing[0], {"answered": ctx.conversation.data.get("answered", 0) + 1})
        return QUESTIONS[missing[0]]
    ctx.conversation.end()
    _forward(ctx, incident)
    return THANKS.format(id=incident.id, names=names(ctx, incident.alerted))


def _stop(ctx: Context) -> str | None:
    incident = ctx.session.get(Incident, ctx.conversation.data.get("incident_id"))
    if incident is None:
        return None
    if ctx.conversation.data.get("answered"):
        _forward(ctx, incident)  # something was added: pass it on
    return STOPPED.format(id=incident.id, names=names(ctx, incident.alerted))


@on_flow_cancel(FLOW)
def cancel_details(ctx: Context) -> str | None:
    """取消: stop asking; what was told so far is passed on."""
    return _stop(ctx)


@on_flow_timeout(FLOW)
def details_timed_out(ctx: Context) -> str | None:
    """No answer in time: stop asking, pass on what was told."""
    return _stop(ctx)
