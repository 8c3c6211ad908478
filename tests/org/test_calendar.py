"""The working calendar (P10 deadlines) in any year: the ``holidays`` package's China calendar,
checked against ``chinesecalendar`` where both know the year, ``[calendar]`` overrides winning,
and the director told once in December while next year's 调休 is not published."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bot.config import ConfigError
from bot.text import workdays as calendar
from scheduler import run_job
from scheduler.table import JOB_IDS, trigger_for
from tests.chat import texts, wait_text
from tests.conftest import wait_until

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLE_2027 = {"holidays": ["2027-02-11", "2027-02-12"], "workdays": ["2027-02-20"]}


@pytest.fixture(autouse=True)
def reset_calendar():
    yield
    calendar.configure(calendar.CalendarOverrides())


def test_the_holidays_package_agrees_with_chinesecalendar_on_every_day_of_2019_to_2026():
    # Where the two ever differ, the State Council's notice decides (both packages cite it).
    day, differences = date(2019, 1, 1), []
    while day.year <= 2026:
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day):
            differences.append(day)
        day += timedelta(days=1)
    assert differences == []
    assert not calendar.is_working_day(date(2026, 2, 23))  # a Monday given off for 春节 (调休)
    assert calendar.is_working_day(date(2026, 1, 4))  # a Sunday worked in lieu (调休)


@pytest.mark.parametrize("day, working", [
    (date(2027, 1, 1), False),  # 元旦, a Friday: the example
    (date(2027, 2, 5), False),  # 除夕 (statutory since 2025)
    (date(2027, 2, 9), False),  # 春节 fell on a weekend: the weekday it moves to
    (date(2027, 5, 3), False),  # 劳动节 on a Saturday → Monday
    (date(2027, 6, 9), False),  # 端午, lunar
    (date(2027, 9, 15), False),  # 中秋, lunar
    (date(2027, 10, 4), False),  # 国庆 on a weekend → Monday
    (date(2027, 1, 4), True),  # an ordinary Monday
    (date(2027, 1, 2), False),  # a Saturday: no make-up day known
    (date(2099, 1, 1), False),  # 元旦 in a year no notice exists for: never bare Monday–Friday
    (date(2099, 1, 2), True),  # an ordinary Friday
])
def test_any_year_knows_its_statutory_holidays(day, working):
    assert calendar.is_working_day(day) is working


def test_overrides_win_over_the_package():
    assert not calendar.adjustments_published(2027)
    calendar.configure(calendar.parse_calendar(EXAMPLE_2027))
    assert calendar.adjustments_published(2027)
    assert not calendar.is_working_day(date(2027, 2, 11))  # a Thursday the company gives off
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday made a working day (调休)
    assert not calendar.is_working_day(date(2027, 1, 1))  # the package's holidays still count
    calendar.configure(calendar.parse_calendar({"workdays": [date(2027, 1, 1)]}))  # TOML dates work too
    assert calendar.is_working_day(date(2027, 1, 1))  # the company's own calendar wins over both
    assert calendar.working_day_on_or_before(date(2027, 1, 3)) == date(2027, 1, 1)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_days_usually_moved_are_the_ones_the_state_council_moved(year):
    """Under the 2024 rules the prediction told to the director matches each published notice."""
    predicted = sorted(d for b in calendar.breaks(year) for d in b.usually_off)
    published = sorted(d for d in _weekdays(year) if not calendar.is_working_day(d)
                       and not any(b.first <= d <= b.last for b in calendar.breaks(year)))
    assert predicted == published and predicted


def _weekdays(year):
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("raw, message", [
    ({"holidays": "2027-01-01"}, "calendar.holidays: expected a list"),
    ({"holidays": ["2027-13-01"]}, "calendar.holidays: expected dates"),
    ({"holiday": []}, "calendar.holiday: unknown key"),
    ({"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "both as a holiday and as a workday"),
])
def test_bad_calendar_entries_are_one_line(raw, message):
    with pytest.raises(ConfigError, match=message):
        calendar.parse_calendar(raw)


def _digests(bot, userid):
    return [m["markdown"] for m in bot.received(userid) if "管理周报" in (m.get("markdown") or "")]


def test_the_director_hears_once_in_december_which_days_next_year_usually_moves(start_bot):
    bot = start_bot()
    run_job(bot.runtime, "manager_digest", datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    assert "放假安排" not in wait_text(bot, "wangzong", "管理周报")
    run_job(bot.runtime, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    run_job(bot.runtime, "manager_digest", datetime(2026, 12, 14, 9, 0, tzinfo=TZ))
    digests = wait_until(lambda: len(d := _digests(bot, "wangzong")) == 3 and d)
    note = digests[1]
    assert "国务院还没有公布 2027 年的调休" in note and "元旦 1月1日（周五）" in note
    assert "春节 2月5日—2月10日" in note and "2月11日、2月12日（春节）" in note and "10月6日、10月7日（国庆节）" in note
    assert "[calendar]" not in note and "chinesecalendar" not in note and "升级" not in note  # not a config chore
    assert "放假安排" not in digests[2]  # once
    assert not any("放假安排" in t for t in texts(bot, "lizuzhang"))  # the director only


def test_with_next_years_dates_in_the_config_the_digest_says_nothing(start_bot):
    bot = start_bot(extra={"calendar": EXAMPLE_2027})
    run_job(bot.runtime, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert "放假安排" not in wait_text(bot, "wangzong", "管理周报")


def _fire_times(bot, start: datetime, end: datetime):
    """(fire time, job id) of every job the scheduler runs in [start, end), in order."""
    policy = bot.settings.policy
    due = []
    for order, job_id in enumerate(JOB_IDS):
        trigger = trigger_for(job_id, policy, TZ)
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire < end:
            due.append((fire, order, job_id))
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return [(fire, job_id) for fire, _, job_id in sorted(due)]


def test_new_years_day_2027_sends_nothing_and_the_week_closes_on_thursday(start_bot):
    """P10/P16/P18/P13: on 1 January 2027 (元旦, a Friday) no job sends anything: the 周报 deadline,
    the sync digest and everything else of that week moved to Thursday (the sync prompt to Wednesday); the audit and the Q4 evaluation
    wait for Monday 4 January."""
    bot = start_bot()
    sent_on: dict[date, list[str]] = {}
    for fire, job_id in _fire_times(bot, datetime(2026, 12, 30, 0, 0, tzinfo=TZ), datetime(2027, 1, 4, 0, 0, tzinfo=TZ)):
        if run_job(bot.runtime, job_id, fire):
            sent_on.setdefault(fire.date(), []).append(job_id)
    assert date(2027, 1, 1) not in sent_on and not set(sent_on) - {date(2026, 12, 30), date(2026, 12, 31)}
    assert "weekly_sync_prompt" in sent_on[date(2026, 12, 30)]  # the working day before the digest's
    assert {"weekly_report_reminder", "weekly_report_overdue", "weekly_sync_digest"} <= set(sent_on[date(2026, 12, 31)])
    assert "请在 12月31日（周四）17:00 前提交" in wait_text(bot, "zhangsan", "周报提醒")
    monday = [job_id for fire, job_id in _fire_times(bot, datetime(2027, 1, 4, 0, 0, tzinfo=TZ),
                                                     datetime(2027, 1, 4, 11, 0, tzinfo=TZ))
              if run_job(bot.runtime, job_id, fire)]
    assert {"quarterly_audit", "superior_evaluation_reminder", "manager_digest"} <= set(monday)


def test_januarys_monthly_report_and_self_evaluation_are_due_on_the_third_working_day(start_bot):
    """P10/P13: 1 January is a holiday, so the 3rd working day of January 2027 is Wednesday the 6th."""
    bot = start_bot()
    run_job(bot.runtime, "self_evaluation_reminder", datetime(2026, 12, 29, 10, 0, tzinfo=TZ))
    assert "请在 1月6日（周三）" in wait_text(bot, "zhangsan", "自评提醒")
    assert run_job(bot.runtime, "monthly_report_reminder", datetime(2027, 1, 5, 10, 0, tzinfo=TZ)) == []
    run_job(bot.runtime, "monthly_report_reminder", datetime(2027, 1, 6, 10, 0, tzinfo=TZ))
    assert "1月6日（周三）17:00" in wait_text(bot, "zhangsan", "月报提醒")
