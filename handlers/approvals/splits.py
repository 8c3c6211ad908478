"""Split purchases (拆单, P4): one purchase filed as several requests that each stay below the
amount that needs a higher signature (the CEO's, from ``policy.director_limit_wan``).

Two item names mean the same thing when, after normalising, the shorter one is the *end* of the
longer one, compared by pinyin: Chinese noun compounds put their head last (服务器内存 is a kind of
内存; 服务器 and 显示器支架 are not kinds of 内存 or 显示器), so the head decides what was bought,
and comparing pinyin syllables also joins the homophone typos of pinyin input (内存条 / 内存调).
Normalising drops what says how many or what for: quantities (3台, 两根), brackets (内存（服务器用）
→ 内存), a trailing measure word (内存条 → 内存), filler verbs (采购, 买) and punctuation.

``find_split`` looks back ``policy.split_window_days`` at the same requester's and the same
group's requests of a kind in ``policy.split_kinds`` (reimbursements are not, by default: a
standing 打车 is no split); ``policy.split_exempt_items`` lists legitimate repeats.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

from sqlalchemy import select

from bot.conversation.context import BaseContext
from bot.text.amounts import format_money
from models import ApprovalRequest

COUNTED = ("pending", "approved")  # rejected, withdrawn, failed or cancelled requests bought nothing
_BRACKETS = re.compile(r"[（(【\[［〔].*?[）)】\]］〕]")
_QUANTITY = re.compile(r"[0-9０-９零一二两三四五六七八九十百千万几]+\s*[台个件套张本份把支部辆批箱包盒瓶根片颗卷双对副组条只块]")
_FILLER = re.compile(r"^(采购|购买|购置|申请|买|新增|新购|添置|一批|一些|若干)+|(采购|购买|购置)$")
_MEASURE_SUFFIX = "条根块个台套张只支件"
MIN_HEAD_SYLLABLES = 2  # a one-syllable ending (纸, 笔) is too vague to call two items one thing


@lru_cache(maxsize=4096)
def item_head(item: str) -> tuple[str, ...]:
    """The pinyin syllables of an item name's normalised form: 「服务器内存（2根）」 → (fu, wu, qi, nei, cun)."""
    from pypinyin import lazy_pinyin  # loaded on first use: its dictionary is large

    text = unicodedata.normalize("NFKC", item).lower()
    text = _BRACKETS.sub("", _QUANTITY.sub("", text))
    text = "".join(ch for ch in text if ch.isalnum())
    text = _FILLER.sub("", text)
    if len(text) >= 3 and text[-1] in _MEASURE_SUFFIX:
        text = text[:-1]
    return tuple(lazy_pinyin(text))


def same_thing(a: str, b: str) -> bool:
    """Whether item names ``a`` and ``b`` name the same thing (the module's rule: head-final, by pinyin)."""
    head_a, head_b = item_head(a), item_head(b)
    if not head_a or not head_b:
        return False
    if head_a == head_b:
        return True
    short, long = sorted((head_a, head_b), key=len)
    return len(short) >= MIN_HEAD_SYLLABLES and long[-len(short):] == short


@dataclass(frozen=True)
class Split:
    """``request`` and the earlier ``related`` requests (oldest first) together reach ``limit_fen``
    although each stays below it."""

    related: tuple[ApprovalRequest, ...]
    total_fen: int  # the related requests and this one, in fen
    limit_fen: int  # the chain's tier that the total reaches (P4), in fen

    def numbers(self) -> str:
        """「#3、#5」: the related requests by number only (the approver may not see their details)."""
        return "、".join(f"#{r.id}" for r in self.related)

    def said(self) -> str:
        """One plain line: 近 30 天同类采购 #3、#5 与本单合计 ¥52,000，达到 5 万元（P4）。"""
        return (f"疑似拆单：{self.numbers()} 与本单同为一类物品，合计 {format_money(self.total_fen)}，"
                f"达到 {wan_text(self.limit_fen)}（P4）")


def wan_text(fen: int) -> str:
    """「5 万元」 for 5,000,000 fen: a chain tier as the policy says it (P4)."""
    return f"{Decimal(fen) / 1_000_000:g} 万元"


def tier_fen(rule) -> int | None:
    """A chain step's ``min_amount_wan`` in fen (None: the step applies to every amount)."""
    return None if rule.min_amount_wan is None else int(Decimal(str(rule.min_amount_wan)) * 1_000_000)


def tiers_fen(ctx: BaseContext, kind: str) -> list[int]:
    """The amounts (fen) from which the chain of ``kind`` gains a step (P4), highest first."""
    return sorted({tier_fen(rule) for rule in ctx.policy.chains.get(kind, ()) if rule.min_amount_wan is not None},
                  reverse=True)


def exempt(ctx: BaseContext, request: ApprovalRequest) -> bool:
    """Kinds outside ``policy.split_kinds`` and items in ``policy.split_exempt_items`` are never splits."""
    return request.kind not in ctx.policy.split_kinds or any(
        same_thing(request.item, item) for item in ctx.policy.split_exempt_items)


def peers(ctx: BaseContext, requester: str) -> set[str]:
    """The requester and the members of their group (P1): whose requests can add up to a split."""
    member = ctx.org.get(requester)
    group = member.group_id if member else None
    return {requester, *(m.userid for m in ctx.org.group_members(group))} if group else {requester}


def split_among(ctx: BaseContext, request: ApprovalRequest, earlier: Iterable[ApprovalRequest]) -> Split | None:
    """The split ``request`` completes among ``earlier`` (already filtered to its window, kind and
    peers), or None. The highest tier that the total reaches while every part stays below wins."""
    if exempt(ctx, request):
        return None
    similar = [r for r in earlier if r.id != request.id and same_thing(r.item, request.item)]
    for limit in tiers_fen(ctx, request.kind):
        parts = [r for r in similar if r.amount_fen < limit]
        total = request.amount_fen + sum(r.amount_fen for r in parts)
        if request.amount_fen < limit and parts and total >= limit:
            return Split(tuple(sorted(parts, key=lambda r: r.id)), total, limit)
    return None


def find_split(ctx: BaseContext, request: ApprovalRequest, at: datetime) -> Split | None:
    """The split that ``request`` (submitted, or about to be, at ``at``) completes, looking back
    ``policy.split_window_days`` from ``at`` at its peers' counted requests of the same kind."""
    if exempt(ctx, request) or not tiers_fen(ctx, request.kind):
        return None
    since = at - timedelta(days=ctx.policy.split_window_days)
    earlier = ctx.session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.kind == request.kind, ApprovalRequest.status.in_(COUNTED),
        ApprovalRequest.requester.in_(sorted(peers(ctx, request.requester))),
        ApprovalRequest.submitted_at >= since, ApprovalRequest.submitted_at <= at))
    return split_among(ctx, request, list(earlier))
