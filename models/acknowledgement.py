"""Who tapped 「收到」 on an urgent message (P17): urgent notices and data-leak alerts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime


class Acknowledgement(Base):
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "userid", name="uq_acknowledgements_subject_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))  # notice | incident
    subject_id: Mapped[int] = mapped_column()
    userid: Mapped[str] = mapped_column(String(64), info=USERID)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Acknowledgement({self.subject_type}:{self.subject_id}, {self.userid!r})"
