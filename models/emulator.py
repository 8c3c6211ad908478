"""The emulator's chat log: what each demo person sent and received, kept across restarts.

Only the built-in WeCom emulator writes here (demo mode); a production deployment never does.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class EmulatorMessage(Base):
    """One line of one person's emulated WeCom chat.

    ``direction`` is ``in`` (the person typed, tapped or sent a file) or ``out`` (the bot sent
    it through ``message/send``); ``content`` holds the type's fields (text, markdown, card,
    event, media_id, filename…); ``card_state`` is what ``update_template_card`` made of a card.
    """

    __tablename__ = "emulator_messages"
    __table_args__ = (Index("ix_emulator_messages_user", "userid", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    msgtype: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    task_id: Mapped[Optional[str]] = mapped_column(String(128), index=True)
    content: Mapped[dict] = mapped_column(JSON)
    card_state: Mapped[Optional[dict]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"EmulatorMessage({self.id}, {self.userid!r}, {self.direction!r}, {self.msgtype!r})"
