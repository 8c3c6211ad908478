"""Per-user multi-turn conversation state, so a handler can ask a question and get the next message."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime


class ConversationState(Base):
    __tablename__ = "conversation_states"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True, info=USERID)
    flow: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"ConversationState({self.userid!r}, {self.flow!r}, {self.state!r})"
