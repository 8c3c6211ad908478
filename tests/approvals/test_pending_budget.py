"""待我审批 within WeCom's limits (issue 16): at most three messages to the approver per command."""
from tests.approvals.helpers import submit
from tests.chat import cards, wait_card, wait_text
from tests.conftest import wait_until


def test_pending_for_me_resends_the_two_oldest_cards_and_lists_the_rest(bot):
    ids = [submit(bot, userid, f"采购 白板{n} 800元") for n, userid in enumerate(("zhangsan", "lisi", "wangwu"))]
    wait_card(bot, "wangzong", count=3)
    before = len(bot.received("wangzong"))
    bot.say("wangzong", "待我审批")
    listing = wait_text(bot, "wangzong", "件待审批")
    assert "你有 3 件待审批，最早的 2 件已重新发卡片" in listing
    assert all(f"#{i} " in listing for i in ids)
    wait_until(lambda: len(bot.received("wangzong")) >= before + 3)
    assert len(bot.received("wangzong")) == before + 3  # two cards and the list
    resent = cards(bot, "wangzong")[3:]
    assert [c["task_id"].split("_")[1] for c in resent] == [str(ids[0]), str(ids[1])]
