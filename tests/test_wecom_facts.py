"""What WeCom really does (issue 22, the smaller ones): a MsgId is unique per sender only
(WxJava#333); linked-corp members (``corpid/userid``) are never sent to through message/send;
a media refusal that can never succeed is said as such (WxJava#242, go-workwx#155); a token
failure while fetching a file gets a friendly answer, not the internal-error text
(chatgpt-on-wecom#9)."""
from __future__ import annotations

import logging

from sqlalchemy import select

from models import InboundCallback
from tests.chat import wait_text
from tests.documents.helpers import docs_bot, send_file, start_docs_bot, storage_dir  # noqa: F401  (fixtures)


def test_two_peoples_messages_with_the_same_msgid_are_both_answered(bot):
    bot.say("zhangsan", "我是谁", msg_id=5150001)
    bot.say("lisi", "我是谁", msg_id=5150001)  # another sender: another message
    assert "张三" in wait_text(bot, "zhangsan", "张三")
    assert "李四" in wait_text(bot, "lisi", "李四")
    bot.say("lisi", "我是谁", msg_id=5150001)  # WeCom's retry of 李四's: recognised
    with bot.session() as s:
        keys = s.scalars(select(InboundCallback.dedupe_key).where(InboundCallback.msg_type == "text")).all()
    assert sorted(keys) == ["msg:lisi:5150001", "msg:zhangsan:5150001"]


def test_a_linked_corp_member_is_answered_passively_and_never_through_message_send(bot):
    linked = "wx1234567890abcdef/zhaoxiaoer"
    bot.say(linked, "你好")
    assert "不在本部门的组织架构" in wait_text(bot, linked, "不在本部门的组织架构")  # the passive answer
    bot.say(linked, "在吗")  # once a day, like any stranger
    sends = bot.fake.state.calls_to("message/send")
    assert not [c for c in sends if linked in c["json"]["touser"]]
    assert [m.get("passive") for m in bot.received(linked)] == [True]


def test_an_empty_file_the_upload_refuses_is_said_to_be_hopeless_not_try_again(docs_bot):
    send_file(docs_bot, "wangzong", "数据平台项目-2026年11月-1.0版.docx", b"")
    wait_text(docs_bot, "wangzong", "已归档文件 #1")
    docs_bot.say("wangzong", "发送文件 1")
    refused = wait_text(docs_bot, "wangzong", "企业微信拒收文件 #1")
    assert "文件内容为空" in refused and "再试也不会成功" in refused and "请稍后再试" not in refused


def test_a_token_failure_while_fetching_a_file_gets_the_friendly_answer(docs_bot, caplog):
    caplog.set_level(logging.WARNING)
    docs_bot.fake.state.expire_tokens()
    docs_bot.fake.state.token_faults = ["busy", "busy"]  # gettoken answers -1
    send_file(docs_bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", b"draft")
    answer = wait_text(docs_bot, "zhangsan", "企业微信")
    assert answer.startswith("暂时没能从企业微信取回文件") and "出错了" not in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
