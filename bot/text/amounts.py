"""Money as people type it (P3, P4): pure functions, no I/O, integer fen (分) end to end.

``parse_amount`` turns 8万 / 1.2万 / 80,000元 / ¥3.5k / 三万 / 两万五 / 35.5元 / 35元5角 into a
``Money`` (integer fen, and the quantity × unit price when one was given: 服务器3台 每台2万,
3台*2万, 2万/台 3台, 各3500元), returns ``None`` when there is no amount, and an ``AmountProblem``
when the text says something no one should guess from: several amounts, a range (2-3万), an
estimate (约8万, 不超过5万), zero or a negative sum, fractions of a fen, a unit price without a
quantity. A number followed by a measure word (3台, 2026年) or glued to letters (16G, X1) is not
money. The request sentence itself (item, amount, reason) is read by ``bot.text.request_text``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.numerals import NUMERAL, number_value

MAX_FEN = 10 ** 14  # ¥1,000,000,000,000: beyond any plausible request (the column holds < 9.2e18)
# Problems: the requester is asked, nothing is guessed.
AMBIGUOUS, RANGE, ESTIMATE, NOT_POSITIVE, TOO_LARGE, PRECISION, NO_QUANTITY = (
    "ambiguous", "range", "estimate", "not_positive", "too_large", "precision", "no_quantity")

_CANDIDATE = re.compile(
    rf"(?P<currency>(?:[¥￥]|RMB|rmb|人民币)\s*)?"
    rf"(?P<number>[0-9][0-9,.{NUMERAL}]*|[{NUMERAL}]+)"
    r"(?P<unit>\s*(?:元整|元|块钱|圆|[kKwW](?=元|块)|[kKwW](?![A-Za-z\u4e00-\u9fff])|块(?![\u4e00-\u9fff])))?")
# 35元5角, 12块3毛5, 35元5角8分: yuan with 角 and 分.
_JIAO = re.compile(r"(?P<yuan>[0-9]+)\s*[元块]\s*(?P<jiao>[0-9])\s*[角毛](?:\s*(?P<fen>[0-9])\s*分?)?")
# Words that make a number a quantity, a date or a size rather than money.
MEASURE_WORDS = "台个件套张本份把支部辆批箱包盒瓶根片颗卷双对副组条只块"
_MEASURE = set(MEASURE_WORDS + "人天月年次位名间层周日号期斤米克页行项核寸岁楼室栋座届轮季度点时分秒倍成折款代小%‰℃")
_NOT_BEFORE = re.compile(r"[A-Za-z0-9_.\-/:#]$")  # X1, v2, 11-27, 15:00, #12
_NOT_AFTER = re.compile(r"^[A-Za-z0-9_\-/:#]")
_MINUS = ("负", "-", "−", "－")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．＊", "0123456789.*")
_QTY = rf"(?P<qty>[0-9]+|[{NUMERAL}]+)\s*(?P<measure>[{MEASURE_WORDS}])?"
# Around an amount: what makes it a unit price, a multiplication, a range or an estimate.
_TIMES_AFTER = re.compile(rf"^\s*[×xX*]\s*{_QTY}")  # 2万×3, 2万 x 3台
_TIMES_BEFORE = re.compile(rf"{_QTY}\s*[×xX*]\s*$")  # 3台*2万, 3×2万
_UNIT_BEFORE = re.compile(rf"(?:每\s*[{MEASURE_WORDS}]?|单价|单台|单个|一[{MEASURE_WORDS}]|各)\s*[:：]?\s*(?:是|为)?\s*$")
_UNIT_AFTER = re.compile(rf"^\s*(?:/|每|一)\s*[{MEASURE_WORDS}]")  # 2万/台, 2万一台
_RANGE = re.compile(rf"(?<![A-Za-z0-9])[0-9.,{NUMERAL}]+\s*(?:元|块|[kKwW])?\s*(?:-|~|～|—|–|到|至)\s*"
                    rf"(?:[¥￥]\s*)?[0-9.,{NUMERAL}]+\s*(?:元|块|万|千|[kKwW])")
_ESTIMATE_BEFORE = re.compile(r"(?:约|大约|大概|大致|估计|预计|预估|差不多|将近|接近|近|不超过|不超|不到|不高于|最多|至多|"
                              r"最高|上限|低于|少于|小于|多于|超过|至少|以内的?)\s*[:：]?\s*(?:是|为)?\s*$")
_ESTIMATE_AFTER = re.compile(r"^\s*(?:左右|上下|以内|以下|以上|之内|多|余|出头|开外)")
# Words around an amount that belong to it, removed with it from the item text.
AMOUNT_PREFIX = re.compile(r"(?:预算|金额|总价|总额|合计|共计|价格|费用|花费|花了|一共|共|报价)?\s*[:：]?\s*$")


@dataclass(frozen=True)
class AmountSpan:
    """One piece of the text that is money: its value in fen (None when it has a ``problem``)."""

    fen: int | None
    start: int
    end: int
    problem: str = ""
    unit_price: bool = False  # 每台2万, 2万/台, 各3500元
    quantity: int | None = None  # from 2万×3 / 3台*2万


@dataclass(frozen=True)
class Money:
    """An amount in integer fen; ``quantity`` × ``unit_fen`` when it was given that way."""

    fen: int
    quantity: int | None = None
    unit_fen: int | None = None

    def shown(self) -> str:
        """¥60,000, or 3 × ¥20,000 = ¥60,000 (what the requester confirms)."""
        total = format_money(self.fen)
        return f"{self.quantity} × {format_money(self.unit_fen)} = {total}" if self.quantity else total


@dataclass(frozen=True)
class AmountProblem:
    """Why the amount cannot be taken as written; ``said`` is the piece of text concerned."""

    code: str
    said: str = ""
    fen: int | None = None  # the unit price, for NO_QUANTITY


def format_money(fen: int) -> str:
    """¥80,000 or ¥35.50 (as cards and messages show an amount)."""
    yuan, cents = divmod(fen, 100)
    return f"¥{yuan:,}" if not cents else f"¥{yuan:,}.{cents:02d}"


def find_amounts(text: str) -> list[AmountSpan]:
    """Every piece of ``text`` that is money, with its value (or problem) and where it stands."""
    text = text.translate(_FULL_WIDTH)  # same length: spans still index the original
    found = []
    for m in _JIAO.finditer(text):
        fen = int(m.group("yuan")) * 100 + int(m.group("jiao")) * 10 + int(m.group("fen") or 0)
        found.append(AmountSpan(fen, m.start(), m.end()))
    masked = _mask(text, found)
    for m in _RANGE.finditer(masked):
        found.append(AmountSpan(None, m.start(), m.end(), RANGE))
    masked = _mask(text, found)
    for m in _CANDIDATE.finditer(masked):
        span = _candidate(masked, m)
        if span is not None:
            found.append(span)
    return sorted(found, key=lambda s: s.start)


def _mask(text: str, spans: list[AmountSpan]) -> str:
    for s in spans:
        text = text[:s.start] + "\x00" * (s.end - s.start) + text[s.end:]
    return text


def _candidate(text: str, m: re.Match) -> AmountSpan | None:
    number = m.group("number").rstrip(",.")
    end = m.start("number") + len(number) if not m.group("unit") or number != m.group("number") else m.end()
    unit = (m.group("unit") or "").strip() if number == m.group("number") else ""
    start, before, after = m.start(), text[:m.start()], text[end:]
    times_after, times_before = _TIMES_AFTER.match(after), _TIMES_BEFORE.search(before)
    unit_after = _UNIT_AFTER.match(after)
    if times_before and times_before.group("measure") is None and _NOT_BEFORE.search(before[:times_before.start()]):
        times_before = None  # v2*3 is not a quantity
    if not (times_after or unit_after) and (_NOT_AFTER.search(after) or after[:1] in _MEASURE
                                            or after.startswith(("个月", "小时", "分钟"))):
        return None
    negative = before.rstrip().endswith(_MINUS) and not times_before
    if _NOT_BEFORE.search(before) and not negative and not times_before:
        return None
    value = number_value(number)
    if value is None or not _looks_like_money(number, bool(m.group("currency")), unit):
        return None
    value *= {"k": 1000, "w": 10_000}.get(unit.lower(), 1)
    if negative or value <= 0:
        return AmountSpan(None, start - (1 if negative else 0), end, NOT_POSITIVE)
    fen = value * 100
    if fen != fen.to_integral_value():
        return AmountSpan(None, start, end, PRECISION)
    if fen >= MAX_FEN:
        return AmountSpan(None, start, end, TOO_LARGE)
    about, about_after = _ESTIMATE_BEFORE.search(before), _ESTIMATE_AFTER.match(after)
    if about or about_after:
        return AmountSpan(None, about.start() if about else start, end + (about_after.end() if about_after else 0),
                          ESTIMATE)
    quantity = None
    if times_after or times_before:
        quantity = number_value((times_after or times_before).group("qty"))
        end = end + times_after.end() if times_after else end
        start = times_before.start() if times_before else start
    unit_before = _UNIT_BEFORE.search(before) if not times_before else None
    return AmountSpan(int(fen), unit_before.start() if unit_before else start,
                      end + (unit_after.end() if unit_after else 0), unit_price=bool(unit_after or unit_before),
                      quantity=int(quantity) if quantity and quantity == int(quantity) else None)


def parse_amount(text: str) -> Money | AmountProblem | None:
    """The amount of ``text``: ``Money``, ``None`` (no amount) or an ``AmountProblem`` to ask about."""
    text = text.translate(_FULL_WIDTH)
    spans = find_amounts(text)
    if not spans:
        return None
    for span in spans:
        if span.problem:
            return AmountProblem(span.problem, text[span.start:span.end].strip("\x00 "))
    totals = {s.fen for s in spans if not s.unit_price and not s.quantity}
    priced = [s for s in spans if s.unit_price or s.quantity]
    if not priced:
        return Money(totals.pop()) if len(totals) == 1 else AmountProblem(AMBIGUOUS)
    unit = {s.fen for s in priced}
    if len(unit) > 1:
        return AmountProblem(AMBIGUOUS)
    quantity = next((s.quantity for s in priced if s.quantity), None) or _quantity(text, spans)
    if isinstance(quantity, AmountProblem):
        said = text[priced[0].start:priced[0].end].strip("\x00 ")
        return AmountProblem(quantity.code, said, priced[0].fen)
    money = Money(unit.pop() * quantity, quantity, priced[0].fen)
    if totals - {money.fen}:  # 3台*2万=6万 agrees; 3台*2万 共5万 does not
        return AmountProblem(AMBIGUOUS)
    return money if money.fen < MAX_FEN else AmountProblem(TOO_LARGE)


_QUANTITY = re.compile(rf"(?<![A-Za-z0-9.])(?P<qty>[0-9]+|[{NUMERAL}]+)\s*[{MEASURE_WORDS}]")


def _quantity(text: str, spans: list[AmountSpan]) -> int | AmountProblem:
    """The one quantity (3台, 三台) outside the amounts, for a unit price."""
    masked = _mask(text, spans)
    found = set()
    for m in _QUANTITY.finditer(masked):
        value = number_value(m.group("qty"))
        if value is not None and 0 < value == int(value):
            found.add(int(value))
    if len(found) == 1:
        return found.pop()
    return AmountProblem(AMBIGUOUS if found else NO_QUANTITY)


def _looks_like_money(number: str, currency: bool, unit: str) -> bool:
    if currency or unit:
        return True
    if any(c in "万萬亿千仟" for c in number):  # 三万, 五千, 1万5
        return True
    # A bare figure (no ¥, no 元) is money only when it is a plausible sum: 100 … 99,999,999.
    digits = number.replace(",", "")
    return bool(re.fullmatch(r"[1-9][0-9]{2,7}", digits) or re.fullmatch(r"[1-9][0-9]{0,2}(,[0-9]{3})+", number))

