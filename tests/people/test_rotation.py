"""Rotation (P2) end to end: the two-year rule with the first possible date, one open application
at a time, the three approvers' cards, the applicant told of every step, the director told what to
change in the org, a rejection with its reason, and simultaneous taps deciding once."""
from datetime import datetime

from sqlalchemy import func, select

from models import AuditEntry, RotationRequest
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import FixedClock, wait_until
from tests.people.helpers import TZ, tap_together

TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)


def _request(bot, request_id):
    with bot.session() as s:
        row = s.get(RotationRequest, request_id)
        row.steps
        return row


def test_inside_two_years_is_refused_with_the_first_possible_date(start_bot):
    bot = start_bot(clock=FixedClock(TODAY))
    bot.say("lisi", "申请轮岗 资源支持组 想做平台")  # demo: 李四 in 项目协调组 since 2025-09-01
    refused = wait_text(bot, "lisi", "按制度（P2）")
    assert "每 2 年可申请一次轮岗" in refused and "2025年9月1日（周一）起在项目协调组" in refused
    assert "最早可在 2027年9月1日（周三）申请" in refused and "这次没有提交" in refused
    with bot.session() as s:
        assert s.scalar(select(func.count()).select_from(RotationRequest)) == 0
    assert cards(bot, "lizuzhang", "rot_") == []


def test_outside_two_years_it_goes_through_three_approvers(start_bot):
    bot = start_bot(clock=FixedClock(TODAY))
    bot.say("zhangsan", "申请轮岗 资源支持 希望参与平台建设")  # demo: 张三 in 项目协调组 since 2023-03-01
    submitted = wait_text(bot, "zhangsan", "已提交轮岗申请")
    assert "项目协调组 → 资源支持组" in submitted
    assert "现组长 李组长 → 目标组长 赵组长 → 总监 王总监" in submitted
    bot.say("zhangsan", "申请轮岗 数据分析师组")
    assert "还在审批中" in wait_text(bot, "zhangsan", "还在审批中")  # one open application at a time
    first = wait_card(bot, "lizuzhang", "rot_")
    fields = {f["keyname"]: f["value"] for f in first["horizontal_content_list"]}
    assert fields["申请人"] == "张三" and fields["目标小组"] == "资源支持组" and fields["理由"] == "希望参与平台建设"
    tap(bot, "lizuzhang", first, "同意")
    assert "下一步：赵组长（目标组长）" in wait_text(bot, "zhangsan", "李组长（现组长）同意")
    second = wait_card(bot, "zhaozuzhang", "rot_")
    tap(bot, "lizuzhang", second, "同意")  # not his step
    assert "由 赵组长 审批，你的操作没有生效" in wait_text(bot, "lizuzhang", "没有生效")
    tap(bot, "zhaozuzhang", second, "同意")
    assert "下一步：王总监（总监）" in wait_text(bot, "zhangsan", "赵组长（目标组长）同意")
    third = wait_card(bot, "wangzong", "rot_")
    tap(bot, "wangzong", third, "同意")
    done = wait_text(bot, "zhangsan", "🎉")
    assert "已全部通过：项目协调组 → 资源支持组，2026年12月1日（周二）起生效" in done
    director = wait_text(bot, "wangzong", "轮岗已全部通过")
    assert 'group = "resources"' in director and 'group_since = "2026-12-01"' in director
    for leader in ("lizuzhang", "zhaozuzhang"):
        assert "项目协调组 → 资源支持组" in wait_text(bot, leader, "📣")
    row = _request(bot, 1)
    assert row.status == "approved" and str(row.effective_on) == "2026-12-01"
    assert [s.status for s in row.steps] == ["approved"] * 3
    # the approved rotation counts even before the org is updated: a new application is refused
    bot.say("zhangsan", "申请轮岗 数据分析师组")
    assert "最早可在 2028年12月1日" in wait_text(bot, "zhangsan", "每 2 年可申请一次轮岗")
    bot.say("zhangsan", "轮岗记录")
    assert "#1 张三：项目协调组 → 资源支持组" in wait_text(bot, "zhangsan", "轮岗申请记录")


def test_a_rejection_tells_the_applicant_with_the_reason(start_bot):
    bot = start_bot(clock=FixedClock(TODAY))
    bot.say("qianqi", "申请轮岗 项目协调组")
    wait_text(bot, "qianqi", "已提交轮岗申请")
    card = wait_card(bot, "sunzuzhang", "rot_")
    tap(bot, "sunzuzhang", card, "驳回")
    wait_text(bot, "sunzuzhang", "请回复驳回理由")
    bot.say("sunzuzhang", "项目 <b>收尾</b> 前需要你")
    rejected = wait_text(bot, "qianqi", "❌")
    assert "在现组长被 孙组长 驳回" in rejected and "理由：项目 ＜b＞收尾＜/b＞ 前需要你" in rejected
    assert cards(bot, "lizuzhang", "rot_") == []
    bot.say("qianqi", "申请轮岗 项目协调组")  # a closed application does not block a new one
    assert "已提交轮岗申请 #2" in wait_text(bot, "qianqi", "已提交轮岗申请 #2")


def test_simultaneous_taps_decide_once_and_wrong_input_changes_nothing(start_bot):
    bot = start_bot(clock=FixedClock(TODAY))
    bot.say("zhangsan", "申请轮岗")
    assert "可选小组：项目协调组、资源支持组、数据分析师组" in wait_text(bot, "zhangsan", "请写上想去的小组")
    bot.say("zhangsan", "申请轮岗 火星组")
    assert "没有找到小组「火星组」" in wait_text(bot, "zhangsan", "没有找到小组")
    bot.say("zhangsan", "申请轮岗 项目协调组")
    assert "你已经在项目协调组了" in wait_text(bot, "zhangsan", "你已经在")
    bot.say("lizuzhang", "申请轮岗 资源支持组")
    assert "轮岗由专员申请" in wait_text(bot, "lizuzhang", "轮岗由专员申请")
    bot.say("zhangsan", "申请轮岗 资源支持组")
    card = wait_card(bot, "lizuzhang", "rot_")
    tap_together(bot, "lizuzhang", card, ["同意", "同意", "驳回", "同意"])
    wait_until(lambda: sum("没有生效" in t for t in texts(bot, "lizuzhang")) == 3, message="three losers told")
    with bot.session() as s:
        decisions = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == "rotation", AuditEntry.action.in_(("approved", "rejected"))))
    assert decisions == 1
    if _request(bot, 1).status == "pending":  # approved first: exactly one card went on
        wait_card(bot, "zhaozuzhang", "rot_")
        assert len(cards(bot, "zhaozuzhang", "rot_")) == 1


def test_a_second_rejection_while_the_first_reason_is_asked_says_the_first_went_without_one(start_bot):
    # P2: as for purchases, the first rejection is passed on without a reason and the leader is told so.
    bot = start_bot(clock=FixedClock(TODAY))
    for applicant, leader in (("zhaoliu", "zhaozuzhang"), ("qianqi", "sunzuzhang")):
        bot.say(applicant, "申请轮岗 项目协调组")
        tap(bot, leader, wait_card(bot, leader, "rot_"), "同意")  # the current leader agrees…
    first = wait_card(bot, "lizuzhang", "rot_")  # …and the receiving leader has both
    second = wait_card(bot, "lizuzhang", "rot_", 2)
    tap(bot, "lizuzhang", first, "驳回")
    wait_text(bot, "lizuzhang", "请回复驳回理由")
    tap(bot, "lizuzhang", second, "驳回")
    assert "的驳回理由没有等到，已转告 赵六：理由未填写" in wait_text(bot, "lizuzhang", "驳回理由没有等到")
