"""Turn one decrypted callback into its effect, exactly once.

In ONE transaction: record the callback under its dedupe key (a retry hits the unique key
and stops here), route it, run the handler, queue the reply in the outbox, commit. If the
handler fails, the callback is still stored (status failed) and the sender is told.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot import messages, outbox
from bot.context import Context, Message, Reply
from bot.conversation import Conversation
from bot.router import Route
from bot.runtime import Runtime
from models import InboundCallback

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    handler: str
    duplicate: bool = False
    reply: Reply | None = None
    status: str = "done"


def process_message(runtime: Runtime, message: Message) -> Outcome:
    now = runtime.now()
    session = runtime.session_factory()
    try:
        record = InboundCallback(dedupe_key=message.dedupe_key, received_at=now, userid=message.userid,
                                 msg_type=message.msg_type, event=message.event,
                                 content=message.text if message.text is not None else message.event_key,
                                 payload=message.raw)
        session.add(record)
        try:
            session.flush()
        except IntegrityError:  # already processed: a WeCom retry
            session.rollback()
            return Outcome(handler="-", duplicate=True)
        ctx = Context(session=session, settings=runtime.settings, org=runtime.org, now=now,
                      message=message, userid=message.userid, user=runtime.org.get(message.userid))
        ctx.conversation = Conversation(session, message.userid, now,
                                        runtime.settings.policy.conversation_timeout_minutes)
        route, status = _route(runtime, ctx)
        ctx.origin = route.name
        record.handler, record.status = route.name, status
        reply = route.func(ctx)
        if isinstance(reply, str):
            reply = Reply(text=reply)
        ctx.reply_to_sender(reply)
        session.commit()
        return Outcome(handler=route.name, reply=reply, status=status)
    except Exception as exc:
        session.rollback()
        log.exception("handler failed for %s", message.dedupe_key)
        return _record_failure(runtime, message, exc)
    finally:
        session.close()


def _route(runtime: Runtime, ctx: Context) -> tuple[Route, str]:
    registry, message = runtime.registry, ctx.message
    if ctx.user is None:
        return registry.special["stranger"], "done"
    if message.msg_type == "text":
        text = (message.text or "").strip()
        if text in messages.CANCEL_WORDS:
            return registry.special["cancel"], "done"
        if ctx.conversation.active and ctx.conversation.flow in registry.flows:
            return registry.flows[ctx.conversation.flow], "done"
        match = registry.match_text(text)
        if match:
            ctx.args = match.args
            return match.route, "done"
        return registry.special["fallback"], "unrouted"
    if message.msg_type == "event":
        if message.event == "click":
            # A menu click is routed like the command whose intent name is its key.
            route = registry.menus.get(message.event_key or "") or registry.intent_named(message.event_key or "")
            return (route, "done") if route else (registry.special["fallback"], "unrouted")
        if message.event == "template_card_event":
            route = registry.match_card(message.event_key or "")
            return (route, "done") if route else (registry.special["stale_card"], "unrouted")
        route = registry.events.get(message.event or "")
        return (route, "done") if route else (registry.special["ignore"], "ignored")
    return registry.special["non_text"], "done"


def _record_failure(runtime: Runtime, message: Message, exc: Exception) -> Outcome:
    """Keep what the user sent and tell them; a retry of the same callback stays a duplicate."""
    with runtime.session_factory.begin() as session:
        exists = session.query(InboundCallback.id).filter_by(dedupe_key=message.dedupe_key).first()
        if exists:
            return Outcome(handler="-", duplicate=True)
        session.add(InboundCallback(dedupe_key=message.dedupe_key, received_at=runtime.now(),
                                    userid=message.userid, msg_type=message.msg_type, event=message.event,
                                    content=message.text if message.text is not None else message.event_key,
                                    payload=message.raw, status="failed", error=type(exc).__name__))
        if runtime.org.get(message.userid):
            outbox.enqueue_text(session, [message.userid], messages.INTERNAL_ERROR, "failure")
    return Outcome(handler="failure", status="failed")
