"""Help, identity (P1) and the answers to everything the bot does not otherwise understand."""
from __future__ import annotations

import re

from bot import messages
from bot.conversation.context import Context, Reply
from bot.conversation.router import intent, normalise, on_event, registry, special_handler
from bot.text.typos import suggest
from bot.wecom.client import is_linked_corp

WHOAMI = ("你是 {name}（{userid}）\n部门：{department}\n小组：{group}\n角色：{roles}\n直属上级：{superior}")
HELP_HEADER = "我是{bot}，可以帮你："
HELP_FOOTER = "发「帮助 审批」这样的话，看某一类的用法和例子。随时发「取消」可退出正在进行的操作。"
AREA_HEADER = "【{area}】的用法："
AREA_UNKNOWN = "没有「{topic}」这一类。可以发：{areas}"
WELCOME = "你好，{name}！我是{bot}。\n\n{help}"
ORG_HEADER = "【{department}】总监：{director}"
# 帮助 is generated from the registry, grouped by the package (area) that registered each intent.
AREAS = (
    ("审批", ("handlers.approvals.",)),
    ("会议纪要", ("handlers.meetings.",)),
    ("周报", ("handlers.reports.",)),
    ("协作同步", ("handlers.sync.",)),
    ("通知", ("handlers.notices", "handlers.acks")),
    ("考评轮岗", ("handlers.people.",)),
    ("项目", ("handlers.projects.",)),
    ("文件", ("handlers.documents.",)),
    ("数据安全", ("handlers.compliance.",)),
    ("调解与建议", ("handlers.voice.",)),
    ("其他", ("",)),
)


def _area(route) -> str:
    module = getattr(route.func, "__module__", "")
    return next(label for label, prefixes in AREAS if any(module.startswith(p) for p in prefixes))


def _entries(ctx: Context) -> dict[str, list]:
    roles = ctx.user.roles if ctx.user else frozenset()
    grouped: dict[str, list] = {label: [] for label, _ in AREAS}
    for route in registry.help_entries(roles):
        grouped[_area(route)].append(route)
    return {label: routes for label, routes in grouped.items() if routes}


def help_text(ctx: Context) -> str:
    """The overview: one line per area with its commands (fits one 2048-byte message)."""
    lines = [HELP_HEADER.format(bot=messages.BOT_NAME)]
    for label, routes in _entries(ctx).items():
        lines.append(f"【{label}】" + "、".join(route.keywords[0] for route in routes))
    lines.append(HELP_FOOTER)
    return "\n".join(lines)


def area_help(ctx: Context, topic: str) -> str:
    """One area in detail: each command's summary and an example to copy."""
    entries = _entries(ctx)
    label = next((label for label in entries if topic in label or label in topic), None)
    if label is None:
        return AREA_UNKNOWN.format(topic=topic, areas="、".join(f"帮助 {a}" for a in entries))
    lines = [AREA_HEADER.format(area=label)]
    for route in entries[label]:
        lines.append(f"• {route.keywords[0]} — {route.summary}" + (f"\n  例：{route.example}" if route.example else ""))
    return "\n".join(lines)


@intent("help", "帮助", "help", "/help", "菜单", "?", "？", summary="查看我能做什么", example="帮助 审批")
def show_help(ctx: Context) -> str:
    """List what the bot can do (generated from the handler registry); 帮助 <类别> for details."""
    return area_help(ctx, ctx.args.strip()) if ctx.args.strip() else help_text(ctx)


@intent("whoami", "我是谁", "/whoami", summary="查看你在组织架构中的角色、小组和上级", example="我是谁")
def who_am_i(ctx: Context) -> str:
    """P1: the sender's role, group and leader, from the org data."""
    user = ctx.user
    superior = ctx.org.superior(user)
    return WHOAMI.format(name=user.name, userid=user.userid, department=user.department_name,
                         group=user.group_name or "（不属于小组）", roles=user.role_label,
                         superior=f"{superior.name}（{superior.role_label}）" if superior else "（无）")


@intent("org", "组织架构", "/org", summary="查看本部门的组织架构", example="组织架构")
def org_chart(ctx: Context) -> str:
    """P1: the department's matrix: director, groups, leaders, specialists."""
    org = ctx.org
    home = org.departments[org.home_department]
    lines = [ORG_HEADER.format(department=home["name"], director=org.name(home["head"]))]
    for group in org.groups.values():
        if group["department"] != org.home_department:
            continue
        members = [m.name for m in org.group_members(group["id"]) if m.userid != group["leader"]]
        lines.append(f"• {group['name']}：组长 {org.name(group['leader'])}；专员 {'、'.join(members) or '（暂无）'}")
    return "\n".join(lines)


@special_handler("cancel")
def cancel(ctx: Context) -> str:
    """取消: leave whatever multi-turn conversation is going on."""
    if ctx.conversation.active:
        canceller = registry.flow_cancellers.get(ctx.conversation.flow)
        answer = canceller.func(ctx) if canceller else None
        ctx.conversation.end()
        return answer or messages.CANCELLED
    return messages.NOTHING_TO_CANCEL


@special_handler("fallback")
def not_understood(ctx: Context) -> str:
    """A message that matches nothing: it is stored (by the inbound record) and answered with help."""
    text = (ctx.message.text or ctx.message.event_key or "").replace("\u3000", " ").strip()
    shown = text if len(text) <= 20 else text[:20] + "…"
    prefix = messages.CONVERSATION_EXPIRED if ctx.conversation.expired else ""
    if not shown:
        return prefix + messages.EMPTY_MESSAGE.format(help=help_text(ctx))
    entries = registry.help_entries(ctx.user.roles if ctx.user else frozenset())
    named = _named_command(text, entries) if _HOW.search(text) else None
    if named:  # 「请问怎么发周报」: a question about a command gets how to send it, never runs it
        route, keyword = named
        return prefix + messages.HOW_TO.format(keyword=keyword, summary=route.summary or keyword,
                                               example=route.example or keyword)
    keywords = [k for route in entries for k in route.keywords]
    meant = suggest(text, keywords) or _wished(text, entries)
    if meant:  # a pinyin typo: say what was probably meant, never run it unasked
        return prefix + messages.DID_YOU_MEAN.format(text=shown, meant=meant if len(meant) <= 40 else meant[:40] + "…")
    return prefix + messages.UNKNOWN.format(text=shown, help=help_text(ctx))


# A question about how to do something: only then is a command word inside the message a topic.
# Elsewhere it is content (「这周…跟进采购」 is no question about 采购).
_HOW = re.compile(r"怎么|怎样|如何|咋|哪里|在哪")
# 「我想轮岗到数据分析师组」, 「我要提建议…」: a wish whose words are a command's (申请轮岗, 提建议).
_WISH = re.compile(r"^(?:我(?:想|要|需要|希望)|想要|想|希望)\s*(?:申请)?\s*")


def _wished(text: str, entries) -> str | None:
    """The command a wish names, to suggest (never run): 「我想轮岗到数据分析师组」 → 「申请轮岗
    数据分析师组」; None when the wish names no command of the sender's."""
    wish = _WISH.match(text)
    rest = text[wish.end():] if wish else ""
    for candidate in (rest, "申请" + rest) if rest else ():
        match = registry.command_at_start(candidate) or registry.match_text(candidate)
        if match and match.route in entries:
            keyword = next((k for k in match.route.keywords if normalise(candidate).startswith(k)), None)
            args = re.sub(r"^(?:到|去|至)\s*", "", match.args)
            return f"{keyword} {args}".strip() if keyword else candidate
    return None


def _named_command(text: str, entries) -> tuple | None:
    """(route, keyword) of the longest Chinese command keyword of at least two characters written
    inside an unrouted message (「请问怎么发周报」 → 周报), or None."""
    found = [(len(k), route, k) for route in entries for k in route.keywords
             if len(k) >= 2 and not k.isascii() and k in text]
    if not found:
        return None
    _, route, keyword = max(found, key=lambda item: item[0])
    return route, keyword


@special_handler("stranger")
def stranger(ctx: Context) -> str | None:
    """Someone not in the org typed, clicked or tapped: a friendly refusal that says whom to ask,
    at most once a day (through the ledger), so a stranger cannot make the bot talk on and on. A
    linked corp's member (``corpid/userid``), whom ``message/send`` cannot reach, is answered
    passively, in the callback's own response."""
    text = messages.STRANGER.format(bot=messages.BOT_NAME, userid=ctx.userid)
    if is_linked_corp(ctx.userid):
        return text if ctx.claim_once("stranger", [(ctx.now.date().isoformat(), ctx.userid, "")]) else None
    ctx.notify_once("stranger", ctx.now.date().isoformat(), ctx.userid, text=text)
    return None


@special_handler("non_text")
def non_text(ctx: Context) -> str:
    """Images, voice, files…: stored, and the sender is told to use words."""
    kind = messages.NON_TEXT_KINDS.get(ctx.message.msg_type, "消息")
    return messages.NON_TEXT.format(kind=kind)


@special_handler("stale_card")
def stale_card(ctx: Context) -> Reply:
    """A tap on a card no handler owns any more."""
    return Reply(text=messages.STALE_CARD, button="已失效")


@special_handler("ignore")
def ignore(ctx: Context) -> None:
    """Events that need no answer (subscribe, view, location reports…): stored, not answered."""
    return None


@on_event("enter_agent")
def welcome(ctx: Context) -> None:
    """Greet a member the first time they open the app (once, through the ledger)."""
    ctx.notify_once("welcome", "first", ctx.userid,
                    text=WELCOME.format(name=ctx.user.name, bot=messages.BOT_NAME, help=help_text(ctx)))
    return None
