"""What a member is told when their message is not carried out, though nothing failed (issue 29):
past their budget for messages to other people (``bot.outbox.budget``), or naming a person two
people could be. In both, the handler's transaction was rolled back; the callback is stored (with
its own status, under its dedupe key: ``record`` is ``bot.conversation.inbound._record``) and the
sender gets one answer that keeps what they typed."""
from __future__ import annotations

import logging
import math
from datetime import datetime

from bot import messages
from bot.conversation.context import Context, Message
from bot.org.directory import AmbiguousName
from bot.outbox import budget
from bot.outbox import writer as outbox
from bot.runtime import Runtime
from bot.text.quoting import text_block, text_inline

log = logging.getLogger("bot.conversation.inbound")


def _sender(runtime: Runtime, message: Message) -> str:
    from bot.conversation.inbound import find_member  # one definition of who a sender is
    member = find_member(runtime.org, message.userid)
    return member.userid if member else message.userid


def spend_budget(runtime: Runtime, ctx: Context, status: str, now: datetime) -> budget.Verdict:
    """Count this message against its sender's budget when it made the bot write to anyone else
    (bot.outbox.budget); a card tap (each card is tapped once) and WeCom's own events are free."""
    if status == "system" or ctx.user is None or ctx.message.event == "template_card_event":
        return budget.Verdict(True)
    if not budget.messages_others([*ctx.queued, *ctx.session.new], ctx.userid):
        return budget.Verdict(True)
    policy = runtime.settings.policy
    return budget.spend(ctx.session, budget.sender_key(runtime.settings.wecom.encoding_aes_key, ctx.userid), now,
                        policy.sender_budget_per_minute, policy.sender_budget_per_day)


def over_budget(runtime: Runtime, message: Message, handler: str, verdict: budget.Verdict, record) -> bool:
    """Tell the sender plainly why nothing happened, when to try again and what they sent; False
    when the callback was stored already (a retry)."""
    wait = max(math.ceil((verdict.retry_at - runtime.now()).total_seconds() / 60), 1) if verdict.retry_at else 1
    text = messages.OVER_BUDGET.format(
        window="1 分钟" if verdict.window == "minute" else "24 小时", limit=verdict.limit,
        wait=f"{wait} 分钟" if wait < 120 else f"{wait // 60} 小时",
        text=text_block(message.text or "", 500) if message.text else "（非文字消息）")
    with runtime.session_factory.begin() as session:
        if not record(session, message, runtime.now(), handler=handler, status="over_budget"):
            return False  # a retry of a callback already answered
        outbox.enqueue_text(session, [_sender(runtime, message)], text, handler)
    log.warning("sender over budget: handler=%s window=%s", handler, verdict.window)
    return True


def ask_which(runtime: Runtime, message: Message, ambiguous: AmbiguousName, handler: str, record) -> bool:
    """Every command naming a person meets the same answer when two people share the name: who
    they are, how to write the one meant, the sender's own line written that way. Nothing ran."""
    example = ""
    if message.text and ambiguous.name in message.text:
        example = message.text.strip().replace(ambiguous.name, ambiguous.qualified(ambiguous.members[-1]), 1)
    text = messages.AMBIGUOUS_NAME.format(count=len(ambiguous.members), name=text_inline(ambiguous.name, 20),
                                          choices="\n".join("· " + text_inline(c) for c in ambiguous.choices()),
                                          example=text_inline(example or ambiguous.qualified(ambiguous.members[-1]), 200))
    with runtime.session_factory.begin() as session:
        if not record(session, message, runtime.now(), handler=handler, status="ambiguous"):
            return False  # a retry of a callback already answered
        outbox.enqueue_text(session, [_sender(runtime, message)], text, handler)
    return True
