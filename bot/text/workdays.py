"""The Chinese working calendar (P10 deadlines): public holidays and make-up working days (调休).

Uses the ``chinese_calendar`` package, overridden by ``[calendar] holidays`` and ``workdays``
(lists of dates) from the config — the package knows a year only once a release brings the
State Council's notice (1.11 knows up to 2026). For a year known to neither, falls back to
Monday–Friday and logs a warning once per year, so deadlines still work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from bot.config import ConfigError, config_section

log = logging.getLogger(__name__)
_warned_years: set[int] = set()
_SEARCH_DAYS = 31  # no holiday in China lasts longer than this


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


def year_known(year: int) -> bool:
    """Whether ``year``'s holidays are known: to the package, or through ``[calendar]``."""
    if any(d.year == year for d in _overrides.holidays | _overrides.workdays):
        return True
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """True on a working day: a weekday that is not a public holiday, or a make-up working day."""
    if day in _overrides.holidays:
        return False
    if day in _overrides.workdays:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar has no holiday data for %d; using Monday-Friday "
                        "(upgrade the chinesecalendar package)", day.year)
        return day.weekday() < 5


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
