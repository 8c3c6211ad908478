"""Chinese date and time phrases (bot/text/dates.py) on a table of real phrasings, clock fixed."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.dates import WEEKDAY_NAMES, cn_number, format_range, parse_when

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # a Wednesday


@pytest.mark.parametrize("phrase, day, start, end", [
    ("明天14:00-15:00", date(2026, 11, 26), time(14), time(15)),
    ("今天 下午2点-4点", date(2026, 11, 25), time(14), time(16)),
    ("后天 9点", date(2026, 11, 27), time(9), None),
    ("大后天上午10点半", date(2026, 11, 28), time(10, 30), None),
    ("周五 下午2点到3点半", date(2026, 11, 27), time(14), time(15, 30)),
    ("周三 10:00", date(2026, 11, 25), time(10), None),  # today is a Wednesday
    ("周二 10:00", date(2026, 12, 1), time(10), None),  # the next Tuesday
    ("本周一 10:00", date(2026, 11, 23), time(10), None),
    ("这周日 晚上7点", date(2026, 11, 29), time(19), None),
    ("下周一 9点", date(2026, 11, 30), time(9), None),
    ("下个星期三 上午十点半至十一点", date(2026, 12, 2), time(10, 30), time(11)),
    ("下下周五 14:00", date(2026, 12, 11), time(14), None),
    ("上周五10:00-11:00", date(2026, 11, 20), time(10), time(11)),  # 补登会议: last week's
    ("上个星期一 9点", date(2026, 11, 16), time(9), None),
    ("上上周三 9点", date(2026, 11, 11), time(9), None),
    ("礼拜六 14：30～16：00", date(2026, 11, 28), time(14, 30), time(16)),
    ("11月28日 14：00", date(2026, 11, 28), time(14), None),
    ("12月5号下午3点", date(2026, 12, 5), time(15), None),
    ("1月3日 9:30", date(2027, 1, 3), time(9, 30), None),  # next year
    ("2026-11-28 14:00", date(2026, 11, 28), time(14), None),
    ("2026/12/01 14:00-15:30", date(2026, 12, 1), time(14), time(15, 30)),
    ("2026年12月1日 两点", date(2026, 12, 1), time(2), None),
    ("明天 下午两点至三点", date(2026, 11, 26), time(14), time(15)),
    ("明天 中午12点", date(2026, 11, 26), time(12), None),
    ("明天 11点-1点", date(2026, 11, 26), time(11), time(13)),
])
def test_real_phrasings(phrase, day, start, end):
    when = parse_when(phrase, NOW)
    assert (when.day, when.start, when.end, when.error) == (day, start, end, "")


@pytest.mark.parametrize("phrase", ["2月30日 10点", "明天 25:00", "13月1日", "明天 14:00-13:00"])
def test_impossible_dates_and_times_are_errors(phrase):
    assert parse_when(phrase, NOW).error


def test_the_rest_of_the_text_is_kept():
    text = "项目评审 明天14:00-15:00 参会 张三 李四"
    assert parse_when(text, NOW).strip(text) == "项目评审 参会 张三 李四"


def test_no_date_or_time():
    when = parse_when("项目评审 参会 张三", NOW)
    assert (when.day, when.start, when.error) == (None, None, "")


def test_chinese_numbers():
    assert [cn_number(t) for t in ("十", "十四", "二十三", "两", "九", "x", "十十")] == [10, 14, 23, 2, 9, None, None]


def test_format_range():
    start = datetime(2026, 11, 28, 14, 0, tzinfo=TZ)
    assert format_range(start, start + timedelta(hours=1)) == "11月28日（周六）14:00-15:00"


def _render_day(day: date, style: str, today: date) -> str:
    offset = (day - today).days
    monday = today - timedelta(days=today.weekday())
    if style == "relative":
        return {0: "今天", 1: "明天", 2: "后天", 3: "大后天"}[offset]
    if style == "weekday":
        return f"周{WEEKDAY_NAMES[day.weekday()]}"
    if style == "this_week":
        return f"本周{WEEKDAY_NAMES[day.weekday()]}"
    if style == "next_week":
        return f"下周{WEEKDAY_NAMES[day.weekday()]}" if (day - monday).days // 7 == 1 else f"下下周{WEEKDAY_NAMES[day.weekday()]}"
    if style == "month_day":
        return f"{day.month}月{day.day}日"
    return f"{day:%Y-%m-%d}" if style == "iso" else f"{day.year}年{day.month}月{day.day}日"


def _render_time(moment: time, style: str) -> str:
    if style == "colon":
        return f"{moment:%H:%M}"
    if style == "dian":
        return f"{moment.hour}点{moment.minute}分" if moment.minute else f"{moment.hour}点"
    if style == "pm" and moment.hour >= 13:
        return f"下午{moment.hour - 12}点" + (f"{moment.minute}分" if moment.minute else "")
    return f"{moment.hour}:{moment.minute:02d}"


@st.composite
def phrasings(draw):
    today = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
    style = draw(st.sampled_from(["relative", "weekday", "this_week", "next_week", "month_day", "iso", "year_cn"]))
    monday = today - timedelta(days=today.weekday())
    ranges = {"relative": (0, 3), "weekday": (0, 6), "this_week": ((monday - today).days, (monday - today).days + 6),
              "next_week": ((monday - today).days + 7, (monday - today).days + 20), "month_day": (-30, 330),
              "iso": (-400, 400), "year_cn": (-400, 400)}
    low, high = ranges[style]
    day = today + timedelta(days=draw(st.integers(low, high)))
    moment = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 5, 15, 30, 45, 59])))
    end = draw(st.one_of(st.none(), st.integers(1, 180)))
    end_time = None
    if end is not None:
        end_dt = datetime.combine(day, moment) + timedelta(minutes=end)
        end_time = end_dt.time() if end_dt.date() == day else None
    time_style = draw(st.sampled_from(["colon", "dian", "pm"]))
    text = _render_day(day, style, today) + draw(st.sampled_from(["", " ", "的"])) + _render_time(moment, time_style)
    if end_time is not None:
        text += draw(st.sampled_from(["-", "~", "至", "到"])) + f"{end_time:%H:%M}"
    return today, text, day, moment, end_time


@settings(max_examples=300, deadline=None)
@given(phrasings())
def test_generated_dates_parse_back_exactly(case):
    today, text, day, moment, end_time = case
    now = datetime.combine(today, time(8, 0), tzinfo=TZ)
    when = parse_when(text, now)
    assert (when.day, when.start, when.end, when.error) == (day, moment, end_time, ""), text


def test_a_month_day_just_past_is_last_years():
    now = datetime(2025, 1, 30, 8, 0, tzinfo=TZ)
    assert parse_when("12月31日 00:00", now).day == date(2024, 12, 31)
    assert parse_when("12月31日 10:00", datetime(2025, 3, 3, 8, 0, tzinfo=TZ)).day == date(2025, 12, 31)
