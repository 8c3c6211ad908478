"""The org (P1): departments, groups and people, and the state of the org as a whole.

The org is read from these tables by every process (``bot/org/store.py``). They are written from
the config (``[org] source = "config"``) or from WeCom's address book (``source = "wecom"``);
people and departments are never deleted, only made inactive, so history keeps their names.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, USERIDS, UTCDateTime


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a config id, or WeCom's department id
    name: Mapped[str] = mapped_column(String(128))
    head: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)  # a userid
    parent_id: Mapped[Optional[str]] = mapped_column(String(64))  # WeCom parentid
    leaders: Mapped[Optional[list]] = mapped_column(JSON, info=USERIDS)  # WeCom department_leader (userids)
    active: Mapped[bool] = mapped_column(default=True)
    rank: Mapped[int] = mapped_column(default=0)  # listing order (the config's, or WeCom's)

    def __repr__(self) -> str:
        return f"Department({self.id!r}, {self.name!r})"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    leader: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)  # a userid
    active: Mapped[bool] = mapped_column(default=True)
    rank: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"Group({self.id!r}, {self.name!r})"


class Person(Base):
    __tablename__ = "people"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True, info=USERID)
    name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    group_id: Mapped[Optional[str]] = mapped_column(ForeignKey("groups.id"))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    rank: Mapped[int] = mapped_column(default=0)
    # As WeCom's address book gives them (None when the org comes from the config, or the API
    # left the field out): the raw name, departments with their leader flags, main department,
    # direct leaders, position and status (1 active, 2 disabled, 4 not yet activated, 5 left).
    wecom_name: Mapped[Optional[str]] = mapped_column(String(64))
    wecom_departments: Mapped[Optional[list]] = mapped_column(JSON)
    is_leader_in_dept: Mapped[Optional[list]] = mapped_column(JSON)
    main_department: Mapped[Optional[str]] = mapped_column(String(64))
    direct_leader: Mapped[Optional[list]] = mapped_column(JSON, info=USERIDS)
    position: Mapped[Optional[str]] = mapped_column(String(128))
    status: Mapped[Optional[int]] = mapped_column(Integer)
    joined: Mapped[Optional[str]] = mapped_column(String(10))  # P2, from [[org.people]]: "YYYY-MM-DD"
    group_since: Mapped[Optional[str]] = mapped_column(String(10))  # P2: in the current group since

    def __repr__(self) -> str:
        return f"Person({self.userid!r}, {self.name!r})"


class OrgState(Base):
    """One row (id 1): where the org came from, and a version every write bumps, so each process
    knows when to reload its cached org."""

    __tablename__ = "org_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(16), default="config")  # config | wecom
    config_hash: Mapped[Optional[str]] = mapped_column(String(64))  # of the [org] section last applied
    home_department: Mapped[Optional[str]] = mapped_column(String(64))
    roles: Mapped[Optional[dict]] = mapped_column(JSON, info=USERIDS)  # ceo, finance, hr, compliance: resolved userids
    tags: Mapped[Optional[dict]] = mapped_column(JSON, info=USERIDS)  # WeCom tag → member userids, as last read
    synced_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # the last read of WeCom's address book

    def __repr__(self) -> str:
        return f"OrgState(v{self.version}, {self.source!r})"
