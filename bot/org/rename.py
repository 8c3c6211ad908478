"""A changed userid is the same person (WeCom ``update_user`` with ``NewUserID``, WECOM.md Contacts).

An administrator may correct a member's userid (liucaiwu → liucaiwu2). Nobody left and nobody
joined: every place that stores the old id — the org, roles by tag, requests and their steps,
cards, meetings, reports, conversations, pacing, documents… — is rewritten to the new id in the
caller's transaction, so the person keeps their open work, their history and their roles. The
columns are found by their ``info`` mark (``models.base.USERID`` and friends), in every model
module, so a table added later is covered by marking its column. The audit log keeps the history
as written (and records the change). Rewriting again finds nothing: the change is idempotent.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import lru_cache

from sqlalchemy import Column, String, Table, cast, delete, func, select, update
from sqlalchemy.orm import Session

import models
from models import Base, ConversationState, OrgState, OutboxMessage, Person

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def userid_columns() -> tuple[tuple[Table, Column, str], ...]:
    """Every (table, column, how) that stores a userid: how is "scalar", "json" or "pipe"
    (``models.base``). Imports every model module first, so no table is missed."""
    for module in pkgutil.iter_modules(models.__path__):
        importlib.import_module(f"models.{module.name}")
    return tuple((table, column, column.info["userid"]) for table in Base.metadata.sorted_tables
                 for column in table.columns if "userid" in column.info)


def _replace(value, old: str, new: str):
    """``value`` (JSON) with every string equal to ``old`` — in lists and dict values — now ``new``."""
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    return value


def _rewrite_scalar(session: Session, table: Table, column: Column, old: str, new: str) -> int:
    if table is Person.__table__ or table is ConversationState.__table__:
        # Primary keys: a row under the new id can only be a stale one (a former member who had
        # that id, a conversation opened by the new id a moment early): the renamed person's wins.
        if session.execute(select(column).where(column == old)).first() is not None:
            session.execute(delete(table).where(column == new))
    return session.execute(update(table).where(column == old).values({column.name: new})
                           .execution_options(synchronize_session=False)).rowcount or 0


def _rewrite_rows(session: Session, table: Table, column: Column, how: str, old: str, new: str) -> int:
    """JSON or "|"-joined values: narrowed with LIKE on the text, replaced exactly in Python."""
    keys = list(table.primary_key.columns)
    text = cast(column, String)
    query = select(*keys, column).where(column.is_not(None), text.like(f"%{old}%"))
    if how == "pipe":  # the outbox: only what is still to be sent; what was sent is history
        query = query.where(OutboxMessage.__table__.c.status == "pending")
    changed = 0
    for row in session.execute(query).all():
        value = row[-1]
        if how == "pipe":
            parts = value.split("|")
            fresh = "|".join(dict.fromkeys(new if p == old else p for p in parts))
        else:
            fresh = _replace(value, old, new)
        if fresh != value:
            session.execute(update(table).where(*(k == row[i] for i, k in enumerate(keys)))
                            .values({column.name: fresh}).execution_options(synchronize_session=False))
            changed += 1
    return changed


def rename_userid(session: Session, old: str, new: str) -> dict[str, int]:
    """Rewrite ``old`` to ``new`` wherever a userid is stored, in ``session``'s transaction (the
    caller holds ``lock_org`` and commits). Returns "table.column" → rows changed (empty when
    nothing held the old id: already renamed). Bumps the org version so every process reloads."""
    if not old or not new or old == new:
        return {}
    session.flush()
    counts: dict[str, int] = {}
    for table, column, how in userid_columns():
        if how == "scalar":
            changed = _rewrite_scalar(session, table, column, old, new)
        else:
            changed = _rewrite_rows(session, table, column, how, old, new)
        if changed:
            counts[f"{table.name}.{column.name}"] = changed
    if counts:
        session.execute(update(OrgState).where(OrgState.id == 1).values(version=OrgState.version + 1)
                        .execution_options(synchronize_session=False))
        session.expire_all()
        log.info("userid %s is now %s: %d row(s) rewritten in %s", old, new, sum(counts.values()),
                 ", ".join(sorted(counts)))
    return counts


def stored_spelling(session: Session, userid: str) -> str:
    """``userid`` as the org stores it (WeCom's userids are unique regardless of letter case)."""
    if session.get(Person, userid) is not None:
        return userid
    found = session.scalars(select(Person.userid).where(func.lower(Person.userid) == userid.lower()).limit(1)).first()
    return found or userid


def config_mentions(org_settings, userid: str) -> list[str]:
    """Where the ``[org]`` section still names ``userid`` ([[org.people]], [org.roles]): the
    operator must change those by hand (a warning says so)."""
    places = ["[[org.people]]"] if any(p.get("userid") == userid for p in org_settings.people) else []
    for key, value in (org_settings.roles or {}).items():
        if userid in ([value] if isinstance(value, str) else list(value)):
            places.append(f"[org.roles] {key}")
    return places
