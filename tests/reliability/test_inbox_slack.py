"""Slack does not resend a slash command it has an acknowledgement for, so neither may we lose it.

Through the fake Slack, in HTTP mode and Socket Mode: a member's command is
acknowledged, and the instance "dies" before its work is done (its dispatch
raises ``ProcessDied``, a ``BaseException`` nothing of Convene catches, and
the app is abandoned without a clean stop). A new instance on the same
database answers the command once its predecessor's lease has run out, and
only once. A burst of commands costs fewer inbox commits than commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event as sa_event
from sqlmodel import select

import adapters.slack.adapter as slack_adapter_module
from adapters.slack.adapter import SlackAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Secret, Settings, SlackSection
from bot.events import Event
from bot.wiring import build_registry
from storage.models import InboxEvent, Silo
from tests.support.fake_slack import FakeSlack
from tests.support.slack_rig import DEFAULT_START, SIGNING_SECRET, SlackRig

LEASE = timedelta(seconds=Settings().outbox.lease_seconds)


class ProcessDied(BaseException):
    """Stands for the process being killed: no ``except Exception`` of ours sees it."""


class DyingApp(ConveneApp):
    """Convene whose process dies as it starts to handle any event."""

    async def dispatch(self, event: Event) -> None:
        raise ProcessDied(f"killed before handling {event.event_id}")


def slack_settings(fake: FakeSlack, database_url: str, mode: str) -> Settings:
    return Settings(
        convene=ConveneSection(
            database_url=database_url, conveners=["U1"], instance_id="test", adapters=["slack"]
        ),
        slack=SlackSection(
            bot_token=Secret(fake.bot_token),
            app_token=Secret(fake.app_token),
            signing_secret=Secret(SIGNING_SECRET if mode == "http" else ""),
            mode=mode,
            api_base_url=fake.base_url,
            http_host="127.0.0.1",
        ),
    )


@asynccontextmanager
async def a_fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "alice", tz="Europe/London")
        fake.add_user("U2", "bob", tz="America/New_York")
        fake.add_channel("C1", "general", ["U1", "U2"])
        yield fake


async def convene_on(
    fake: FakeSlack,
    database_url: str,
    clock: ManualClock,
    http: aiohttp.ClientSession,
    *,
    mode: str,
    app_class: type[ConveneApp] = ConveneApp,
) -> SlackRig:
    settings = slack_settings(fake, database_url, mode)
    assert settings.slack is not None
    adapter = SlackAdapter(settings.slack, http_port=0, clock=clock)
    app = app_class(settings, [adapter], build_registry(), clock)
    await app.start(background=False)
    return SlackRig(app, adapter, fake, clock, http, mode=mode)


async def kill(rig: SlackRig) -> None:
    """The process is gone: its connections close, nothing is handled or handed back."""

    await rig.adapter.stop()
    await rig.app.engine.dispose()


async def inbox_rows(rig: SlackRig) -> int:
    async with rig.app.sessions() as session:
        return len((await session.exec(select(InboxEvent))).all())


def silo_added_replies(fake: FakeSlack) -> list[str]:
    return [
        str(m.get("text", ""))
        for m in fake.accepted_calls("chat.postEphemeral")
        if "Added the silo" in str(m.get("text", ""))
    ]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_command_acknowledged_before_a_kill_is_answered_once_after_the_restart(
    database_url: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_adapter_module, "DRAIN_SECONDS", 0.1)
    clock = ManualClock(DEFAULT_START)
    async with a_fake_slack() as fake, aiohttp.ClientSession() as http:
        dying = await convene_on(fake, database_url, clock, http, mode=mode, app_class=DyingApp)
        try:
            answer = await dying.command("U1", "/convene", "silo add Radiotherapy")
            assert answer.status == 200, "Slack has its acknowledgement"
        finally:
            await kill(dying)
        assert silo_added_replies(fake) == []

        clock.set(clock.now() + LEASE + timedelta(seconds=1))
        restarted = await convene_on(fake, database_url, clock, http, mode=mode)
        try:
            await restarted.settle()
            assert silo_added_replies(fake) == ["Added the silo Radiotherapy (team)."]
            assert await inbox_rows(restarted) == 0

            clock.set(clock.now() + 10 * LEASE)
            await restarted.settle()
            assert silo_added_replies(fake) == ["Added the silo Radiotherapy (team)."]
            async with restarted.app.sessions() as session:
                assert [s.name for s in (await session.exec(select(Silo))).all()] == [
                    "Radiotherapy"
                ]
        finally:
            await restarted.app.stop()


@contextmanager
def counting_inbox_writes(rig: SlackRig) -> Iterator[list[int]]:
    writes = [0]

    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
    ) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            writes[0] += 1

    engine = rig.app.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield writes
    finally:
        sa_event.remove(engine, "before_cursor_execute", before_cursor_execute)


async def test_a_burst_of_slack_commands_is_kept_in_fewer_writes_than_commands(
    database_url: str,
) -> None:
    clock = ManualClock(DEFAULT_START)
    commands = 24
    async with a_fake_slack() as fake, aiohttp.ClientSession() as http:
        rig = await convene_on(fake, database_url, clock, http, mode="http")
        try:
            with counting_inbox_writes(rig) as writes:
                answers = await asyncio.gather(
                    *(
                        rig.command("U1", "/convene", f'silo add "Team {n:02d}"')
                        for n in range(commands)
                    )
                )
            assert [a.status for a in answers] == [200] * commands
            assert 1 <= writes[0] < commands
            await rig.settle()
            assert len(silo_added_replies(fake)) == commands
            assert await inbox_rows(rig) == 0
        finally:
            await rig.app.stop()
