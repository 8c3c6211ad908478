"""Where the emulator keeps each person's chat: in memory (the fake WeCom of the tests) or in
the database (the demo, so the chat survives a restart).

A message is a dict: ``id``, ``userid``, ``direction`` ("in" typed/tapped/sent by the person,
"out" sent by the bot), ``time`` (epoch seconds on the emulator's clock), ``msgtype``,
``card_state`` (what ``update_template_card`` made of a card, or None) and the type's fields
(``text``, ``markdown``, ``card``, ``event``, ``media_id``, ``filename``, ``msgid``…).
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import EmulatorMessage

FIXED = ("id", "userid", "direction", "time", "msgtype", "card_state")


class MemoryLog:
    """The chat log in a list (lost on restart): enough for tests."""

    def __init__(self):
        self.rows: list[dict] = []
        self.lock = threading.RLock()

    def add(self, userid: str, direction: str, msgtype: str, at: float, content: dict) -> dict:
        with self.lock:
            msg = {"id": len(self.rows) + 1, "userid": userid, "direction": direction, "time": at,
                   "msgtype": msgtype, "card_state": None, **content}
            self.rows.append(msg)
            return dict(msg)

    def for_user(self, userid: str, after: int = 0) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.rows if m["userid"] == userid and m["id"] > after]

    def all(self) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.rows]

    def set_card_state(self, task_id: str, userids: list[str] | None, state: dict) -> int:
        """Give every copy of the card ``task_id`` sent to ``userids`` (None: to anyone) ``state``."""
        changed = 0
        with self.lock:
            for msg in self.rows:
                if msg["direction"] == "out" and (msg.get("card") or {}).get("task_id") == task_id \
                        and (userids is None or msg["userid"] in userids):
                    msg["card_state"] = state
                    changed += 1
        return changed


class DatabaseLog:
    """The chat log in ``emulator_messages``: the demo's history survives a restart."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self.session_factory = session_factory

    def add(self, userid: str, direction: str, msgtype: str, at: float, content: dict) -> dict:
        content = {k: v for k, v in content.items() if v is not None and k not in FIXED}
        row = EmulatorMessage(userid=userid, direction=direction, msgtype=msgtype,
                              sent_at=datetime.fromtimestamp(at, timezone.utc),
                              task_id=(content.get("card") or {}).get("task_id"), content=content)
        with self.session_factory.begin() as session:
            session.add(row)
            session.flush()
            return _as_dict(row)

    def for_user(self, userid: str, after: int = 0) -> list[dict]:
        with self.session_factory() as session:
            rows = session.scalars(select(EmulatorMessage).where(
                EmulatorMessage.userid == userid, EmulatorMessage.id > after).order_by(EmulatorMessage.id))
            return [_as_dict(r) for r in rows]

    def all(self) -> list[dict]:
        with self.session_factory() as session:
            return [_as_dict(r) for r in session.scalars(select(EmulatorMessage).order_by(EmulatorMessage.id))]

    def set_card_state(self, task_id: str, userids: list[str] | None, state: dict) -> int:
        with self.session_factory.begin() as session:
            query = select(EmulatorMessage).where(EmulatorMessage.task_id == task_id,
                                                  EmulatorMessage.direction == "out")
            if userids is not None:
                query = query.where(EmulatorMessage.userid.in_(userids))
            rows = list(session.scalars(query))
            for row in rows:
                row.card_state = state
            return len(rows)


def _as_dict(row: EmulatorMessage) -> dict:
    return {"id": row.id, "userid": row.userid, "direction": row.direction, "time": row.sent_at.timestamp(),
            "msgtype": row.msgtype, "card_state": row.card_state, **row.content}
