"""``change_contact`` callbacks (WeCom → ``sys``): the address book changed, so the org changes
at once — in the callback's own transaction, with the leaver's hand-over — when the org is synced
from WeCom (``[org] source = "wecom"``). With ``source = "config"`` they are stored and ignored.
Never answered: WeCom's own events have nobody to answer. Applying the same event twice changes
nothing the second time. Only WeCom sends them: the same event from a member's id is ignored."""
from __future__ import annotations

import dataclasses
import logging

from bot.org.contacts.apply import apply_event, renamed_userid, stored_book, write_book
from bot.org.rename import config_mentions, rename_userid, stored_spelling
from bot.conversation.context import Context
from bot.org.directory import OrgDirectory
from bot.org.store import invalidate_after_commit, load_snapshot, lock_org
from bot.conversation.router import on_event
from handlers.org.handover import hand_over

log = logging.getLogger(__name__)
ACTOR = "system:org"


@on_event("change_contact", system=True)
def contact_changed(ctx: Context) -> None:
    """P1: apply an address-book change (member or department created, updated, deleted; a tag
    changed; a userid changed — the same person, rewritten everywhere) to the org, and hand over
    the open work of whoever left."""
    if ctx.settings.org.source != "wecom":
        return None
    lock_org(ctx.session)
    raw = ctx.message.raw if ctx.message else {}
    book = stored_book(ctx.session)
    if book is None:
        log.warning("change_contact before the first `org sync`: ignored (the sync will read it)")
        return None
    renamed = renamed_userid(raw)
    if renamed:  # the same person under a new id: rewritten everywhere first, so nobody "leaves"
        old, new = stored_spelling(ctx.session, renamed[0]), renamed[1]
        rewritten = rename_userid(ctx.session, old, new)
        if rewritten:
            ctx.audit(ACTOR, "userid_changed", "person", new, previous=old, rows=rewritten)
            invalidate_after_commit(ctx.session)
            for place in config_mentions(ctx.settings.org, old):
                log.warning("userid %s is now %s in WeCom: %s still names %s; change it in the config",
                            old, new, place, old)
        book = stored_book(ctx.session)
    kind = apply_event(book, raw)
    if kind is None:
        return None
    snapshot, _ = load_snapshot(ctx.session)
    before = OrgDirectory(snapshot)
    written = write_book(ctx.session, ctx.settings, book)
    if written.result.rows:
        after = OrgDirectory(written.snapshot)
        hand_over(dataclasses.replace(ctx, org=after), before, written.result.changes)
        invalidate_after_commit(ctx.session)
    log.info("change_contact %s: %d row(s) written, %d change(s)", kind, written.result.rows,
             len(written.result.changes))
    return None
