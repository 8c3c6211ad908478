"""Filed documents (P7, P8): the metadata; the bytes live under ``documents.storage_dir``,
encrypted (AES-GCM) when the document is sensitive. A document is never overwritten: a new
version is a new row and a new file."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

# The longest project part a file name may carry (its column's size, the same on SQLite and
# PostgreSQL); the naming rule refuses a longer one before anything is stored (issue 29).
PROJECT_NAME_LENGTH = 100
FILENAME_LENGTH = 255


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(FILENAME_LENGTH))  # as filed (P7: project, date, version)
    project_name: Mapped[str] = mapped_column(String(PROJECT_NAME_LENGTH), index=True)  # taken from the name
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("projects.id"), index=True)  # when registered
    department_id: Mapped[str] = mapped_column(String(64), index=True)  # the sender's department
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    uploader: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    period: Mapped[str] = mapped_column(String(7))  # the name's date, "2026-11"
    version: Mapped[str] = mapped_column(String(32))  # the name's version, "1.0"
    size: Mapped[int] = mapped_column(Integer)  # bytes of the original file
    content_type: Mapped[str] = mapped_column(String(100))
    sensitive: Mapped[bool] = mapped_column(default=False)  # P8: encrypted at rest, director only
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)  # path under storage_dir
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored bytes (the ciphertext when sensitive)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Document({self.id}, {self.filename!r}, sensitive={self.sensitive})"
