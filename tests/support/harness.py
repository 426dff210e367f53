"""A Convene you push events into and read replies from, on the memory adapter.

Scenario tests read like what members do::

    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene silo add Radiotherapy")
        assert "Added the silo" in convene.last_text()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.memory import SLACK_LIKE, Delivered, MemoryAdapter
from bot.adapter import Capabilities
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import CommitmentsSection, ConveneSection, RetrosSection, Settings
from bot.events import Place
from bot.wiring import build_registry

DEFAULT_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class Harness:
    app: ConveneApp
    adapter: MemoryAdapter
    clock: ManualClock

    async def command(
        self, actor: str, line: str, *, place: Place | None = None, event_id: str | None = None
    ) -> list[Delivered]:
        """Run a slash command and return what it caused to be delivered."""

        before = len(self.adapter.delivered)
        await self.adapter.command(actor, line, place=place, event_id=event_id)
        await self.app.settle()
        return self.adapter.delivered[before:]

    async def say(self, actor: str, text: str, *, place: Place | None = None) -> list[Delivered]:
        before = len(self.adapter.delivered)
        await self.adapter.say(actor, text, place=place)
        await self.app.settle()
        return self.adapter.delivered[before:]

    async def click(self, actor: str, label: str, *, on: str | None = None) -> list[Delivered]:
        """Press a button on the newest message the actor sees (whose text holds ``on``)."""

        before = len(self.adapter.delivered)
        await self.adapter.click(actor, label, on=on)
        await self.app.settle()
        return self.adapter.delivered[before:]

    async def reply_to(self, actor: str, line: str) -> str:
        """The text of the single reply a command got."""

        delivered = await self.command(actor, line)
        replies = [d for d in delivered if d.message.visible_to == actor or d.visible_to(actor)]
        assert replies, f"{line!r} got no reply"
        return replies[0].text

    def last_text(self) -> str:
        return self.adapter.last_text()


@asynccontextmanager
async def running(
    database_url: str,
    *,
    capabilities: Capabilities = SLACK_LIKE,
    conveners: tuple[str, ...] = ("you",),
    start: datetime = DEFAULT_START,
    platform: str = "memory",
    retros: RetrosSection | None = None,
    commitments: CommitmentsSection | None = None,
) -> AsyncIterator[Harness]:
    settings = Settings(
        convene=ConveneSection(
            database_url=database_url, conveners=list(conveners), instance_id="test"
        ),
        retros=retros or RetrosSection(),
        commitments=commitments or CommitmentsSection(),
    )
    clock = ManualClock(start)
    adapter = MemoryAdapter(platform=platform, capabilities=capabilities)
    app = ConveneApp(settings, [adapter], build_registry(), clock)
    await app.start(background=False)
    try:
        yield Harness(app, adapter, clock)
    finally:
        await app.stop()
