"""The working calendar (P10 deadlines): holidays, make-up days, and years without a published notice."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.text import workdays as calendar
from bot.config import PolicySettings
from handlers.reports.periods import annual_period, monthly_period, open_period, weekly_period

TZ = ZoneInfo("Asia/Shanghai")
POLICY = PolicySettings()


def test_holidays_and_make_up_days():
    assert calendar.is_working_day(date(2026, 11, 27))  # an ordinary Friday
    assert not calendar.is_working_day(date(2026, 6, 19))  # Dragon Boat Festival, a Friday
    assert calendar.is_working_day(date(2026, 10, 10))  # a Saturday worked in lieu (调休)
    assert calendar.working_day_on_or_before(date(2026, 10, 2)) == date(2026, 9, 30)


def test_a_year_without_a_published_notice_still_has_its_holidays():
    assert not calendar.is_working_day(date(2099, 1, 1))  # 元旦, a Thursday, long before any notice
    assert not calendar.is_working_day(date(2099, 1, 3))  # a Saturday
    assert calendar.is_working_day(date(2099, 1, 2))  # an ordinary Friday


def test_weekly_deadline_moves_before_a_holiday_friday():
    normal = weekly_period(date(2026, 11, 25), POLICY, TZ)
    assert normal.key == "2026-W48"
    assert normal.deadline == datetime(2026, 11, 27, 17, 0, tzinfo=TZ)
    assert normal.remind_at == datetime(2026, 11, 27, 15, 0, tzinfo=TZ)
    dragon_boat = weekly_period(date(2026, 6, 17), POLICY, TZ)
    assert dragon_boat.deadline == datetime(2026, 6, 18, 17, 0, tzinfo=TZ)  # Thursday
    assert dragon_boat.remind_at == datetime(2026, 6, 18, 15, 0, tzinfo=TZ)
    national_day = weekly_period(date(2026, 9, 28), POLICY, TZ)
    assert national_day.deadline == datetime(2026, 9, 30, 17, 0, tzinfo=TZ)  # Wednesday
    spring_festival = weekly_period(date(2026, 2, 18), POLICY, TZ)
    assert spring_festival.deadline is None  # no working day that week before Friday


def test_monthly_and_annual_deadlines():
    # P10: 3rd working day of the next month
    assert monthly_period(2026, 9, POLICY, TZ).deadline.date() == date(2026, 10, 10)  # 8th, 9th, make-up Sat 10th
    assert monthly_period(2026, 11, POLICY, TZ).deadline.date() == date(2026, 12, 3)
    assert annual_period(2025, POLICY, TZ).deadline.date() == date(2026, 1, 15)
    assert open_period("monthly", datetime(2026, 12, 2, 9, tzinfo=TZ), POLICY, TZ).key == "2026-11"
    assert open_period("monthly", datetime(2026, 12, 4, 9, tzinfo=TZ), POLICY, TZ).key == "2026-12"
    assert open_period("annual", datetime(2026, 1, 10, 9, tzinfo=TZ), POLICY, TZ).key == "2025"
