"""The demo clock on the emulator page: moving it forward runs, in order, every job due on the
way (P10's Friday reminder arrives stamped 15:00), handlers see the moved time, it never goes
backwards, it survives a restart, reset returns to real time, and production has none."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from bot.emulator.clock import parse_target
from tests.conftest import BotServer, free_port, wait_until
from tests.test_emulator import page_messages

TZ = timezone(timedelta(hours=8))
THURSDAY = datetime(2026, 11, 26, 14, 0, tzinfo=TZ)


@pytest.fixture
def demo(make_settings):
    port = free_port()
    settings = make_settings(emulator_enabled=True,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    bot = BotServer(settings, None, port=port)
    bot.clock = bot.app.extensions["demo_clock"]
    bot.clock.set_time(THURSDAY)
    yield bot
    bot.stop()


def move(bot, to):
    return requests.post(f"{bot.http.url}/emulator/api/clock", json={"to": to}, timeout=120)


def test_moving_to_friday_15_runs_the_due_jobs_in_order_and_the_reminder_arrives_at_15(demo):
    answer = move(demo, "下一个周五 15:00").json()
    assert answer["ok"] and answer["moved"] and answer["label"] == "11月27日（周五）15:00"
    # P10: the weekly-report reminder at FRI 15:00 reached a specialist who has not reported
    reminders = [m for m in page_messages(demo, "zhangsan") if "周报提醒" in (m.get("text") or "")]
    assert len(reminders) == 1 and reminders[0]["time"].startswith("2026-11-27T15:00")
    # P13: the month's self-evaluation draft (due from Thursday 26th) came with Friday's 10:00 run
    drafts = [m for m in page_messages(demo, "zhangsan") if "自评提醒" in (m.get("text") or "")]
    assert len(drafts) == 1 and drafts[0]["time"].startswith("2026-11-27T10:00")
    # everything due in (Thu 14:00, Fri 15:00] ran once, in time order, the job table breaking ties
    expected = demo.clock.due_between(THURSDAY, datetime(2026, 11, 27, 15, 0, tzinfo=TZ))
    assert answer["runs"] == len(expected) > 300  # meeting_reminder alone runs every 5 minutes
    assert [fire for fire, _ in expected] == sorted(fire for fire, _ in expected)
    assert ("2026-11-27T15:00:00+08:00", "weekly_report_reminder") in \
        [(fire.isoformat(), job) for fire, job in expected]
    sent = [(s["time"], s["job"]) for s in answer["sent"]]
    assert [t for t, _ in sent] == sorted(t for t, _ in sent)  # in time order (ties: the job table's)
    assert ("2026-11-27T15:00:00+08:00", "weekly_report_reminder") in sent
    assert all(job != "weekly_report_overdue" for _, job in sent)  # FRI 17:00 is not due yet


def test_the_next_move_runs_only_what_falls_due_after_the_last_one(demo):
    move(demo, "2026-11-27T15:00")
    answer = move(demo, "2026-11-27T17:30").json()
    assert [s["job"] for s in answer["sent"]] == ["weekly_report_overdue"]  # P10: the 17:00 lists
    assert len([m for m in page_messages(demo, "zhangsan") if "周报提醒" in (m.get("text") or "")]) == 1


def test_handlers_see_the_moved_time(demo):
    move(demo, "下周一 09:00")  # Monday 30 November: a new week
    requests.post(f"{demo.http.url}/emulator/api/send", timeout=10,
                  json={"userid": "zhangsan", "text": "周报 本周完成：回访客户3家 下周计划：整理需求 问题与风险：无"})
    answer = wait_until(lambda: [m for m in page_messages(demo, "zhangsan") if m["direction"] == "out"
                                 and "已收到你的周报" in (m.get("text") or "")], message="report receipt")[0]
    assert "11月30日" in answer["text"] and answer["time"].startswith("2026-11-30T09:")


def test_the_clock_refuses_to_go_backwards_or_too_far_and_runs_nothing(demo):
    back = move(demo, "2026-11-25T09:00")
    far = move(demo, "2027-03-01T09:00")
    nonsense = move(demo, "2月30日 10:00")
    assert back.status_code == 400 and "往后拨" in back.json()["error"]
    assert far.status_code == 400 and "最多" in far.json()["error"]
    assert nonsense.status_code == 400 and "下一个周五 15:00" in nonsense.json()["error"]
    assert demo.clock.now().isoformat().startswith("2026-11-26T14:0")
    assert page_messages(demo, "zhangsan") == []


def test_reset_returns_to_real_time_and_the_moved_time_survives_a_restart(demo, make_settings):
    move(demo, "2026-11-26T18:00")
    port = free_port()
    again = BotServer(make_settings(emulator_enabled=True,
                                    wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"}),
                      None, port=port)
    try:
        shown = requests.get(f"{again.http.url}/emulator/api/clock", timeout=5).json()
        assert shown["moved"] and shown["now"].startswith("2026-11-26T18:0")
        reset = requests.post(f"{again.http.url}/emulator/api/clock/reset", timeout=5).json()
        assert not reset["moved"]
        real = datetime.fromisoformat(reset["now"])
        assert abs(real - datetime.now(timezone.utc)) < timedelta(minutes=1)
        assert again.runtime.clock is None
    finally:
        again.stop()


def test_production_has_no_clock(bot):
    assert requests.get(f"{bot.http.url}/emulator/api/clock", timeout=5).status_code == 404
    assert "demo_clock" not in bot.app.extensions


@pytest.mark.parametrize("text, expected", [
    ("下一个周五 15:00", "2026-11-27T15:00"),
    ("周五 15:00", "2026-11-27T15:00"),
    ("下周一 09:00", "2026-11-30T09:00"),
    ("明天 9点", "2026-11-27T09:00"),
    ("16:00", "2026-11-26T16:00"),
    ("12:00", "2026-11-27T12:00"),  # a time already past today means tomorrow's
    ("2026-12-01T08:30", "2026-12-01T08:30"),
])
def test_the_page_understands_times_as_people_type_them(text, expected):
    moment, error = parse_target(text, THURSDAY)
    assert error == "" and moment.isoformat().startswith(expected)


def test_a_weekday_already_past_this_week_means_next_weeks():
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
    moment, _ = parse_target("下一个周五 15:00", friday_evening)
    assert moment.isoformat().startswith("2026-12-04T15:00")


def test_reset_demo_restores_the_seed_data_and_the_clock(demo):
    # Issue 30: 「回到现在」 after a move left a 周报 「已于 12月11日 提交」 on 12月8日; 「重置演示」
    # restores the demo as first started: the demo org, no records, no chat, the real time.
    from sqlalchemy import func, select

    from models import KeyValue, Person
    from models.report import Report
    move(demo, "下一个周五 15:00")
    requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "周报 本周完成接口联调"},
                  timeout=10)
    wait_until(lambda: [m for m in page_messages(demo, "zhangsan") if "已收到你的周报" in (m.get("text") or "")])
    answer = requests.post(f"{demo.http.url}/emulator/api/demo/reset", json={}, timeout=60).json()
    assert answer["ok"] and not answer["moved"] and not demo.clock.moved
    with demo.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 0
        assert s.get(KeyValue, "emulator.clock_offset") is None or not demo.clock.moved
        assert s.scalar(select(func.count()).select_from(Person)) > 0  # the demo org is back
    assert page_messages(demo, "zhangsan") == []
    requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "我是谁"}, timeout=10)
    assert "张三" in wait_until(lambda: next((m["text"] for m in page_messages(demo, "zhangsan")
                                              if m["direction"] == "out" and m.get("text")), None))
