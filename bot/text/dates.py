"""Chinese date and time phrases, as people type them in chat. Pure functions, no clock of their own.

Dates: 今天 / 明天 / 后天 / 大后天 (昨天 / 前天, to be refused as past), 周五 / 星期五 / 礼拜五 (the next one, today included), 本周五 / 这周五
(this Monday-to-Sunday week), 下周一 / 下个星期一 (next week), 下下周一, ``11月28日`` / ``11月28号``
(this year, or next year once more than a month past), ``2026-11-28`` / ``2026/11/28`` / ``2026年11月28日``.
Times: ``14:00`` / ``14：00``, ``14点``, ``14点30(分)``, ``2点半``, ``下午2点``, ``下午三点``; a range
``14:00-15:00`` / ``14:00~15:00`` / ``14点到15点`` / ``下午2点至3点`` (the end inherits 下午).
Deadlines (``find_deadline``): a date with 前 / 之前, 月底 / 下月底 / 年底, 三天内 / 两周内 / 1个月内.
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

WEEKDAY_NAMES = "一二三四五六日"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_RELATIVE_DAYS = {"前天": -2, "昨天": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PM = {"下午", "傍晚", "晚上", "今晚"}
_NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"

_DATE = re.compile(
    r"(?P<iso>(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?)"
    r"|(?P<md>(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)"
    r"|(?P<rel>大后天|后天|明天|明日|今天|今日|昨天|前天)"
    r"|(?P<wk>(?P<which>下下个?|下个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7]))")
_CLOCK = (r"(?P<@ap>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚)?\s*"
          r"(?P<@h>" + _NUM + r")\s*(?:[:：]\s*(?P<@mi>\d{2})|点\s*(?:(?P<@half>半)|(?P<@mi2>" + _NUM +
          r")\s*分?)?)")
_TIME = re.compile(_CLOCK.replace("@", "s") + r"(?:\s*(?:-|—|–|~|～|至|到)\s*" + _CLOCK.replace("@", "e") + ")?")


@dataclass
class When:
    """What a phrase said: any of a date, a start and an end time, and where they were in the text."""

    day: date | None = None
    start: time | None = None
    end: time | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    error: str = ""  # a phrase that looked like a date or time but is not one (2月30日, 25:00)

    def at(self, tz) -> tuple[datetime | None, datetime | None]:
        """(start, end) as aware datetimes in ``tz`` (None where the date or time is missing)."""
        if self.day is None or self.start is None:
            return None, None
        start = datetime.combine(self.day, self.start, tzinfo=tz)
        end = datetime.combine(self.day, self.end, tzinfo=tz) if self.end else None
        return start, end

    def strip(self, text: str) -> str:
        """``text`` without the date and time phrases (what is left is the title, names…)."""
        for begin, finish in sorted(self.spans, reverse=True):
            text = text[:begin] + " " + text[finish:]
        return re.sub(r"\s+", " ", text).strip()


def cn_number(token: str) -> int | None:
    """``14`` or ``十四`` / ``两`` / ``二十三`` → int (0–99); None otherwise."""
    if token.isdigit():
        return int(token)
    if not token or any(c not in _CN_DIGITS and c != "十" for c in token):
        return None
    if "十" in token:
        tens, _, ones = token.partition("十")
        if "十" in ones:
            return None
        tens_value = _CN_DIGITS.get(tens, -1) if tens else 1
        ones_value = _CN_DIGITS.get(ones, -1) if ones else 0
        return None if tens_value < 0 or ones_value < 0 else tens_value * 10 + ones_value
    return _CN_DIGITS[token] if len(token) == 1 else None


def find_date(text: str, today: date) -> tuple[date | None, tuple[int, int] | None, str]:
    """The first date phrase in ``text``: (date, its span, error message if it is not a real date)."""
    match = _DATE.search(text)
    if not match:
        return None, None, ""
    span = match.span()
    try:
        if match["iso"]:
            if abs(int(match["y"]) - today.year) > 10:  # 9999-12-31: not a date anyone plans for
                raise ValueError
            return date(int(match["y"]), int(match["m"]), int(match["d"])), span, ""
        if match["md"]:
            month, day = int(match["m2"]), int(match["d2"])
            # 「12月31日」 means the one within a month back or eleven months ahead: said on
            # 30 January it is last year's, said on 3 March next year's.
            window_start = today - timedelta(days=31)
            candidates = [c for c in (_in_year(y, month, day) for y in (today.year - 1, today.year, today.year + 1))
                          if c is not None]
            candidate = next((c for c in candidates if window_start <= c < window_start + timedelta(days=366)),
                             candidates[-1] if candidates else None)
            if candidate is None:
                raise ValueError
            return candidate, span, ""
    except ValueError:
        return None, span, match.group(0)
    if match["rel"]:
        return today + timedelta(days=_RELATIVE_DAYS[match["rel"]]), span, ""
    target, weekday = _WEEKDAYS[match["wd"]], today.weekday()
    which = (match["which"] or "").rstrip("个")
    if which == "下":
        offset = 7 - weekday + target
    elif which == "下下":
        offset = 14 - weekday + target
    elif which in ("本", "这"):
        offset = target - weekday
    else:  # 周五: the next Friday, today included
        offset = (target - weekday) % 7
    return today + timedelta(days=offset), span, ""


def _in_year(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(match: re.Match, prefix: str, inherit_pm: bool = False) -> time | None:
    hour = cn_number(match[prefix + "h"])
    minute_token = match[prefix + "mi"] or match[prefix + "mi2"]
    minute = 30 if match[prefix + "half"] else (cn_number(minute_token) if minute_token else 0)
    if hour is None or minute is None:
        return None
    period = match[prefix + "ap"]
    if (period in _PM or (period is None and inherit_pm)) and hour < 12:
        hour += 12
    elif period == "中午" and hour < 11:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def find_time(text: str) -> tuple[time | None, time | None, tuple[int, int] | None, str]:
    """The first time (or time range) in ``text``: (start, end, span, error if not a real time)."""
    match = _TIME.search(text)
    if not match:
        return None, None, None, ""
    start = _clock(match, "s")
    end = None
    if start is not None and match["eh"] is not None:
        pm = match["sap"] in _PM or (start.hour >= 12 and match["sap"] is None)
        end = _clock(match, "e", inherit_pm=pm)
        if end is not None and end <= start and match["eap"] is None and end.hour < 12:
            end = time(end.hour + 12, end.minute)  # 11点-1点: the end is in the afternoon
        if end is None or end <= start:
            return start, None, match.span(), match.group(0)
    if start is None:
        return None, None, match.span(), match.group(0)
    return start, end, match.span(), ""


def parse_when(text: str, now: datetime) -> When:
    """Everything ``text`` says about when: the date, the start and end time, where they were."""
    when = When()
    day, date_span, date_error = find_date(text, now.date())
    if date_span:
        when.spans.append(date_span)
        when.day, when.error = day, date_error
    # Look for the time after the date (a year like 2026 is not a time), else anywhere.
    rest_from = date_span[1] if date_span else 0
    start, end, time_span, time_error = find_time(text[rest_from:])
    if time_span:
        when.spans.append((time_span[0] + rest_from, time_span[1] + rest_from))
        when.start, when.end = start, end
        when.error = when.error or time_error
    return when


# A deadline as said in a resolution: 下周五前, 12月5日之前, 月底前, 下月底, 年底, 三天内, 两周内, 1个月内.
_WITHIN = re.compile(r"(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?P<unit>天|日|周|个?星期|个?礼拜|个?月)\s*(?:之?内|以内)"
                     r"|(?P<end>(?:本|这个?|下个?)?月底|(?:今|本)?年底)(?:之?前|以前)?")
_BEFORE = re.compile(r"^\s*(?:之前|以前|前|为止)")


def find_deadline(text: str, today: date) -> tuple[date | None, tuple[int, int] | None, str]:
    """The first deadline phrase in ``text`` — a date (``find_date``, with 前/之前 after it), 月底 /
    下月底 / 年底 (their last day), or N天内 / N周内 / N个月内 (counted from ``today``, calendar
    days) — as (the last day it allows, its span, error text if it names no real date)."""
    within, (day, span, error) = _WITHIN.search(text), find_date(text, today)
    if within and (span is None or within.start() < span[0]):
        if within["end"]:
            if "年" in within["end"]:
                return date(today.year, 12, 31), within.span(), ""
            year, month = (today.year, today.month) if "下" not in within["end"] else \
                (today.year + today.month // 12, today.month % 12 + 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return following - timedelta(days=1), within.span(), ""
        count = cn_number(within["n"])
        if not count:
            return None, within.span(), within.group(0)
        unit = within["unit"].lstrip("个")
        if unit == "月":
            year, month = today.year + (today.month - 1 + count) // 12, (today.month - 1 + count) % 12 + 1
            return date(year, month, min(today.day, monthrange(year, month)[1])), within.span(), ""
        return today + timedelta(days=count * (7 if unit in ("周", "星期", "礼拜") else 1)), within.span(), ""
    if span is not None:
        before = _BEFORE.match(text[span[1]:])
        span = (span[0], span[1] + (before.end() if before else 0))
    return day, span, error


def deadline_phrase(text: str) -> str | None:
    """The deadline a sentence states by itself (「下周五前出方案」 → 下周五前; 月底前, 三天内,
    12月5日之前), or None: a date without 前 / 内 (「12月5日的会上」) states no deadline."""
    within = _WITHIN.search(text)
    dated = next((m for m in _DATE.finditer(text) if _BEFORE.match(text[m.end():])), None)
    found = min((m for m in (within, dated) if m), key=lambda m: m.start(), default=None)
    if found is None:
        return None
    return found.group(0) + (_BEFORE.match(text[found.end():]).group(0).strip() if found is dated else "")


def format_day(day: date, today: date | None = None) -> str:
    """11月28日（周六）; 2027年3月31日（周三） when ``today`` is given and the day is in another year
    (「3月31日」 said in December would read as this year's)."""
    year = f"{day.year}年" if today is not None and day.year != today.year else ""
    return f"{year}{day.month}月{day.day}日（周{WEEKDAY_NAMES[day.weekday()]}）"


def format_datetime(moment: datetime, tz=None) -> str:
    """11月28日（周六）14:00, in ``tz`` when given."""
    moment = moment.astimezone(tz) if tz else moment
    return f"{format_day(moment.date())}{moment:%H:%M}"


def format_range(start: datetime, end: datetime, tz=None) -> str:
    """11月28日（周六）14:00-15:00"""
    end = end.astimezone(tz) if tz else end
    return f"{format_datetime(start, tz)}-{end:%H:%M}"
