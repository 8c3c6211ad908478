"""Amounts and request texts as people type them (P3, P4): pure functions, no I/O.

``parse_amount`` turns 8万 / 8万元 / 1.2万 / 80,000元 / ¥3.5k / ￥12,000 / 三万 / 两万五 / 1.5w
into integer yuan with ``Decimal`` arithmetic, and returns ``None`` when there is no amount and
``AMBIGUOUS`` when there are several different ones (or one with fen): it never guesses. A number
followed by a measure word (3台, 一万个, 2026年) or glued to letters (16G, X1) is not money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

AMBIGUOUS = "ambiguous"
MAX_YUAN = 10 ** 12

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_NUMERAL = "".join(_CN_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
_CANDIDATE = re.compile(
    rf"(?P<currency>(?:[¥￥]|RMB|rmb|人民币)\s*)?"
    rf"(?P<number>[0-9][0-9,.{_NUMERAL}]*|[{_NUMERAL}]+)"
    r"(?P<unit>\s*(?:元整|元|块钱|圆|[kKwW](?=元|块)|[kKwW](?![A-Za-z\u4e00-\u9fff])|块(?![\u4e00-\u9fff])))?")
# Words that make a number a quantity, a date or a size rather than money.
_MEASURE = set("台个件人天月年次套张本份位名条只把支部辆间层周日号期批箱包盒瓶斤米克页行项片颗根卷双对副组核"
               "寸岁楼室栋座届轮季度点时分秒倍成折款代小块%‰℃")
_NOT_BEFORE = re.compile(r"[A-Za-z0-9_.\-/:#]$")  # X1, v2, 11-27, 15:00, #12
_NOT_AFTER = re.compile(r"^[A-Za-z0-9_\-/:#]")
# Words around an amount that belong to it, removed with it from the item text.
_AMOUNT_PREFIX = re.compile(r"(?:预算|金额|总价|总额|合计|共计|价格|费用|花费|花了|一共|共|约|大约|大概|估计)?\s*[:：]?\s*$")
_AMOUNT_SUFFIX = re.compile(r"^\s*(?:左右|上下|以内|以下)?")


@dataclass(frozen=True)
class AmountSpan:
    yuan: int | None  # None: has fen (e.g. 3500.5元), so not a whole number of yuan
    start: int
    end: int


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
_MINUS = ("负", "-", "−", "－")


def find_amounts(text: str) -> list[AmountSpan]:
    """Every piece of ``text`` that is money, with its value and where it stands."""
    text = text.translate(_FULL_WIDTH_DIGITS)  # same length: spans still index the original
    found = []
    for m in _CANDIDATE.finditer(text):
        number = m.group("number").rstrip(",.")
        end = m.start("number") + len(number) if not m.group("unit") or number != m.group("number") else m.end()
        unit = (m.group("unit") or "").strip() if number == m.group("number") else ""
        before, after = text[:m.start()], text[end:]
        if _NOT_BEFORE.search(before) or _NOT_AFTER.search(after) or after[:1] in _MEASURE:
            continue
        if after.startswith(("个月", "小时", "分钟")):
            continue
        value = _number_value(number)
        if value is None or value <= 0 or not _looks_like_money(number, bool(m.group("currency")), unit):
            continue
        if before.rstrip().endswith(_MINUS):  # 「负5000元」: not an amount anyone can request — ask
            found.append(AmountSpan(None, m.start(), end))
            continue
        value *= {"k": 1000, "w": 10_000}.get(unit.lower(), 1)
        # Fen, or a sum beyond any plausible request (the column holds < 9.2e18): ask, do not store.
        yuan = int(value) if value == value.to_integral_value() and value < MAX_YUAN else None
        found.append(AmountSpan(yuan, m.start(), end))
    return found


def parse_amount(text: str) -> int | str | None:
    """Integer yuan, ``None`` (no amount) or ``AMBIGUOUS`` (several different amounts, or fen)."""
    values = {span.yuan for span in find_amounts(text)}
    if not values:
        return None
    if len(values) > 1 or None in values:
        return AMBIGUOUS
    return values.pop()


def _looks_like_money(number: str, currency: bool, unit: str) -> bool:
    if currency or unit:
        return True
    if any(c in _BIG_UNITS or c in "千仟" for c in number):  # 三万, 五千, 1万5
        return True
    # A bare figure (no ¥, no 元) is money only when it is a plausible sum: 100 … 99,999,999.
    digits = number.replace(",", "")
    return bool(re.fullmatch(r"[1-9][0-9]{2,7}", digits) or re.fullmatch(r"[1-9][0-9]{0,2}(,[0-9]{3})+", number))


def _number_value(number: str) -> Decimal | None:
    """The value of 80,000 / 1.2万 / 十二万 / 两万五 / 1万5千, or None if it is not a number."""
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", number):
        number = number.replace(",", "")
    if "," in number:
        return None
    tokens = re.findall(rf"[0-9]+(?:\.[0-9]+)?|[{_NUMERAL}]|.", number)
    if "".join(tokens) != number:
        return None
    total, section = Decimal(0), Decimal(0)
    current: Decimal | None = None
    last_unit, zero_seen, current_is_digit_char = 0, False, False
    for tok in tokens:
        if tok[0].isdigit():
            if current is not None:
                return None
            try:
                current = Decimal(tok)
            except InvalidOperation:
                return None
            current_is_digit_char = len(tok) == 1
        elif tok in _CN_DIGITS:
            if _CN_DIGITS[tok] == 0:
                zero_seen = True
                continue
            if current is not None:
                return None  # 二五: not a number we understand
            current, current_is_digit_char = Decimal(_CN_DIGITS[tok]), True
        elif tok in _SMALL_UNITS:
            unit = _SMALL_UNITS[tok]
            if current is None and not (unit == 10 and section == 0 and total == 0):
                return None
            section += (current if current is not None else 1) * unit
            current, last_unit, zero_seen = None, unit, False
        elif tok in _BIG_UNITS:
            unit = _BIG_UNITS[tok]
            if current is None and section == 0:
                return None
            section += current or 0
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section, current, last_unit, zero_seen = Decimal(0), None, unit, False
        else:
            return None
    if current is not None:
        # 两万五 = 25,000 and 三千五 = 3,500: a lone trailing digit counts in the next unit down.
        if last_unit >= 100 and not zero_seen and current_is_digit_char:
            current *= last_unit // 10
        section += current
    return total + section


@dataclass(frozen=True)
class ParsedRequest:
    kind: str | None  # "procurement" | "reimbursement" | None (not said)
    item: str
    amount: int | str | None  # yuan, None or AMBIGUOUS
    reason: str
    emergency: bool


_LEAD = re.compile(r"^\s*(?:我(?:要|想|需要)|想要|需要|帮我|请)?\s*(?:申请)?\s*(?:紧急)?\s*(?:采购|报销|购买|买)"
                   r"\s*(?:申请)?\s*[:：,，]?")
_REASON = re.compile(r"(?:[,，;；。\s]|^)\s*(?:(?:理由|原因|用途|事由)\s*[:：是为]?\s*|(?=用于|因为|为了|供))")
_DANGLING = re.compile(r"^(?:或者|或|和|到|至|~|-|—)\s*|\s*(?:或者|或|和|到|至|~|-|—)$")  # left by removed amounts
_TRIM = " \t\r\n,，。;；:：、.!！"


def parse_request(text: str) -> ParsedRequest:
    """Kind, item, amount, reason and the emergency flag of 采购申请 测试服务器3台 8万元 用于压测环境."""
    text = text.replace("\u3000", " ").translate(_FULL_WIDTH_DIGITS).strip()
    emergency = "紧急" in text
    kind = "reimbursement" if "报销" in text else "procurement" if re.search("采购|购买|买", text) else None
    spans = find_amounts(text)
    amount = parse_amount(text)
    rest = _remove_spans(text, spans)
    rest = re.sub(r"^\s*紧急\s*", "", rest)
    rest = _LEAD.sub("", rest, count=1)
    reason = ""
    match = _REASON.search(rest)
    if match and match.end() < len(rest.rstrip(_TRIM)):
        reason = rest[match.end():].strip(_TRIM)
        rest = rest[:match.start()]
    item = _DANGLING.sub("", re.sub(r"\s+", " ", rest).strip(_TRIM)).strip(_TRIM)
    return ParsedRequest(kind, item, amount, re.sub(r"\s+", " ", reason), emergency)


def _remove_spans(text: str, spans: list[AmountSpan]) -> str:
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        start = span.start - len(_AMOUNT_PREFIX.search(text[:span.start]).group(0))
        end = span.end + len(_AMOUNT_SUFFIX.match(text[span.end:]).group(0))
        text = text[:start] + " " + text[end:]
    return text


def format_yuan(yuan: int) -> str:
    """¥80,000 (as cards and messages show an amount)."""
    return f"¥{yuan:,}"
