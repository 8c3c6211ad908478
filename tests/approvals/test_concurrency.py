"""P3: two taps at the same moment record exactly one decision (SQLite and PostgreSQL)."""
import threading
import time

import pytest
from sqlalchemy import func, select

from models import AuditEntry
from tests.conftest import wait_until
from tests.chat import texts, wait_card
from tests.approvals.helpers import request_row, submit


def _tap_together(bot, userid, card, buttons):
    """Tap ``buttons`` on ``card`` from parallel threads (distinct events, as two real taps are)."""
    barrier = threading.Barrier(len(buttons))
    statuses = []

    def one(i, button):
        key = next(b["key"] for b in card["button_list"] if b["text"] == button)
        code = bot.fake.state.issue_response_code(userid, card["task_id"])
        barrier.wait()
        statuses.append(bot.wecom.card_tap(userid, card["task_id"], key, code,
                                           create_time=int(time.time()) + i).status_code)
    threads = [threading.Thread(target=one, args=(i, b)) for i, b in enumerate(buttons)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert statuses == [200] * len(buttons)


@pytest.mark.parametrize("buttons", [["同意", "同意"], ["同意", "驳回"]])
def test_two_taps_at_once_record_one_decision(bot, buttons):
    request_id = submit(bot, "zhangsan", "采购 服务器 8万元")
    card = wait_card(bot, "wangzong")
    _tap_together(bot, "wangzong", card, buttons)
    wait_until(lambda: any("没有生效" in t for t in texts(bot, "wangzong")), message="the loser is told")
    with bot.session() as s:
        decisions = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.record_id == str(request_id), AuditEntry.action.in_(["approved", "rejected"])))
    assert decisions == 1
    row = request_row(bot, request_id)
    assert [s.status for s in row.steps].count("waiting") + [s.status for s in row.steps].count("pending") == 2 \
        or row.status == "rejected"
    if row.status == "pending":  # approved first: exactly one card went on to finance
        wait_card(bot, "liucaiwu")
        bot.settle()
        assert len([m for m in bot.received("liucaiwu") if m.get("card")]) == 1
