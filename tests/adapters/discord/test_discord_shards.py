"""Discord shards spread over Convene instances.

Two instances on one database and one bot, each running one of two shards
(``[discord] shard_count = 2``, ``shard_ids = [0]`` / ``[1]``): the fake
Discord sends each server's events down its shard only, ``(guild_id >> 22) %
2``, and DMs down shard 0 only, as Discord does. Each instance handles only
its own servers' events, and reaches the other's servers over REST when its
work needs them (a DM answer from a member of the other instance's server, a
channel's members for a scheduled round).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.shards import client_kind, described, ready_within, shard_of
from bot.config import DiscordSection, Secret
from bot.events import Event
from bot.messages import Button, OutgoingMessage, Target
from tests.support.discord_rig import (
    ALICE,
    BOB,
    DANA,
    GENERAL,
    GUILD,
    KENJI,
    DiscordRig,
    Shards,
    discord_convene,
    discord_world,
)
from tests.support.fake_discord import FakeDiscord

NORTH = GUILD + (1 << 22)
"""A server on shard 0 of 2 (the standard ``GUILD`` is on shard 1)."""
NORTH_GENERAL = 900_000_000_000_000_301
RADIOTHERAPY = 900_000_000_000_000_401


def north(fake: FakeDiscord) -> None:
    fake.add_guild(NORTH, "North clinics")
    fake.add_member(NORTH, ALICE)
    fake.add_member(NORTH, DANA)
    fake.add_channel(NORTH, NORTH_GENERAL, "general")
    fake.add_role(GUILD, RADIOTHERAPY, "Radiotherapy")
    fake.add_member(GUILD, BOB, roles=[RADIOTHERAPY])
    fake.add_member(GUILD, DANA)  # in a server of each instance


@asynccontextmanager
async def two_instances(database_url: str) -> AsyncIterator[tuple[DiscordRig, DiscordRig]]:
    """Instance ``a`` runs shard 0 (NORTH, and every DM), ``b`` shard 1 (GUILD)."""

    async with discord_world(world=north) as fake, AsyncExitStack() as stack:
        first = await stack.enter_async_context(
            discord_convene(database_url, fake=fake, shards=Shards(2, (0,), "a"))
        )
        second = await stack.enter_async_context(
            discord_convene(database_url, fake=fake, shards=Shards(2, (1,), "b"))
        )
        yield first, second


def messages_on(fake: FakeDiscord, shard: tuple[int, int]) -> list[str]:
    """The ids of the MESSAGE_CREATEs the fake sent down one shard."""

    return [f["d"]["id"] for f in fake.dispatched_on(shard) if f["t"] == "MESSAGE_CREATE"]


def seen(rig: DiscordRig) -> set[str]:
    return {event.event_id for event in rig.handled.events}


async def test_two_instances_each_handle_only_the_events_of_their_shards_servers(
    database_url: str,
) -> None:
    assert (shard_of(NORTH, 2), shard_of(GUILD, 2)) == (0, 1)
    async with two_instances(database_url) as (a, b):
        fake = a.fake
        assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
        assert fake.shard_sessions() == {(0, 2): 1, (1, 2): 1}
        assert [g.id for g in a.adapter.client.guilds] == [NORTH]
        assert [g.id for g in b.adapter.client.guilds] == [GUILD]
        # Each instance sent Convene's commands to its own servers only.
        assert a.adapter.synced == {str(NORTH): True}
        assert b.adapter.synced == {str(GUILD): True}

        in_north = await a.slash(
            ALICE, "convene", "silo", "add", name="North wards", guild=NORTH, channel=NORTH_GENERAL
        )
        in_guild = await b.slash(ALICE, "convene", "silo", "add", name="Oncology")

        north_event, guild_event = f"interaction:{in_north['id']}", f"interaction:{in_guild['id']}"
        assert north_event in seen(a) and north_event not in seen(b)
        assert guild_event in seen(b) and guild_event not in seen(a)
        assert "Added the silo North wards" in a.told(ALICE)[0]
        assert "Added the silo Oncology" in b.told(ALICE)[0]


async def test_a_dm_reaches_shard_0_and_is_put_in_the_server_another_instance_carries(
    database_url: str,
) -> None:
    async with two_instances(database_url) as (a, b):
        # Instance b wrote to bob first (say, his check-in prompt in GUILD).
        await b.adapter.open_dm(str(GUILD), str(BOB))

        typed = await a.dm_text(BOB, "Shipped the rota")

        await b.settle()
        (event,) = [e for e in a.handled.events if e.event_id == f"message:{typed['id']}"]
        assert event.workspace_id == str(GUILD)  # found over REST: GUILD is not on a's shard
        assert f"message:{typed['id']}" not in seen(b)
        assert messages_on(a.fake, (0, 2)) == [typed["id"]]
        assert messages_on(a.fake, (1, 2)) == []


async def test_a_dm_answer_goes_to_the_server_of_the_last_buttons_another_instance_sent(
    database_url: str,
) -> None:
    async with two_instances(database_url) as (a, b):
        # Dana is in NORTH (a's) and GUILD (b's); b asked her something from GUILD.
        question = OutgoingMessage(
            Target.dm(str(DANA)),
            "How did the week go?",
            buttons=(Button("Answer", "checkin:answer", "7"),),
        )
        await b.adapter.deliver(str(GUILD), question, idempotency_key="shards:question")

        typed = await a.dm_text(DANA, "Busy, but good")

        (event,) = [e for e in a.handled.events if e.event_id == f"message:{typed['id']}"]
        assert event.workspace_id == str(GUILD)  # not NORTH, the server a itself carries
        assert a.sent("GET", f"/channels/{typed['channel_id']}/messages")


async def test_a_command_typed_in_a_dm_goes_to_the_server_another_instance_wrote_from(
    database_url: str,
) -> None:
    async with two_instances(database_url) as (a, b):
        # Dana is in NORTH (a's) and GUILD (b's); b wrote to her from GUILD. Her
        # /checkin status in that DM comes down shard 0, to a, whose own server is NORTH.
        question = OutgoingMessage(
            Target.dm(str(DANA)),
            "How did the week go?",
            buttons=(Button("Answer", "checkin:answer", "7"),),
        )
        await b.adapter.deliver(str(GUILD), question, idempotency_key="shards:command")
        dm = a.fake.dm_channel_of(DANA)
        assert dm is not None

        typed = await a.slash(DANA, "checkin", "status", channel=dm, guild=None)

        (event,) = [e for e in a.handled.events if e.event_id == f"interaction:{typed['id']}"]
        assert event.workspace_id == str(GUILD)  # not NORTH, the server a itself carries


async def test_an_instance_reads_a_server_it_does_not_carry_over_rest(database_url: str) -> None:
    async with two_instances(database_url) as (a, _b):
        assert a.adapter.client.get_guild(GUILD) is None

        members = await a.adapter.list_channel_members(str(GUILD), str(GENERAL))
        found = await a.adapter.find_channel(str(GUILD), "#general")
        roles = await a.adapter.silo_groups(str(GUILD), "roles", None)

        assert sorted(m.platform_user_id for m in members) == sorted(
            str(u) for u in (ALICE, BOB, KENJI, DANA)
        )
        assert found == str(GENERAL)
        assert {name: [m.platform_user_id for m in people] for name, people in roles.items()} == {
            "Radiotherapy": [str(BOB)]
        }
        assert a.sent("GET", f"/guilds/{GUILD}")


def test_the_settings_choose_the_client_and_the_shards_it_runs() -> None:
    plain = DiscordSection()
    spread = DiscordSection(shard_count=4, shard_ids=[3, 1])
    all_here = DiscordSection(shard_count=2)
    recommended = DiscordSection(sharded=True)

    assert client_kind(plain) == (discord.Client, {})
    assert client_kind(spread) == (
        discord.AutoShardedClient,
        {"shard_count": 4, "shard_ids": [1, 3]},
    )
    assert client_kind(all_here) == (discord.AutoShardedClient, {"shard_count": 2})
    assert client_kind(recommended) == (discord.AutoShardedClient, {})
    assert described(spread) == "shard(s) 1, 3 of 4"
    assert described(all_here) == "shard(s) 0, 1 of 2"
    assert described(plain) == "one connection"
    # discord.py identifies one shard every five seconds: READY takes longer with more here.
    assert ready_within(plain, 60.0) == ready_within(recommended, 60.0) == 60.0
    assert ready_within(spread, 60.0) == 65.0 and ready_within(all_here, 60.0) == 65.0
    assert ready_within(DiscordSection(shard_count=16), 60.0) == 135.0


@pytest.mark.realtime
async def test_instances_starting_together_take_turns_to_identify() -> None:
    """Most bots may start one session every five seconds: the second instance is told
    INVALID_SESSION and discord.py identifies again five seconds later."""

    async def ignore(event: Event) -> None:
        return None

    async with FakeDiscord(max_concurrency=1) as fake:
        fake.add_guild(GUILD, "Hospital network")
        fake.add_guild(NORTH, "North clinics")
        fake.enforce_identify_limit()
        adapters = [
            DiscordAdapter(
                DiscordSection(
                    token=Secret(fake.token),
                    api_base_url=fake.base_url,
                    gateway_url=fake.gateway_url,
                    shard_count=2,
                    shard_ids=[shard],
                ),
                commands=[],
                guild_ready_timeout=0.05,
            )
            for shard in (0, 1)
        ]
        with fake.patch_discord():
            try:
                await asyncio.gather(*(adapter.start(ignore) for adapter in adapters))
                assert fake.identifies_refused >= 1
                assert fake.shard_sessions() == {(0, 2): 1, (1, 2): 1}
            finally:
                for adapter in adapters:
                    await adapter.stop()
