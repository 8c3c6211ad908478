"""Meeting jobs: remind attendees before a meeting (P11), ask for the minutes when it ends and chase
late minutes (P9). Every send goes through the ledger, so a re-run sends nothing twice."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select

from bot.wecom import card_copies
from bot.wecom.cards import button_card
from bot.conversation.context import JobContext
from bot.text.dates import format_datetime
from bot.text.quoting import text_inline
from bot.conversation.router import job
from handlers.meetings.common import item_line, local, when_text
from handlers.meetings.recurring import ensure_occurrences
from models.meeting import ActionItem, Meeting

REMIND = "📅 会议提醒：「{title}」#{id} {minutes} 分钟后开始\n时间：{when}\n主持：{chair}　记录：{taker}\n议程：{agenda}"
OPEN_ITEMS = "\n\n待跟进的决议（{count} 项）：\n{items}"
NO_AGENDA = "（未填写）"
PROMPT_TITLE = "请提交会议纪要 #{id}"
PROMPT_DESC = "{title}·P9：{hours} 小时内提交"
PROMPT_SUB = "点「填写纪要」后回复内容，或直接发：纪要 #{id} 议题：… 决议：… 负责人：姓名"
OVERDUE = "⏰ 会议 #{id}「{title}」（{when}）的纪要已过截止时间 {due}，请尽快发「纪要 #{id} …」提交（P9）。"
ESCALATE = ("⚠️ 会议 #{id}「{title}」（{when}）的纪要已过截止时间 {hours} 小时，记录人 {taker} 仍未提交（P9）。"
            "请督促提交。")
MAX_ITEMS_SHOWN = 10
OVERDUE_MANY = "⏰ 你记录的 {count} 场会议纪要已过截止时间，请尽快发「纪要 #编号 …」提交（P9）：\n{lines}"
ESCALATE_MANY = "⚠️ 以下 {count} 场会议的纪要已过截止时间仍未提交（P9），请督促记录人：\n{lines}"
MANY_LINE = "#{id}「{title}」（{when}，截止 {due}，记录人 {taker}）"
LOOKBACK = timedelta(days=7)  # past the escalation: a meeting this old was chased and escalated already


@job("meeting_reminder")
def meeting_reminder(ctx: JobContext) -> None:
    """P11: remind attendees before each meeting; P9: ask the minute-taker for minutes once it ends."""
    ensure_occurrences(ctx)
    lead = timedelta(minutes=ctx.policy.meeting_remind_minutes)
    upcoming = ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.starts_at > ctx.now,
                                                         Meeting.starts_at <= ctx.now + lead)
                                   .order_by(Meeting.starts_at, Meeting.id)).all()
    for meeting in upcoming:
        text = _reminder_text(ctx, meeting)
        sent = [recipient for _, recipient, _ in
                ctx.claim_once("meeting_remind", [("before", u, meeting.id) for u in meeting.attendees])]
        if sent:  # the same text for everyone: one send (batched by 1000), not one per attendee
            ctx.send_text(sent, text)
            ctx.audit(f"system:{ctx.job_id}", "reminded", "meeting", meeting.id, to=sent)
    # Only meetings that ended within the minutes window: an old one is minutes_overdue's business.
    ended = ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.ends_at <= ctx.now,
                                                      Meeting.minutes_due_at > ctx.now)
                                .order_by(Meeting.ends_at, Meeting.id)).all()
    for meeting in ended:
        card = _prompt_card(ctx, meeting)
        if ctx.notify_once("minutes_prompt", "ended", meeting.minute_taker, meeting.id, card=card):
            # kept, so that once the minutes are in, the card no longer offers 填写纪要
            card_copies.remember(ctx, minutes_ref(meeting), card["task_id"], ctx.queued[-1:])
            ctx.audit(f"system:{ctx.job_id}", "minutes_requested", "meeting", meeting.id, to=meeting.minute_taker,
                      due_at=meeting.minutes_due_at.isoformat())


def _reminder_text(ctx: JobContext, meeting: Meeting) -> str:
    minutes = max(1, round((meeting.starts_at - ctx.now).total_seconds() / 60))
    text = REMIND.format(title=text_inline(meeting.title), id=meeting.id, minutes=minutes, when=when_text(ctx, meeting),
                         chair=ctx.org.name(meeting.chair), taker=ctx.org.name(meeting.minute_taker),
                         agenda=text_inline(meeting.agenda) or NO_AGENDA)
    if meeting.weekly:  # P11/P12: the weekly meeting goes through what is still open
        total = ctx.session.scalar(select(func.count()).select_from(ActionItem).where(ActionItem.status == "open"))
        if total:
            items = ctx.session.scalars(select(ActionItem).where(ActionItem.status == "open")
                                        .order_by(ActionItem.id).limit(MAX_ITEMS_SHOWN))
            shown = "\n".join(item_line(ctx, i) for i in items)
            if total > MAX_ITEMS_SHOWN:
                shown += f"\n……共 {total} 项，发「决议列表 编号」查看"
            text += OPEN_ITEMS.format(count=total, items=shown)
    return text


def minutes_ref(meeting: Meeting) -> str:
    return f"minutes:{meeting.id}"


def _prompt_card(ctx: JobContext, meeting: Meeting) -> dict:
    due = local(ctx, meeting.minutes_due_at)
    return button_card(f"minutes_{meeting.id}_{secrets.token_hex(4)}", PROMPT_TITLE.format(id=meeting.id),
                       PROMPT_DESC.format(title=text_inline(meeting.title, 16), hours=ctx.policy.minutes_due_hours),
                       [("会议", text_inline(meeting.title, 30)), ("时间", when_text(ctx, meeting)),
                        ("截止", format_datetime(due))],
                       [("填写纪要", f"minutes:write:{meeting.id}", "primary")],
                       sub_title=PROMPT_SUB.format(id=meeting.id))


@job("minutes_overdue")
def minutes_overdue(ctx: JobContext) -> None:
    """P9: remind the minute-taker once the deadline passes; escalate to the chair and the director
    minutes_escalate_hours later. Only meetings still inside that window plus a week are read (an
    older one was chased and escalated long ago), and each person gets one message per run."""
    ensure_occurrences(ctx, until=ctx.now)
    escalate_after = timedelta(hours=ctx.policy.minutes_escalate_hours)
    late = ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.minutes_due_at <= ctx.now,
                                                     Meeting.minutes_due_at > ctx.now - escalate_after - LOOKBACK)
                               .order_by(Meeting.minutes_due_at, Meeting.id)).all()
    reminders, escalations = [], []
    for meeting in late:
        facts = dict(id=meeting.id, title=text_inline(meeting.title), when=when_text(ctx, meeting),
                     due=format_datetime(local(ctx, meeting.minutes_due_at)), taker=ctx.org.name(meeting.minute_taker))
        reminders.append((meeting.minute_taker, "due", meeting.id, OVERDUE.format(**facts), meeting))
        if ctx.now >= meeting.minutes_due_at + escalate_after:
            hours = int((ctx.now - meeting.minutes_due_at).total_seconds() // 3600)
            escalations += [(u, "escalate", meeting.id, ESCALATE.format(**facts, hours=hours), meeting)
                            for u in dict.fromkeys([meeting.chair, ctx.org.director_id]) if u]
    for taker, items in _claimed(ctx, "minutes_overdue", reminders).items():
        ctx.send_text(taker, _one_or_many(ctx, items, OVERDUE_MANY))
        for meeting, _ in items:
            ctx.audit(f"system:{ctx.job_id}", "minutes_reminded", "meeting", meeting.id, to=taker)
    told: dict[int, list[str]] = {}
    for userid, items in _claimed(ctx, "minutes_escalate", escalations).items():
        ctx.send_text(userid, _one_or_many(ctx, items, ESCALATE_MANY))
        for meeting, _ in items:
            told.setdefault(meeting.id, []).append(userid)
    for meeting in late:
        if meeting.id in told:
            hours = int((ctx.now - meeting.minutes_due_at).total_seconds() // 3600)
            ctx.audit(f"system:{ctx.job_id}", "minutes_escalated", "meeting", meeting.id, to=told[meeting.id], hours=hours)


def _claimed(ctx: JobContext, kind: str, entries: list[tuple]) -> dict[str, list[tuple[Meeting, str]]]:
    """Ledger the (recipient, period, meeting id, text, meeting) entries; the new ones by recipient."""
    fresh = set(ctx.claim_once(kind, [(period, recipient, record) for recipient, period, record, _, _ in entries]))
    grouped: dict[str, list[tuple[Meeting, str]]] = {}
    for recipient, period, record, text, meeting in entries:
        if (period, recipient, str(record)) in fresh:
            grouped.setdefault(recipient, []).append((meeting, text))
    return grouped


def _one_or_many(ctx: JobContext, items: list[tuple[Meeting, str]], many: str) -> str:
    if len(items) == 1:
        return items[0][1]
    lines = [MANY_LINE.format(id=m.id, title=text_inline(m.title), when=when_text(ctx, m),
                              due=format_datetime(local(ctx, m.minutes_due_at)), taker=ctx.org.name(m.minute_taker))
             for m, _ in items[:MAX_ITEMS_SHOWN]]
    if len(items) > MAX_ITEMS_SHOWN:
        lines.append(f"…另有 {len(items) - MAX_ITEMS_SHOWN} 场")
    return many.format(count=len(items), lines="\n".join(lines))
