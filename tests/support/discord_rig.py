"""Convene on the Discord adapter, against the fake Discord on loopback.

The real discord.py client logs in to the fake's REST API and connects to its
gateway; a test sends interactions down the gateway as Discord would, and
reads what Convene said from the fake's record of REST calls::

    async with discord_convene(sqlite_url) as rig:
        await rig.slash(ALICE, "convene", "silo", "add", name="Radiotherapy")
        assert "Added the silo" in rig.told(ALICE)[-1]

Each call returns once Convene has answered the interaction and done its work
(the adapter's queue is empty and the outbox delivered).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.discord.adapter import DiscordAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.commands import CommandSpec
from bot.config import ConveneSection, DiscordSection, Secret, Settings
from bot.events import Event
from bot.registry import Registry
from bot.wiring import build_registry, connect_suggestions
from tests.support.fake_discord import (
    DiscordRequest,
    FakeDiscord,
    option,
    subcommand,
    subcommand_group,
)

GUILD = 900_000_000_000_000_001
GENERAL = 900_000_000_000_000_101
ALICE = 900_000_000_000_001_001
BOB = 900_000_000_000_001_002
KENJI = 900_000_000_000_001_003
GUILD_2 = 900_000_000_000_000_002
"""A second server (``second_guild=True``): alice (no nickname there) and dana."""
GENERAL_2 = 900_000_000_000_000_201
DANA = 900_000_000_000_001_004
DEFAULT_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
EPHEMERAL = 1 << 6
"""The message flag of a reply only the member who acted sees."""
Payload = dict[str, Any]


@dataclass(frozen=True)
class Shards:
    """The shards one Convene instance runs (``[discord] shard_count`` and ``shard_ids``)."""

    count: int
    ids: tuple[int, ...]
    instance_id: str


class DiscordTime:
    """The fake Discord's clock under the rig: real time, plus however far the tests
    have moved Convene's manual clock on.

    Real time, so that Discord's three seconds for a first answer measure how long
    Convene really took; plus the manual clock's moves, so that Discord's fifteen
    minutes for an interaction's token pass when Convene's clock says they have.
    It never runs backwards, through any number of restarts on one fake.
    """

    def __init__(self) -> None:
        self._moved_before = 0.0
        self._clock: ManualClock | None = None
        self._since = DEFAULT_START
        self._most = 0.0

    def follow(self, clock: ManualClock) -> None:
        """Count ``clock``'s moves from now on (a Convene started on this fake)."""

        self._moved_before = self._moved()
        self._clock, self._since = clock, clock.now()

    def _moved(self) -> float:
        moved = self._moved_before
        if self._clock is not None:
            moved += max(0.0, (self._clock.now() - self._since).total_seconds())
        self._most = max(self._most, moved)
        return self._most

    def __call__(self) -> float:
        return time.monotonic() + self._moved()


class Handled:
    """The events Convene has finished dispatching, by event id, for a test to wait on."""

    def __init__(self) -> None:
        self._done: dict[str, asyncio.Event] = {}
        self.events: list[Event] = []
        """Every event dispatched, in order (which instance saw what, with shards)."""

    def _of(self, event_id: str) -> asyncio.Event:
        return self._done.setdefault(event_id, asyncio.Event())

    def note(self, event_id: str) -> None:
        self._of(event_id).set()

    async def wait_for(self, event_id: str) -> None:
        await self._of(event_id).wait()


class _NotingApp(ConveneApp):
    """Convene, noting each event once it has been dispatched (handled or refused)."""

    handled: Handled

    async def dispatch(self, event: Event) -> None:
        try:
            await super().dispatch(event)
        finally:
            self.handled.events.append(event)
            self.handled.note(event.event_id)


@dataclass
class DiscordRig:
    app: ConveneApp
    adapter: DiscordAdapter
    fake: FakeDiscord
    clock: ManualClock
    tokens: dict[str, int] = field(default_factory=dict)
    """Each interaction's token, and the member whose interaction it was."""
    dispatched: list[int] = field(default_factory=list)
    """The id of each interaction sent, in order."""
    handled: Handled = field(default_factory=Handled)
    prompt: bool = False
    """Deliver what an interaction queued as soon as it is handled, as the background
    deliverer does in production, so a reply can be the interaction's answer itself.
    Off (the default), nothing is delivered until Discord has had its deferral."""

    async def settle(self) -> None:
        await self.adapter.wait_idle()
        await self.app.settle()

    async def interact(self, payload: Payload) -> None:
        """One interaction down the gateway; returns once it is answered and handled."""

        who: Payload = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        self.tokens[str(payload["token"])] = int(who["id"])
        self.dispatched.append(int(payload["id"]))
        await self.fake.gateway_dispatch("INTERACTION_CREATE", payload)
        if self.prompt:
            await self._deliver_once_handled(int(payload["id"]))
        await self.fake.wait_for_callback(int(payload["id"]), within=5.0)
        await self.settle()

    async def _deliver_once_handled(self, interaction: int, within: float = 5.0) -> None:
        """Deliver as soon as Convene has handled the interaction, unless Discord has
        its answer first (an autocompletion, a form, something Convene does not know)."""

        handled = asyncio.create_task(self.handled.wait_for(f"interaction:{interaction}"))
        answered = asyncio.create_task(self.fake.wait_for_callback(interaction, within=within))
        try:
            await asyncio.wait(
                {handled, answered}, timeout=within, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (handled, answered):
                task.cancel()
            await asyncio.gather(handled, answered, return_exceptions=True)
        if handled.done() and not handled.cancelled():
            await self.settle()

    def answer_delays(self) -> dict[int, float]:
        """For each interaction sent so far, seconds from the fake sending it to its first
        callback, by the fake's clock (infinite for one never answered)."""

        delays: dict[int, float] = {}
        for interaction in self.dispatched:
            delay = self.fake.answer_delay(interaction)
            delays[interaction] = float("inf") if delay is None else delay
        return delays

    async def slash(
        self,
        user: int,
        *names: str,
        channel: int = GENERAL,
        guild: int | None = GUILD,
        options: Mapping[str, str | int | bool] | None = None,
        **values: str | int | bool,
    ) -> Payload:
        """Run ``/names…`` with options by name (``new_name="X"``; ``-`` is ``_`` here).

        ``options`` gives options whose names the keywords here take
        (``options={"channel": str(GENERAL)}``).
        """

        inner = self._options(names, {**(options or {}), **values})
        payload = self.fake.slash_command_payload(guild, channel, user, names[0], inner)
        await self.interact(payload)
        return payload

    def _options(
        self, names: tuple[str, ...], values: Mapping[str, str | int | bool]
    ) -> list[Payload]:
        types = _option_types(self.adapter.commands.payload, names)
        given = []
        for name, value in values.items():
            named = self._named(types, names, name)
            given.append(option(named, value, kind=types[named]))
        if len(names) == 3:
            return [subcommand_group(names[1], subcommand(names[2], *given))]
        return [subcommand(names[1], *given)]

    @staticmethod
    def _named(types: Mapping[str, int], names: tuple[str, ...], name: str) -> str:
        named = name if name in types else name.replace("_", "-")
        if named not in types:
            raise LookupError(f"/{' '.join(names)} has no option {name!r}")
        return named

    async def autocomplete(
        self,
        user: int,
        *names: str,
        focused: str,
        channel: int = GENERAL,
        guild: int | None = GUILD,
        **values: str | int | bool,
    ) -> list[Payload]:
        """Type into option ``focused`` of ``/names…`` (its text among ``values``); the choices.

        Returns the ``choices`` of the type 8 callback Convene answered with.
        """

        values = {focused: "", **values}
        inner = self._options(names, values)
        types = _option_types(self.adapter.commands.payload, names)
        payload = self.fake.autocomplete_payload(
            guild, channel, user, names[0], inner, self._named(types, names, focused)
        )
        await self.interact(payload)
        answers = self.fake.callbacks(int(payload["id"]))
        if not answers or answers[0].type != 8:
            raise AssertionError(f"autocompletion was answered with {answers!r}, not type 8")
        return list((answers[0].data or {}).get("choices") or [])

    def _component(self, message: Payload, label: str) -> Payload:
        for row in message.get("components") or []:
            for item in row.get("components") or []:
                if item.get("label") == label:
                    return dict(item)
                for choice in item.get("options") or []:
                    if choice.get("label") == label:
                        return {**item, "chosen": choice["value"]}
        raise LookupError(f"no button or choice labelled {label!r} on that message")

    async def click(self, user: int, message: Payload, label: str) -> Payload:
        """Press the button (or pick the choice) labelled ``label`` on a recorded message."""

        item = self._component(message, label)
        channel = int(message["channel_id"])
        in_guild = self.fake.channel_payload(channel).get("guild_id")
        guild = int(in_guild) if in_guild else None
        if "chosen" in item:
            payload = self.fake.component_payload(
                guild,
                channel,
                user,
                item["custom_id"],
                component_type=3,
                values=[item["chosen"]],
                message=message,
            )
        else:
            payload = self.fake.button_payload(
                guild, channel, user, item["custom_id"], message=message
            )
        await self.interact(payload)
        return payload

    def modal(self, interaction: Payload) -> Payload:
        """The modal Convene answered an interaction with."""

        for callback in self.fake.callbacks(int(interaction["id"])):
            if callback.type == 9:
                return dict(callback.data or {})
        raise LookupError("that interaction was not answered with a form")

    async def submit(self, user: int, interaction: Payload, values: Mapping[str, str]) -> Payload:
        """Fill in the form an interaction opened, by input name."""

        shown = self.modal(interaction)
        in_guild = interaction.get("guild_id")
        guild = int(in_guild) if in_guild else None
        payload = self.fake.modal_submit_payload(
            guild,
            int(interaction["channel_id"]),
            user,
            str(shown["custom_id"]),
            dict(values),
            labels=True,
            message=interaction.get("message"),
        )
        await self.interact(payload)
        return payload

    async def dm_text(self, user: int, text: str, *, within: float = 5.0) -> Payload:
        """The member types ``text`` in their DM with the bot (one the bot has opened).

        Returns once Convene has handled the message and delivered what it queued.
        """

        dm = self.fake.dm_channel_of(user)
        if dm is None:
            raise LookupError(f"the bot never opened a DM with {user}")
        typed = self.fake.add_message(dm, user, text)
        await self.fake.gateway_dispatch("MESSAGE_CREATE", typed)
        try:
            async with asyncio.timeout(within):
                await self.handled.wait_for(f"message:{typed['id']}")
        except TimeoutError:
            raise TimeoutError(
                f"Convene did not handle the DM {text!r} within {within:g} s"
            ) from None
        await self.settle()
        return typed

    # -- what was said ----------------------------------------------------------------

    def _private(self) -> list[tuple[int, str]]:
        """(member, text) of every reply only one member saw, in order."""

        said: list[tuple[float, int, str]] = []
        for callback in self.fake.callbacks():
            user = self.tokens.get(callback.token)
            data = callback.data or {}
            if user is not None and callback.type == 4 and data.get("content"):
                said.append((callback.at, user, str(data["content"])))
        for record in self.fake.requests:
            if not record.path.startswith("/webhooks/") or record.method not in ("POST", "PATCH"):
                continue
            token = record.path.split("/")[3]
            user = self.tokens.get(token)
            body = record.json if isinstance(record.json, dict) else {}
            if user is not None and body.get("content") and record.status < 300:
                said.append((record.at, user, str(body["content"])))
        said.sort(key=lambda item: item[0])
        return [(user, text) for _, user, text in said]

    def replies(self, user: int) -> list[str]:
        """Answers to a member's interactions that only they saw, oldest first (no DMs)."""

        return [text for who, text in self._private() if who == user]

    def told(self, user: int) -> list[str]:
        """What was said to one member only: private replies, then their DMs."""

        private = [text for who, text in self._private() if who == user]
        dm = self.fake.dm_channel_of(user)
        direct = [str(m.get("content", "")) for m in self.fake.messages_in(dm)] if dm else []
        return private + direct

    def dms(self, user: int) -> list[Payload]:
        dm = self.fake.dm_channel_of(user)
        return self.fake.messages_in(dm) if dm else []

    def posted(self, channel: int, text: str = "") -> list[Payload]:
        """Messages in a channel (or thread) holding ``text``, as they now read."""

        return [m for m in self.fake.messages_in(channel) if text in str(m.get("content", ""))]

    def sent(self, method: str, pattern: str) -> list[DiscordRequest]:
        return self.fake.calls(method, pattern)

    async def advance_to(self, when: datetime) -> None:
        await self.app.advance_clock_to(when)
        await self.settle()


def synced_subcommand(payload: list[Payload], names: tuple[str, ...]) -> Payload:
    """The command, group or subcommand at ``names`` in a command table as synced."""

    level: list[Payload] = payload
    found: Payload | None = None
    for name in names:
        found = next((o for o in level if o.get("name") == name), None)
        if found is None:
            raise LookupError(f"no {name!r} in the synced commands")
        level = found.get("options") or []
    if found is None:
        raise LookupError("no command named")
    return found


def _option_types(payload: list[Payload], names: tuple[str, ...]) -> dict[str, int]:
    """The option types of one subcommand, by option name."""

    options = synced_subcommand(payload, names).get("options") or []
    return {str(o["name"]): int(o["type"]) for o in options}


def _standard_world(fake: FakeDiscord, *, second_guild: bool) -> None:
    fake.add_guild(GUILD, "Hospital network")
    for user, name in ((ALICE, "alice"), (BOB, "bob"), (KENJI, "kenji"), (DANA, "dana")):
        fake.add_user(user, name, global_name=name.title())
    for user in (ALICE, BOB, KENJI):
        fake.add_member(GUILD, user, nick="Alice R" if user == ALICE else None)
    fake.add_channel(GUILD, GENERAL, "general")
    if second_guild:
        fake.add_guild(GUILD_2, "Care homes")
        fake.add_member(GUILD_2, ALICE)
        fake.add_member(GUILD_2, DANA)
        fake.add_channel(GUILD_2, GENERAL_2, "general")


@asynccontextmanager
async def discord_world(
    *, second_guild: bool = False, world: Callable[[FakeDiscord], None] | None = None
) -> AsyncIterator[FakeDiscord]:
    """The fake Discord with the standard world (and ``world``'s additions), running.

    Pass it to ``discord_convene(..., fake=...)`` to start Convene against it,
    more than once to restart Convene on the same Discord.
    """

    async with FakeDiscord(now=DiscordTime()) as fake:
        _standard_world(fake, second_guild=second_guild)
        if world is not None:
            world(fake)
        yield fake


@asynccontextmanager
async def discord_convene(
    database_url: str,
    *,
    start: datetime = DEFAULT_START,
    conveners: tuple[int, ...] = (ALICE,),
    read_channel_messages: bool = False,
    fake: FakeDiscord | None = None,
    second_guild: bool = False,
    world: Callable[[FakeDiscord], None] | None = None,
    commands: Iterable[CommandSpec] | None = None,
    prompt: bool = False,
    registry: Registry | None = None,
    shards: Shards | None = None,
) -> AsyncIterator[DiscordRig]:
    """Convene in one server with alice (a convener, nickname "Alice R"), bob and kenji,
    all in #general.

    ``second_guild`` adds a second server (``GUILD_2``: alice and dana, in
    ``GENERAL_2``); ``world`` adds more (roles, members) before Convene starts.
    With ``fake`` (from ``discord_world``) Convene runs against that Discord,
    which outlives it: a second ``discord_convene`` on the same database and
    fake is a restart. ``commands`` replaces the command table sent to Discord.
    ``prompt`` delivers replies while Discord waits for an answer (``DiscordRig.prompt``).
    ``registry`` replaces Convene's handlers (a test's own, added to ``build_registry()``'s).
    ``shards`` runs this instance on some of the bot's shards (``Shards``); several
    ``discord_convene`` on one ``fake`` and database are several instances.
    """

    if fake is None:
        async with (
            discord_world(second_guild=second_guild, world=world) as made,
            _running(
                database_url,
                made,
                start,
                conveners,
                read_channel_messages,
                commands,
                registry,
                shards,
            ) as rig,
        ):
            rig.prompt = prompt
            yield rig
            assert_nothing_refused(made)
        return
    if world is not None:
        world(fake)
    async with _running(
        database_url, fake, start, conveners, read_channel_messages, commands, registry, shards
    ) as rig:
        rig.prompt = prompt
        yield rig
        assert_nothing_refused(fake)


def assert_nothing_refused(fake: FakeDiscord) -> None:
    """Nothing Convene sent broke one of Discord's documented limits (``discord_limits``)."""

    refused = [
        f"{r.method} {r.path}: {body.get('errors', body)}" for r, body in fake.invalid_bodies
    ]
    assert refused == [], "Discord would refuse these requests:\n" + "\n".join(refused)


@asynccontextmanager
async def _running(
    database_url: str,
    fake: FakeDiscord,
    start: datetime,
    conveners: tuple[int, ...],
    read_channel_messages: bool,
    commands: Iterable[CommandSpec] | None,
    registry: Registry | None = None,
    shards: Shards | None = None,
) -> AsyncIterator[DiscordRig]:
    settings = Settings(
        convene=ConveneSection(
            database_url=database_url,
            conveners=[str(c) for c in conveners],
            instance_id=shards.instance_id if shards is not None else "test",
            adapters=["discord"],
            welcome=False,  # as in tests.support.harness: a scenario sees its own steps
        ),
        discord=DiscordSection(
            token=Secret(fake.token),
            api_base_url=fake.base_url,
            gateway_url=fake.gateway_url,
            read_channel_messages=read_channel_messages,
            shard_count=shards.count if shards is not None else 0,
            shard_ids=list(shards.ids) if shards is not None else [],
        ),
    )
    clock = ManualClock(start)
    if isinstance(fake.now, DiscordTime):
        fake.now.follow(clock)
    registry = registry or build_registry()
    adapter = DiscordAdapter(
        settings.discord,
        commands=registry.commands.commands if commands is None else commands,
        clock=clock,
        guild_ready_timeout=0.05,
    )
    app = _NotingApp(settings, [adapter], registry, clock)
    app.handled = Handled()
    connect_suggestions(app)
    with fake.patch_discord():
        try:
            await app.start(background=False)
            yield DiscordRig(app, adapter, fake, clock, handled=app.handled)
        finally:
            await app.stop()
            await asyncio.sleep(0)
