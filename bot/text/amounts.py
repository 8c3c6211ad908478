"""Money as people type it (P3, P4): pure functions, no I/O, integer fen (分) end to end.

``parse_amount`` turns 8万 / 1.2万 / 80,000元 / ¥3.5k / 三万 / 两万五 / 35.5元 / 35元5角 / 86块5 into a
``Money`` (integer fen, and the quantity × unit price when one was given: 服务器3台 每台2万,
3台*2万, 2万/台 3台, 各3500元), returns ``None`` when there is no amount, and an ``AmountProblem``
when the text says something no one should guess from: several amounts, a range (2-3万), an
estimate (约8万, 不超过5万), zero or a negative sum, fractions of a fen, a unit price without a
quantity. A number followed by a measure word (3台, 2026年) or glued to letters (16G, X1) is not
money. A bare figure (no ¥, 元, 万) is money from 100 up (120, 80000), or at any size (86, 86.5,
八十六) where ``bare`` says the text is about money (after 报销/采购, the answer to 「金额是多少？」).
The request sentence itself (item, amount, reason) is read by ``bot.text.request_text``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from bot.text.numerals import NUMERAL, number_value

MAX_FEN = 10 ** 14  # ¥1,000,000,000,000: beyond any plausible request (the column holds < 9.2e18)
# Problems: the requester is asked, nothing is guessed.
AMBIGUOUS, RANGE, ESTIMATE, NOT_POSITIVE, TOO_LARGE, PRECISION, NO_QUANTITY = (
    "ambiguous", "range", "estimate", "not_positive", "too_large", "precision", "no_quantity")

_CANDIDATE = re.compile(
    rf"(?P<currency>(?:[¥￥]|RMB|rmb|人民币)\s*)?"
    rf"(?P<number>[0-9][0-9,.{NUMERAL}]*|[{NUMERAL}]+)"
    r"(?P<unit>\s*(?:元整|元|块钱|圆|[kKwW](?=元|块)|[kKwW](?![A-Za-z\u4e00-\u9fff])|块(?![\u4e00-\u9fff])))?")
# 35元5角, 12块3毛5, 35元5角8分, and as said: 86块5, 八十六块五 (the 角 is understood).
_CN_DIGIT = "零一二两三四五六七八九"
_DIGIT = {**{c: i for i, c in enumerate("零一二三四五六七八九")}, "两": 2, **{str(i): i for i in range(10)}}
_JIAO = re.compile(rf"(?<![0-9.{NUMERAL}])(?P<yuan>[0-9]+|[{NUMERAL}]+)\s*[元块]"
                   rf"(?:\s*(?P<jiao>[0-9{_CN_DIGIT}])\s*[角毛](?:\s*(?P<fen>[0-9{_CN_DIGIT}])\s*分?)?"
                   rf"|(?P<said>[0-9{_CN_DIGIT}])(?![0-9.{NUMERAL}]))")
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
# 80-90 or 80到90 where bare figures are yuan (not 2026-11-27, 15:00-16:00).
_BARE_RANGE = re.compile(r"(?<![0-9A-Za-z.\-/:])[0-9]+(?:\.[0-9]+)?\s*(?:-|~|～|—|–|到|至)\s*[0-9]+(?:\.[0-9]+)?"
                         r"(?![0-9A-Za-z.\-/:])")
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
    glued: bool = False  # a bare figure glued to the word before it (打车86): money only if it is the only one



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


def find_amounts(text: str, bare: bool = False) -> list[AmountSpan]:
    """Every piece of ``text`` that is money, with its value (or problem) and where it stands;
    ``bare``: the text is about money, so a bare 86 or 86.5 (yuan) is money too."""
    text = text.translate(_FULL_WIDTH)  # same length: spans still index the original
    found = []
    for m in _JIAO.finditer(text):
        if m.group("said") and text[m.end():m.end() + 1] in _MEASURE:
            continue  # 3块5寸: three 5-inch pieces, not ¥3.50
        yuan, jiao = number_value(m.group("yuan")), _DIGIT[m.group("jiao") or m.group("said")]
        if yuan is not None and yuan == int(yuan):
            found.append(AmountSpan(int(yuan) * 100 + jiao * 10 + _DIGIT[m.group("fen") or "0"], m.start(), m.end()))
    masked = _mask(text, found)
    for m in _RANGE.finditer(masked):
        found.append(AmountSpan(None, m.start(), m.end(), RANGE))
    for m in _BARE_RANGE.finditer(_mask(text, found)) if bare else ():
        found.append(AmountSpan(None, m.start(), m.end(), RANGE))
    masked = _mask(text, found)
    for m in _CANDIDATE.finditer(masked):
        span = _candidate(masked, m, bare)
        if span is not None:
            found.append(span)
    if any(not s.glued for s in found):
        found = [s for s in found if not s.glued]
    return sorted(found, key=lambda s: s.start)


def _mask(text: str, spans: list[AmountSpan]) -> str:
    for s in spans:
        text = text[:s.start] + "\x00" * (s.end - s.start) + text[s.end:]
    return text


def _candidate(text: str, m: re.Match, bare: bool) -> AmountSpan | None:
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
    strong = value is not None and _looks_like_money(number, bool(m.group("currency")), unit)
    if value is None or not (strong or bare and _bare_yuan(number, before, after)):
        return None
    # 打车86 is the amount when it is the only one; 白板2 800元 is the 2nd whiteboard, for ¥800.
    glued = not strong and bool(_CJK.match(before[-1:]))
    span = partial(AmountSpan, glued=glued)
    value *= {"k": 1000, "w": 10_000}.get(unit.lower(), 1)
    if glued and (negative or value <= 0):
        return None  # 白板0: a name's number
    if negative or value <= 0:
        return span(None, start - (1 if negative else 0), end, NOT_POSITIVE)
    fen = value * 100
    if fen != fen.to_integral_value():
        return span(None, start, end, PRECISION)
    if fen >= MAX_FEN:
        return span(None, start, end, TOO_LARGE)
    about, about_after = _ESTIMATE_BEFORE.search(before), _ESTIMATE_AFTER.match(after)
    if about or about_after:
        return span(None, about.start() if about else start, end + (about_after.end() if about_after else 0),
                    ESTIMATE)
    quantity = None
    if times_after or times_before:
        quantity = number_value((times_after or times_before).group("qty"))
        end = end + times_after.end() if times_after else end
        start = times_before.start() if times_before else start
    unit_before = _UNIT_BEFORE.search(before) if not times_before else None
    return span(int(fen), unit_before.start() if unit_before else start,
                end + (unit_after.end() if unit_after else 0), unit_price=bool(unit_after or unit_before),
                quantity=int(quantity) if quantity and quantity == int(quantity) else None)


def parse_amount(text: str, bare: bool = False) -> Money | AmountProblem | None:
    """The amount of ``text``: ``Money`` (fen), ``None`` (no amount) or an ``AmountProblem`` to ask
    about. ``bare``: the text is about money (a request's words, the answer to 「金额是多少？」), so a
    bare figure is yuan whatever its size: 86 → ¥86, 86.5 → ¥86.50, 八十六 → ¥86."""
    text = text.translate(_FULL_WIDTH)
    spans = find_amounts(text, bare)
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


# iPhone 15, Mate 60, 第3, 2026-11-27: a name's number, an ordinal, a date's part
_NAMED_BEFORE = re.compile(r"(?:[A-Za-z]\s?|第\s*|[0-9A-Za-z]\s*[-−－]\s*)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _bare_yuan(number: str, before: str, after: str) -> bool:
    """In a text about money, a bare figure standing as a word of its own is yuan (86, 86.5, 八十六):
    not one followed by a measure word (3 台) or glued to other words (86加班, 周五), nor a name's
    number (iPhone 15) or an ordinal (第3)."""
    if not re.fullmatch(rf"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|[{NUMERAL}]+", number):
        return False
    glued_after = _CJK.match(after[:1]) and not _ESTIMATE_AFTER.match(after)  # 86加班, but 86左右 is asked about
    if after.lstrip()[:1] in _MEASURE or glued_after or _NAMED_BEFORE.search(before):
        return False
    return number[0].isdigit() or not _CJK.search(before[-1:])  # 八十六 as a word, not 周五 or 三亚
