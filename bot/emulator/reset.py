"""「重置演示」: the demo as it was first started — its seed data (the demo org) and the real time.

After the clock was moved forward, 「回到现在」 leaves records dated in the future (a 周报
「已于 12月11日 提交」 on 12月8日). Resetting empties every table of the demo database, writes the
demo org again and puts the clock back, so the guide's steps work from the start; the Python
environment (``.venv``) and the files outside the database are left alone. Only the demo has it
(the page's clock panel, ``POST /emulator/api/demo/reset``).
"""
from __future__ import annotations

import logging

from sqlalchemy import delete

from bot.org.store import seed_org
from models import Base

log = logging.getLogger(__name__)


def reset_demo(runtime, state, clock) -> None:
    """Empty the demo database but its schema version, write the demo org again, clear the
    emulator's memory of calls, card codes and media, and return the demo clock to real time.
    ``state``: the ``EmulatorState``; ``clock``: the ``DemoClock``. (The emulator's address book
    is WeCom's, not the bot's data: it stays as edited.)"""
    with clock.lock:
        with runtime.session_factory.begin() as session:
            for table in reversed(Base.metadata.sorted_tables):  # children before their parents
                session.execute(delete(table))
    seed_org(runtime.session_factory, runtime.settings)
    runtime.org_store.invalidate()
    with state.lock:
        state.calls.clear()
        state.media.clear()
        state.task_ids.clear()
        state.response_codes.clear()
        state.recent.clear()
    clock.caught_up = None
    clock.reset()
    log.info("demo reset: seed data written again, clock at real time")
