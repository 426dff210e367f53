"""A Convene you push events into and read replies from, on the memory adapter.

Scenario tests read like what members do::

    async with running(sqlite_url) as convene:
        await convene.command("you", "/convene silo add Radiotherapy")
        assert "Added the silo" in convene.last_text()

(or take the ``convene`` fixture, which is this on ``database_url``). Each
step returns what it caused to be delivered, once Convene has settled.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import text as sql
from sqlmodel import SQLModel, select

from adapters.memory import SLACK_LIKE, Delivered, MemoryAdapter
from bot.adapter import Capabilities
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import (
    CommitmentsSection,
    ConveneSection,
    PrivacySection,
    RetrosSection,
    Settings,
)
from bot.events import ButtonClicked, IncomingFile, Place
from bot.messages import Form
from bot.wiring import build_registry

DEFAULT_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

Row = TypeVar("Row", bound=SQLModel)
Snapshot = dict[str, list[tuple[object, ...]]]
_presses = itertools.count(1)


@dataclass
class Harness:
    app: ConveneApp
    adapter: MemoryAdapter
    clock: ManualClock

    async def _delivered_by(self, step: Callable[[], Awaitable[Any]]) -> list[Delivered]:
        """Take a step, let Convene settle, and return what the step caused to be delivered."""

        before = len(self.adapter.delivered)
        await step()
        await self.app.settle()
        return self.adapter.delivered[before:]

    # -- what members do -----------------------------------------------------------------

    async def command(
        self,
        actor: str,
        line: str,
        *,
        place: Place | None = None,
        event_id: str | None = None,
        files: tuple[IncomingFile, ...] = (),
    ) -> list[Delivered]:
        """Run a slash command (with ``files`` attached) and return what it caused to be
        delivered."""

        return await self._delivered_by(
            lambda: self.adapter.command(actor, line, place=place, event_id=event_id, files=files)
        )

    async def say(
        self,
        actor: str,
        text: str,
        *,
        place: Place | None = None,
        files: tuple[IncomingFile, ...] = (),
    ) -> list[Delivered]:
        return await self._delivered_by(
            lambda: self.adapter.say(actor, text, place=place, files=files)
        )

    async def in_dm(self, actor: str, text: str) -> list[Delivered]:
        """The member writes in their DM with the bot."""

        return await self.say(actor, text, place=self.adapter.dm(actor))

    async def click(self, actor: str, label: str, *, on: str | None = None) -> list[Delivered]:
        """Press a button on the newest message the actor sees (whose text holds ``on``)."""

        return await self._delivered_by(lambda: self.adapter.click(actor, label, on=on))

    async def press(self, actor: str, message: Delivered, label: str) -> list[Delivered]:
        """Press a button on a message as this actor, whether or not it was shown to them
        (a forwarded message, a shared screen, a stale client)."""

        (button,) = [b for b in message.message.buttons if b.label == label]
        adapter = self.adapter
        clicked = ButtonClicked(
            platform=adapter.platform,
            workspace_id=adapter.workspace_id,
            actor_id=actor,
            actor_name=actor,
            place=adapter.dm(actor),
            event_id=f"press-{next(_presses)}",
            action_id=button.action_id,
            value=button.value,
            message_ref=message.ref,
        )
        return await self._delivered_by(lambda: adapter.push(clicked))

    async def submit(self, actor: str, form: Form, values: dict[str, str]) -> list[Delivered]:
        """Send a form the actor was shown, with these values by field name."""

        return await self._delivered_by(lambda: self.adapter.submit(actor, form, values))

    async def answer_form(self, actor: str, answers: Sequence[str]) -> list[Delivered]:
        """Send the check-in form last opened for ``actor``: each field (``q0``, ``q1``…)
        with its question's answer."""

        form = self.last_form(actor)
        values = {field.name: answers[int(field.name[1:])] for field in form.fields}
        return await self.submit(actor, form, values)

    async def advance(self, to: datetime) -> list[Delivered]:
        """Move the clock to ``to``, firing what falls due on the way."""

        return await self._delivered_by(lambda: self.app.advance_clock_to(to))

    async def reply_to(self, actor: str, line: str) -> str:
        """The text of the first reply a command got."""

        delivered = await self.command(actor, line)
        replies = [d for d in delivered if d.message.visible_to == actor or d.visible_to(actor)]
        assert replies, f"{line!r} got no reply"
        return replies[0].text

    async def only_reply(
        self, actor: str, line: str, *, place: Place | None = None
    ) -> tuple[str, list[Delivered]]:
        """The one reply only the speaker sees, and everything the command caused."""

        delivered = await self.command(actor, line, place=place)
        (only,) = [d for d in delivered if d.message.visible_to == actor]
        return only.text, delivered

    # -- what the workspace shows --------------------------------------------------------

    def last_text(self) -> str:
        return self.adapter.last_text()

    def last_form(self, actor: str, form_id: str | None = None) -> Form:
        """The form last opened, which must be the actor's (and ``form_id``, if named)."""

        event, form = self.adapter.forms_opened[-1]
        assert event.actor_id == actor, (event.actor_id, actor)
        if form_id is not None:
            assert form.form_id == form_id, (form.form_id, form_id)
        return form

    def dms(self, member: str, opening: str = "") -> list[Delivered]:
        """Direct messages to one member (not private replies shown in a channel)."""

        return [
            d
            for d in self.adapter.delivered
            if d.message.target.kind == "dm"
            and d.message.target.member_ids == (member,)
            and d.text.startswith(opening)
        ]

    def thread(self, root: Delivered) -> list[Delivered]:
        """What was posted in the thread under ``root``."""

        return [
            d
            for d in self.adapter.delivered
            if d.message.target.kind == "thread"
            and d.message.target.thread_id == root.ref["message_id"]
        ]

    def newest(self, holding: str) -> Delivered:
        """The newest delivered message whose text holds these words."""

        for item in reversed(self.adapter.delivered):
            if holding in item.text:
                return item
        raise LookupError(f"nothing delivered holds {holding!r}")

    # -- what the database holds ---------------------------------------------------------

    async def rows(self, model: type[Row], *, order_by: Any = None) -> list[Row]:
        """Every row of a table, in ``order_by`` order if one is given."""

        query = select(model) if order_by is None else select(model).order_by(order_by)
        async with self.app.sessions() as session:
            return list((await session.exec(query)).all())

    async def snapshot(self, tables: Iterable[str], *, order_by: str = "1, 2") -> Snapshot:
        """Every row of these tables, to compare before and after a step that must
        change nothing."""

        found: Snapshot = {}
        async with self.app.engine.connect() as connection:
            for table in tables:
                rows = await connection.execute(sql(f"SELECT * FROM {table} ORDER BY {order_by}"))
                found[table] = [tuple(row) for row in rows]
        return found


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
    welcome: bool = False,
    privacy: PrivacySection | None = None,
) -> AsyncIterator[Harness]:
    """``welcome``: send the first-contact welcome DM (off, so a scenario sees only
    what its own steps cause, unless it is about the welcome)."""

    settings = Settings(
        convene=ConveneSection(
            database_url=database_url,
            conveners=list(conveners),
            instance_id="test",
            welcome=welcome,
        ),
        retros=retros or RetrosSection(),
        commitments=commitments or CommitmentsSection(),
        privacy=privacy or PrivacySection(),
    )
    clock = ManualClock(start)
    adapter = MemoryAdapter(platform=platform, capabilities=capabilities)
    app = ConveneApp(settings, [adapter], build_registry(), clock)
    await app.start(background=False)
    try:
        yield Harness(app, adapter, clock)
    finally:
        await app.stop()
