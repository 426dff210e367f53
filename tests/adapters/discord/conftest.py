"""Fixtures of the Discord tests: Convene on the Discord adapter (``discord``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from tests.support.discord_rig import DiscordRig, discord_convene


@pytest.fixture
async def discord(database_url: str, start: datetime) -> AsyncIterator[DiscordRig]:
    """Convene on the Discord adapter, logged in to the fake Discord's standard world, on
    each kind of database (``discord_convene`` for other settings or a restart)."""

    async with discord_convene(database_url, start=start) as rig:
        yield rig
