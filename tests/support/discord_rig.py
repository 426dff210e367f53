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
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.discord import DiscordAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, DiscordSection, Secret, Settings
from bot.wiring import build_registry, connect_suggestions
from tests.support.fake_discord import (
    FakeDiscord,
    Recorded,
    option,
    subcommand,
    subcommand_group,
)

GUILD = 900_000_000_000_000_001
GENERAL = 900_000_000_000_000_101
ALICE = 900_000_000_000_001_001
BOB = 900_000_000_000_001_002
KENJI = 900_000_000_000_001_003
DEFAULT_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
Payload = dict[str, Any]


@dataclass
class DiscordRig:
    app: ConveneApp
    adapter: DiscordAdapter
    fake: FakeDiscord
    clock: ManualClock
    tokens: dict[str, int] = field(default_factory=dict)
    """Each interaction's token, and the member whose interaction it was."""

    async def settle(self) -> None:
        await self.adapter.wait_idle()
        await self.app.settle()

    async def interact(self, payload: Payload) -> None:
        """One interaction down the gateway; returns once it is answered and handled."""

        self.tokens[str(payload["token"])] = int(
            (payload.get("member") or {}).get("user", payload.get("user", {}))["id"]
        )
        await self.fake.gateway_dispatch("INTERACTION_CREATE", payload)
        await self.fake.wait_for_callback(int(payload["id"]), within=5.0)
        await self.settle()

    async def slash(
        self,
        user: int,
        *names: str,
        channel: int = GENERAL,
        guild: int | None = GUILD,
        **values: str | int | bool,
    ) -> Payload:
        """Run ``/names…`` with options by name (``new_name="X"``; ``-`` is ``_`` here)."""

        types = _option_types(self.adapter.commands.payload, names)
        given = []
        for name, value in values.items():
            named = name if name in types else name.replace("_", "-")
            if named not in types:
                raise LookupError(f"/{' '.join(names)} has no option {name!r}")
            given.append(option(named, value, kind=types[named]))
        inner: list[Payload]
        if len(names) == 3:
            inner = [subcommand_group(names[1], subcommand(names[2], *given))]
        else:
            inner = [subcommand(names[1], *given)]
        payload = self.fake.slash_command_payload(guild, channel, user, names[0], inner)
        await self.interact(payload)
        return payload

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
        guild = GUILD if in_guild else None
        if "chosen" in item:
            payload = self.fake.component_payload(
                guild, channel, user, item["custom_id"], component_type=3,
                values=[item["chosen"]], message=message,
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

    async def submit(
        self, user: int, interaction: Payload, values: Mapping[str, str]
    ) -> Payload:
        """Fill in the form an interaction opened, by input name."""

        shown = self.modal(interaction)
        guild = GUILD if interaction.get("guild_id") else None
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

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        return self.fake.calls(method, pattern)

    async def advance_to(self, when: datetime) -> None:
        await self.app.advance_clock_to(when)
        await self.settle()


def _option_types(payload: list[Payload], names: tuple[str, ...]) -> dict[str, int]:
    """The option types of one subcommand, by option name."""

    level: list[Payload] = payload
    found: Payload | None = None
    for name in names:
        found = next((o for o in level if o.get("name") == name), None)
        if found is None:
            raise LookupError(f"no {name!r} in the synced commands")
        level = found.get("options") or []
    return {str(o["name"]): int(o["type"]) for o in level}


@asynccontextmanager
async def discord_convene(
    database_url: str,
    *,
    start: datetime = DEFAULT_START,
    conveners: tuple[int, ...] = (ALICE,),
    read_channel_messages: bool = False,
) -> AsyncIterator[DiscordRig]:
    """Convene in one server with alice (a convener, nickname "Alice R"), bob and kenji,
    all in #general."""

    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Hospital network")
        for user, name in ((ALICE, "alice"), (BOB, "bob"), (KENJI, "kenji")):
            fake.add_user(user, name, global_name=name.title())
            fake.add_member(GUILD, user, nick="Alice R" if user == ALICE else None)
        fake.add_channel(GUILD, GENERAL, "general")
        settings = Settings(
            convene=ConveneSection(
                database_url=database_url,
                conveners=[str(c) for c in conveners],
                instance_id="test",
                adapters=["discord"],
            ),
            discord=DiscordSection(
                token=Secret(fake.token),
                api_base_url=fake.base_url,
                gateway_url=fake.gateway_url,
                read_channel_messages=read_channel_messages,
            ),
        )
        clock = ManualClock(start)
        registry = build_registry()
        adapter = DiscordAdapter(
            settings.discord,
            commands=registry.commands.commands,
            clock=clock,
            guild_ready_timeout=0.05,
        )
        app = ConveneApp(settings, [adapter], registry, clock)
        connect_suggestions(app)
        with fake.patch_discord():
            try:
                await app.start(background=False)
                yield DiscordRig(app, adapter, fake, clock)
            finally:
                await app.stop()
                await asyncio.sleep(0)

