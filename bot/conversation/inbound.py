"""Turn one decrypted callback into its effect, exactly once.

In ONE transaction: route it, record the callback under its dedupe key with the route's
handler and status (a retry hits the unique key, inserts nothing and stops here), run the
handler, queue the reply in the outbox, commit. If the handler fails, the callback is still
stored (status failed) and the sender is told.

Only people act: WeCom's own events (from ``sys``) go to their event handler, if any, and are
never answered; a non-member is answered (once a day, by the ``stranger`` handler) only for a
message, a menu click or a card tap — events nobody typed are stored and ignored. A sender is
found whatever the letter case of their userid, and known by the configured id from then on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot import messages
from bot.outbox import writer as outbox
from bot.conversation.context import Context, Message, Reply
from bot.conversation.flows import Conversation, question_of
from bot.org.directory import AmbiguousName, Member
from bot.conversation import refusals
from bot.conversation.replies import claim_passive, count_passive, has_room, passive_candidate, stored_reply
from bot.conversation.router import Route
from bot.runtime import Runtime
from bot.text.script import simplified
from models import InboundCallback, OutboxMessage, utcnow

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    handler: str
    duplicate: bool = False
    reply: Reply | None = None
    status: str = "done"
    passive: str | None = None  # the text to answer in the HTTP response (bot.conversation.replies)
    userid: str | None = None  # the sender as configured (whatever the letter case WeCom sent)
    anonymous: bool = False  # an anonymous submission: logged without the sender


def process_message(runtime: Runtime, message: Message) -> Outcome:
    """Handle one callback; a handler that lost a race on a unique key (two 周报 at the same
    moment on PostgreSQL) is run once more from scratch, seeing the other's committed row."""
    try:
        return _process_once(runtime, message)
    except _RaceLost:
        log.info("handler for %s lost a race on a unique key; running it again", message.dedupe_key)
        try:
            return _process_once(runtime, message)
        except _RaceLost as lost:
            return _record_failure(runtime, message, lost.__cause__ or lost)


class _RaceLost(Exception):
    pass


def _process_once(runtime: Runtime, message: Message) -> Outcome:
    if runtime.readers is not None:  # SQLite: a route that only reads runs without the write lock
        outcome = _process_reading(runtime, message)
        if outcome is not None:
            return outcome
    now = runtime.now()
    session = runtime.session_factory()
    route = None
    try:
        ctx = _context(runtime, session, message, now)
        # Route first, so the callback is stored with its handler and status in one INSERT; the
        # unique dedupe key makes a retry insert nothing, and it stops here.
        route, status = _route(runtime, ctx)
        if not _record(session, message, now, handler=route.name, status=status):
            session.rollback()
            return Outcome(handler="-", duplicate=True, passive=_stored_reply(runtime, message))
        reply, passive = _answer(ctx, route, status)
        verdict = refusals.spend_budget(runtime, ctx, status, now)
        if not verdict.allowed:  # past the sender's budget: nothing of it happens, nothing goes out
            session.rollback()
            return _refused(refusals.over_budget(runtime, message, route.name, verdict, _record), route.name,
                            "over_budget", message)
        if passive and claim_passive(session, ctx.userid, message.dedupe_key, passive, runtime.pacing):
            ctx.reply_to_sender(replace(reply, text=None))
        else:
            passive = None
            ctx.reply_to_sender(reply)
        if ctx.conversation.touched and reply and reply.text:
            ctx.conversation.remember_question(reply.text)  # what a later command says is still open
        for text in ctx.after_reply:
            ctx.send_text(ctx.userid, text)
        if ctx.anonymous:
            _forget_sender(session, message)
        session.commit()
        for work in ctx.deferred:
            runtime.background().submit(run_deferred, runtime, message, work, route.name)
        return Outcome(handler=route.name, reply=reply, status=status, passive=passive, userid=ctx.userid,
                       anonymous=ctx.anonymous)
    except IntegrityError as exc:
        session.rollback()
        raise _RaceLost() from exc
    except AmbiguousName as exc:  # two people have the name typed: nothing happens, the sender is asked which
        session.rollback()
        handler = route.name if route else "-"
        return _refused(refusals.ask_which(runtime, message, exc, handler, _record), handler, "ambiguous", message)
    except Exception as exc:
        session.rollback()
        log.exception("handler failed for %s", message.dedupe_key)
        return _record_failure(runtime, message, exc)
    finally:
        session.close()


def find_member(org, userid: str) -> Member | None:
    """The member whose userid is ``userid`` ignoring letter case (WeCom userids ignore it;
    the config refuses ids that differ only by case), or None."""
    member = org.get(userid)
    if member is None and userid:
        folded = userid.casefold()
        member = next((m for m in org.members.values() if m.userid.casefold() == folded), None)
    return member


def store_only(runtime: Runtime, message: Message, status: str, error: str | None = None) -> bool:
    """Record a callback that is not acted on (another app's, a stale or a malformed one) under its
    dedupe key; True when it was new. Nothing is routed, run or sent."""
    with runtime.session_factory.begin() as session:
        return _record(session, message, runtime.now(), status=status, error=error)


def _context(runtime: Runtime, session: Session, message: Message, now: datetime) -> Context:
    user = find_member(runtime.org, message.userid)
    userid = user.userid if user else message.userid  # the configured id, whatever the case sent
    if message.text:  # 周報 is 周报: read in simplified characters (the callback row keeps what was typed)
        message = replace(message, text=simplified(message.text))
    ctx = Context(session=session, settings=runtime.settings, org=runtime.org, now=now, wecom=runtime.client,
                  message=message, userid=userid, user=user)
    ctx.conversation = Conversation(session, userid, now, runtime.settings.policy.conversation_timeout_minutes)
    return ctx


def _process_reading(runtime: Runtime, message: Message) -> Outcome | None:
    """Run the route in a read-only transaction (SQLite: no write lock, a write raises); if all it
    did was answer, store the callback and the answer in a short write transaction. None when the
    route writes (it is remembered, and runs in a write transaction from now on) or fails."""
    now = runtime.now()
    session = runtime.readers()
    try:
        ctx = _context(runtime, session, message, now)
        route, status = _route(runtime, ctx)
        if route.name in runtime.writers:
            return None
        reply, passive = _answer(ctx, route, status)
        ctx.reply_to_sender(replace(reply, text=None) if passive else reply)  # passive: the rest, if any
        if ctx.conversation.touched and reply and reply.text:
            ctx.conversation.remember_question(reply.text)  # a conversation changed: a writer, found below
        for text in ctx.after_reply:
            ctx.send_text(ctx.userid, text)
        queued = [row for row in session.new if isinstance(row, OutboxMessage)]
        # A route that changed more than the outbox, or deferred work (a file to download), is a writer.
        if session.dirty or session.deleted or len(queued) != len(session.new) or ctx.deferred:
            runtime.writers.add(route.name)
            return None
        rows = [_outbox_row(row.kind, row.recipients, row.payload, row.origin, row.priority, row.chain, row.part)
                for row in queued]
    except OperationalError:  # it tried to write (query_only): a writer
        runtime.writers.add(route.name)
        return None
    except Exception:  # let the write path run it again and record the failure as it always does
        return None
    finally:
        session.rollback()
        session.close()
    with runtime.session_factory.begin() as writer:
        if passive and not has_room(writer, ctx.userid, runtime.pacing):  # no room this minute: the outbox paces it
            rows.append(_outbox_row("send", ctx.userid, {"msgtype": "text", "text": {"content": passive}}, route.name))
            passive = None
        # ONE insert stores the callback with its answer; a retry inserts nothing and gets that answer.
        if not _record(writer, message, now, handler=route.name, status=status, reply=passive):
            return Outcome(handler="-", duplicate=True, passive=stored_reply(writer, message.dedupe_key))
        if passive:
            count_passive(writer, ctx.userid)
        if rows:
            writer.connection().execute(insert(OutboxMessage.__table__), rows)
            writer.info[outbox.WAKE_KEY] = True
    return Outcome(handler=route.name, reply=reply, status=status, passive=passive, userid=ctx.userid)


def _answer(ctx: Context, route: Route, status: str) -> tuple[Reply | None, str | None]:
    """Run the route's handler → (its reply, the text to answer passively or None). A handler may
    return a str (a text reply); WeCom's own events (``status == "system"``) are never answered."""
    ctx.origin = route.name
    reply = route.func(ctx)
    if isinstance(reply, str):
        reply = Reply(text=reply)
    if status == "system":
        reply = None
    return reply, passive_candidate(ctx, reply)


def _outbox_row(kind: str, recipients: str, payload: dict, origin: str | None, priority: int | None = 0,
                chain: str | None = None, part: int | None = 0) -> dict:
    """An outbox row for a Core INSERT (the ORM's defaults are applied at flush, which a reader never does)."""
    now = utcnow()
    return {"kind": kind, "recipients": recipients, "payload": payload, "origin": origin, "priority": priority or 0,
            "chain": chain, "part": part or 0, "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": now}


def _stored_reply(runtime: Runtime, message: Message) -> str | None:
    with runtime.session_factory() as session:
        return stored_reply(session, message.dedupe_key)


def run_deferred(runtime: Runtime, message: Message, work, origin: str) -> None:
    """Run work a handler deferred (``Context.defer``) in its own transaction; queue its reply.

    The session begins its transaction only at the first database access, so ``work`` may call
    WeCom first (download, upload) without holding the database."""
    session, ctx = runtime.session_factory(), None
    try:
        user = find_member(runtime.org, message.userid)
        ctx = Context(session=session, settings=runtime.settings, org=runtime.org, now=runtime.now(),
                      wecom=runtime.client, message=message, userid=user.userid if user else message.userid,
                      user=user, origin=origin)
        ctx.reply_to_sender(work(ctx))
        session.commit()
    except Exception:
        session.rollback()
        log.exception("deferred work of %s failed for %s", origin, message.dedupe_key)
        with runtime.session_factory.begin() as failure:
            outbox.enqueue_text(failure, [ctx.userid if ctx else message.userid], messages.INTERNAL_ERROR,
                                "failure")
    finally:
        session.close()


def _record(session: Session, message: Message, now: datetime, **values) -> bool:
    """INSERT the callback unless its dedupe key is stored already; True if it was inserted.

    SQLite and PostgreSQL: INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id (on
    PostgreSQL a concurrent duplicate waits for the first transaction, then inserts nothing).
    Otherwise: a plain INSERT in a savepoint, the unique key's IntegrityError meaning "stored".
    """
    row = dict(dedupe_key=message.dedupe_key, received_at=now, userid=message.userid,
               msg_type=message.msg_type, event=message.event,
               content=message.text if message.text is not None else message.event_key,
               payload=message.raw, handler=None, status="done", error=None, reply=None)
    row.update(values)
    connection = session.connection()
    statement = _insert_statement(connection.dialect)
    if statement is not None:  # RETURNING says what was inserted; rowcount is not reliable for that
        return connection.execute(statement, row).first() is not None
    try:
        with session.begin_nested():
            session.connection().execute(InboundCallback.__table__.insert(), row)
    except IntegrityError:
        return False
    return True


_inserts: dict[str, object] = {}


def _insert_statement(dialect):
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id for ``dialect``, built once;
    None where that is not available."""
    name = dialect.name
    if name not in _inserts:
        table = InboundCallback.__table__
        if name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        elif name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            insert = None
        _inserts[name] = (insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
                          .returning(table.c.id) if insert and dialect.insert_returning else None)
    return _inserts[name]


SYSTEM_SENDER = "sys"
TYPED_EVENTS = {"click", "template_card_event"}  # a menu click, a card tap: a person did it


def _route(runtime: Runtime, ctx: Context) -> tuple[Route, str]:
    registry, message = runtime.registry, ctx.message
    if message.userid.lower() == SYSTEM_SENDER:  # change_contact, batch_job_result, approvals…
        route = registry.system_events.get(message.event or "") if message.msg_type == "event" else None
        return route or registry.special["ignore"], "system"
    typed = message.msg_type != "event" or message.event in TYPED_EVENTS
    if ctx.user is None:
        return (registry.special["stranger"], "done") if typed else (registry.special["ignore"], "ignored")
    if message.msg_type == "text":
        text = (message.text or "").strip()
        if text in messages.CANCEL_WORDS:
            return registry.special["cancel"], "done"
        if ctx.conversation.active and ctx.conversation.flow in registry.flows:
            flow = registry.flows[ctx.conversation.flow]
            command = registry.command_at_start(text)
            if command is None or command.route.name in flow.keywords:
                return flow, "done"
            # A message that starts with a command is that command, never an answer thrown away.
            ctx.args = command.args
            return _beside_flow(registry, command.route), "done"
        # The answer to a question a job asked (the sync prompt) is that answer, unless it starts with a command.
        prompt = next((route for route, waiting in registry.prompts if waiting(ctx)), None) \
            if registry.prompts and registry.command_at_start(text) is None else None
        match = registry.match_text(text) if prompt is None else None
        if prompt or match:
            ctx.args = match.args if match else text
            return prompt or match.route, "done"
        return registry.special["fallback"], "unrouted"
    if message.msg_type == "event":
        if message.event == "click":
            # A menu click is routed like the command whose intent name is its key.
            route = registry.menus.get(message.event_key or "") or registry.intent_named(message.event_key or "")
            return (route, "done") if route else (registry.special["fallback"], "unrouted")
        if message.event == "template_card_event":
            route = registry.match_card(message.event_key or "")
            return (route, "done") if route else (registry.special["stale_card"], "unrouted")
        # A person's event (enter_agent); a system event from a person's id (a forged
        # change_contact) is never among these: stored and ignored.
        route = registry.events.get(message.event or "")
        return (route, "done") if route else (registry.special["ignore"], "ignored")
    return registry.message_types.get(message.msg_type) or registry.special["non_text"], "done"


def _beside_flow(registry, target: Route) -> Route:
    """Run ``target`` while a question is open. If the command started a conversation of its
    own, the open one is replaced: its flow's canceller settles it (a draft is cancelled) and
    the user is told. Otherwise the question stays open, and the user is told that too."""
    def run_beside(ctx: Context):
        before = ctx.conversation.suspend()
        try:
            reply = target.func(ctx)
        finally:
            ctx.conversation.resume()
        flow = registry.flows.get(before.flow)
        label = (flow.summary if flow else "") or messages.OPEN_QUESTION_DEFAULT
        if ctx.conversation.touched:  # replaced by the command's own question
            canceller = registry.flow_cancellers.get(before.flow)
            note = canceller.func(replace(ctx, conversation=before)) if canceller else None
            ctx.queue_after_reply(_text(note) or messages.QUESTION_REPLACED.format(label=label))
        elif ctx.conversation.active and ctx.conversation.flow == before.flow:
            asked = question_of(before.asked)  # its question, not the whole message again
            ctx.queue_after_reply(messages.QUESTION_STILL_OPEN.format(label=label, asked=asked) if asked
                                  else messages.QUESTION_STILL_OPEN_SHORT.format(label=label))
        return reply
    return Route(target.name, run_beside)


def _text(reply) -> str | None:
    return reply.text if isinstance(reply, Reply) else reply


ANONYMOUS_SENDER = "-"


def _forget_sender(session: Session, message: Message) -> None:
    """P20: the stored callback of an anonymous submission keeps its text, handler and answer, but
    not who sent it (``userid`` is "-", the payload has no FromUserName): reading
    ``inbound_callbacks`` does not tell who wrote an anonymous suggestion (docs/security.md)."""
    payload = {k: v for k, v in (message.raw or {}).items() if k != "FromUserName"}
    table = InboundCallback.__table__
    session.connection().execute(table.update().where(table.c.dedupe_key == message.dedupe_key)
                                 .values(userid=ANONYMOUS_SENDER, payload=payload))


def _refused(stored: bool, handler: str, status: str, message: Message) -> Outcome:
    return Outcome(handler=handler, status=status, userid=message.userid) if stored else \
        Outcome(handler="-", duplicate=True)


def _record_failure(runtime: Runtime, message: Message, exc: Exception) -> Outcome:
    """Keep what the user sent and tell them; a retry of the same callback stays a duplicate."""
    with runtime.session_factory.begin() as session:
        if not _record(session, message, runtime.now(), status="failed", error=type(exc).__name__):
            return Outcome(handler="-", duplicate=True)
        member = find_member(runtime.org, message.userid)
        if member is not None:
            outbox.enqueue_text(session, [member.userid], messages.INTERNAL_ERROR, "failure")
    return Outcome(handler="failure", status="failed")
