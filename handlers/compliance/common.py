"""What the incident modules share (P15): who responds, who may see and close an incident."""
from __future__ import annotations

import re

from bot.conversation.context import BaseContext
from bot.text.quoting import text_inline
from handlers import acks
from models import Incident

# Any length: 「事件 99999999999999999999」 is a number nobody has, not a missing one (ctx.fetch).
_ID_REST = re.compile(r"^[#＃]?\s*(\d+)(?:\s+|$)(.*)$", re.S)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def responders(ctx: BaseContext) -> list[str]:
    """P15: the director and compliance, in that order, each once."""
    ids = [ctx.org.director_id, *ctx.org.compliance_ids]
    return [u for u in dict.fromkeys(ids) if u and ctx.org.get(u)]


def closers(ctx: BaseContext) -> list[str]:
    """Who may close an incident: compliance; the director when the org names nobody for compliance."""
    return [u for u in ctx.org.compliance_ids if ctx.org.get(u)] or [ctx.org.director_id]


def can_see(ctx: BaseContext, incident: Incident, userid: str) -> bool:
    return userid == incident.reporter or userid in responders(ctx)


def parties(ctx: BaseContext, incident: Incident) -> list[str]:
    return list(dict.fromkeys([incident.reporter, *responders(ctx)]))


def contacts(ctx: BaseContext, userids: list[str]) -> str:
    """王总监 13800000001、郑法务 13800000051 (P17: urgent → phone)."""
    parts = []
    for userid in userids:
        member = ctx.org.get(userid)
        parts.append(f"{ctx.org.name(userid)} {(member.phone if member else None) or acks.NO_PHONE}")
    return "、".join(parts) or "（无）"


def names(ctx: BaseContext, userids: list[str]) -> str:
    return "、".join(ctx.org.name(u) for u in userids) or "（无人）"


def split_id(args: str) -> tuple[str | None, str]:
    """「3 结论…」 → ("3", "结论…") (digits as typed, full-width made ASCII, for ``ctx.fetch``);
    (None, args) without a leading number."""
    match = _ID_REST.match(args.strip())
    if not match:
        return None, args.strip()
    return match.group(1).translate(_FULL_WIDTH), match.group(2).strip()


def details_text(incident: Incident) -> str:
    """数据：… · 人数：… · 仍在暴露：… (each as told, folded to one line)."""
    facts = [("数据", incident.data_kind), ("人数", incident.affected), ("仍在暴露", incident.still_exposed)]
    return " · ".join(f"{label}：{text_inline(value, 60) if value else '（未补充）'}" for label, value in facts)
