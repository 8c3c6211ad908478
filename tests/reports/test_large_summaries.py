"""Summaries of a big department (P10, issue 16): one message plus a spreadsheet, never a message
per group — WeCom would drop most of them (30 a minute per person)."""
import dataclasses
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
from models.report import Report
from scheduler import run_job
from tests.conftest import FixedClock, wait_until
from tests.chat import wait_text

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
FRIDAY_DUE = datetime(2026, 11, 27, 17, 0, tzinfo=TZ)
GROUPS = 60


def big_bot(start_bot, make_settings):
    base = make_settings().org
    groups = tuple({"id": f"g{n:02d}", "name": f"第{n}组", "department": "innovation", "leader": f"lead{n:02d}"}
                   for n in range(GROUPS))
    leaders = tuple({"userid": f"lead{n:02d}", "name": f"组长{n}", "department": "innovation", "group": f"g{n:02d}",
                     "roles": ["group_leader"]} for n in range(GROUPS))
    people = tuple({"userid": f"sp{i:04d}", "name": f"专员{i}", "department": "innovation",
                    "group": f"g{i % GROUPS:02d}", "roles": ["specialist"]} for i in range(1200))
    org = dataclasses.replace(base, groups=base.groups + groups, people=base.people + leaders + people)
    return start_bot(clock=FixedClock(WEDNESDAY), org=org)


def files(bot, userid):
    return [m for m in bot.received(userid) if m.get("msgtype") == "file"]


def sheet_rows(bot, file) -> dict[str, list[tuple]]:
    _, data, _ = bot.fake.state.media[file["media_id"]]
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def add_reports(bot, userids, content):
    with bot.session() as s:
        for userid in userids:
            s.add(Report(kind="weekly", period="2026-W48", userid=userid, content=content(userid),
                         submitted_at=WEDNESDAY, first_submitted_at=WEDNESDAY, deadline=FRIDAY_DUE, late=False))
        s.commit()


def test_the_directors_summary_is_one_message_and_a_spreadsheet(start_bot, make_settings):
    bot = big_bot(start_bot, make_settings)
    add_reports(bot, [f"sp{i:04d}" for i in range(0, 1200, 2)], lambda u: f"={u} 本周完成：回访" if u == "sp0000" else f"{u} 本周完成")
    bot.say("wangzong", "周报 汇总")
    summary = wait_text(bot, "wangzong", "周报汇总")
    wait_until(lambda: files(bot, "wangzong"), message="the spreadsheet")
    assert len(bot.received("wangzong")) == 2
    assert len(summary.encode()) <= 2048
    assert f"合计（{GROUPS + 3} 个组）" in summary and "见表格「周报汇总_2026-W48.xlsx」" in summary
    assert "按时 **600**" in summary and "未交" in summary
    [file] = files(bot, "wangzong")
    assert file["filename"] == "周报汇总_2026-W48.xlsx"
    sheets = sheet_rows(bot, file)
    counts = {row[0]: row[1:4] for row in sheets["汇总"][1:]}
    assert counts["第0组"] == (20, 0, 1)  # its 20 specialists reported, its leader did not
    assert counts["第1组"] == (0, 0, 21)
    reports = sheets["周报"][1:]
    assert len([r for r in reports if r[3] == "按时"]) == 600
    assert len([r for r in reports if r[3] == "未交"]) == 600 + GROUPS + 9  # + the leaders, + the demo org's nine
    assert next(r for r in reports if r[2] == "sp0000")[5] == "=sp0000 本周完成：回访"  # text, not a formula


def test_the_overdue_job_sends_the_director_two_messages_and_each_leader_one(start_bot, make_settings):
    bot = big_bot(start_bot, make_settings)
    add_reports(bot, [f"sp{i:04d}" for i in range(0, 1200, 3)], lambda u: f"{u} 本周完成")
    ids = run_job(bot.runtime, "weekly_report_overdue", FRIDAY_DUE)
    bot.runtime.dispatcher.wait_for(ids, timeout=30)
    assert len(bot.received("wangzong")) == 2 and files(bot, "wangzong")
    # their group's missing list and their own nudge, in one message (issue 30: one per run)
    [message] = bot.received("lead07")
    # 20 members, and the leader's own report said apart (nobody is asked to remind themselves)
    told = message["text"]
    assert "第7组 还有 20 人未交：" in told and "你自己的周报也还没交" in told and "你自己、" not in told
    assert run_job(bot.runtime, "weekly_report_overdue", FRIDAY_DUE) == []  # a re-run sends nothing twice
