"""The Chinese working calendar (P10 deadlines): public holidays and make-up working days (调休).

Uses the ``holidays`` package's China calendar (vacanza/holidays, released weekly): it computes
the statutory holidays — 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆, with the weekday a weekend
holiday moves to — for any year, and adds the make-up working days once the State Council has
published them (it agrees with ``chinesecalendar`` on every day of 2019–2026, see
tests/org/test_calendar.py). For a year whose make-up days are not published yet the holidays
still count and only the make-up Saturdays are unknown: never a bare Monday–Friday.
``[calendar] holidays`` and ``workdays`` (lists of dates) from the config win over both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from bot.config import ConfigError, config_section

_SEARCH_DAYS = 31  # no holiday in China lasts longer than this
LONG_BREAKS = {"春节": 8, "劳动节": 5, "国庆节": 7}  # the break the State Council usually makes, in days


@dataclass(frozen=True)
class CalendarOverrides:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


_overrides = CalendarOverrides()


@config_section("calendar")
def parse_calendar(raw) -> CalendarOverrides:
    """``[calendar]``: ``holidays`` and ``workdays``, lists of dates ("2027-01-01" or 2027-01-01)."""
    if raw is None:
        return CalendarOverrides()
    if not isinstance(raw, dict):
        raise ConfigError("calendar: expected a table with holidays and workdays")
    unknown = sorted(set(raw) - {"holidays", "workdays"})
    if unknown:
        raise ConfigError(f"calendar.{unknown[0]}: unknown key (expected holidays, workdays)")
    parsed = {}
    for key in ("holidays", "workdays"):
        values = raw.get(key, [])
        if not isinstance(values, list):
            raise ConfigError(f'calendar.{key}: expected a list of dates such as ["2027-01-01"]')
        days = set()
        for value in values:
            try:
                days.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
            except ValueError:
                raise ConfigError(f'calendar.{key}: expected dates such as "2027-01-01", got {value!r}') from None
        parsed[key] = frozenset(days)
    both = parsed["holidays"] & parsed["workdays"]
    if both:
        raise ConfigError(f"calendar: {min(both)} is listed both as a holiday and as a workday")
    return CalendarOverrides(parsed["holidays"], parsed["workdays"])


def configure(overrides: CalendarOverrides) -> None:
    """Use ``overrides`` in this process (``build_runtime`` passes the config's)."""
    global _overrides
    _overrides = overrides


@lru_cache(maxsize=64)
def _statutory(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """``year``'s days off (date → name, e.g. 春节（补假）) and published make-up working days."""
    china = holidays.China(years=year, language="zh_CN")
    days_off = {day: name for day, name in china.items() if day.year == year}
    return days_off, frozenset(day for day in china.weekend_workdays if day.year == year)


def adjustments_published(year: int) -> bool:
    """Whether ``year``'s make-up working days (调休) are known: published by the State Council and
    in the installed ``holidays`` release, or dated in ``[calendar]``. Every year since 2000 has some."""
    if any(d.year == year for d in _overrides.holidays | _overrides.workdays):
        return True
    return bool(_statutory(year)[1])


def is_working_day(day: date) -> bool:
    """True on a working day: a weekday that is not a public holiday, or a make-up working day."""
    if day in _overrides.holidays:
        return False
    if day in _overrides.workdays:
        return True
    days_off, make_up = _statutory(day.year)
    if day in make_up:
        return True
    return day.weekday() < 5 and day not in days_off


def working_day_on_or_before(day: date) -> date:
    """``day`` itself if it is a working day, else the last working day before it."""
    for back in range(_SEARCH_DAYS + 1):
        candidate = day - timedelta(days=back)
        if is_working_day(candidate):
            return candidate
    return day


def nth_working_day(year: int, month: int, n: int) -> date:
    """The ``n``-th working day of a month (n ≥ 1); the month's last one if it has fewer."""
    day, found, last = date(year, month, 1), 0, None
    while day.month == month:
        if is_working_day(day):
            found, last = found + 1, day
            if found == max(n, 1):
                return day
        day += timedelta(days=1)
    return last or date(year, month, 1)


@dataclass(frozen=True)
class Break:
    """One holiday as the bot counts it before the year's 调休 is published, and the weekdays the
    State Council usually adds to it (each paid back by working a nearby weekend day)."""
    name: str  # 春节
    first: date
    last: date  # inclusive; the statutory days and the weekdays a weekend holiday moves to
    usually_off: tuple[date, ...]  # weekdays usually made days off, in date order


def breaks(year: int) -> list[Break]:
    """``year``'s holidays in date order. ``usually_off``: for 春节, 劳动节 and 国庆节 the weekdays
    after the holiday up to the usual length of the break (``LONG_BREAKS``); for a one-day
    holiday on a Tuesday or Thursday, the Monday or Friday between it and the weekend."""
    # Published 调休 days off (休息日（由 … 调休）) are left out: they are what ``usually_off`` predicts.
    days_off = {day: name for day, name in _statutory(year)[0].items() if not name.startswith("休息日")}
    result: list[Break] = []
    for day in sorted(days_off):
        name = days_off[day].split("（")[0].replace("农历除夕", "春节")
        if result and result[-1].name == name and (day - result[-1].last).days <= 3:
            result[-1] = Break(name, result[-1].first, day, ())
        else:
            result.append(Break(name, day, day, ()))
    return [Break(b.name, b.first, b.last, _usually_off(b, days_off)) for b in result]


def _usually_off(holiday: Break, days_off: dict[date, str]) -> tuple[date, ...]:
    length = LONG_BREAKS.get(holiday.name)
    if length is None:
        bridge = {1: holiday.first - timedelta(days=1), 3: holiday.first + timedelta(days=1)}
        return (bridge[holiday.first.weekday()],) if holiday.first == holiday.last and \
            holiday.first.weekday() in bridge else ()
    added, day = [], holiday.last + timedelta(days=1)
    while (day - holiday.first).days < length:
        if day in days_off:  # another holiday inside the break (中秋 in 国庆 week) lengthens it
            length += 1
        elif day.weekday() < 5:
            added.append(day)
        day += timedelta(days=1)
    return tuple(added)
