"""Two Convene instances on one database, fed by one Slack app: each event is handled once.

Slack lets an app open up to ten Socket Mode connections and gives each
envelope to one of them; an Events API callback it has no ack for is sent
again, and the retry may go down another connection. In HTTP mode a load
balancer spreads requests over the instances the same way. Here two
instances (their own adapter, their own inbox holder, one database) take
slash commands and members' DMs spread over both, each DM sent again to the
other instance at the same moment, and one instance may die after acking.
A test command and message handler notes each handling that committed:
every event must be there exactly once, and the inbox must end empty.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event as sa_event
from sqlmodel import select

import adapters.slack.adapter as slack_adapter_module
from adapters.slack.adapter import SlackAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.commands import Args, CommandSpec
from bot.config import ConveneSection, Secret, Settings, SlackSection
from bot.context import Context
from bot.events import Event, MessagePosted
from bot.registry import MessageRoute, Registry
from bot.wiring import build_registry
from storage.models import InboxEvent, ProcessedEvent
from tests.support.fake_slack import FakeSlack, Payload, SocketEnvelopeType
from tests.support.slack_rig import DEFAULT_START, SIGNING_SECRET, signature

LEASE = timedelta(seconds=Settings().outbox.lease_seconds)
EVENTS = 24
"""Events in a run: half slash commands, half DMs (each DM sent twice, to both instances)."""
_ids = itertools.count(1)


class ProcessDied(BaseException):
    """Stands for the process being killed: no ``except Exception`` of ours sees it."""


class DyingApp(ConveneApp):
    """An instance whose process dies as it starts to handle any event (after its acks)."""

    async def dispatch(self, event: Event) -> None:
        raise ProcessDied(f"killed before handling {event.event_id}")


class SpreadingSlack(FakeSlack):
    """The fake Slack, giving each envelope to the connection a test names (in the order
    the connections opened), as Slack spreads envelopes over an app's connections."""

    def __init__(self) -> None:
        super().__init__()
        self._to = 0

    async def send_to(
        self, connection: int, kind: SocketEnvelopeType, payload: Payload, **retry: Any
    ) -> str:
        self._to = connection
        return await self.socket_send(kind, payload, **retry)

    async def _open_socket(self, within: float) -> web.WebSocketResponse:
        chosen = self._to  # read before any await: sends may run concurrently
        await super()._open_socket(within)
        open_now = [socket for socket in self._sockets if not socket.closed]
        return open_now[chosen % len(open_now)]


def tallying_registry(handled: list[str]) -> Registry:
    """Convene's handlers, plus ``/convene tally`` and a DM "tally ...", each noting its
    event in ``handled`` once the transaction that handled it has committed."""

    async def tally(context: Context) -> None:
        event_id = context.event.event_id
        sa_event.listen(
            context.session.sync_session,
            "after_commit",
            lambda _session: handled.append(event_id),
            once=True,
        )
        await context.reply("tallied")

    async def tally_command(context: Context, _args: Args) -> None:
        await tally(context)

    registry = build_registry()
    registry.command(
        CommandSpec(
            ("convene", "tally"),
            tally_command,
            "Note this event (a test's)",
            "/convene tally",
            "/convene tally",
        )
    )

    def wants(message: MessagePosted) -> bool:
        return message.text.startswith("tally")

    registry.messages.insert(0, MessageRoute(wants, tally))
    return registry


@dataclass
class Instance:
    app: ConveneApp
    adapter: SlackAdapter
    handled: list[str]

    async def settle(self) -> None:
        await self.adapter.wait_idle()
        await self.app.settle()


def settings_for(fake: FakeSlack, database_url: str, mode: str, name: str) -> Settings:
    return Settings(
        convene=ConveneSection(
            database_url=database_url,
            conveners=["U1"],
            instance_id=name,
            adapters=["slack"],
            welcome=False,
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
async def two_instances(
    database_url: str, mode: str, *, first: type[ConveneApp] = ConveneApp
) -> AsyncIterator[tuple[SpreadingSlack, ManualClock, list[Instance]]]:
    """Instances "a" (of class ``first``) and "b" of one Slack app, started in that order."""

    clock = ManualClock(DEFAULT_START)
    async with SpreadingSlack() as fake, AsyncExitStack() as stack:
        for n, name in enumerate(("U1", "U2", "U3")):
            fake.add_user(name, f"member{n}", tz="Europe/London")
        fake.add_channel("C1", "general", ["U1", "U2", "U3"])
        instances = []
        for name, kind in (("a", first), ("b", ConveneApp)):
            handled: list[str] = []
            settings = settings_for(fake, database_url, mode, name)
            assert settings.slack is not None
            adapter = SlackAdapter(settings.slack, http_port=0, clock=clock)
            app = kind(settings, [adapter], tallying_registry(handled), clock)
            await app.start(background=False)
            stack.push_async_callback(app.stop)
            instances.append(Instance(app, adapter, handled))
        if mode == "socket":
            assert fake.socket_connections == 2
        yield fake, clock, instances


# -- what Slack sends, to one instance or the other -----------------------------------------------


def command_form(fake: FakeSlack, user: str) -> dict[str, str]:
    return {
        "token": "legacy",
        "team_id": fake.team_id,
        "team_domain": "convene",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/convene",
        "text": "tally",
        "api_app_id": fake.app_id,
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": f"instances.{next(_ids)}",
    }


def dm_callback(fake: FakeSlack, user: str) -> dict[str, Any]:
    n = next(_ids)
    ts = f"{1_700_000_000 + n}.000100"
    return {
        "token": "legacy",
        "team_id": fake.team_id,
        "api_app_id": fake.app_id,
        "event": {
            "type": "message",
            "channel": f"D{user}",
            "channel_type": "im",
            "user": user,
            "text": f"tally {n}",
            "ts": ts,
            "event_ts": ts,
        },
        "type": "event_callback",
        "event_id": f"EvInstances{n:05d}",
        "event_time": int(time.time()),
    }


Send = Callable[[int, dict[str, Any], int], Awaitable[int]]
"""Send a payload to instance 0 or 1 (the retry number last); the status of its ack."""


def socket_sender(fake: SpreadingSlack) -> Send:
    async def send(to: int, payload: dict[str, Any], retry: int) -> int:
        if "command" in payload:
            envelope_id = await fake.send_to(to, "slash_commands", payload)
        else:
            envelope_id = await fake.send_to(
                to, "events_api", payload, retry_attempt=retry, retry_reason="timeout" * bool(retry)
            )
        await fake.socket_ack(envelope_id)
        return 200

    return send


def http_sender(http: aiohttp.ClientSession, instances: list[Instance]) -> Send:
    async def send(to: int, payload: dict[str, Any], retry: int) -> int:
        if "command" in payload:
            body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
        else:
            body, content_type = json.dumps(payload), "application/json"
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(body, stamp),
        }
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        url = instances[to].adapter.url
        async with http.post(url, data=body.encode(), headers=headers) as answer:
            return answer.status

    return send


async def spread(fake: FakeSlack, send: Send) -> list[str]:
    """``EVENTS`` events, all at once, spread over both instances: a command to one, a DM
    to one and the same DM again (Slack's retry) to the other. Their event ids."""

    sends: list[Awaitable[int]] = []
    ids = []
    users = ("U1", "U2", "U3")
    for n in range(EVENTS):
        user = users[n % len(users)]
        to = n % 2
        if n % 4 < 2:
            form = command_form(fake, user)
            ids.append(f"command:{form['trigger_id']}")
            sends.append(send(to, form, 0))
        else:
            callback = dm_callback(fake, user)
            ids.append(f"event:{callback['event_id']}")
            sends.append(send(to, callback, 0))
            sends.append(send(1 - to, callback, 1))
    statuses = await asyncio.gather(*sends)
    assert statuses == [200] * len(sends), "every request and envelope is acknowledged"
    return ids


async def inbox_rows(instance: Instance) -> int:
    async with instance.app.sessions() as session:
        return len((await session.exec(select(InboxEvent))).all())


async def times_recorded(instance: Instance, ids: list[str]) -> Counter[str]:
    async with instance.app.sessions() as session:
        found = (await session.exec(select(ProcessedEvent.event_id))).all()
    return Counter(event_id for event_id in found if event_id in set(ids))


async def sender_for(
    mode: str, fake: SpreadingSlack, instances: list[Instance], http: aiohttp.ClientSession
) -> Send:
    return socket_sender(fake) if mode == "socket" else http_sender(http, instances)


# -- the scenarios -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_two_instances_of_one_slack_app_handle_every_event_exactly_once(
    database_url: str, mode: str
) -> None:
    async with (
        two_instances(database_url, mode) as (fake, _clock, instances),
        aiohttp.ClientSession() as http,
    ):
        send = await sender_for(mode, fake, instances, http)
        ids = await spread(fake, send)
        for instance in instances:
            await instance.settle()

        handled = Counter(instances[0].handled + instances[1].handled)
        assert handled == Counter(ids), "each event handled once, none lost, none twice"
        assert instances[0].handled and instances[1].handled, "both instances took a share"
        assert await times_recorded(instances[0], ids) == Counter(ids)
        assert [await inbox_rows(instance) for instance in instances] == [0, 0]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_events_an_instance_acked_before_dying_are_handled_once_by_the_other(
    database_url: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_adapter_module, "DRAIN_SECONDS", 0.1)
    async with (
        two_instances(database_url, mode, first=DyingApp) as (fake, clock, instances),
        aiohttp.ClientSession() as http,
    ):
        dying, survivor = instances
        send = await sender_for(mode, fake, instances, http)
        ids = await spread(fake, send)
        await survivor.settle()
        # The first instance is killed: its connections close, nothing is handed back.
        await dying.adapter.stop()
        await dying.app.engine.dispose()
        left = await inbox_rows(survivor)
        assert left > 0, "the dead instance's acked events wait in the inbox"

        clock.set(clock.now() + LEASE + timedelta(seconds=1))
        await survivor.settle()
        clock.set(clock.now() + 10 * LEASE)
        await survivor.settle()

        assert Counter(survivor.handled) == Counter(ids), "each event handled once, by the other"
        assert dying.handled == []
        assert await inbox_rows(survivor) == 0
