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


def card_state(bot, userid: str, card: dict) -> dict | None:
    """What the fake WeCom shows on ``card`` for ``userid`` after updates (None: live buttons)."""
    return next((m["card_state"] for m in bot.received(userid)
                 if (m.get("card") or {}).get("task_id") == card["task_id"]), None)


def delivered(bot, timeout: float = 5.0) -> None:
    """Wait until everything queued so far is delivered (so a card's response_code is stored)."""
    from sqlalchemy import func, select

    from models import OutboxMessage

    def done():
        with bot.session() as s:
            return not s.scalar(select(func.count(OutboxMessage.id))
                                .where(OutboxMessage.status.in_(("pending", "sending"))))
    wait_until(done, timeout, message="the outbox delivered")
