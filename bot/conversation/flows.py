"""Multi-turn conversations as explicit states, persisted per user, with a timeout and 取消.

A handler starts a flow with ``ctx.conversation.start("approval.request", "AMOUNT", data)``;
the user's next message goes to the function registered with ``@on_flow("approval.request")``,
which reads ``ctx.conversation.state`` / ``.data`` and calls ``advance`` or ``end``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ConversationState

ASKED = "_asked"  # in ``data``: the last question, kept by the conversation layer


def question_of(asked: str) -> str:
    """The question to repeat from a remembered reply: a reply of several lines (「🚨 已登记… 请马上
    电话联系…」 then 「泄露的是哪些数据？…」) is shortened to its last line that asks (？), else to its
    「请回复…」 request (with the example after it), else to its last line — so the reminder does not
    repeat the whole message. A one-line reply is kept as it is."""
    lines = [line.strip() for line in asked.splitlines() if line.strip()]
    if len(lines) <= 1:
        return asked.strip()
    asking = next((line for line in reversed(lines) if "？" in line or "?" in line), None)
    if asking:
        return asking
    for index, line in enumerate(lines):  # 「…请回复文件名，例如：」 and the example on the next line
        if "请回复" in line:
            request = line[line.index("请回复"):]
            if request.endswith("：") and index + 1 < len(lines):
                request += lines[index + 1]
            return request
    return lines[-1]


class DetachedConversation:
    """What a conversation was before a command replaced it: its flow's canceller reads it;
    ending it changes nothing (the row already belongs to the new conversation)."""

    active, expired, touched, replaced = True, False, False, True

    def __init__(self, flow: str | None, state: str | None, data: dict):
        self.flow, self.state, self.data = flow, state, data

    @property
    def asked(self) -> str:
        return self.data.get(ASKED, "")

    def end(self) -> None:
        self.active = False

    def start(self, *args, **kwargs) -> None:
        raise RuntimeError("a replaced conversation cannot start another")

    advance = start


class Conversation:
    def __init__(self, session: Session, userid: str, now: datetime, timeout_minutes: int,
                 row: ConversationState | None = None):
        """The user's conversation; an expired one is dropped (unless ``row`` is given: the
        timeout sweeper hands an expired row to the flow's timeout handler)."""
        self.session, self.userid, self.now = session, userid, now
        self.timeout = timedelta(minutes=timeout_minutes)
        self._row: ConversationState | None = row or session.get(ConversationState, userid)
        self.touched = False  # start() or advance() was called in this turn
        self._suspended: ConversationState | None = None
        self.expired = bool(row is None and self._row and self._row.expires_at <= now)
        if self.expired:
            self.expired_flow = self._row.flow
            session.delete(self._row)
            self._row = None

    @property
    def active(self) -> bool:
        return self._row is not None

    @property
    def flow(self) -> str | None:
        return self._row.flow if self._row else None

    @property
    def state(self) -> str | None:
        return self._row.state if self._row else None

    @property
    def data(self) -> dict:
        return dict(self._row.data or {}) if self._row else {}

    @property
    def asked(self) -> str:
        """The question the bot asked last in this conversation (what the user is to answer)."""
        return (self._row.data or {}).get(ASKED, "") if self._row else ""

    def remember_question(self, text: str) -> None:
        """Keep the question just asked, so a command typed meanwhile can say it is still open."""
        if self._row is not None and text:
            self._row.data = {**(self._row.data or {}), ASKED: text[:300]}

    def suspend(self) -> "DetachedConversation":
        """Hide the open conversation while a command typed meanwhile runs (the command sees
        none, and cannot end it by mistake); ``resume`` brings it back unless the command started
        one of its own, which takes its row. Returns what it was, for its flow's canceller."""
        snapshot = DetachedConversation(self.flow, self.state, self.data)
        self._suspended, self._row = self._row, None
        return snapshot

    def resume(self) -> None:
        if self._suspended is not None and not self.touched:
            self._row = self._suspended
        self._suspended = None

    def start(self, flow: str, state: str | Enum, data: dict | None = None) -> None:
        self.touched = True
        if self._row is None and self._suspended is not None:
            self._row, self._suspended = self._suspended, None  # one row per user: the new flow takes it
        if self._row is None:
            self._row = ConversationState(userid=self.userid, flow=flow, state="", data={},
                                          updated_at=self.now, expires_at=self.now)
            self.session.add(self._row)
        self._row.flow = flow
        self._set(state, data or {})

    def advance(self, state: str | Enum, data: dict | None = None) -> None:
        if self._row is None:
            raise RuntimeError("advance() without an active conversation")
        self.touched = True
        self._set(state, {**self.data, **(data or {})})

    def end(self) -> None:
        if self._row is not None:
            self.session.delete(self._row)
            self._row = None

    def _set(self, state: str | Enum, data: dict) -> None:
        self._row.state = state.value if isinstance(state, Enum) else state
        self._row.data = {k: v for k, v in data.items() if k != ASKED}
        self._row.updated_at = self.now
        self._row.expires_at = self.now + self.timeout


def expire_conversations(session: Session, now: datetime, limit: int = 200) -> list[ConversationState]:
    """The conversations whose time is up, locked for this transaction (the sweeper's input)."""
    query = (select(ConversationState).where(ConversationState.expires_at <= now)
             .order_by(ConversationState.expires_at).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(query))
