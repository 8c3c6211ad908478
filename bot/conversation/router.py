"""Handler registry in the style of Bolt / python-telegram-bot.

Handlers are plain functions ``def handler(ctx: Context) -> Reply | str | None``, registered
before serving by decorator — for a text intent (Chinese keywords and a ``/command``), a menu
click (EventKey), a card tap (EventKey prefix), an event, or a conversation flow. Each
decorator returns the function unchanged. ``帮助`` is generated from the registry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

Handler = Callable[..., object]
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]$")
_SEPARATORS = " \t\r\n:：,，"


@dataclass
class Route:
    name: str
    func: Handler
    keywords: tuple[str, ...] = ()
    summary: str = ""  # one line for 帮助
    example: str = ""  # what to type
    pattern: re.Pattern | None = None  # natural phrasing, tried after keywords
    hidden: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)  # shown in 帮助 only to these roles
    numbered: bool = False  # its argument starts with a record number (「项目 3」, 「驳回 12 理由」)


@dataclass
class Match:
    route: Route
    args: str


class Registry:
    def __init__(self) -> None:
        self.intents: list[Route] = []
        self.menus: dict[str, Route] = {}
        self.cards: dict[str, Route] = {}
        self.events: dict[str, Route] = {}  # events a person's client sends (enter_agent)
        self.system_events: dict[str, Route] = {}  # events only WeCom itself sends, from ``sys``
        self.flows: dict[str, Route] = {}
        self.special: dict[str, Route] = {}  # fallback, stranger, non_text
        self.message_types: dict[str, Route] = {}  # MsgType (file, image…) → handler; others: non_text
        self.jobs: dict[str, Route] = {}
        self.flow_cancellers: dict[str, Route] = {}
        self.flow_timeouts: dict[str, Route] = {}
        self.undelivered: dict[str, Route] = {}
        self.prompts: list[tuple[Route, Handler]] = []  # (answer handler, is it waiting for the sender)

    # ---- registration ----------------------------------------------------------------------
    def intent(self, name: str, *keywords: str, summary: str = "", example: str = "",
               pattern: str | None = None, hidden: bool = False, roles: tuple[str, ...] = (),
               numbered: bool = False):
        """Route text starting with one of ``keywords`` (or ``/name``-style commands given as
        keywords beginning with "/") to the handler; ``pattern`` matches natural phrasing.
        ``numbered``: the command's argument starts with a record number, so while the bot waits
        for an answer, 「项目 收尾前需要你」 is that answer and only 「项目 3」 (or 「项目」) the command."""
        def register(func: Handler) -> Handler:
            if any(r.name == name for r in self.intents):
                raise ValueError(f"intent {name!r} registered twice")
            doc = (func.__doc__ or "").strip().splitlines()
            self.intents.append(Route(name, func, tuple(keywords), summary or (doc[0] if doc else ""),
                                      example, re.compile(pattern) if pattern else None, hidden,
                                      frozenset(roles), numbered))
            return func
        return register

    def on_menu(self, key: str):
        return self._keyed(self.menus, key, "menu")

    def on_card(self, prefix: str):
        """Card taps whose EventKey is ``prefix`` or starts with ``prefix:``."""
        return self._keyed(self.cards, prefix, "card")

    def on_event(self, event: str, system: bool = False):
        """A WeCom event: ``system`` ones (``change_contact``) act only when WeCom itself sent them
        (``FromUserName`` is ``sys``); the same event from a person's id is stored and ignored."""
        return self._keyed(self.system_events if system else self.events, event, "event")

    def on_flow(self, flow: str, label: str = "", answers: tuple[str, ...] = ()):
        """The next message of a user in ``flow`` (``label`` names it to the user: 「采购申请」).
        A message starting with a command is that command, except the intents named in
        ``answers``, which the flow takes as its answer (the minutes typed after 填写纪要)."""
        def register(func: Handler) -> Handler:
            self._keyed(self.flows, flow, "flow")(func)
            self.flows[flow].summary, self.flows[flow].keywords = label, tuple(answers)
            return func
        return register

    def on_prompt(self, name: str, waiting: Handler):
        """The answer to a question a job asked (the Thursday sync prompt, P18): while
        ``waiting(ctx)`` is true for the sender, a message that does not start with a command is
        that answer, run by the handler with the whole text as ``ctx.args`` (as ``on_flow``)."""
        def register(func: Handler) -> Handler:
            self.prompts.append((Route(name, func), waiting))
            return func
        return register

    def on_flow_cancel(self, flow: str):
        """Called when the user sends 取消 inside ``flow``; its return value (if any) is the reply."""
        return self._keyed(self.flow_cancellers, flow, "flow_cancel")

    def on_flow_timeout(self, flow: str):
        """Called (by the scheduler's sweeper) when ``flow`` times out; its return value, if any,
        is sent to the user instead of the generic "timed out" note."""
        return self._keyed(self.flow_timeouts, flow, "flow_timeout")

    def job(self, job_id: str):
        """A job: ``def job(ctx: JobContext) -> None``; ``scheduler/`` says when it runs."""
        return self._keyed(self.jobs, job_id, "job")

    def on_undelivered(self, name: str):
        """Told who a sent message did not reach: ``def f(ctx: BaseContext, row_id: int, origin: str | None,
        missed: dict[str, list[str]]) -> None`` (``bot.outbox.unreached``), in the transaction that
        marks the outbox row; each handler picks the rows that concern it."""
        return self._keyed(self.undelivered, name, "undelivered")

    def on_message_type(self, msg_type: str):
        """Messages of WeCom MsgType ``msg_type`` (``file``, ``image``…) from a member; a type with
        no handler goes to the ``non_text`` special handler."""
        return self._keyed(self.message_types, msg_type, "message_type")

    def special_handler(self, kind: str):
        return self._keyed(self.special, kind, "special")

    def _keyed(self, table: dict[str, Route], key: str, what: str):
        def register(func: Handler) -> Handler:
            if key in table:
                raise ValueError(f"{what} handler {key!r} registered twice")
            table[key] = Route(f"{what}:{key}", func)
            return func
        return register

    # ---- matching -------------------------------------------------------------------------
    def match_text(self, text: str, strict: bool = False) -> Match | None:
        """The intent ``text`` asks for: by keyword (the longest wins), then by pattern; then the
        same once more for the ways people type it — spaces between characters (「我 是 谁」), a
        polite opening (「请问我是谁」, 「帮我查一下我的申请」), a verb before a view (「查看周报」 is
        「周报 查看」), the week or a verb before the command word (「这周周报：…」, 「提交周报 …」: only
        when the command word then stands alone). ``strict``: a keyword must stand as a word of its
        own, and only anchored patterns count. A command word further inside is content."""
        text = normalise(text)
        for candidate, alone in _variants(text):
            match = self._match_once(candidate, strict or alone)
            if match:
                return match
        return None

    def _match_once(self, text: str, strict: bool) -> Match | None:
        best: tuple[int, Route, str] | None = None
        for route in self.intents:
            for keyword in route.keywords:
                args = _after_keyword(text, keyword)
                if args is None or (strict and not _stands_alone(text, keyword, route.numbered)):
                    continue
                if best is None or len(keyword) > best[0]:
                    best = (len(keyword), route, args)
        if best:
            return Match(best[1], best[2])
        for route in self.intents:
            if route.pattern and (not strict or route.pattern.pattern.startswith("^")) and route.pattern.search(text):
                return Match(route, text)
        return None

    def command_at_start(self, text: str) -> Match | None:
        """The command a message starts with, as a word of its own (「周报 本周完成…」, 「纪要\n议题…」,
        「我的申请」, 「撤回 12」), or None. A keyword glued to more words (「采购数量太多」) is not
        one here: while the bot waits for an answer, such a message is the answer."""
        return self.match_text(text, strict=True)

    def match_card(self, event_key: str) -> Route | None:
        prefix = event_key.split(":", 1)[0]
        return self.cards.get(prefix)

    def intent_named(self, name: str) -> Route | None:
        return next((r for r in self.intents if r.name == name), None)

    def help_entries(self, roles: frozenset[str] = frozenset()) -> list[Route]:
        return [r for r in self.intents if not r.hidden and (not r.roles or r.roles & roles)]


def normalise(text: str) -> str:
    return text.replace("\u3000", " ").strip()


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \t]+(?=[\u4e00-\u9fff])")
_POLITE = re.compile(r"^(?:(?:请问一下|请问|麻烦你|麻烦您|麻烦|劳驾|请)\s*(?:帮我|帮忙|给我)?|帮我|帮忙|给我)\s*")
_VIEW_VERB = re.compile(r"^(?:查看一下|查看|看一下|看看|查一下|查询|我想看|我要看)\s*")
# 「这周周报：…」, 「本周的周报 …」, 「提交周报 …」, 「交一下周报」: the opening names the command.
_OPENING = re.compile(r"^(?:(?:这|本)(?:周|个?星期|个?礼拜)的?|(?:提交|补交|上交|交|发)(?:一下|一份)?(?:我的|这周的?|本周的?)?)\s*")


def _variants(text: str):
    """(``text`` as typed, then as meant; whether its command word must then stand alone): without
    spaces inside the leading words, without a polite opening, with a leading 查看 moved behind
    (「查看周报」 → 「周报 查看」) or dropped, without the week or verb before the command word."""
    yield text, False
    head, _, tail = text.partition("\n")
    squeezed = _CJK_GAP.sub("", head[:12]) + head[12:] + ("\n" + tail if tail else "")
    if squeezed != text:
        yield squeezed, False
    polite = _POLITE.sub("", squeezed, count=1)
    if polite != squeezed and polite:
        yield polite, False
    viewed = _VIEW_VERB.sub("", polite, count=1)
    if viewed != polite and viewed:
        yield viewed.rstrip() + " 查看", False
        yield viewed, False
    for said in dict.fromkeys((_POLITE.sub("", text, count=1), polite)):  # 「本周周报 …」 keeps its space
        opened = _OPENING.sub("", said, count=1)
        if opened != said and opened:
            yield opened, True


_NUMBER_FIRST = re.compile(r"[#＃]?\s*[0-9０-９]")


def _stands_alone(text: str, keyword: str, numbered: bool = False) -> bool:
    """The keyword is followed by nothing, a separator or a number (「撤回 12」, 「撤回12」); for a
    ``numbered`` command, by nothing or (after separators) a number (「项目 #3」)."""
    rest = text[len(keyword):]
    if numbered:
        rest = rest.lstrip(_SEPARATORS)
        return not rest or bool(_NUMBER_FIRST.match(rest))
    return not rest or rest[0] in _SEPARATORS or rest[0].isdigit()


def _after_keyword(text: str, keyword: str) -> str | None:
    folded, key = text.lower(), keyword.lower()
    if not folded.startswith(key):
        return None
    rest = text[len(keyword):]
    # An ASCII keyword must end at a word boundary ("help" is not "helpme"); a Chinese one
    # may be followed directly by its argument ("周报本周完成…").
    if rest and _ASCII_WORD.search(keyword) and rest[0] not in _SEPARATORS:
        return None
    return rest.lstrip(_SEPARATORS)


registry = Registry()
intent = registry.intent
on_menu = registry.on_menu
on_card = registry.on_card
on_event = registry.on_event
on_flow = registry.on_flow
on_flow_cancel = registry.on_flow_cancel
on_flow_timeout = registry.on_flow_timeout
on_prompt = registry.on_prompt
special_handler = registry.special_handler
on_message_type = registry.on_message_type
job = registry.job
on_undelivered = registry.on_undelivered
