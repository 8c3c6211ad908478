"""Notices (P17): 通知 / 紧急通知 from the director or a group leader; 通知 列表 for everyone."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from bot.conversation.context import Context
from bot.text.dates import format_datetime
from bot.org.directory import Member
from bot.text.quoting import text_block, text_inline
from bot.conversation.context import BaseContext
from bot.conversation.router import intent, on_undelivered
from bot.outbox import unreached
from handlers import acks
from models import OutboxMessage
from models.notice import Notice

EXAMPLE = "通知 周五下午3点部门例会，请准时参加"
HOWTO = ("请在「通知」后面写上内容，例如：\n{example}\n发给一个小组：通知 @项目协调组 明天上午提交材料\n"
         "紧急通知会同时列出电话方便逐一电话告知：紧急通知 系统故障，请立即停止导入数据")
FORBIDDEN = "按制度（P17），只有总监和组长可以发布通知。如需发通知，请联系{superior}。"
UNKNOWN_GROUP = "没有找到小组「{name}」。可选：{groups}。例如：通知 @{example} 明天上午提交材料"
NOBODY = "「{scope}」里除你之外没有其他人，通知未发送。"
BROADCAST = "{tag}（{sender} 发给{scope}）\n{content}"  # content: text_block, each line barred under this label
TAG = {False: "📢【通知】", True: "🚨【紧急通知】"}
SENT = "✅ 通知 #{id} 已发给{scope} {count} 人。发「通知 列表」查看最近的通知。"
PHONE_HEADER = "🚨 紧急通知 #{id} 已发给{scope} {count} 人（P17：紧急通知需电话告知）。请逐一电话确认："
NO_PHONE = "（未登记电话）"
NO_NOTICES = "最近没有通知。总监和组长可以发：" + EXAMPLE
LIST_HEADER = "最近的通知："
LIST_WORDS = {"列表", "查看", "记录", "历史"}
LIST_LIMIT = 10
ACK_NOTE = "{minutes} 分钟后我会告诉你谁还没点「收到」。发「通知 {id}」随时查看谁已确认。"
ACK_CARD_TITLE = "🚨 紧急通知 #{id}"
STATUS_HEADER = "{tag} #{id}（{sender} 发给{scope}，{at}）\n{content}"
STATUS_PLAIN = "已发给 {count} 人（普通通知无需确认收到）。"
STATUS_FORBIDDEN = "只有通知 #{id} 的发布人和总监可以查看确认情况。发「通知 列表」查看最近的通知。"
STATUS_UNKNOWN = "没有找到通知 #{id}。发「通知 列表」查看最近的通知和编号。"
NOT_REACHED = "⚠️ 通知 #{id} 没有送达 {count} 人：{people}。请另行告知（例如电话）。"
STATUS_NOT_REACHED = "未送达 {count} 人：{people}"
ORIGIN = "notice:{id}"  # the outbox rows of a notice: who they missed is read back by 通知 N
_NUMBER = re.compile(r"^[#＃]?(\d{1,9})$")
_TARGET = re.compile(r"^[@＠](\S+)\s*")


@intent("notice.send", "通知", "发通知", summary="总监、组长向全部门或一个小组发通知（P17）", example=EXAMPLE,
        roles=("director", "group_leader"))
def send_notice(ctx: Context) -> str:
    """Broadcast a notice to the department, or with @小组 to one group."""
    if ctx.args.strip() in LIST_WORDS:
        return list_notices(ctx)
    number = _NUMBER.match(ctx.args.strip())
    if number:  # 「通知 12」: who has acknowledged notice #12 (P17)
        return notice_status(ctx, int(number.group(1)))
    return _broadcast(ctx, urgent=False)


@intent("notice.urgent", "紧急通知", summary="发紧急通知，并列出每位收件人的电话（P17）",
        example="紧急通知 系统故障，请立即停止导入数据", roles=("director", "group_leader"))
def send_urgent_notice(ctx: Context) -> str:
    """P17: an urgent notice goes out at once; the sender gets everyone's phone number to call."""
    return _broadcast(ctx, urgent=True)


def _may_notify(ctx: Context) -> bool:
    return ctx.userid == ctx.org.director_id or ctx.user.has("group_leader")


def _broadcast(ctx: Context, urgent: bool) -> str:
    if not _may_notify(ctx):
        superior = ctx.org.superior(ctx.user)
        return FORBIDDEN.format(superior=f"{superior.role_label}{superior.name}" if superior else "部门总监")
    text = ctx.args.strip()
    group_id, scope = None, "全部门"
    if text[:1] in ("@", "＠") and not _TARGET.match(text):  # 「通知 @」: a group was meant, none named
        return HOWTO.format(example=EXAMPLE)
    target = _TARGET.match(text)
    if target:
        name = target.group(1)
        group = next((g for g in ctx.org.groups.values()
                      if g["department"] == ctx.org.home_department and name in (g["name"], g["id"])), None)
        if group is None:
            choices = [g["name"] for g in ctx.org.groups.values() if g["department"] == ctx.org.home_department]
            return UNKNOWN_GROUP.format(name=name, groups="、".join(choices), example=choices[0] if choices else "小组")
        group_id, scope, text = group["id"], group["name"], text[target.end():].strip()
    if not text:
        return HOWTO.format(example=EXAMPLE)
    recipients = _recipients(ctx, group_id)
    if not recipients:
        return NOBODY.format(scope=scope)
    notice = Notice(sender=ctx.userid, group_id=group_id, urgent=urgent, content=text,
                    recipients=[m.userid for m in recipients], created_at=ctx.now)
    ctx.session.add(notice)
    ctx.session.flush()
    rows = ctx.send_text([m.userid for m in recipients],
                         BROADCAST.format(tag=TAG[urgent], sender=ctx.user.name, scope=scope, content=text_block(text)))
    ctx.audit(ctx.userid, "notice_sent", "notice", notice.id, group=group_id, urgent=urgent, count=len(recipients))
    if urgent:  # P17: urgent means acknowledged — a 「收到」 card; urgent_ack_check tells the sender who has not.
        rows += acks.send_ack_cards(ctx, "notice", notice.id, [m.userid for m in recipients],
                                    ACK_CARD_TITLE.format(id=notice.id),
                                    [("发布人", ctx.user.name), ("内容", text_inline(text, 30))], ctx.user.name)
    for row in rows:
        row.origin = ORIGIN.format(id=notice.id)
    if not urgent:
        return SENT.format(id=notice.id, scope=scope, count=len(recipients))
    lines = [PHONE_HEADER.format(id=notice.id, scope=scope, count=len(recipients))]
    lines += [f"{m.name}：{m.phone or NO_PHONE}" for m in recipients]
    lines.append(ACK_NOTE.format(minutes=ctx.policy.urgent_ack_minutes, id=notice.id))
    return "\n".join(lines)


def notice_status(ctx: Context, notice_id: int) -> str:
    """P17: one notice with, for an urgent one, who has tapped 收到 and who has not (with phones)."""
    notice = ctx.session.get(Notice, notice_id)
    if notice is None:
        return STATUS_UNKNOWN.format(id=notice_id)
    if ctx.userid not in (notice.sender, ctx.org.director_id):
        return STATUS_FORBIDDEN.format(id=notice_id)
    scope = ctx.org.groups[notice.group_id]["name"] if notice.group_id in ctx.org.groups else "全部门"
    lines = [STATUS_HEADER.format(tag=TAG[notice.urgent], id=notice.id, sender=ctx.org.name(notice.sender),
                                  scope=scope, at=format_datetime(notice.created_at, ctx.settings.tz),
                                  content=text_block(notice.content, 300))]
    subject = acks.load_subject(ctx.session, "notice", notice.id)
    if subject is None:
        lines.append(STATUS_PLAIN.format(count=len(notice.recipients or [])))
    else:
        lines += acks.status_lines(ctx, subject)
    missed = not_reached(ctx, notice.id)
    if missed:
        lines.append(STATUS_NOT_REACHED.format(count=len(unreached.people(missed)),
                                               people=unreached.describe(missed, ctx.org.name)))
    return "\n".join(lines)


def not_reached(ctx: BaseContext, notice_id: int) -> dict[str, list[str]]:
    """reason → userids the notice's messages did not reach, as WeCom answered (``bot.outbox.unreached``)."""
    missed: dict[str, list[str]] = {}
    for response in ctx.session.scalars(select(OutboxMessage.response).where(
            OutboxMessage.origin == ORIGIN.format(id=notice_id), OutboxMessage.response.is_not(None))):
        for reason, ids in ((response or {}).get("unreached") or {}).items():
            missed.setdefault(reason, [])
            missed[reason] += [u for u in ids if u not in missed[reason]]
    return missed


@on_undelivered("notice")
def notice_not_reached(ctx: BaseContext, row_id: int, origin: str | None, missed: dict) -> None:
    """P17: the sender of a notice hears who it did not reach (once per notice and set of people)."""
    if not (origin or "").startswith("notice:") or not unreached.people(missed):
        return
    notice = ctx.session.get(Notice, int(origin.split(":", 1)[1]))
    if notice is None or ctx.org.get(notice.sender) is None:
        return
    everyone = not_reached(ctx, notice.id)  # this row included: it is marked in this transaction
    people = unreached.people(everyone)
    record = hashlib.sha1(",".join(sorted(people)).encode()).hexdigest()[:20]  # the same people: told once
    ctx.notify_once("not_reached", origin, notice.sender, record,
                    text=NOT_REACHED.format(id=notice.id, count=len(people),
                                            people=unreached.describe(everyone, ctx.org.name)))


def _recipients(ctx: Context, group_id: str | None) -> list[Member]:
    members = (ctx.org.group_members(group_id) if group_id else
               [m for m in ctx.org.members.values() if m.department_id == ctx.org.home_department])
    return [m for m in members if m.userid != ctx.userid]


@intent("notice.list", "通知 列表", "通知列表", "最近通知", summary="查看最近的通知", example="通知 列表")
def list_notices(ctx: Context) -> str:
    """The latest notices the sender sent or received."""
    # Notices store their recipients as a JSON list; filter in Python, over the latest ones only.
    rows = ctx.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(200)).all()
    mine = [n for n in rows if n.sender == ctx.userid or ctx.userid in (n.recipients or [])
            or ctx.userid == ctx.org.director_id][:LIST_LIMIT]
    if not mine:
        return NO_NOTICES
    lines = [LIST_HEADER]
    for notice in mine:
        at = notice.created_at.astimezone(ctx.settings.tz)
        scope = ctx.org.groups[notice.group_id]["name"] if notice.group_id in ctx.org.groups else "全部门"
        content = text_inline(notice.content, 60)
        lines.append(f"#{notice.id} {at.month}月{at.day}日 {at:%H:%M} {'🚨' if notice.urgent else ''}"
                     f"{ctx.org.name(notice.sender)}→{scope}：{content}")
    return "\n".join(lines)
