"""Cards never offer a button that no longer works: every copy of a decision's card is kept,
and when the decision is made each copy shows the outcome.

A copy is updated with the ``response_code`` WeCom returned when it was sent (usable once, for
72 hours); the copy just tapped is updated with the tap's own ResponseCode (by the tap's
handler, see ``bot.wecom.cards.replace_button``). A copy that cannot be updated — not delivered yet,
its code expired or used — is settled by one short text to its holder instead.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from bot.wecom.cards import replace_button
from models import CardCopy, OutboxMessage

RESPONSE_CODE_HOURS = 72  # WeCom: a response_code works once, for 72 hours


def remember(ctx, ref: str, task_id: str, rows: list) -> None:
    """Keep the copies of a card just queued (``rows`` from ``ctx.send_card``) under ``ref``."""
    ctx.session.flush()  # the outbox rows need their ids
    for row in rows:
        for userid in row.recipients.split("|"):
            ctx.session.add(CardCopy(ref=ref, userid=userid, task_id=task_id, outbox_id=row.id, created_at=ctx.now))


def with_fresh_task_id(payload: dict) -> tuple[dict, str | None]:
    """``payload`` for another send of the same card: an interactive card gets a new task_id (WeCom
    takes each task_id once, doc 90236: 42014), e.g. when pacing sends some recipients' copy a
    minute later. Returns (payload, the new task_id or None when the payload carries none)."""
    card = payload.get("template_card") or {}
    if not card.get("task_id") or card.get("card_type") == "text_notice":
        return payload, None
    suffix = "-" + secrets.token_hex(4)
    task_id = card["task_id"][:128 - len(suffix)] + suffix  # ≤ 128 bytes of [A-Za-z0-9_-@]
    return {**payload, "template_card": {**card, "task_id": task_id}}, task_id


def moved(connection, outbox_id: int, new_outbox_id: int, userids: list[str], task_id: str) -> None:
    """The copies of ``userids`` that were in outbox row ``outbox_id`` now travel in
    ``new_outbox_id`` with ``task_id`` (the dispatcher split the row)."""
    table = CardCopy.__table__
    connection.execute(update(table).where(table.c.outbox_id == outbox_id, table.c.userid.in_(userids))
                       .values(outbox_id=new_outbox_id, task_id=task_id))


def settle(ctx, ref: str, label: str, text: str | None = None) -> int:
    """Every copy of ``ref`` not settled yet now shows ``label`` (已同意, 已撤回…); a copy that cannot
    be updated gets ``text`` (one per person) — or nothing when ``text`` is None. The copy tapped
    in this callback (same task_id) is left to the tap's own ResponseCode. Returns the copies updated."""
    copies = list(ctx.session.scalars(select(CardCopy).where(CardCopy.ref == ref, CardCopy.settled_at.is_(None))
                                      .order_by(CardCopy.id)))
    tapped = ctx.message.task_id if getattr(ctx, "message", None) and ctx.message.response_code else None
    updated, told = 0, set()
    for copy in copies:
        copy.settled_at = ctx.now
        if tapped and copy.task_id == tapped and copy.userid == getattr(ctx, "userid", None):
            copy.settled_as = label
            continue
        code = _usable_code(ctx, copy)
        if code:
            ctx.update_card(copy.userid, code, replace_button(label))
            copy.settled_as, updated = label, updated + 1
        else:
            copy.settled_as = "text"
            if text and copy.userid not in told:
                told.add(copy.userid)
                ctx.send_text(copy.userid, text)
    return updated


def has_copies(ctx, ref: str) -> bool:
    return ctx.session.scalar(select(CardCopy.id).where(CardCopy.ref == ref).limit(1)) is not None


def _usable_code(ctx, copy: CardCopy) -> str | None:
    """The response_code of the copy's send, while WeCom still takes it."""
    row = ctx.session.get(OutboxMessage, copy.outbox_id)
    code = (row.response or {}).get("response_code") if row is not None else None
    if row is None or row.status != "sent" or not row.sent_at or not code:
        return None
    # WeCom's 72 hours run on the real clock, as sent_at does — not on the handler's clock, which
    # the demo can move days ahead (a code a few seconds old must not count as expired).
    if datetime.now(timezone.utc) - row.sent_at >= timedelta(hours=RESPONSE_CODE_HOURS):
        return None
    return code
