"""Suggestions as people actually type them (P20): every anonymous marker hides the author from
the director; a number alone looks a suggestion up instead of filing one; a suggestion is answered
once, and changed only explicitly (改为), its author told each time."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import AuditEntry, OutboxMessage, Suggestion
from tests.chat import texts, wait_text
from tests.conftest import FixedClock

TZ = ZoneInfo("Asia/Shanghai")
# Every clear way of saying "anonymous" (the issue-14 review: 「建议（匿名）加班餐补」 named 赵六 to
# the director, 「匿名提建议 …」 was not understood); the glued one is taken as anonymous and said so.
ANONYMOUS_FORMS = [
    ("匿名建议 加班餐补", "加班餐补"),
    ("建议 匿名 年会别喝酒", "年会别喝酒"),
    ("建议（匿名）加班餐补", "加班餐补"),
    ("建议(匿名) 周五早点下班", "周五早点下班"),
    ("建议【匿名】茶水间换咖啡机", "茶水间换咖啡机"),
    ("建议 [匿名] 工位加绿植", "工位加绿植"),
    ("匿名提建议 年会别喝酒", "年会别喝酒"),
    ("提建议 匿名 例会短一点", "例会短一点"),
    ("提建议（匿名）培训多一点", "培训多一点"),
    ("建议：匿名：多开分享会", "多开分享会"),
    ("建议 匿名希望例会短一点", "希望例会短一点"),
]


@pytest.fixture
def idea_bot(start_bot):
    return start_bot(clock=FixedClock(datetime(2026, 11, 2, 10, 0, tzinfo=TZ)))


def test_every_anonymous_form_keeps_the_author_from_the_director(idea_bot):
    bot = idea_bot
    for number, (typed, content) in enumerate(ANONYMOUS_FORMS, start=1):
        bot.say("zhaoliu", typed)
        reply = wait_text(bot, "zhaoliu", f"已收到你的建议 #{number}，")
        assert "总监看不到你的名字" in reply, typed
        to_director = wait_text(bot, "wangzong", f"新建议 #{number}（")
        assert f"新建议 #{number}（匿名，P20）：\n｜{content}\n" in to_director, typed
        bot.runtime.clock.advance(seconds=11)  # within the sender's budget (issue 29): six a minute
    assert "已按匿名发送" in reply  # the glued 「匿名希望…」: the author is told plainly
    director_saw = "\n".join(texts(bot, "wangzong"))
    assert "赵六" not in director_saw and "zhaoliu" not in director_saw
    with bot.session() as s:
        assert all(x.anonymous for x in s.scalars(select(Suggestion)))
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "wangzong")).all()
        assert rows and not any("zhaoliu" in str(r.payload) or "赵六" in str(r.payload) for r in rows)
        assert not any("zhaoliu" in f"{e.actor}{e.detail}" for e in s.scalars(select(AuditEntry)))
    bot.say("zhaoliu", "建议 希望例会短一点")  # without a marker it is signed
    assert "（赵六，P20）" in wait_text(bot, "wangzong", f"新建议 #{len(ANONYMOUS_FORMS) + 1}")


def test_a_number_alone_looks_a_suggestion_up_and_files_nothing(idea_bot):
    bot = idea_bot
    bot.say("zhangsan", "建议 增加培训")
    wait_text(bot, "zhangsan", "已收到你的建议 #1")
    bot.say("lisi", "匿名建议 周五少开会")
    wait_text(bot, "lisi", "已收到你的建议 #2")
    bot.say("wangzong", "建议 1")
    shown = wait_text(bot, "wangzong", "建议 #1 · 待答复")
    assert "张三" in shown and "｜增加培训" in shown and "回复建议 1 采纳" in shown
    bot.say("wangzong", "建议 ＃２")
    shown = wait_text(bot, "wangzong", "建议 #2 · 待答复")
    assert "（匿名，" in shown and "李四" not in shown
    bot.say("zhangsan", "建议 #1")
    assert "｜增加培训" in wait_text(bot, "zhangsan", "建议 #1 · 待答复（你提的")
    bot.say("wangwu", "建议 1")
    refused = wait_text(bot, "wangwu", "没有你能查看的编号 1 的建议")  # as for a number that does not exist
    assert "不会当作新建议提交" in refused and "建议 周报模板" in refused and "建议列表" in refused
    bot.say("wangzong", "建议 3")
    wait_text(bot, "wangzong", "没有你能查看的编号 3 的建议")
    bot.say("wangzong", "建议 99999999999999999999")
    wait_text(bot, "wangzong", "没有你能查看的编号 99999999999999999999 的建议")
    with bot.session() as s:
        assert s.scalar(select(func.count()).select_from(Suggestion)) == 2
    assert not [t for t in texts(bot, "wangzong") if "新建议 #3" in t]


def test_a_suggestion_is_answered_once_and_changed_only_explicitly(idea_bot):
    bot = idea_bot
    bot.say("zhangsan", "建议 增加培训")
    wait_text(bot, "zhangsan", "已收到你的建议 #1")
    bot.say("wangzong", "回复建议 １ 采纳 好的")
    wait_text(bot, "wangzong", "已答复建议 #1：采纳")
    wait_text(bot, "zhangsan", "有了答复：采纳")
    bot.say("wangzong", "回复建议 #1 暂缓")
    refused = wait_text(bot, "wangzong", "这次没有再答复")
    assert "答复为「采纳」" in refused and "｜好的" in refused and "回复建议 1 改为 暂缓 说明" in refused
    with bot.session() as s:
        assert s.get(Suggestion, 1).status == "adopted"
    bot.say("wangzong", "回复建议 1 改为 暂缓 预算不够")
    wait_text(bot, "wangzong", "已把建议 #1 的答复由「采纳」改为「暂缓」")
    told = wait_text(bot, "zhangsan", "答复改了")
    assert "由「采纳」改为「暂缓」（王总监）" in told and "｜预算不够" in told
    assert len([t for t in texts(bot, "zhangsan") if t.startswith("💡 你的建议 #1")]) == 2
    bot.say("wangzong", "回复建议 1 改为 暂缓")
    wait_text(bot, "wangzong", "已经是「暂缓」，没有改动")
    bot.say("wangzong", "回复建议 99999999999 采纳")
    wait_text(bot, "wangzong", "没有编号为 99999999999 的建议")
    with bot.session() as s:
        assert s.get(Suggestion, 1).status == "deferred"
