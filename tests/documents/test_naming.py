"""P7 end to end: the answer to a badly named file names the real problem, and its example is a sane
name built from the parts the sender wrote (their date, year and version; no markup, no path)."""
from __future__ import annotations

import pytest

from tests.chat import wait_text
from tests.documents.helpers import documents, send_file


def example_in(answer: str) -> str:
    lines = answer.splitlines()
    return lines[lines.index("按制度（P7），文件名要写明项目名称、日期和版本，例如：") + 1]


@pytest.mark.parametrize("filename,problem,example", [
    ("数据平台项目-v2-2026.docx", "文件名缺少日期", "数据平台项目-2026年11月-v2.docx"),
    ("数据平台项目-v2-2025.docx", "文件名缺少日期", "数据平台项目-2025年11月-v2.docx"),
    ("[详情](http://evil.example)项目-报价-2026年11月-1.0版.docx", "文件名缺少项目名称",
     "example项目-evil-报价-2026年11月-1.0版.docx"),
    ("数据平台项目-2026年13月-1.0版.docx", "日期里的月份「13」不对（应为 1–12 月）", "数据平台项目-2026年11月-1.0版.docx"),
    ("需求说明-数据平台项目-V3.docx", "文件名缺少项目名称、日期", "数据平台项目-需求说明-2026年11月-V3.docx"),
])
def test_the_example_is_built_from_the_parts_found(docs_bot, filename, problem, example):
    bot = docs_bot
    send_file(bot, "lisi", filename, b"x")
    answer = wait_text(bot, "lisi", "还不能归档")
    assert f"还不能归档：{problem}。" in answer
    assert example_in(answer) == example
    year = example.split("-")[-2][:4]
    assert f"日期也可写 {year}11 或 {year}-11" in answer  # the same month as the example
    assert documents(bot) == []


def test_a_bad_month_is_not_called_missing(docs_bot):
    send_file(docs_bot, "lisi", "数据平台项目-2026年13月-1.0版.docx", b"x")
    assert "缺少" not in wait_text(docs_bot, "lisi", "月份「13」不对")


def test_only_the_name_after_the_last_slash_counts(docs_bot):
    bot = docs_bot
    send_file(bot, "lisi", "..\\..\\evil项目-2026年11月-1.0版.docx", b"x")
    assert "#1「evil项目-2026年11月-1.0版.docx」" in wait_text(bot, "lisi", "已归档文件")
    send_file(bot, "lisi", "需求说明.docx", b"y")
    wait_text(bot, "lisi", "还不能归档")
    bot.say("lisi", "....evil项目-2026年11月-2.0版")  # a reply whose backslashes were lost on the way
    assert "#2「evil项目-2026年11月-2.0版.docx」" in wait_text(bot, "lisi", "已归档文件 #2")
    assert [d.filename for d in documents(bot)] == ["evil项目-2026年11月-1.0版.docx", "evil项目-2026年11月-2.0版.docx"]
