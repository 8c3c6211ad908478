"""Urgent means acknowledged (P17): the 「收到」 card on an urgent notice, typed 收到, the sender's
list of who has not acknowledged (with phone numbers) after urgent_ack_minutes, 通知 <编号>."""
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import run_job
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import FixedClock

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 14, 0, tzinfo=TZ)
ANALYSTS = ["qianqi", "zhouba"]


@pytest.fixture
def notice_bot(start_bot):
    clock = FixedClock(START)
    bot = start_bot(clock=clock)
    bot.clock = clock
    return bot


def run(bot, at):
    ids = run_job(bot.runtime, "urgent_ack_check", at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def test_urgent_notice_recipients_acknowledge_and_the_sender_learns_who_has_not(notice_bot):
    bot = notice_bot
    bot.say("sunzuzhang", "紧急通知 @数据分析师组 数据库故障，请立即停止导入")
    assert "10 分钟后我会告诉你谁还没点「收到」" in wait_text(bot, "sunzuzhang", "请逐一电话确认")
    card = wait_card(bot, "qianqi", "ack_notice_1_")
    assert [b["text"] for b in card["button_list"]] == ["收到"]
    assert wait_card(bot, "zhouba", "ack_notice_1_")["task_id"] == card["task_id"]  # one send, both recipients
    tap(bot, "qianqi", card, "收到")
    assert "紧急通知 #1" in wait_text(bot, "qianqi", "已确认收到")
    tap(bot, "qianqi", card, "收到", create_time=int(time.time()) + 5)  # another tap, not a retry
    wait_text(bot, "qianqi", "你已经确认过")
    bot.say("zhouba", "通知 1")
    wait_text(bot, "zhouba", "只有通知 #1 的发布人和总监可以查看")
    bot.say("sunzuzhang", "通知 1")
    status = wait_text(bot, "sunzuzhang", "已确认 1/2 人")
    assert "✓ 钱七" in status and "周八：13800000016" in status and "｜数据库故障" in status
    assert run(bot, START + timedelta(minutes=9)) == []
    [row] = run(bot, START + timedelta(minutes=10))
    pending = wait_text(bot, "sunzuzhang", "⏰ 紧急通知 #1")
    assert "还有 1 人" in pending and "周八：13800000016" in pending and "钱七" not in pending
    assert run(bot, START + timedelta(minutes=20)) == []  # once per notice


def test_typed_received_acknowledges_and_everyone_acknowledging_is_reported(notice_bot):
    bot = notice_bot
    bot.say("sunzuzhang", "紧急通知 @数据分析师组 服务器重启")
    wait_text(bot, "sunzuzhang", "请逐一电话确认")
    for userid in ANALYSTS:
        bot.say(userid, "收到")
        assert "紧急通知 #1" in wait_text(bot, userid, "已确认收到")
    bot.say("qianqi", "收到")
    wait_text(bot, "qianqi", "目前没有需要你确认收到的紧急消息")
    run(bot, START + timedelta(minutes=11))
    assert "2 位收件人都已确认收到" in wait_text(bot, "sunzuzhang", "都已确认收到")


def test_plain_notices_have_no_button_and_their_status_says_so(notice_bot):
    bot = notice_bot
    bot.say("wangzong", "通知 周五例会")
    wait_text(bot, "wangzong", "✅ 通知 #1")
    assert cards(bot, "zhangsan", "ack_") == []
    bot.say("wangzong", "通知 1")
    assert "普通通知无需确认收到" in wait_text(bot, "wangzong", "已发给 9 人")
    bot.say("wangzong", "通知 7")
    wait_text(bot, "wangzong", "没有找到通知 #7")
    assert run(bot, START + timedelta(minutes=11)) == []
