"""Numbers as people write them: 80,000 / 1.2万 / 十二万 / 两万五 / 1万5千 (pure functions).

Shared by money (``bot.text.amounts``) and quantities (三台). ``number_value`` never guesses: what it
does not understand is ``None``.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
NUMERAL = "".join(_CN_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)


def number_value(number: str) -> Decimal | None:
    """The value of 80,000 / 1.2万 / 十二万 / 两万五 / 1万5千, or None if it is not a number."""
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", number):
        number = number.replace(",", "")
    if "," in number:
        return None
    tokens = re.findall(rf"[0-9]+(?:\.[0-9]+)?|[{NUMERAL}]|.", number)
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
