"""Urgent means acknowledged (P17): urgent notices and data-leak alerts (P15) carry a 「收到」
button; after ``policy.urgent_ack_minutes`` the sender gets who has not tapped it, with the phone
numbers to call them (P17: urgent → phone). 「通知 <编号>」 shows who has (``handlers.notices``).

A subject is ``("notice", id)`` or ``("incident", id)``; acknowledgements are rows keyed by
(subject, userid), so a second tap (or a typed 收到) records nothing twice.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.wecom.cards import button_card, replace_button
from bot.conversation.context import BaseContext, Context, JobContext, Reply
from bot.text.dates import format_datetime
from bot.conversation.router import intent, job, on_card
from bot.wecom.client import batches
from models import Acknowledgement, Incident
from models.notice import Notice

BUTTON = "收到"
DONE_LABEL = "已收到"
CARD_DESC = "请点「收到」确认，{sender}会看到谁还没确认"
TAPPED = "✅ 已确认收到{label}。"
ALREADY = "你已经确认过{label}，无需再点。"
NOT_FOR_YOU = "{label} 不是发给你的，无需确认。"
STALE = "这条紧急消息已找不到，无需确认。"
TYPED_NONE = "目前没有需要你确认收到的紧急消息。"
TYPED_DONE = "✅ 已确认收到：{labels}。"
LABELS = {"notice": "紧急通知 #{id}", "incident": "数据泄露事件 #{id}"}
PENDING = "⏰ {label} 已发出 {minutes} 分钟，还有 {count} 人没点「收到」（P17：紧急消息需电话告知），请逐一电话联系：\n{people}\n{more}"
MORE = {"notice": "已确认 {done} 人。发「通知 {id}」查看谁已确认。",
        "incident": "已确认 {done} 人。发「事件 {id}」查看事件进展。"}
ALL_DONE = "✅ {label} 的 {count} 位收件人都已确认收到。"
NO_PHONE = "（未登记电话）"
SELF_UNACKED = "你自己还没确认：点卡片上的「收到」或回复「收到」。"
LOOK_BACK = timedelta(days=1)  # a scheduler that was down catches up on the last day's urgent messages


@dataclass(frozen=True)
class Subject:
    kind: str  # notice | incident
    id: int
    sender: str  # who gets the list of those who have not acknowledged
    expected: tuple[str, ...]  # who should tap 收到
    created_at: datetime

    @property
    def label(self) -> str:
        return LABELS[self.kind].format(id=self.id)


def _from_notice(notice: Notice) -> Subject:
    return Subject("notice", notice.id, notice.sender, tuple(notice.recipients or ()), notice.created_at)


def _from_incident(incident: Incident) -> Subject:
    return Subject("incident", incident.id, incident.reporter, tuple(incident.alerted or ()), incident.created_at)


def load_subject(session: Session, kind: str, subject_id: int) -> Subject | None:
    if kind == "notice":
        notice = session.get(Notice, subject_id)
        return _from_notice(notice) if notice is not None and notice.urgent else None
    if kind == "incident":
        incident = session.get(Incident, subject_id)
        return _from_incident(incident) if incident is not None else None
    return None


def recent_subjects(session: Session, since: datetime, until: datetime) -> list[Subject]:
    """Urgent notices and incidents (still open) created in [since, until], oldest first."""
    notices = session.scalars(select(Notice).where(Notice.urgent.is_(True), Notice.created_at >= since,
                                                   Notice.created_at <= until).order_by(Notice.id))
    # An incident closed before the check needs nobody phoned (P15: compliance has handled it).
    incidents = session.scalars(select(Incident).where(Incident.created_at >= since, Incident.created_at <= until,
                                                       Incident.status != "closed").order_by(Incident.id))
    subjects = [_from_notice(n) for n in notices] + [_from_incident(i) for i in incidents]
    return sorted(subjects, key=lambda s: s.created_at)


def acknowledged(session: Session, kind: str, subject_id: int) -> dict[str, datetime]:
    """userid → when they tapped 收到."""
    rows = session.scalars(select(Acknowledgement).where(Acknowledgement.subject_type == kind,
                                                         Acknowledgement.subject_id == subject_id))
    return {row.userid: row.acknowledged_at for row in rows}


def send_ack_cards(ctx: BaseContext, kind: str, subject_id: int, recipients: list[str], title: str,
                   fields: list[tuple[str, str]], sender_name: str, priority: int = 0) -> list:
    """The 「收到」 card, one per batch of 1000 recipients (a task_id is unique per send); returns
    the outbox rows."""
    rows = []
    for number, batch in enumerate(batches(recipients)):
        task_id = f"ack_{kind}_{subject_id}_{number}_{secrets.token_hex(4)}"
        card = button_card(task_id, title, CARD_DESC.format(sender=sender_name), fields,
                           [(BUTTON, f"ack:{kind}:{subject_id}", "primary")])
        rows += ctx.send_card(batch, card, priority=priority)
    return rows


def record(ctx: BaseContext, subject: Subject, userid: str) -> bool:
    """Store userid's acknowledgement; False when it was stored already."""
    try:
        with ctx.session.begin_nested():
            ctx.session.add(Acknowledgement(subject_type=subject.kind, subject_id=subject.id, userid=userid,
                                            acknowledged_at=ctx.now))
            ctx.session.flush()
    except IntegrityError:
        return False
    ctx.audit(userid, "acknowledged", subject.kind, subject.id)
    return True


@on_card("ack")
def tap_received(ctx: Context) -> Reply:
    """P17: a tap on 「收到」 of an urgent notice or a leak alert."""
    parts = (ctx.message.event_key or "").split(":")
    subject = None
    if len(parts) == 3 and parts[2].isdigit() and len(parts[2]) <= 9:
        subject = load_subject(ctx.session, parts[1], int(parts[2]))
    if subject is None:
        return Reply(text=STALE, button="已失效")
    if ctx.userid not in subject.expected:
        return Reply(text=NOT_FOR_YOU.format(label=subject.label))
    text = (TAPPED if record(ctx, subject, ctx.userid) else ALREADY).format(label=subject.label)
    if ctx.message.response_code:
        ctx.update_card(ctx.userid, ctx.message.response_code, replace_button(DONE_LABEL))
    return Reply(text=text, button=DONE_LABEL)


@intent("ack.typed", "收到", summary="确认收到紧急通知或数据泄露警报（也可点卡片上的「收到」）", example="收到")
def typed_received(ctx: Context) -> str:
    """P17: typing 收到 acknowledges every urgent message of the last day addressed to the sender."""
    pending = [s for s in recent_subjects(ctx.session, ctx.now - LOOK_BACK, ctx.now) if ctx.userid in s.expected]
    done = [s for s in pending if record(ctx, s, ctx.userid)]
    if not done:
        return TYPED_NONE
    return TYPED_DONE.format(labels="、".join(s.label for s in done))


def phone_lines(ctx: BaseContext, userids: list[str]) -> str:
    lines = []
    for userid in userids:
        member = ctx.org.get(userid)
        lines.append(f"{ctx.org.name(userid)}：{(member.phone if member else None) or NO_PHONE}")
    return "\n".join(lines)


def status_lines(ctx: BaseContext, subject: Subject, settled: bool = False) -> list[str]:
    """Who has acknowledged (with when) and who has not (with phone numbers to call them — unless
    the matter is ``settled``, e.g. a closed incident: then nobody needs a call)."""
    done = acknowledged(ctx.session, subject.kind, subject.id)
    lines = [f"已确认 {len([u for u in subject.expected if u in done])}/{len(subject.expected)} 人："]
    lines += [f"✓ {ctx.org.name(u)} {format_datetime(done[u], ctx.settings.tz)}" for u in subject.expected if u in done]
    missing = [u for u in subject.expected if u not in done]
    viewer = getattr(ctx, "userid", None)  # nobody is asked to phone themselves
    if missing and settled:
        lines.append("未确认：" + "、".join(ctx.org.name(u) for u in missing))
    elif missing:
        others = [u for u in missing if u != viewer]
        if others:
            lines.append("未确认（请电话联系）：")
            lines += ["· " + line for line in phone_lines(ctx, others).splitlines()]
        if viewer in missing:
            lines.append(SELF_UNACKED)
    return lines


@job("urgent_ack_check")
def urgent_ack_check(ctx: JobContext) -> None:
    """P17: urgent_ack_minutes after an urgent notice or a leak alert, tell its sender who has not
    tapped 收到, with phone numbers (once per message, through the ledger)."""
    wait = timedelta(minutes=ctx.policy.urgent_ack_minutes)
    for subject in recent_subjects(ctx.session, ctx.now - wait - LOOK_BACK, ctx.now - wait):
        if ctx.org.get(subject.sender) is None or not subject.expected:
            continue
        done = acknowledged(ctx.session, subject.kind, subject.id)
        missing = [u for u in subject.expected if u not in done]
        if missing:
            text = PENDING.format(label=subject.label, minutes=ctx.policy.urgent_ack_minutes, count=len(missing),
                                  people=phone_lines(ctx, missing),
                                  more=MORE[subject.kind].format(done=len(subject.expected) - len(missing),
                                                                 id=subject.id))
        else:
            text = ALL_DONE.format(label=subject.label, count=len(subject.expected))
        if ctx.notify_once("urgent_ack", f"{subject.kind}:{subject.id}", subject.sender, text=text):
            ctx.audit(f"system:{ctx.job_id}", "ack_checked", subject.kind, subject.id, missing=missing)
