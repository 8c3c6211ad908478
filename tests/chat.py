"""Reading a conversation in tests: what the bot said to someone, waiting for it, tapping cards."""
from __future__ import annotations

from tests.conftest import wait_until


def texts(bot, userid: str) -> list[str]:
    return [m.get("text") or m.get("markdown") or "" for m in bot.received(userid) if not m.get("card")]


def wait_text(bot, userid: str, contains: str, timeout: float = 5.0) -> str:
    """The first text to ``userid`` containing ``contains`` (waits for it)."""
    return wait_until(lambda: next((t for t in texts(bot, userid) if contains in t), None), timeout,
                      message=f"a text to {userid} containing {contains!r}")


def cards(bot, userid: str, prefix: str = "appr_") -> list[dict]:
    return [m["card"] for m in bot.received(userid) if m.get("card") and m["card"].get("task_id", "").startswith(prefix)]


def wait_card(bot, userid: str, prefix: str = "appr_", count: int = 1) -> dict:
    """The ``count``-th card (task_id starting with ``prefix``) sent to ``userid``."""
    found = wait_until(lambda: len(c := cards(bot, userid, prefix)) >= count and c, message=f"card {count} to {userid}")
    return found[count - 1]


def tap(bot, userid: str, card: dict, button: str, **kw):
    """Tap ``button`` (its text) on ``card`` as ``userid``, with a fresh ResponseCode as WeCom gives."""
    key = next(b["key"] for b in card["button_list"] if b["text"] == button)
    code = bot.fake.state.issue_response_code(userid, card["task_id"])
    response = bot.wecom.card_tap(userid, card["task_id"], key, code, **kw)
    assert response.status_code == 200, response.text
    return response
