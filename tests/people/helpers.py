"""Helpers the people tests share: the calendar of the demo, running jobs, reading rows."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Evaluation
from scheduler import run_job
from tests.chat import cards
from tests.conftest import wait_until

TZ = ZoneInfo("Asia/Shanghai")
# November 2026: the 3rd-to-last working day is Thu 26th; the 3rd working day of December is Thu 3rd.
ASK_DAY = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
DUE_DAY = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
AFTER_DUE = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)
# The fourth quarter of 2026 is rated from Mon 2027-01-04 (Fri 1 January is 元旦).
Q3_OPENS = datetime(2026, 10, 9, 10, 0, tzinfo=TZ)  # after the National Day holiday
Q4_OPENS = datetime(2027, 1, 4, 10, 0, tzinfo=TZ)


def run(bot, job_id: str, at: datetime) -> list[int]:
    """Run a job as if the clock read ``at`` and wait until what it queued is delivered."""
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def eval_cards(bot, userid: str) -> list[dict]:
    return cards(bot, userid, "eval_")


def wait_eval_card(bot, userid: str, count: int = 1) -> dict:
    found = wait_until(lambda: len(c := eval_cards(bot, userid)) >= count and c, message=f"evaluation card {count}")
    return found[count - 1]


def evaluations(bot, quarter: str | None = None) -> list[Evaluation]:
    with bot.session() as s:
        query = select(Evaluation).order_by(Evaluation.id)
        if quarter:
            query = query.where(Evaluation.quarter == quarter)
        return list(s.scalars(query))


def tap_together(bot, userid: str, card: dict, buttons: list[str]) -> None:
    """Tap ``buttons`` on ``card`` from parallel threads (distinct events, as real taps are)."""
    barrier = threading.Barrier(len(buttons))
    statuses = []

    def one(i, button):
        key = next(b["key"] for b in card["button_list"] if b["text"] == button)
        code = bot.fake.state.issue_response_code(userid, card["task_id"])
        barrier.wait()
        statuses.append(bot.wecom.card_tap(userid, card["task_id"], key, code,
                                           create_time=int(time.time()) + i).status_code)
    threads = [threading.Thread(target=one, args=(i, b)) for i, b in enumerate(buttons)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert statuses == [200] * len(buttons)


def rate(bot, rater: str, card: dict, rating: str, kpi: str = "跳过", comment: str = "跳过") -> None:
    """Tap ``rating`` on ``card``, then answer the KPI and comment questions."""
    from tests.chat import tap, texts
    before = len(texts(bot, rater))
    tap(bot, rater, card, rating)
    wait_until(lambda: len(texts(bot, rater)) > before and "实际值" in texts(bot, rater)[-1], message="KPI question")
    bot.say(rater, kpi)
    wait_until(lambda: "评语" in texts(bot, rater)[-1], message="comment question")
    saved = sum("✅ 已保存对" in t for t in texts(bot, rater))
    bot.say(rater, comment)
    wait_until(lambda: sum("✅ 已保存对" in t for t in texts(bot, rater)) > saved, message="rating saved")
