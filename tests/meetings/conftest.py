"""Fixtures for the meeting tests: a settable clock on Monday 09:00 and the bot with or without
the weekly meeting configured."""
from __future__ import annotations

import pytest

from tests.conftest import FixedClock
from tests.meetings.helpers import MONDAY, WEEKLY, running_since


@pytest.fixture
def clock():
    return FixedClock(MONDAY)


@pytest.fixture
def weekly_bot(start_bot, clock):
    """The bot with one weekly meeting configured, its clock on Monday 09:00."""
    bot = start_bot(clock=clock, extra={"meetings": WEEKLY})
    bot.clock = clock
    running_since(bot)
    return bot


@pytest.fixture
def adhoc_bot(start_bot, clock):
    """The bot with no recurring meetings (only what is registered in chat)."""
    bot = start_bot(clock=clock, extra={"meetings": {"recurring": []}})
    bot.clock = clock
    running_since(bot)
    return bot
