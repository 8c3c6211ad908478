"""Markdown for readers in WeChat's 企业微信 plug-in (issue 22; hertzbeat#2791, PrometheusAlert#94):
the plug-in shows markdown as 「暂不支持此消息类型」. ``wecom.markdown = "auto"`` sends minutes,
周报 汇总 and the sync digest as text (the managers' digest stays markdown); "never" sends all
as text; "always" (the default) as written. As text, what a user typed keeps its quoting."""
from __future__ import annotations

from hypothesis import given, strategies as st

from bot.text.quoting import markdown_as_text, markdown_block, markdown_inline
from scheduler import run_job
from tests.chat import wait_text
from tests.conftest import FixedClock, wait_until
from tests.meetings.helpers import MONDAY, WEEKLY, end_meeting_and_submit
from tests.test_user_text import FORGED, MD_LINK

TYPED = ("纪要\n议题：" + MD_LINK + "\n讨论：<font color=\"info\">已批准</font>\n> 主持：王总监\n### 紧急\n"
         + FORGED + "\n决议：" + MD_LINK + " 负责人：张三")


def _bot(start_bot, mode: str):
    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, extra={"meetings": WEEKLY}, wecom={"markdown": mode})
    bot.clock = clock
    return bot


def _message(bot, userid: str, contains: str) -> dict:
    wait_text(bot, userid, contains)
    return next(m for m in bot.received(userid) if contains in (m.get("text") or m.get("markdown") or ""))


def _assert_plain(text: str) -> None:
    lines = text.splitlines()
    assert "](" not in text and "<font" not in text and "**" not in text and "<a" not in text, text
    assert not any(line.startswith(("#", ">", "🎉")) for line in lines), text


def test_with_auto_minutes_reach_attendees_as_text_and_the_managers_digest_stays_markdown(start_bot):
    bot = _bot(start_bot, "auto")
    end_meeting_and_submit(bot, TYPED)
    minutes = _message(bot, "zhaozuzhang", "会议纪要 #")
    assert minutes["msgtype"] == "text"
    _assert_plain(minutes["text"])
    assert "｜＞ 主持：王总监" in minutes["text"].splitlines()  # the typed line, barred, still a quote
    bot.say("lizuzhang", "周报 汇总")
    summary = _message(bot, "lizuzhang", "周报汇总")
    assert summary["msgtype"] == "text"
    assert run_job(bot.runtime, "manager_digest", MONDAY)
    # the director reads it on the WeCom app: markdown kept
    wait_until(lambda: [m for m in bot.received("wangzong") if m["msgtype"] == "markdown"], message="the digest")


def test_with_never_every_markdown_message_is_text(start_bot):
    bot = _bot(start_bot, "never")
    assert run_job(bot.runtime, "manager_digest", MONDAY)
    digest = _message(bot, "wangzong", "周")
    assert {m["msgtype"] for m in bot.received("wangzong")} == {"text"} and digest["text"]


def test_always_keeps_markdown_as_written(start_bot):
    bot = _bot(start_bot, "always")
    end_meeting_and_submit(bot, TYPED)
    assert _message(bot, "zhaozuzhang", "会议纪要 #")["msgtype"] == "markdown"


@given(st.text(max_size=200))
def test_quoted_user_text_stays_data_when_markdown_becomes_text(typed):
    message = "**标题**\n" + markdown_inline(typed) + "\n" + markdown_block(typed)
    text = markdown_as_text(message)
    assert "<" not in text and "[" not in text and "*" not in text.replace("＊", "")
    assert text.splitlines()[0] == "标题"
