"""The Chinese working calendar (P10 deadlines): public holidays and make-up working days (调休).

Uses the ``chinese_calendar`` package; for a year it has no data for yet, falls back to
Monday–Friday and logs a warning once per year, so deadlines still work (a newer package
release brings the official holiday table).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()
_SEARCH_DAYS = 31  # no holiday in China lasts longer than this


def is_working_day(day: date) -> bool:
    """True on a working day: a weekday that is not a public holiday, or a make-up working day."""
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
