"""Issue 29: per-person pacing counts a message when it is sent, not when its batch was claimed.
A batch is claimed at once and sent row by row; were its sends counted at the claim, the next
claim a minute after it would find room that the batch's late sends still take, and one person
would get more than WeCom's 30 a minute (34 and 31 were seen). The dispatcher runs on a clock
that moves one second per reading, as if each send took a second: nothing sleeps."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.outbox import writer as outbox
from models import OutboxMessage
from bot.outbox.dispatcher import Dispatcher
from tests.test_outbox_pacing import runtime  # noqa: F401  (the fixture)


class Ticking:
    """A clock that moves ``step`` seconds every time it is read."""

    def __init__(self, start: datetime, step: float = 1.0):
        self.current, self.step = start, timedelta(seconds=step)

    def __call__(self) -> datetime:
        self.current += self.step
        return self.current


def most_in_a_minute(times: list[datetime]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + timedelta(minutes=1)) for i, start in enumerate(times)), default=0)


def test_no_minute_of_actual_sends_holds_more_than_thirty_to_one_person(runtime, fake_wecom):
    with runtime.session_factory.begin() as s:
        for i in range(20):  # others first: the batch's sends to zhangsan come late in it
            outbox.enqueue_text(s, [f"other{i}"], f"给别人 {i}", "test")
        for i in range(60):
            outbox.enqueue_text(s, ["zhangsan"], f"第{i}条", "test")
    ticking = Ticking(datetime.now(timezone.utc) + timedelta(hours=1))
    dispatcher = Dispatcher(runtime.session_factory, runtime.client, name="d", clock=ticking, batch_size=50)
    for _ in range(400):
        dispatcher.run_once()
        with runtime.session_factory() as s:
            if not s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).first():
                break
        ticking.current += timedelta(seconds=5)  # the dispatcher's next round
    dispatcher.stop()
    with runtime.session_factory() as s:
        sent = [row.sent_at for row in s.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "zhangsan"))]
    assert len(sent) == 60 and all(sent)  # every one delivered, none lost
    assert most_in_a_minute(sent) <= 30
    assert len(fake_wecom.state.sent_to("zhangsan")) == 60
