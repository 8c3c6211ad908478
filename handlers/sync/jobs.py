"""Weekly sync jobs (P18): Thursday's prompt to every contact person, Friday's digest to the
stakeholders and the director. Sent through the ledger: a re-run sends nothing twice."""
from __future__ import annotations

from sqlalchemy import select

from bot.conversation.context import JobContext
from bot.text.quoting import markdown_block, markdown_inline, text_inline
from bot.conversation.router import job
from handlers.sync.collaborations import (DIGEST_DAY, PROMPT_DAY, PROMPT_KIND, CollaborationSpec, all_collaborations,
                                          department_name, is_sync_day, week_key)
from models.collaboration import SyncUpdate

PROMPT = ("📝 协作「{name}」第{week}周进展同步（P18）：你是{department}的接口人，请回复本周进展，例如：\n"
          "同步 {name} 本周完成接口联调，下周开始压测\n周五上午我会把双方进展汇总给干系人和总监。")
PROMPT_MANY = ("📝 第{week}周：请同步你负责的 {count} 个跨部门协作的进展（P18），每个发一条，例如：\n"
               "同步 {example} 本周完成接口联调，下周开始压测\n{lines}\n周五上午我会把双方进展汇总给干系人和总监。")
DIGEST_HEADER = "## 跨部门协作周同步 · 第{week}周"
MISSING = "<font color=\"warning\">未同步</font>"
EXCERPT_CHARS = 300


def _updates(ctx: JobContext, week: str) -> dict[tuple[str, str], SyncUpdate]:
    rows = ctx.session.scalars(select(SyncUpdate).where(SyncUpdate.week == week))
    return {(u.collaboration, u.department_id): u for u in rows}


@job("weekly_sync_prompt")
def weekly_sync_prompt(ctx: JobContext) -> None:
    """P18: ask every contact person for this week's progress on each of their collaborations —
    one message per person, however many collaborations they are the contact for. Runs daily;
    acts on Thursday, or the last working day before it when Thursday is a holiday."""
    if not is_sync_day(PROMPT_DAY, ctx):
        return
    week = week_key(ctx.now, ctx)
    updates = _updates(ctx, week)
    wanted: list[tuple[str, str, str]] = []
    sides: dict[tuple[str, str], str] = {}
    for collaboration in all_collaborations(ctx):
        for department_id, userid in collaboration.contacts.items():
            if (collaboration.name, department_id) in updates or ctx.org.get(userid) is None:
                continue
            wanted.append((week, userid, collaboration.name))
            sides[(userid, collaboration.name)] = department_name(ctx, department_id)
    by_person: dict[str, list[str]] = {}
    for _, userid, name in ctx.claim_once(PROMPT_KIND, wanted):  # the ledger keeps one row per collaboration
        by_person.setdefault(userid, []).append(name)
    for userid, names in by_person.items():
        if len(names) == 1:
            ctx.send_text(userid, PROMPT.format(name=text_inline(names[0]), department=sides[(userid, names[0])],
                                                week=int(week.split("W")[1])))
        else:
            lines = "\n".join(f"• {text_inline(name)}（{sides[(userid, name)]}接口人）" for name in names)
            ctx.send_text(userid, PROMPT_MANY.format(count=len(names), lines=lines, example=text_inline(names[0]),
                                                     week=int(week.split("W")[1])))


def collaboration_markdown(ctx: JobContext, collaboration: CollaborationSpec,
                           updates: dict[tuple[str, str], SyncUpdate]) -> str:
    """One collaboration's week: what each side reported, and which side is missing."""
    lines = [f"### {markdown_inline(collaboration.name)}"]
    missing = []
    for department_id, userid in collaboration.contacts.items():
        update = updates.get((collaboration.name, department_id))
        side = f"**{department_name(ctx, department_id)}**（{ctx.org.name(userid)}）"
        if update is None:
            missing.append(department_name(ctx, department_id))
            lines.append(f"{side}：{MISSING}")
        else:
            # P18: one side's words cannot forge the other side's line: a quoted block under its label.
            lines.append(f"{side}：\n{markdown_block(update.content, EXCERPT_CHARS)}")
    if missing:
        lines.append(f"缺少：{'、'.join(missing)}")
    return "\n".join(lines)


@job("weekly_sync_digest")
def weekly_sync_digest(ctx: JobContext) -> None:
    """P18: each stakeholder and the director get one digest of their collaborations' week, on
    Friday or the last working day before it (daily job)."""
    if not is_sync_day(DIGEST_DAY, ctx):
        return
    week = week_key(ctx.now, ctx)
    updates = _updates(ctx, week)
    by_recipient: dict[str, list[CollaborationSpec]] = {}
    for collaboration in all_collaborations(ctx):
        for userid in (*collaboration.stakeholders, ctx.org.director_id):
            if userid and ctx.org.get(userid) and collaboration not in by_recipient.setdefault(userid, []):
                by_recipient[userid].append(collaboration)
    for userid, collaborations in by_recipient.items():
        parts = [DIGEST_HEADER.format(week=week.split("W")[1])]
        parts += [collaboration_markdown(ctx, c, updates) for c in collaborations]
        ctx.notify_once("sync_digest", week, userid, markdown="\n\n".join(parts), readers="everyone")
