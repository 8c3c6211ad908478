"""Issue 29, the anonymous author (P20): the stored callback and the log line of an anonymous
suggestion keep no sender; a signed one keeps it. (What is not yet covered: docs/security.md.)"""
from __future__ import annotations

import logging

from sqlalchemy import select

from models import InboundCallback
from tests.chat import wait_text
from tests.voice.test_suggestions import idea_bot  # noqa: F401  (the fixture)


def test_an_anonymous_suggestion_leaves_no_sender_in_the_callbacks_or_the_log(idea_bot, caplog):
    bot = idea_bot
    caplog.set_level(logging.INFO, logger="bot.callback")
    bot.say("lisi", "匿名建议 周五少开会")
    wait_text(bot, "lisi", "已收到你的建议 #1")
    bot.say("zhangsan", "建议 增加培训")
    wait_text(bot, "zhangsan", "已收到你的建议 #2")
    with bot.session() as s:
        rows = {c.content: c for c in s.scalars(select(InboundCallback))}
    anonymous, signed = rows["匿名建议 周五少开会"], rows["建议 增加培训"]
    assert anonymous.userid == "-" and "lisi" not in str(anonymous.payload) and anonymous.handler
    assert signed.userid == "zhangsan"
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("callback type=text")]
    assert not any("user=lisi" in line for line in lines) and any("user=zhangsan" in line for line in lines)
