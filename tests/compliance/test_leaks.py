"""Data-leak incidents end to end (P15, P17): the urgent alert first, the follow-up questions,
visibility, 结案, the daily reminder and the escalation, the 「收到」 button."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import AuditEntry, Incident, OutboxMessage
from scheduler import run_job
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import FixedClock

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
REPORT = "报告数据泄露 客户名单被误发到外部微信群"


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def leak_bot(start_bot, clock):
    bot = start_bot(clock=clock)
    bot.clock = clock
    return bot


def run(bot, job_id, at):
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def incident(bot, number=1) -> Incident:
    with bot.session() as s:
        return s.get(Incident, number)


def report(bot, userid="zhangsan", text=REPORT) -> str:
    bot.say(userid, text)
    return wait_text(bot, userid, "已登记数据泄露事件")


def test_a_leak_reaches_the_director_and_compliance_first_with_phone_numbers(leak_bot):
    bot = leak_bot
    reply = report(bot)
    assert "事件 #1" in reply and "王总监 13800000001" in reply and "郑法务 13800000051" in reply
    assert "泄露的是哪些数据" in reply
    alert = wait_text(bot, "wangzong", "【数据泄露报告】")
    assert "张三（创新服务部·项目协调组，电话 13800000011）" in alert
    assert "｜客户名单被误发到外部微信群" in alert and "郑法务 13800000051" in alert
    assert "｜客户名单被误发到外部微信群" in wait_text(bot, "zhengfawu", "【数据泄露报告】")
    assert cards(bot, "wangzong", "ack_incident_1_") and cards(bot, "zhengfawu", "ack_incident_1_")
    # P15 "at once": the alerts were written in the reporter's transaction and delivered before the reply.
    sends = bot.fake.state.calls_to("message/send")
    order = [c["json"]["touser"] + ":" + c["json"]["msgtype"] for c in sends]
    reply_at = next(i for i, c in enumerate(sends) if c["json"]["touser"] == "zhangsan")
    assert {"wangzong:text", "zhengfawu:text"} <= set(order[:reply_at])
    assert sends[reply_at]["at"] - sends[0]["at"] < 1.0
    with bot.session() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {r.origin for r in rows} == {"incident.report"}
        assert [r.priority for r in rows if r.recipients == "zhangsan"] == [0]
        assert all(r.priority > 0 for r in rows if r.recipients != "zhangsan")


def test_the_follow_up_questions_are_stored_and_forwarded(leak_bot):
    bot = leak_bot
    report(bot)
    bot.say("zhangsan", "客户姓名和手机号")
    assert "多少人" in wait_text(bot, "zhangsan", "多少人")
    bot.say("zhangsan", "约200人")
    wait_text(bot, "zhangsan", "仍然暴露")
    bot.say("zhangsan", "否")
    thanks = wait_text(bot, "zhangsan", "谢谢，已补充到事件 #1")
    assert "王总监、郑法务" in thanks
    forwarded = wait_text(bot, "zhengfawu", "补充信息")
    assert "数据：客户姓名和手机号 · 人数：约200人 · 仍在暴露：否" in forwarded
    row = incident(bot)
    assert (row.data_kind, row.affected, row.still_exposed) == ("客户姓名和手机号", "约200人", "否")


def test_a_count_in_the_report_is_not_asked_again_and_cancel_passes_on_what_was_said(leak_bot):
    bot = leak_bot
    report(bot, text="报告数据泄露 导出的会员表（约3000位会员）发到了公开网盘")
    bot.say("zhangsan", "会员手机号")
    assert "仍然暴露" in wait_text(bot, "zhangsan", "仍然暴露")  # the count was in the report
    bot.say("zhangsan", "取消")
    wait_text(bot, "zhangsan", "不再追问")
    assert "数据：会员手机号 · 人数：约3000位会员 · 仍在暴露：（未补充）" in wait_text(bot, "wangzong", "补充信息")


def test_a_leak_report_interrupts_another_conversation(leak_bot):
    bot = leak_bot
    bot.say("zhangsan", "采购申请")  # the bot asks what to buy
    bot.wait_messages("zhangsan", 1)
    report(bot)
    assert incident(bot).description == "客户名单被误发到外部微信群"


def test_empty_report_changes_nothing_and_strangers_are_refused(leak_bot):
    bot = leak_bot
    bot.say("zhangsan", "报告数据泄露")
    assert "报告数据泄露 客户名单" in wait_text(bot, "zhangsan", "请在「报告数据泄露」后面写上")
    bot.say("outsider", "报告数据泄露 有人泄露了数据")
    wait_text(bot, "outsider", "不在本部门的组织架构里")
    assert incident(bot) is None
    assert texts(bot, "wangzong") == []


def test_visibility_close_and_the_audit_log(leak_bot):
    bot = leak_bot
    report(bot)
    bot.say("lisi", "事件 1")
    wait_text(bot, "lisi", "没有你能查看的编号 1 的事件")  # as for a number that does not exist
    bot.say("lisi", "事件列表")
    wait_text(bot, "lisi", "目前没有你能查看的数据泄露事件")
    bot.say("zhangsan", "取消")  # leave the follow-up questions first
    wait_text(bot, "zhangsan", "不再追问")
    bot.say("zhangsan", "事件 1")
    assert "｜客户名单被误发到外部微信群" in wait_text(bot, "zhangsan", "数据泄露事件 #1 · 处理中")
    bot.say("wangzong", "结案 1 已处理")
    assert "只有合规人员（郑法务）可以结案" in wait_text(bot, "wangzong", "只有合规人员")
    bot.say("zhengfawu", "结案 1")
    wait_text(bot, "zhengfawu", "请写上结论")
    bot.say("zhengfawu", "结案 1 已撤回文件，经核实未扩散")
    assert "已通知 张三、王总监" in wait_text(bot, "zhengfawu", "已结案数据泄露事件 #1")
    assert "已撤回文件" in wait_text(bot, "zhangsan", "已由 郑法务 结案")
    bot.say("zhengfawu", "结案 1 再来一次")
    wait_text(bot, "zhengfawu", "无需再次结案")
    bot.say("wangzong", "事件列表")
    assert "#1 已结案" in wait_text(bot, "wangzong", "数据泄露事件（处理中 0 件）")
    with bot.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.record_type == "incident")
                                 .order_by(AuditEntry.id)))
    assert actions == ["reported", "closed"]
    assert incident(bot).status == "closed" and incident(bot).conclusion == "已撤回文件，经核实未扩散"


def test_open_incidents_are_reminded_daily_and_escalated_after_silence(leak_bot):
    bot = leak_bot
    report(bot)
    run(bot, "incident_reminder", START + timedelta(hours=23))
    assert "#1 张三" in wait_text(bot, "zhengfawu", "件数据泄露事件未结案")
    assert run(bot, "incident_reminder", START + timedelta(hours=23, minutes=30)) == []  # same day: once
    assert run(bot, "incident_escalation", START + timedelta(hours=23)) == []  # not 24 h yet
    [escalation] = run(bot, "incident_escalation", START + timedelta(hours=24, minutes=40))
    assert "已 24 小时没有新进展" in wait_text(bot, "wangzong", "没有新进展")
    assert run(bot, "incident_escalation", START + timedelta(hours=25, minutes=40)) == []
    bot.clock.current = START + timedelta(hours=26)
    bot.say("zhengfawu", "事件进展 1 已联系受影响客户")
    assert "已联系受影响客户" in wait_text(bot, "zhangsan", "有新进展")
    assert run(bot, "incident_escalation", START + timedelta(hours=40)) == []  # the update restarted the clock
    assert len(run(bot, "incident_escalation", START + timedelta(hours=50))) == 1
    assert len(run(bot, "incident_reminder", START + timedelta(days=1, hours=23))) == 1  # next day again
    bot.clock.current = START + timedelta(days=2)
    bot.say("zhengfawu", "结案 1 已处理完毕")
    wait_text(bot, "zhengfawu", "已结案")
    assert run(bot, "incident_reminder", START + timedelta(days=2, hours=23)) == []


def test_the_reporter_learns_who_has_not_acknowledged(leak_bot):
    bot = leak_bot
    report(bot)
    card = wait_card(bot, "wangzong", "ack_incident_1_")
    tap(bot, "wangzong", card, "收到")
    wait_text(bot, "wangzong", "已确认收到数据泄露事件 #1")
    assert run(bot, "urgent_ack_check", START + timedelta(minutes=5)) == []  # too early
    run(bot, "urgent_ack_check", START + timedelta(minutes=10, seconds=30))
    pending = wait_text(bot, "zhangsan", "没点「收到」")
    assert "郑法务：13800000051" in pending and "王总监" not in pending
    assert run(bot, "urgent_ack_check", START + timedelta(minutes=11)) == []
    tap(bot, "zhangsan", card, "收到")  # not addressed to the reporter
    wait_text(bot, "zhangsan", "不是发给你的")


def test_a_command_during_the_follow_up_repeats_only_the_open_question(leak_bot):
    # The conversation rule's reminder quotes the question, not the whole alert with its phone numbers.
    bot = leak_bot
    report(bot)
    bot.say("zhangsan", "我是谁")
    note = wait_text(bot, "zhangsan", "还在等你回复")
    assert "泄露的是哪些数据？" in note and "13800000001" not in note and "已登记数据泄露事件" not in note


def test_an_incident_closed_before_the_check_asks_nobody_to_phone(leak_bot):
    bot = leak_bot
    report(bot)
    bot.clock.current = START + timedelta(minutes=5)
    bot.say("zhengfawu", "结案 1 误报，文件未外发")
    wait_text(bot, "zhengfawu", "已结案")
    assert run(bot, "urgent_ack_check", START + timedelta(minutes=10, seconds=30)) == []


def test_nobody_is_asked_to_phone_themselves(leak_bot):
    # issue 21: the director reading an incident he has not acknowledged was told to phone himself
    bot = leak_bot
    report(bot)
    bot.say("wangzong", "事件 1")
    shown = wait_text(bot, "wangzong", "数据泄露事件 #1 · 处理中")
    assert "你自己还没确认" in shown and "· 王总监：" not in shown
    assert "未确认（请电话联系）：" in shown  # the others still to be called are listed with their phones
    bot.say("zhangsan", "取消")
    wait_text(bot, "zhangsan", "不再追问")
    bot.say("zhangsan", "事件 1")  # the reporter, who is not asked to acknowledge, sees everyone to call
    reporter_sees = wait_text(bot, "zhangsan", "数据泄露事件 #1 · 处理中")
    assert "· 王总监：" in reporter_sees and "你自己还没确认" not in reporter_sees
