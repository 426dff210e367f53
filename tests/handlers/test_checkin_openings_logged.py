"""Every opening of a check-in run is logged, whatever opened it and whatever the hour.

Before, only the scheduled opening wrote its INFO line. A check-in created on
a Sunday evening (UTC), after Monday 09:00 had already come in Kiritimati,
opened Monday's run at once for the members still ahead, and the log said
nothing of it: a convener reading ``convene.log`` saw "run 1 closed" with no
opening, and the shell's log tests failed only when run in that hour.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.adapter import ChannelMember
from tests.support.harness import Harness, running
from tests.support.times import SUNDAY_NOON

SUNDAY_EVENING = datetime(2026, 11, 29, 19, 30, tzinfo=UTC)
"""Monday 09:00 has come in Kiritimati (UTC+14); it is still ahead in London."""

CREATE = '/convene checkin create "Pulse" #general every Monday 09:00 --tz Europe/London'


@asynccontextmanager
async def pulse_created(
    sqlite_url: str, start: datetime, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    """Convene at ``start``, Alice and Bob in #general, a Monday check-in created, and
    the check-ins' log captured."""

    caplog.set_level(logging.INFO, logger="convene.checkins")
    async with running(sqlite_url, start=start) as convene:
        convene.adapter.channel_members["general"] = [
            ChannelMember("alice", "Alice", "Europe/London"),
            ChannelMember("bob", "Bob", "Europe/London"),
        ]
        await convene.command("you", CREATE)
        yield convene


def openings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "convene.checkins" and " opened run " in r.getMessage()
    ]


async def test_a_check_in_created_after_its_day_began_somewhere_logs_the_run_it_opens(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with pulse_created(sqlite_url, SUNDAY_EVENING, caplog):
        assert openings(caplog) == ["check-in 1 opened run 1 for 2026-11-30: 2 members"]


async def test_a_scheduled_opening_is_logged_once(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with pulse_created(sqlite_url, SUNDAY_NOON, caplog) as convene:
        assert openings(caplog) == []

        await convene.advance(SUNDAY_EVENING)

        assert openings(caplog) == ["check-in 1 opened run 1 for 2026-11-30: 2 members"]


async def test_run_now_is_logged_as_run_now(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with pulse_created(sqlite_url, SUNDAY_NOON, caplog) as convene:
        await convene.command("you", '/convene checkin run now "Pulse"')

        assert openings(caplog) == ["check-in 1 opened run 1 for 2026-11-29: 2 members (run now)"]
