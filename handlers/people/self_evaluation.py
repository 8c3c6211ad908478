"""Monthly self-evaluations (P13): 自评 <内容> submits (a second one replaces the first after
「确认」, like reports), 自评 alone gives the prefilled draft, 自评 查看 the sender's own history,
查看自评 <姓名> a person's self-evaluations for their rater and the director."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from bot.conversation.context import Context
from bot.text.quoting import text_block
from bot.conversation.router import intent, on_flow
from bot.org.in_use import in_use
from handlers.people.common import find_member, rater_of, sample_specialist, writes_self_evaluation
from handlers.people.periods import Month, current_month, month_period, when
from handlers.people.worklog import draft
from models import SelfEvaluation

REPLACE_FLOW = "people.self_evaluation.replace"
CONFIRM_WORDS = {"确认", "确定", "是", "替换", "好", "好的", "yes", "y"}
NOT_OWED = "按制度（P13），月度自评由本部门专员提交，你无需提交。发「评估进度」或「帮助 考评」看看你能做什么。"
DRAFT_REPLY = ("这是你{month}自评的草稿（根据本月周报和决议事项生成），截止 {deadline}。\n"
               "复制下面整段，修改后发给我即可：\n\n{draft}")
BAD_MONTH = "没看懂要交哪个月的自评，或那个月还没开始。例如：自评 11月 本月完成客户回访…"
RECEIVED = "✅ 已收到你{month}的自评，{status}。截止时间：{deadline}。发「自评 查看」可查看历史。"
ON_TIME = "按时提交"
LATE = "已过截止时间，记为迟交"
NOT_JUDGED = "截止时助手尚未启用，不计迟交"
CONFIRM_REPLACE = "你已于 {at} 提交过{month}的自评。\n回复「确认」用新内容替换，回复「取消」保留原来的。{late}"
REPLACE_LATE_NOTE = "\n（已过截止时间，替换后将记为迟交）"
CONFIRM_AGAIN = "请回复「确认」替换自评，或回复「取消」保留原来的。"
REPLACED = "✅ 已用新内容替换你{month}的自评，{status}。"
NO_HISTORY = "你还没有提交过自评。发「自评」获取本月草稿，修改后发「自评 …」提交。"
HISTORY_HEADER = "你最近的自评："
VIEW_USAGE = "请写上姓名，例如：查看自评 {name}"
VIEW_UNKNOWN = "通讯录里没有「{name}」。请用通讯录里的姓名，例如：查看自评 {example}"
VIEW_FORBIDDEN = "按制度（P13），自评只有本人、其组长和总监可以查看。发「自评 查看」查看你自己的。"
VIEW_NONE = "{name} 还没有提交过自评。"
VIEW_HEADER = "{name} 最近的自评："
_MONTH_PREFIX = re.compile(r"^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:份)?[\s:：,，]+")


def _named_month(ctx: Context, text: str) -> tuple[Month | None, str] | None:
    """「自评 11月 …」 names its month: (month or None if invalid, rest). None when none is named."""
    match = _MONTH_PREFIX.match(text)
    if not match:
        return None
    today = ctx.now.astimezone(ctx.settings.tz).date()
    month = int(match.group(2))
    year = int(match.group(1)) if match.group(1) else today.year - (month > today.month)
    rest = text[match.end():].strip()
    if not 1 <= month <= 12 or not 2000 <= year <= today.year or date(year, month, 1) > today:
        return None, rest
    return month_period(year, month, ctx.policy, ctx.settings.tz), rest


def _target_month(ctx: Context) -> Month:
    """The month a 自评 is for: the one being collected (this month from its reminder day, else
    last month); after last month's deadline, this month once last month's is in (early), or when
    last month was due before the bot was in use for the sender (the first 自评 after install)."""
    month = current_month(ctx.now, ctx.policy, ctx.settings.tz)
    today = ctx.now.astimezone(ctx.settings.tz).date()
    if month.start == today.replace(day=1) or ctx.now <= month.deadline:
        return month
    if not in_use(ctx).judged(ctx.userid, month.deadline):
        return month_period(today.year, today.month, ctx.policy, ctx.settings.tz)
    done = ctx.session.scalar(select(SelfEvaluation.id).where(SelfEvaluation.userid == ctx.userid,
                                                              SelfEvaluation.period == month.key))
    if done is None:
        return month  # still owed: handed in late
    return month_period(today.year, today.month, ctx.policy, ctx.settings.tz)


def _local(ctx: Context, moment) -> str:
    local = moment.astimezone(ctx.settings.tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


@intent("people.self_evaluation", "自评", summary="提交月度自评；只发「自评」获取按工作记录生成的草稿（P13）",
        example="自评 本月完成客户回访12家，按时交付2个需求；不足：文档滞后；下月改进：每周整理一次")
def submit(ctx: Context) -> str:
    """P13: submit this month's self-evaluation (last month's until its deadline)."""
    if not writes_self_evaluation(ctx, ctx.user):
        return NOT_OWED
    text = (ctx.args or "").strip()
    month = _target_month(ctx)
    named = _named_month(ctx, text)
    if named is not None:
        month, text = named
        if month is None:
            return BAD_MONTH
    if not text or text == "草稿":
        return DRAFT_REPLY.format(month=month.label, deadline=when(month.deadline, ctx.settings.tz),
                                  draft=draft(ctx, ctx.userid, month))
    if text.startswith("自评"):  # the whole draft pasted after 自评: keep one heading
        text = text[2:].strip()
    existing = ctx.session.scalar(select(SelfEvaluation).where(SelfEvaluation.userid == ctx.userid,
                                                               SelfEvaluation.period == month.key))
    late, status = _status(ctx, month)
    if existing is not None:
        ctx.conversation.start(REPLACE_FLOW, "CONFIRM", {"period": month.key, "content": text})
        return CONFIRM_REPLACE.format(at=_local(ctx, existing.submitted_at), month=month.label,
                                      late=REPLACE_LATE_NOTE if late else "")
    row = SelfEvaluation(userid=ctx.userid, period=month.key, group_id=ctx.user.group_id, content=text,
                         submitted_at=ctx.now, first_submitted_at=ctx.now, deadline=month.deadline, late=late)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(ctx.userid, "submitted", "self_evaluation", row.id, period=month.key, late=late)
    return RECEIVED.format(month=month.label, status=status, deadline=when(month.deadline, ctx.settings.tz))


def _status(ctx: Context, month: Month) -> tuple[bool, str]:
    """(late, what the sender is told) for a self-evaluation sent now: a month due before the bot
    was in use for the sender is not counted late (``bot.org.in_use``)."""
    if not in_use(ctx).judged(ctx.userid, month.deadline):
        return False, NOT_JUDGED
    late = ctx.now > month.deadline
    return late, LATE if late else ON_TIME


@on_flow(REPLACE_FLOW)
def confirm_replace(ctx: Context) -> str:
    """The answer to 「回复确认替换」: replace the stored self-evaluation with the new text."""
    data = ctx.conversation.data
    if (ctx.message.text or "").strip().lower() not in CONFIRM_WORDS:
        ctx.conversation.advance("CONFIRM")
        return CONFIRM_AGAIN
    ctx.conversation.end()
    row = ctx.session.scalar(select(SelfEvaluation).where(SelfEvaluation.userid == ctx.userid,
                                                          SelfEvaluation.period == data["period"]))
    year, month_number = (int(x) for x in data["period"].split("-"))
    month = month_period(year, month_number, ctx.policy, ctx.settings.tz)
    late, status = _status(ctx, month)
    row.content, row.submitted_at, row.late = data["content"], ctx.now, late
    row.revisions += 1
    ctx.audit(ctx.userid, "replaced", "self_evaluation", row.id, period=row.period, late=late)
    return REPLACED.format(month=month.label, status=status)


def _history(ctx: Context, userid: str, header: str, quote: bool) -> str:
    rows = ctx.session.scalars(select(SelfEvaluation).where(SelfEvaluation.userid == userid)
                               .order_by(SelfEvaluation.period.desc()).limit(3)).all()
    lines = [header]
    for row in rows:
        content = row.content if len(row.content) <= 300 else row.content[:300] + "…"
        status = "迟交" if row.late else "按时"
        lines.append(f"【{row.period}】{_local(ctx, row.submitted_at)} {status}\n"
                     + (text_block(content) if quote else content))
    return "\n\n".join(lines)


@intent("people.self_evaluation.mine", "自评 查看", "自评查看", "我的自评", summary="查看我提交过的自评",
        example="自评 查看")
def mine(ctx: Context) -> str:
    """The sender's own self-evaluations (nobody else's)."""
    if ctx.args:  # 「自评 查看了客户反馈…」 is a self-evaluation, not a request to see one
        ctx.args = (ctx.message.text or "").strip()[2:]
        return submit(ctx)
    if not ctx.session.scalar(select(SelfEvaluation.id).where(SelfEvaluation.userid == ctx.userid).limit(1)):
        return NO_HISTORY
    return _history(ctx, ctx.userid, HISTORY_HEADER, quote=False)


@intent("people.self_evaluation.view", "查看自评", summary="组长、总监查看某人的自评", example="查看自评 张三",
        roles=("group_leader", "director"))
def view(ctx: Context) -> str:
    """P13: a person's self-evaluations, for them, their rater and the director only."""
    name = (ctx.args or "").strip()
    if not name:
        return VIEW_USAGE.format(name=sample_specialist(ctx))
    member = find_member(ctx, name)
    if member is None:
        return VIEW_UNKNOWN.format(name=name[:20], example=sample_specialist(ctx))
    rater = rater_of(ctx, member)
    if ctx.userid not in {member.userid, ctx.org.director_id, rater.userid if rater else None}:
        return VIEW_FORBIDDEN
    if not ctx.session.scalar(select(SelfEvaluation.id).where(SelfEvaluation.userid == member.userid).limit(1)):
        return VIEW_NONE.format(name=member.name)
    return _history(ctx, member.userid, VIEW_HEADER.format(name=member.name), quote=member.userid != ctx.userid)


def submitted_userids(ctx, period: str) -> set[str]:
    """Who has submitted a self-evaluation for ``period`` ("2026-11")."""
    return set(ctx.session.scalars(select(SelfEvaluation.userid).where(SelfEvaluation.period == period)))

