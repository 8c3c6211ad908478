"""The callback endpoint: WeCom's published crypto sample, forged and malformed callbacks
refused with nothing stored or sent, and retries processed once — even after a restart."""
import dataclasses
import time

import requests
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.emulator.callbacks import CallbackSender
from models import InboundCallback, OutboxMessage
from tests.conftest import wait_until

# WeCom's published sample (see shared/WECOM.md)
SAMPLE = dict(token="QDG6eK", encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
              corp_id="wx5823bf96d3bd56c7")
SAMPLE_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
SAMPLE_POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3"
    "TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gs"
    "ijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUa"
    "x5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHB"
    "ZZIs2pDBS8R07+qN+E7Q==")


def _sample_bot(start_bot, **wecom):
    bot = start_bot(wecom=dict(token=SAMPLE["token"], encoding_aes_key=SAMPLE["encoding_aes_key"],
                               corp_id=SAMPLE["corp_id"], **wecom))
    bot.fake.state.corp_id = SAMPLE["corp_id"]  # the fake WeCom hands tokens to this corp
    return bot


def _counts(bot):
    with bot.session() as s:
        return (s.scalar(select(func.count()).select_from(InboundCallback)),
                s.scalar(select(func.count()).select_from(OutboxMessage)))


def test_url_verification_with_wecoms_published_sample(start_bot):
    bot = _sample_bot(start_bot)
    # Sent with a raw '+' in the query string, as a careless proxy might: Flask reads it as a space.
    query = ("msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780"
             f"&echostr={SAMPLE_ECHOSTR}")
    response = requests.get(f"{bot.callback_url}?{query}", timeout=5)
    assert response.status_code == 200
    assert response.text == "1616140317555161061"
    # and percent-encoded, as WeCom sends it
    response = requests.get(bot.callback_url, params={"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
                                                      "timestamp": "1409659589", "nonce": "263014780",
                                                      "echostr": SAMPLE_ECHOSTR}, timeout=5)
    assert response.text == "1616140317555161061"


def test_url_verification_with_a_wrong_signature_is_forbidden(start_bot):
    bot = _sample_bot(start_bot)
    response = requests.get(bot.callback_url, params={"msg_signature": "0" * 40, "timestamp": "1409659589",
                                                      "nonce": "263014780", "echostr": SAMPLE_ECHOSTR}, timeout=5)
    assert response.status_code == 403
    assert "1616140317555161061" not in response.text


SAMPLE_BODY = (f"<xml><ToUserName><![CDATA[{SAMPLE['corp_id']}]]></ToUserName>"
               f"<Encrypt><![CDATA[{SAMPLE_POST_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>")
SAMPLE_PARAMS = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6", "timestamp": "1409659813",
                 "nonce": "1372623149"}


def test_published_sample_message_is_decrypted_and_answered(start_bot):
    # The sample is from 2014 and for agent 218: the age limit is off and the agent is 218 here.
    bot = _sample_bot(start_bot, agent_id=218, max_callback_age_hours=0)
    bot.fake.state.agent_id = 218  # the fake WeCom sends for this agent
    response = requests.post(bot.callback_url, params=SAMPLE_PARAMS, data=SAMPLE_BODY.encode(), timeout=5)
    assert response.status_code == 200
    with bot.session() as s:
        row = s.scalars(select(InboundCallback)).one()
    assert (row.userid, row.msg_type, row.content) == ("mycreate", "text", "hello")
    assert row.dedupe_key == "msg:mycreate:4561255354251345929"
    # mycreate is not in the org: the bot answers with the friendly refusal (once a day, through the
    # ledger and the outbox, so it is not a passive reply).
    assert "不在本部门的组织架构" in bot.last_text("mycreate")


def test_the_published_sample_is_stale_today_and_another_agents_with_the_limit_off(start_bot):
    bot = _sample_bot(start_bot)  # the default limit: 24 hours
    response = requests.post(bot.callback_url, params=SAMPLE_PARAMS, data=SAMPLE_BODY.encode(), timeout=5)
    assert response.status_code == 400 and response.text == "stale callback"
    other = _sample_bot(start_bot, max_callback_age_hours=0)  # our agent is 1000002, the sample's 218
    response = requests.post(other.callback_url, params=SAMPLE_PARAMS, data=SAMPLE_BODY.encode(), timeout=5)
    assert response.status_code == 200 and response.content == b""
    with other.session() as s:
        assert [(r.status, r.dedupe_key) for r in s.scalars(select(InboundCallback))] == \
            [("stale", "msg:mycreate:4561255354251345929")]  # stored by the first bot; the same database
    time.sleep(0.3)
    assert other.received("mycreate") == []


def test_forged_signature_is_refused_and_nothing_is_stored_or_sent(bot):
    params, body = bot.wecom.envelope(bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"}))
    params["msg_signature"] = "f" * 40
    response = requests.post(bot.callback_url, params=params, data=body, timeout=5)
    assert response.status_code == 403
    time.sleep(0.3)
    assert _counts(bot) == (0, 0)
    assert bot.fake.state.calls_to("message/send") == []


def test_wrong_corp_id_is_refused(bot):
    other = CallbackSender(dataclasses.replace(bot.settings.wecom, corp_id="wwsomeoneelse"), bot.callback_url)
    response = other.text("zhangsan", "帮助")
    assert response.status_code == 403
    assert _counts(bot) == (0, 0)


def test_garbage_and_malformed_bodies_are_refused(bot):
    params, _ = bot.wecom.envelope(bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"}))
    for body in (b"not xml at all", b"<xml><Encrypt>", b"<other><Encrypt>abc</Encrypt></other>", b"<xml></xml>"):
        response = requests.post(bot.callback_url, params=params, data=body, timeout=5)
        assert response.status_code == 400, body
    response = requests.post(bot.callback_url, data=b"<xml><Encrypt>x</Encrypt></xml>", timeout=5)
    assert response.status_code == 400  # no signature parameters at all
    assert _counts(bot) == (0, 0)


def test_signed_but_undecryptable_body_is_refused(bot):
    crypto = WeChatCrypto(bot.settings.wecom.token, bot.settings.wecom.encoding_aes_key, bot.settings.wecom.corp_id)
    from wechatpy.crypto import _get_signature
    encrypt = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"  # base64 of plain text, not AES output
    params = {"timestamp": "1700000000", "nonce": "abc"}
    params["msg_signature"] = _get_signature(crypto.token, params["timestamp"], params["nonce"], encrypt)
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    response = requests.post(bot.callback_url, params=params, data=body, timeout=5)
    assert response.status_code == 400
    assert _counts(bot) == (0, 0)


def test_entity_expansion_is_refused(bot):
    params, _ = bot.wecom.envelope(bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"}))
    bomb = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            b"<xml><Encrypt>&c;</Encrypt></xml>")
    response = requests.post(bot.callback_url, params=params, data=bomb, timeout=5)
    assert response.status_code == 400
    assert _counts(bot) == (0, 0)


def test_entity_inside_the_encrypted_message_is_refused(bot):
    inner = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "boom">]><xml><ToUserName>x</ToUserName>'
             "<FromUserName>zhangsan</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
             "<Content>&a;</Content><MsgId>1</MsgId></xml>")
    response = bot.wecom.post(inner)
    assert response.status_code == 400
    assert _counts(bot) == (1, 0)  # signed, so stored as rejected (issue 9); nothing sent
    with bot.session() as s:
        row = s.scalars(select(InboundCallback)).one()
    assert (row.status, row.msg_type, row.userid) == ("rejected", "invalid", "zhangsan")
    assert "boom" not in str(row.payload.get("reason"))


def test_oversized_body_is_refused(bot):
    params, _ = bot.wecom.envelope(bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"}))
    body = b"<xml><Encrypt>" + b"A" * (1024 * 1024 + 10) + b"</Encrypt></xml>"
    response = requests.post(bot.callback_url, params=params, data=body, timeout=10)
    assert response.status_code == 413
    assert _counts(bot) == (0, 0)


def test_the_same_callback_three_times_has_one_effect(bot):
    inner = bot.wecom.inner_xml("zhangsan", "text", {"Content": "我是谁"}, msg_id=777000111)
    answers = []
    for _ in range(3):
        response = bot.wecom.post(inner)
        assert response.status_code == 200
        answers.append(bot.wecom.reply_fields(response)["Content"])
    assert len(set(answers)) == 1 and "张三" in answers[0]  # a retry gets the same (passive) answer
    time.sleep(0.5)
    assert len(bot.received("zhangsan")) == 1
    assert _counts(bot) == (1, 0)  # nothing went through the outbox


def test_the_same_card_tap_event_twice_has_one_effect_but_distinct_taps_both_count(bot):
    now = int(time.time())
    first = bot.wecom.inner_xml("lisi", "event", {"Event": "click", "EventKey": "whoami"}, create_time=now)
    other_key = bot.wecom.inner_xml("lisi", "event", {"Event": "click", "EventKey": "help"}, create_time=now)
    for inner in (first, first, other_key):
        assert bot.wecom.post(inner).status_code == 200
    bot.wait_messages("lisi", 2)
    time.sleep(0.3)
    assert len(bot.received("lisi")) == 2


def test_a_retry_after_a_restart_has_no_second_effect(start_bot):
    first = start_bot()
    inner = first.wecom.inner_xml("wangwu", "text", {"Content": "我是谁"}, msg_id=424242)
    assert first.wecom.post(inner).status_code == 200
    first.wait_messages("wangwu", 1)
    first.stop()
    second = start_bot()  # same database, new process state
    assert second.wecom.post(inner).status_code == 200
    time.sleep(0.5)
    assert len(second.received("wangwu")) == 1
    with second.session() as s:
        assert s.scalar(select(func.count()).select_from(InboundCallback)) == 1


def test_every_callback_is_logged_in_one_line_without_secrets(bot, caplog):
    caplog.set_level("INFO")
    bot.say("zhangsan", "我是谁")
    bot.wait_messages("zhangsan")
    bot.say("lizuzhang", "周报 汇总")  # a markdown answer: through the outbox
    wait_until(lambda: any("outbox sent" in r.getMessage() for r in caplog.records), message="send logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.callback"]
    assert any("type=text user=zhangsan handler=whoami status=done ms=" in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in bot.settings.secrets():
        assert secret not in everything
    assert "access_token=" not in everything
