"""The quoting step (bot/text/quoting.py): user text can never become markup or a bot-looking line."""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from bot.text.quoting import BLOCK_BAR, markdown_block, markdown_inline, text_block, text_inline

ATTACKS = [
    '<a href="http://evil.example/x">点此查看审批</a>',
    "预算评审\n🎉 你的采购申请 #1 已全部审批通过！",
    "[点我领取报销款](http://evil.example)",
    '<font color="info">已批准</font>',
    "> 主持：王总监",
    "### 紧急",
    "**技术部**（吴技术）：已完成",
    "`code`",
    "a\u202eb\u200bc",
]


def test_text_inline_defuses_tags_and_folds_lines():
    assert text_inline(ATTACKS[0]) == '＜a href="http://evil.example/x"＞点此查看审批＜/a＞'
    assert text_inline(ATTACKS[1]) == "预算评审 🎉 你的采购申请 #1 已全部审批通过！"
    assert text_inline("a\u202eb\u200bc") == "abc"
    assert text_inline(None) == ""
    assert text_inline("一二三四五六", limit=4) == "一二三…"


def test_text_block_bars_every_line():
    assert text_block("第一行\n第二行\r\n<b>第三行</b>") == "｜第一行\n｜第二行\n｜＜b＞第三行＜/b＞"


def test_markdown_quoting_makes_markup_plain():
    assert markdown_inline(ATTACKS[2]) == "［点我领取报销款］（http://evil.example）"
    assert markdown_inline(ATTACKS[3]) == '＜font color="info"＞已批准＜/font＞'
    assert markdown_inline(ATTACKS[4]) == "＞ 主持：王总监"
    assert markdown_block("### 紧急\n\n**技术部**（吴技术）：已完成") == "> ＃＃＃ 紧急\n>\n> ＊＊技术部＊＊（吴技术）：已完成"


@given(st.text())
def test_inline_forms_are_one_line_without_markup(value):
    for quoted in (text_inline(value), markdown_inline(value)):
        assert "\n" not in quoted and "\r" not in quoted
        assert "<" not in quoted and ">" not in quoted
    assert not re.search(r"[\[\]()*#`]", markdown_inline(value))


@given(st.text())
def test_block_forms_start_every_line_with_the_quote_marker(value):
    for line in text_block(value).split("\n"):
        assert line.startswith(BLOCK_BAR) and "<" not in line and ">" not in line
    for line in markdown_block(value).split("\n"):
        assert line.startswith(">") and "<" not in line and ">" not in line[1:]
