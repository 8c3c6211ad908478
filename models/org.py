"""The org mirror (P1): departments, groups and people, synced from the config at start-up."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    head: Mapped[Optional[str]] = mapped_column(String(64))  # a userid

    def __repr__(self) -> str:
        return f"Department({self.id!r}, {self.name!r})"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    leader: Mapped[Optional[str]] = mapped_column(String(64))  # a userid

    def __repr__(self) -> str:
        return f"Group({self.id!r}, {self.name!r})"


class Person(Base):
    __tablename__ = "people"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    group_id: Mapped[Optional[str]] = mapped_column(ForeignKey("groups.id"))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"Person({self.userid!r}, {self.name!r})"
