"""Cards never offer a button that no longer works (P3): every copy of a decided step's card —
the first and those 待我审批 re-sent — shows the outcome; so do summaries settled by typing and
cards of withdrawn requests; a copy that can no longer be updated gets a short text instead."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sqlalchemy import update

from bot.wecom.cards import button_card, fit
from models import OutboxMessage
from tests.approvals.helpers import field, submit
from tests.chat import card_state, delivered, tap, wait_card, wait_text
from tests.conftest import FixedClock, wait_until


def two_copies(bot, requester: str = "lisi", text: str = "采购 白板 800元") -> tuple[int, dict, dict]:
    """A request, and the director's two copies of its card (the second from 待我审批)."""
    request_id = submit(bot, requester, text)
    first = wait_card(bot, "wangzong")
    delivered(bot)
    bot.say("wangzong", "待我审批")
    second = wait_card(bot, "wangzong", count=2)
    delivered(bot)
    assert first["task_id"] != second["task_id"]
    return request_id, first, second


@pytest.mark.parametrize("how,outcome", [
    ("tap first 同意", "已同意"), ("tap second 同意", "已同意"), ("tap second 驳回", "已驳回"),
    ("type 同意", "已同意"), ("type 驳回", "已驳回"), ("withdraw", "已撤回"),
])
def test_every_copy_shows_the_outcome(bot, how, outcome):
    request_id, first, second = two_copies(bot)
    if how.startswith("tap"):
        _, which, button = how.split()
        tap(bot, "wangzong", first if which == "first" else second, button)
    elif how == "type 同意":
        bot.say("wangzong", f"同意 {request_id}")
    elif how == "type 驳回":
        bot.say("wangzong", f"驳回 {request_id} 不需要")
    else:
        bot.say("lisi", f"撤回 {request_id}")
    for copy in (first, second):
        assert wait_until(lambda: card_state(bot, "wangzong", copy)) == {"replace_name": outcome}


def test_a_stale_tap_names_the_step(bot):
    request_id, first, second = two_copies(bot)
    tap(bot, "wangzong", second, "同意")
    wait_card(bot, "liucaiwu")
    tap(bot, "wangzong", first, "驳回")
    assert f"#{request_id} 的初审已由 王总监 同意" in wait_text(bot, "wangzong", "没有生效")


def test_a_summary_settled_by_typing_shows_it(bot):
    bot.say("zhaoliu", "采购 显示器 3500元")
    summary = wait_card(bot, "zhaoliu", "apprq_")
    delivered(bot)
    bot.say("zhaoliu", "提交")
    wait_text(bot, "zhaoliu", "已提交采购申请")
    assert wait_until(lambda: card_state(bot, "zhaoliu", summary)) == {"replace_name": "已提交"}


def sent_hours_ago(bot, hours: float) -> None:
    """Make every delivered row look sent ``hours`` ago on the real clock (WeCom's, and sent_at's)."""
    with bot.session() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))
                  .values(sent_at=datetime.now(timezone.utc) - timedelta(hours=hours)))
        s.commit()


def test_a_copy_whose_code_expired_gets_a_short_text(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    card = wait_card(bot, "wangzong")
    delivered(bot)
    sent_hours_ago(bot, 73)  # WeCom takes a send's response_code for 72 hours
    bot.say("lisi", f"撤回 {request_id}")
    assert f"已撤回采购申请 #{request_id}" in wait_text(bot, "wangzong", "无需再审批")
    assert card_state(bot, "wangzong", card) is None


def test_the_directors_own_summary_is_not_cut_mid_word(bot):
    bot.say("wangzong", "采购申请 会议平板 8万元 用于培训")
    summary = wait_card(bot, "wangzong", "apprq_")
    assert field(summary, "审批链") == "初审 陈总 → 复审 刘财务"  # the skipped step is on the full chain only


def test_card_texts_are_cut_with_an_ellipsis():
    assert fit("一" * 30, 30) == "一" * 30
    assert fit("一" * 31, 30) == "一" * 29 + "…"
    card = button_card("t_1", "标题" * 30, "说明" * 30, [("审批链", "初审 陈总 → 复审 刘财务 → 终审 陈总（已在前序步骤审批，跳过）")],
                       [("好", "k", "primary")])
    assert card["main_title"]["title"].endswith("…") and len(card["main_title"]["title"]) == 36
    assert card["horizontal_content_list"][0]["value"].endswith("…")


def test_cards_settle_while_the_demo_clock_is_days_ahead(start_bot):
    # The demo moves the handlers' clock; WeCom's 72 hours for a response_code run on the real one.
    bot = start_bot(clock=FixedClock(datetime.now(timezone.utc) + timedelta(days=5)))
    bot.say("zhaoliu", "采购 显示器 3500元")
    summary = wait_card(bot, "zhaoliu", "apprq_")
    delivered(bot)
    bot.say("zhaoliu", "提交")
    wait_text(bot, "zhaoliu", "已提交采购申请")
    assert wait_until(lambda: card_state(bot, "zhaoliu", summary)) == {"replace_name": "已提交"}
