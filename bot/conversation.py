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


class Conversation:
    def __init__(self, session: Session, userid: str, now: datetime, timeout_minutes: int,
                 row: ConversationState | None = None):
        """The user's conversation; an expired one is dropped (unless ``row`` is given: the
        timeout sweeper hands an expired row to the flow's timeout handler)."""
        self.session, self.userid, self.now = session, userid, now
        self.timeout = timedelta(minutes=timeout_minutes)
        self._row: ConversationState | None = row or session.get(ConversationState, userid)
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

    def start(self, flow: str, state: str | Enum, data: dict | None = None) -> None:
        if self._row is None:
            self._row = ConversationState(userid=self.userid, flow=flow, state="", data={},
                                          updated_at=self.now, expires_at=self.now)
            self.session.add(self._row)
        self._row.flow = flow
        self._set(state, data or {})

    def advance(self, state: str | Enum, data: dict | None = None) -> None:
        if self._row is None:
            raise RuntimeError("advance() without an active conversation")
        self._set(state, {**self.data, **(data or {})})

    def end(self) -> None:
        if self._row is not None:
            self.session.delete(self._row)
            self._row = None

    def _set(self, state: str | Enum, data: dict) -> None:
        self._row.state = state.value if isinstance(state, Enum) else state
        self._row.data = data
        self._row.updated_at = self.now
        self._row.expires_at = self.now + self.timeout


def expire_conversations(session: Session, now: datetime, limit: int = 200) -> list[ConversationState]:
    """The conversations whose time is up, locked for this transaction (the sweeper's input)."""
    query = (select(ConversationState).where(ConversationState.expires_at <= now)
             .order_by(ConversationState.expires_at).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(query))
