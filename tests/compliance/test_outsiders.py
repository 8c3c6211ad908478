"""Outsiders are refused everywhere (P15, P17, P19, P20): someone not in the org is refused
(once a day, as for any message), nothing of the new features is stored and nobody else hears of it."""
from sqlalchemy import func, select

from models import Acknowledgement, InboundCallback, Incident, MediationCase, Suggestion
from tests.chat import texts, wait_until

COMMANDS = ["报告数据泄露 数据外泄", "事件 1", "事件列表", "事件进展 1 好了", "结案 1 好了", "收到", "通知 1",
            "申请调解 有分歧 对方 张三", "调解结果 1 已解决 好", "仲裁结果 1 好", "调解记录 1", "调解列表",
            "建议 多发奖金", "匿名建议 多发奖金", "回复建议 1 采纳", "建议列表"]


def test_someone_outside_the_org_is_refused_by_every_command(bot):
    for command in COMMANDS:
        bot.say("outsider", command)
    # A stranger is answered once a day, whatever they send: the first command got the refusal.
    wait_until(lambda: texts(bot, "outsider"), message="the refusal")
    with bot.session() as s:
        stored = s.scalar(select(func.count()).select_from(InboundCallback).where(InboundCallback.userid == "outsider"))
    assert stored == len(COMMANDS)  # every command was received (and stored) before these checks
    [refusal] = texts(bot, "outsider")
    assert "不在本部门的组织架构里" in refusal
    with bot.session() as s:
        for model in (Incident, MediationCase, Suggestion, Acknowledgement):
            assert s.scalar(select(func.count()).select_from(model)) == 0
    for insider in ("wangzong", "zhengfawu", "yangrenshi", "zhangsan"):
        assert bot.received(insider) == []
