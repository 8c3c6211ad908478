"""Audit periods (P16): a quarter such as 2026Q4, and the scope one audit run covers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.org.in_use import record_start
from bot.text.workdays import nth_working_day

_QUARTER = re.compile(r"^\s*(\d{4})\s*[Qq季]?\s*([1-4])\s*$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4
    tz: ZoneInfo

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}季度"

    @property
    def start(self) -> datetime:
        return datetime.combine(date(self.year, 3 * self.number - 2, 1), time(0), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """The first moment after the quarter (exclusive)."""
        following = self.following()
        return datetime.combine(date(following.year, 3 * following.number - 2, 1), time(0), tzinfo=self.tz)

    def following(self) -> "Quarter":
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1, self.tz)

    def first_working_day_after(self) -> date:
        """P16: the audit runs on the first working day after the quarter ends."""
        following = self.following()
        return nth_working_day(following.year, 3 * following.number - 2, 1)


def parse_quarter(text: str, tz: ZoneInfo) -> Quarter:
    """「2026Q4」 (also 2026q4, 2026 4) → Quarter; ValueError otherwise."""
    match = _QUARTER.match(text or "")
    if not match:
        raise ValueError(f"expected a quarter such as 2026Q4, got {text!r}")
    return Quarter(int(match.group(1)), int(match.group(2)), tz)


def quarter_of(moment: datetime, tz: ZoneInfo) -> Quarter:
    local = moment.astimezone(tz)
    return Quarter(local.year, (local.month - 1) // 3 + 1, tz)


def previous_quarter(moment: datetime, tz: ZoneInfo) -> Quarter:
    """The last quarter that ended before ``moment``."""
    current = quarter_of(moment, tz)
    return Quarter(current.year - (current.number == 1), (current.number - 2) % 4 + 1, tz)


@dataclass(frozen=True)
class Scope:
    """What one audit run covers: the quarter's records, judged as of ``as_of``.

    ``in_service`` is when the bot came into use (``bot.org.in_use``): a weekly report or sync
    "missing" from before then is not something the bot can know, so those weeks are not audited.
    """

    quarter: Quarter
    as_of: datetime
    in_service: datetime | None

    @property
    def start(self) -> datetime:
        return self.quarter.start

    @property
    def end(self) -> datetime:
        """Records due up to here are judged: the quarter's end, or now for a quarter still running."""
        return min(self.quarter.end, self.as_of)

    def judged(self, due: datetime | None) -> bool:
        """A deadline that falls in the quarter and has passed at ``as_of``."""
        return due is not None and self.start <= due < self.end

    def served(self, moment: datetime) -> bool:
        return self.in_service is not None and moment >= self.in_service


def make_scope(session: Session, quarter: Quarter, as_of: datetime) -> Scope:
    return Scope(quarter, as_of, record_start(session, as_of))
