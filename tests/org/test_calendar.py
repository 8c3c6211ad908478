"""[calendar] holidays / workdays override chinesecalendar (P10 deadlines); from December the
director's digest warns while next year is unknown to both (chinesecalendar 1.11 ends in 2026)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.text import workdays as calendar
from bot.config import ConfigError
from scheduler import run_job
from tests.chat import wait_text
from tests.conftest import wait_until

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLE_2027 = {"holidays": ["2027-01-01", "2027-02-08"], "workdays": ["2027-02-20"]}


@pytest.fixture(autouse=True)
def reset_calendar():
    yield
    calendar.configure(calendar.CalendarOverrides())


def test_overrides_win_over_the_package_and_make_a_year_known():
    assert not calendar.year_known(2027)
    assert calendar.is_working_day(date(2027, 1, 1))  # a Friday: Monday–Friday fallback
    calendar.configure(calendar.parse_calendar(EXAMPLE_2027))
    assert calendar.year_known(2027)
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday made a working day (调休)
    assert calendar.working_day_on_or_before(date(2027, 1, 1)) == date(2026, 12, 31)
    calendar.configure(calendar.parse_calendar({"holidays": [date(2026, 11, 27)]}))  # TOML dates work too
    assert not calendar.is_working_day(date(2026, 11, 27))


@pytest.mark.parametrize("raw, message", [
    ({"holidays": "2027-01-01"}, "calendar.holidays: expected a list"),
    ({"holidays": ["2027-13-01"]}, "calendar.holidays: expected dates"),
    ({"holiday": []}, "calendar.holiday: unknown key"),
    ({"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "both as a holiday and as a workday"),
])
def test_bad_calendar_entries_are_one_line(raw, message):
    with pytest.raises(ConfigError, match=message):
        calendar.parse_calendar(raw)


def test_the_december_digest_warns_the_director_while_next_year_is_unknown(start_bot):
    bot = start_bot()
    run_job(bot.runtime, "manager_digest", datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    assert "2027 年的法定节假日" not in wait_text(bot, "wangzong", "管理周报")
    run_job(bot.runtime, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    digests = wait_until(lambda: len(d := [m["markdown"] for m in bot.received("wangzong") if m.get("markdown")]) == 2
                         and d)
    assert "2027 年的法定节假日和调休还不知道" in digests[1] and "[calendar]" in digests[1]
    assert not any("法定节假日" in (m.get("markdown") or "") for m in bot.received("lizuzhang"))  # the director only


def test_with_next_years_dates_in_the_config_the_digest_says_nothing(start_bot):
    bot = start_bot(extra={"calendar": EXAMPLE_2027})
    run_job(bot.runtime, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert "法定节假日" not in wait_text(bot, "wangzong", "管理周报")
