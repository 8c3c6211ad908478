"""``change_contact`` callbacks (WeCom → ``sys``): the address book changed, so the org changes
at once — in the callback's own transaction, with the leaver's hand-over — when the org is synced
from WeCom (``[org] source = "wecom"``). With ``source = "config"`` they are stored and ignored.
Never answered: WeCom's own events have nobody to answer. Applying the same event twice changes
nothing the second time. Only WeCom sends them: the same event from a member's id is ignored."""
from __future__ import annotations

import dataclasses
import logging

from bot.org.contacts.apply import apply_event, stored_book, write_book
from bot.conversation.context import Context
from bot.org.directory import OrgDirectory
from bot.org.store import invalidate_after_commit, load_snapshot, lock_org
from bot.conversation.router import on_event
from handlers.org.handover import hand_over

log = logging.getLogger(__name__)


@on_event("change_contact", system=True)
def contact_changed(ctx: Context) -> None:
    """P1: apply an address-book change (member or department created, updated, deleted; a tag
    changed) to the org, and hand over the open work of whoever left."""
    if ctx.settings.org.source != "wecom":
        return None
    lock_org(ctx.session)
    book = stored_book(ctx.session)
    if book is None:
        log.warning("change_contact before the first `org sync`: ignored (the sync will read it)")
        return None
    kind = apply_event(book, ctx.message.raw if ctx.message else {})
    if kind is None:
        return None
    snapshot, _ = load_snapshot(ctx.session)
    before = OrgDirectory(snapshot)
    written = write_book(ctx.session, ctx.settings, book, now=ctx.now)
    if written.result.rows:
        after = OrgDirectory(written.snapshot)
        hand_over(dataclasses.replace(ctx, org=after), before, written.result.changes)
        invalidate_after_commit(ctx.session)
    log.info("change_contact %s: %d row(s) written, %d change(s)", kind, written.result.rows,
             len(written.result.changes))
    return None
