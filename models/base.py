"""Declarative base and column helpers shared by every model module."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column ``info`` marking where a WeCom userid is stored, so that a changed userid (WeCom's
# ``update_user`` with ``NewUserID``) is rewritten everywhere (``bot/org/rename.py``):
# USERID: the column is one userid; USERIDS: JSON whose string values (in lists, or dict values,
# at any depth) are userids; USERIDS_PIPE: userids joined by "|" (the outbox's recipients).
# History is not rewritten and carries no mark: the audit log, the callbacks received.
USERID = {"userid": "scalar"}
USERIDS = {"userid": "json"}
USERIDS_PIPE = {"userid": "pipe"}


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC.

    SQLite has no time zone type and hands back naive values; this type makes every
    datetime that leaves the database aware (UTC), and refuses naive ones going in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
