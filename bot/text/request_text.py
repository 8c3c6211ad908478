"""A request as people type it (P3–P5): kind, item, amount, reason — pure functions, no I/O.

The words before the amount are the item, the words after it the reason
(``采购 显示器 3千5 设计用`` → 显示器 · ¥3,500 · 设计用); with nothing before the amount, the
words after it are the item (``报销 3000元 差旅费``). A label (理由：, 用于, 因为…) starts the
reason wherever it stands. After 报销 or 采购 a bare figure is the amount in yuan (``报销 打车 86``);
a measure word without a number (``采购个显示器``, ``买些文具``) and 整 after an amount (``5万整``) are
neither the item nor the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.amounts import AMOUNT_PREFIX, AmountProblem, Money, find_amounts, parse_amount

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_LEAD = re.compile(r"^\s*(?:我(?:要|想|需要)|想要|需要|帮我|请)?\s*(?:申请)?\s*(?:紧急)?\s*(?:采购|报销|购买|买)"
                   r"\s*(?:申请)?\s*[:：,，]?")
_REASON = re.compile(r"(?:[,，;；。\s]|^)\s*(?:(?:理由|原因|用途|事由)\s*[:：是为]?\s*|(?=用于|因为|为了|供))")
_REASON_LABEL = re.compile(r"^\s*(?:理由|原因|用途|事由)\s*[:：是为]?\s*")
_AMOUNT_WORDS_AFTER = re.compile(r"^\s*(?:左右|上下|以内|以下|整)?")  # 5万整: 整 says "exactly", it is no reason
# 采购个显示器, 买些文具, 报销一下打车费: 个 (一个) with no number, 些, 一下 are no part of the item
# (but 个人电脑 is an item, and 采购 台式机 keeps its 台).
_MEASURE_LEAD = re.compile(r"^\s*(?:一下|一些|一点|些|个(?![人性体税案]))(?=[\u4e00-\u9fffA-Za-z0-9])")
_DANGLING = re.compile(r"^(?:或者|或|和|到|至|~|-|—|=)\s*|\s*(?:或者|或|和|到|至|~|-|—|=)$")  # left by removed amounts
_TRIM = " \t\r\n,，。;；:：、.!！\x00"
_MARK = "\x00"


@dataclass(frozen=True)
class ParsedRequest:
    kind: str | None  # "procurement" | "reimbursement" | None (not said)
    item: str
    amount: Money | AmountProblem | None
    reason: str
    emergency: bool


def parse_request(text: str) -> ParsedRequest:
    """Kind, item, amount, reason and the emergency flag of 采购申请 测试服务器3台 8万元 用于压测环境."""
    text = text.replace("\u3000", " ").translate(_FULL_WIDTH).strip()
    emergency = "紧急" in text
    kind = "reimbursement" if "报销" in text else "procurement" if re.search("采购|购买|买", text) else None
    amount = parse_amount(text, bare=True)
    rest = _mark_amounts(text)
    rest = re.sub(r"^\s*紧急\s*", "", rest)
    rest = _LEAD.sub("", rest, count=1)
    rest = _MEASURE_LEAD.sub("", rest, count=1)
    before, _, after = rest.partition(_MARK)
    after = after.replace(_MARK, " ")
    if not _clean(before):  # 「报销 3000元 差旅费」: nothing before the amount, so the item follows it
        before, after = after, ""
    item, reason = _split_reason(before)
    reason = " ".join(part for part in (reason, _clean(_REASON_LABEL.sub("", _clean(after)))) if part)
    return ParsedRequest(kind, item, amount, re.sub(r"\s+", " ", reason), emergency)


def _mark_amounts(text: str) -> str:
    """``text`` with each amount (and the words that belong to it) replaced by one mark."""
    for span in sorted(find_amounts(text, bare=True), key=lambda s: s.start, reverse=True):
        head = text[:span.start]
        start = span.start - len(AMOUNT_PREFIX.search(head).group(0))
        start -= len(_UNIT_WORDS.search(text[:start]).group(0))
        end = span.end + len(_AMOUNT_WORDS_AFTER.match(text[span.end:]).group(0))
        text = text[:start] + f" {_MARK} " + text[end:]
    return text


_UNIT_WORDS = re.compile(r"(?:每\s*[台个件套张本份把支部辆批箱包盒瓶根片颗卷双对副组条只块]?|单价|单台|单个|各|约|大约|大概|估计|预计|"
                         r"不超过|不到|最多)?\s*[:：]?\s*$")


def _split_reason(text: str) -> tuple[str, str]:
    """(item, reason) of the words before the amount: a label (理由：, 用于…) starts the reason."""
    reason = ""
    match = _REASON.search(text)
    if match and match.end() < len(text.rstrip(_TRIM)):
        reason = _clean(text[match.end():])
        text = text[:match.start()]
    return _clean(_DANGLING.sub("", _clean(text))), reason


def _clean(text: str) -> str:
    return _DANGLING.sub("", re.sub(r"\s+", " ", text).strip(_TRIM)).strip(_TRIM)
