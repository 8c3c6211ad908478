"""Issue 29, floods: forty identical leak reports in a row are one incident — the director and
compliance are alerted once and 「事件 1」 shows the count; what one member can make the bot send
to other people has a budget (``policy.sender_budget_per_minute`` / ``_per_day``), past which the
member is told plainly and nothing goes out; the flood does not hold back anyone else's messages
to the same person."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import Incident, InboundCallback, OutboxMessage, SenderAction
from tests.approvals.helpers import submit
from tests.chat import wait_card, wait_text
from tests.compliance.test_leaks import REPORT, clock, leak_bot  # noqa: F401  (the fixtures)
from tests.conftest import wait_until

ALERT = "🚨【数据泄露报告】"


def alerts(bot, userid: str) -> list[str]:
    return [t for t in queued(bot, userid) if t.startswith(ALERT)]


def queued(bot, userid: str) -> list[str]:
    """Every text the bot wrote to ``userid`` (sent, or still waiting for WeCom's per-person limit:
    the sender's own forty answers take more than WeCom's 30 a minute)."""
    with bot.session() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.payload.get("text") or {}).get("content") or r.payload.get("msgtype") for r in rows
                if userid in r.recipients.split("|")]


def stored(bot, userid: str) -> int:
    with bot.session() as s:
        return s.scalar(select(func.count(InboundCallback.id)).where(InboundCallback.userid == userid))


def test_forty_identical_reports_are_one_incident_alerted_once_with_the_count(leak_bot):
    bot = leak_bot
    for _ in range(40):
        bot.say("zhangsan", REPORT)
    wait_until(lambda: stored(bot, "zhangsan") == 40, timeout=30, message="40 callbacks")
    with bot.session() as s:
        assert s.scalar(select(func.count(Incident.id))) == 1
    for responder in ("wangzong", "zhengfawu"):
        assert len(alerts(bot, responder)) == 1
        assert queued(bot, responder) == [alerts(bot, responder)[0], "template_card"]  # alert and 「收到」 card only
    answers = [t for t in queued(bot, "zhangsan") if "已算作同一事件" in t]
    assert len(answers) == 39 and "共报告 40 次" in answers[-1]
    bot.say("wangzong", "事件 1")
    assert "同一报告共 40 次" in wait_text(bot, "wangzong", "数据泄露事件 #1 ·")
    bot.clock.advance(minutes=11)  # later, the same words are a new report
    bot.say("zhangsan", REPORT)
    wait_until(lambda: any("已登记数据泄露事件 #2" in t for t in queued(bot, "zhangsan")), message="incident 2")


def test_past_the_budget_nothing_goes_out_and_the_sender_is_told(leak_bot):
    bot = leak_bot
    for n in range(1, 9):  # eight different reports in one minute: six go out (the default budget)
        bot.say("lisi", f"报告数据泄露 第{n}份客户名单发到了外部群")
    wait_until(lambda: stored(bot, "lisi") == 8, timeout=15, message="8 callbacks")
    refused = [t for t in queued(bot, "lisi") if t.startswith("这条消息没有执行")]
    assert len(refused) == 2
    assert "1 分钟内你已经让我给别人发了 6 次消息" in refused[0] and "请 1 分钟后再发一次" in refused[0]
    assert "｜报告数据泄露 第7份客户名单发到了外部群" in refused[0]  # what they sent is not lost
    with bot.session() as s:
        assert s.scalar(select(func.count(Incident.id))) == 6
        statuses = [c.status for c in s.scalars(select(InboundCallback).where(InboundCallback.userid == "lisi")
                                                .order_by(InboundCallback.id))]
        assert statuses[-2:] == ["over_budget", "over_budget"]
        assert "lisi" not in {a.sender_key for a in s.scalars(select(SenderAction))}  # a keyed hash, never the userid
    assert len(alerts(bot, "wangzong")) == 6
    bot.clock.advance(minutes=1, seconds=1)
    bot.say("lisi", "报告数据泄露 第9份客户名单发到了外部群")  # a minute later: room again
    wait_until(lambda: len([t for t in queued(bot, "lisi") if "已登记数据泄露事件 #" in t]) == 7, message="7th")


def test_a_flood_of_urgent_reports_holds_back_nobody_elses_message_to_the_director(leak_bot):
    bot = leak_bot
    for n in range(1, 11):  # ten different urgent reports: the budget stops all but six
        bot.say("zhangsan", f"报告数据泄露 名单第{n}批")
    wait_until(lambda: stored(bot, "zhangsan") == 10, timeout=30, message="10 callbacks")
    assert len([t for t in queued(bot, "zhangsan") if t.startswith("这条消息没有执行")]) == 4
    request = submit(bot, "lisi", "采购 显示器 3000元 设计用")
    card = wait_card(bot, "wangzong", "appr_")
    assert str(request) in str(card)
    with bot.session() as s:  # nothing to the director waits for WeCom's per-person limit
        assert not s.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "wangzong",
                                                         OutboxMessage.status != "sent")).all()
    assert len(alerts(bot, "wangzong")) == 6
