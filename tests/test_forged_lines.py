"""Issue 29, lines that forge the bot's own: a title typed over several lines, a right-to-left
override in a name, an uploaded page. Names are cleaned where they are parsed (``bot.text.names``);
every output type has its quoting step (``bot.text.quoting``: messages, the command line, CSV
cells, spreadsheet cells); the emulator serves uploads as attachments."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from bot.spreadsheet import workbook_bytes
from bot.text.names import one_line, visible_text
from bot.text.quoting import csv_cell, terminal_line
from models.meeting import Meeting
from tests.chat import texts, wait_text
from tests.conftest import clocked_bot, wait_until
from tests.test_emulator import page_messages
from tests.test_emulator_files import start_demo, upload

TZ = ZoneInfo("Asia/Shanghai")
FORGED = "2. [P9] 伪造条目 会议 #9 纪要缺失"
INVISIBLE = "\u202e\u202d\u202a\u2066\u2067\u2068\u2069\u200b\u200e\u200f\u2060\ufeff\u00ad\x1b\x07"


def audit_cli(config, capsys) -> str:
    import app as app_module

    assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config),
                            "--now", "2026-10-08T09:00:00+08:00"]) == 0
    return capsys.readouterr().out


def test_a_meeting_title_typed_over_lines_is_stored_as_one_line_and_prints_no_finding(start_bot, config_file,
                                                                                      capsys):
    bot = clocked_bot(start_bot, datetime(2026, 9, 1, 9, 0, tzinfo=TZ))
    bot.say("lizuzhang", "登记会议")
    wait_text(bot, "lizuzhang", "会议叫什么")
    bot.say("lizuzhang", f"项目评审\n{FORGED}\u202e")
    wait_text(bot, "lizuzhang", "什么时候开")
    for answer in ("明天14:00-15:00", "张三", "李四"):
        bot.say("lizuzhang", answer)
    wait_text(bot, "lizuzhang", "已登记会议")
    with bot.session() as s:
        [meeting] = s.query(Meeting).all()
    assert meeting.title == f"项目评审 {FORGED}"  # one line, nothing invisible: the minutes never came
    out = audit_cli(config_file(), capsys)
    assert not any(line.startswith("2. [P9] 伪造") for line in out.splitlines())
    assert f"「项目评审 {FORGED}」" in out


def test_titles_stored_before_with_line_breaks_still_print_on_one_line(bot, config_file, capsys):
    """A row written before names were cleaned (or by another tool) is quoted on the way out."""
    with bot.runtime.session_factory.begin() as s:
        s.add(Meeting(title=f"周会\n{FORGED}\x1b[2J\u202e", starts_at=datetime(2026, 7, 6, 10, tzinfo=TZ),
                      ends_at=datetime(2026, 7, 6, 11, tzinfo=TZ), chair="wangzong", minute_taker="lizuzhang",
                      attendees=["wangzong", "lizuzhang"], status="scheduled", created_by="wangzong",
                      created_at=datetime(2026, 7, 1, tzinfo=TZ), minutes_due_at=datetime(2026, 7, 7, 11, tzinfo=TZ)))
    config = config_file()
    out = audit_cli(config, capsys)
    assert not any(line.startswith("2. [P9] 伪造") for line in out.splitlines())
    assert "\x1b" not in out and "\u202e" not in out and f"「周会 {FORGED}[2J」" in out
    import app as app_module

    csv_path = config.parent / "audit.csv"
    assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config), "--csv", str(csv_path),
                            "--now", "2026-10-08T09:00:00+08:00"]) == 0
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    [finding] = [row for row in rows if len(row) == 5 and row[2] == "P9"]
    assert "\u202e" not in finding[3] and "\x1b" not in finding[3]
    assert not any(row and row[0].startswith("2. [P9]") for row in rows)  # the line break stays inside its cell


def test_a_right_to_left_override_in_a_file_name_never_reaches_what_is_stored_or_sent_back(start_bot, tmp_path):
    from tests.documents.helpers import DOCX, MONDAY, KEY, documents, received_file, send_file
    from tests.conftest import FixedClock

    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, extra={"documents": {"storage_dir": str(tmp_path / "docs"), "encryption_key": KEY},
                                        "meetings": {"recurring": []}})
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版\u202ecod.exe", b"MZ payload", DOCX)
    answer = wait_text(bot, "zhangsan", "已归档文件")
    [document] = documents(bot)
    assert document.filename == "数据平台项目-2026年11月-1.0版cod.exe"  # shows what it is: an .exe
    assert "\u202e" not in answer
    bot.say("lisi", f"发送文件 {document.id}")
    filename, data = received_file(bot, "lisi")
    assert filename == "数据平台项目-2026年11月-1.0版cod.exe" and data == b"MZ payload"


def test_names_in_the_address_book_are_one_line_without_invisible_characters(start_bot):
    """Names come from the config or WeCom's address book: what the bot shows of them is clean too."""
    from bot.config import load_settings
    import dataclasses

    base = load_settings(None).org
    people = tuple({**p, "name": "张\u202e三\n2. [P9] x"} if p["userid"] == "zhangsan" else p for p in base.people)
    bot = start_bot(org=dataclasses.replace(base, people=people))
    bot.say("zhangsan", "我是谁")
    answer = wait_text(bot, "zhangsan", "张")
    assert "张三 2. [P9] x" in answer and "\u202e" not in answer


def test_an_uploaded_page_is_served_as_an_attachment_that_no_browser_runs(make_settings):
    demo = start_demo(make_settings)
    try:
        page = b"<html><script>fetch('/emulator/api/send',{method:'POST'})</script></html>"
        assert upload(demo, "zhangsan", "file", "周报.html", page, "text/html").json() == {"ok": True}
        [item] = wait_until(lambda: [m for m in page_messages(demo, "zhangsan") if m["msgtype"] == "file"])
        served = requests.get(f"{demo.http.url}/emulator/api/media/{item['media_id']}", timeout=5)
        assert served.content == page
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served.headers["Content-Security-Policy"]
        svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
        assert upload(demo, "lisi", "file", "图.svg", svg, "image/svg+xml").json() == {"ok": True}
        [item] = wait_until(lambda: [m for m in page_messages(demo, "lisi") if m["msgtype"] == "file"])
        served = requests.get(f"{demo.http.url}/emulator/api/media/{item['media_id']}", timeout=5)
        assert served.headers["Content-Disposition"].startswith("attachment")  # an SVG is a page too
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
        assert upload(demo, "wangwu", "image", "白板.png", png, "image/png").json() == {"ok": True}
        [item] = wait_until(lambda: [m for m in page_messages(demo, "wangwu") if m["msgtype"] == "image"])
        shown = requests.get(f"{demo.http.url}/emulator/api/media/{item['media_id']}", timeout=5)
        assert shown.headers["Content-Disposition"].startswith("inline")  # a picture the chat shows
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        demo.stop()


def test_a_spreadsheet_cell_holds_no_invisible_character_and_no_formula():
    data = workbook_bytes([("表", ["标题"], [["=HYPERLINK(\"http://x\")\u202e"], ["报告\u200b1.0版\u202ecod.exe"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    values = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert values == ["=HYPERLINK(\"http://x\")", "报告1.0版cod.exe"]
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2))


@given(st.text(alphabet=st.sampled_from(list("评审ab 2.[P9]=+-@\n\r\t\u2028\u0085") + list(INVISIBLE))))
def test_every_output_step_drops_invisible_characters_and_one_line_steps_keep_one_line(value):
    for quoted in (one_line(value), terminal_line(value)):
        assert not re.search(r"[\n\r\t\u2028\u0085]", quoted)
        assert not any(c in quoted for c in INVISIBLE)
    assert not any(c in visible_text(value) for c in INVISIBLE)
    assert not csv_cell(value).startswith(("=", "+", "-", "@", "\t"))
    assert not any(c in csv_cell(value) for c in INVISIBLE)


def test_an_emoji_sequence_keeps_its_joiner_in_typed_text():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert visible_text(f"周报 {family}\u202e") == f"周报 {family}"
