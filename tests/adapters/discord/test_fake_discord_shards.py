"""The fake Discord's gateway shards as Discord's does.

IDENTIFY may carry ``shard: [shard_id, num_shards]``: the session then gets
only the servers with ``(guild_id >> 22) % num_shards == shard_id`` (in READY,
as GUILD_CREATEs, and their events), and DMs only on shard 0. A shard that is
not ``0 <= shard_id < num_shards`` is closed with 4010. Sessions start at
most ``max_concurrency`` every five seconds, one per rate-limit key
(``shard_id % max_concurrency``); an IDENTIFY beyond that is answered
INVALID_SESSION (op 9). ``GET /gateway/bot`` says how many shards to use and
the concurrency; ``GET /users/@me/guilds`` lists the bot's servers a page at
a time. These tests speak the raw protocol with aiohttp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import yarl

from tests.support.fake_discord import FakeDiscord

EVEN = 1_400_000_000_000_000_000 & ~(1 << 22)
"""A server on shard 0 of 2."""
ODD = EVEN | (1 << 22)
"""A server on shard 1 of 2."""
EVEN_CHANNEL = 1_400_000_000_000_000_100
ODD_CHANNEL = 1_400_000_000_000_000_101
USER = 1_400_000_000_000_001_001
INTENTS = 1 | 2 | 4096  # servers, members, DM messages


class Moment:
    """The fake's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def open_dm(session: aiohttp.ClientSession, fake: FakeDiscord, user: int) -> int:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with session.post(
        f"{fake.base_url}/users/@me/channels", json={"recipient_id": str(user)}, headers=headers
    ) as answer:
        return int((await answer.json())["id"])


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(recommended_shards=2, max_concurrency=2) as running:
        running.add_user(USER, "ada")
        for guild, channel in ((EVEN, EVEN_CHANNEL), (ODD, ODD_CHANNEL)):
            running.add_guild(guild, f"server {guild}")
            running.add_member(guild, USER)
            running.add_channel(guild, channel, "general")
        yield running


async def identify(
    session: aiohttp.ClientSession, fake: FakeDiscord, shard: list[Any] | None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """Open a gateway socket, IDENTIFY (with ``shard``), return it and the first answer."""

    socket = await session.ws_connect(yarl.URL(fake.gateway_url).with_query(v=10, encoding="json"))
    assert (await socket.receive_json())["op"] == 10
    data: dict[str, Any] = {"token": fake.token, "intents": INTENTS, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await socket.send_json({"op": 2, "d": data})
    answer = await socket.receive()
    if answer.type is aiohttp.WSMsgType.TEXT:
        return socket, answer.json()
    return socket, {"close": answer.data}


async def frames(socket: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    return [await socket.receive_json(timeout=5) for _ in range(count)]


def shown_guilds(ready: dict[str, Any]) -> list[int]:
    return [int(g["id"]) for g in ready["d"]["guilds"]]


async def test_each_shard_gets_its_servers_and_their_events_and_dms_go_to_shard_0(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        zero, ready_zero = await identify(session, fake, [0, 2])
        one, ready_one = await identify(session, fake, [1, 2])
        assert ready_zero["t"] == "READY" and ready_zero["d"]["shard"] == [0, 2]
        assert shown_guilds(ready_zero) == [EVEN] and shown_guilds(ready_one) == [ODD]
        assert [f["d"]["id"] for f in await frames(zero, 1)] == [str(EVEN)]  # GUILD_CREATE
        assert [f["d"]["id"] for f in await frames(one, 1)] == [str(ODD)]

        in_odd = fake.add_message(ODD_CHANNEL, USER, "on shard 1")
        await fake.gateway_dispatch("MESSAGE_CREATE", in_odd)
        dm = fake.add_message(await open_dm(session, fake, USER), USER, "a DM")
        await fake.gateway_dispatch("MESSAGE_CREATE", dm)
        button_in_even = {"id": "1", "type": 3, "guild_id": str(EVEN), "token": "t"}
        await fake.gateway_dispatch("INTERACTION_CREATE", button_in_even)

        (odd_message,) = await frames(one, 1)
        assert odd_message["d"]["id"] == in_odd["id"]
        assert odd_message["d"]["guild_id"] == str(ODD)  # as the gateway adds it
        dm_frame, interaction = await frames(zero, 2)
        assert dm_frame["d"]["id"] == dm["id"] and "guild_id" not in dm_frame["d"]
        assert interaction["t"] == "INTERACTION_CREATE"
        assert [f["t"] for f in fake.dispatched_on((1, 2))] == [
            "READY",
            "GUILD_CREATE",
            "MESSAGE_CREATE",
        ]
        assert fake.shard_sessions() == {(0, 2): 1, (1, 2): 1}
        await zero.close()
        await one.close()


async def test_a_shard_outside_its_count_is_closed_with_4010(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        for wrong in ([2, 2], [-1, 2], [0, 0], [0], ["0", 2]):
            socket, answer = await identify(session, fake, wrong)
            assert answer == {"close": 4010}, wrong
            await socket.close()
        assert fake.identify_payloads == []


async def test_sessions_start_at_most_once_per_rate_limit_key_every_five_seconds() -> None:
    moment = Moment()
    async with FakeDiscord(max_concurrency=2, now=moment) as fake:
        fake.enforce_identify_limit()
        async with aiohttp.ClientSession() as session:
            first, ready = await identify(session, fake, [0, 4])
            other_key, other_ready = await identify(session, fake, [1, 4])
            same_key, refused = await identify(session, fake, [2, 4])
            assert ready["t"] == other_ready["t"] == "READY"
            assert refused == {"op": 9, "d": False, "s": None, "t": None}
            assert fake.identifies_refused == 1

            moment.now += 5.0
            again, later = await identify(session, fake, [2, 4])
            assert later["t"] == "READY"
            for socket in (first, other_key, same_key, again):
                await socket.close()


async def test_gateway_bot_recommends_shards_and_my_guilds_pages_the_bots_servers(
    fake: FakeDiscord,
) -> None:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{fake.base_url}/gateway/bot") as answer:
            found = await answer.json()
        assert found["shards"] == 2 and found["session_start_limit"]["max_concurrency"] == 2

        async with session.get(f"{fake.base_url}/users/@me/guilds", params={"limit": 1}) as page:
            first = await page.json()
        after = {"limit": 1, "after": first[0]["id"]}
        async with session.get(f"{fake.base_url}/users/@me/guilds", params=after) as page:
            second = await page.json()
        async with session.get(f"{fake.base_url}/users/@me/guilds", params={"limit": 201}) as bad:
            refused = (bad.status, (await bad.json())["code"])

    assert [g["id"] for g in first + second] == [str(EVEN), str(ODD)]
    assert set(first[0]) == {"id", "name", "icon", "banner", "owner", "permissions", "features"}
    assert refused == (400, 50035)


async def test_a_channels_messages_are_read_newest_first_a_page_at_a_time(
    fake: FakeDiscord,
) -> None:
    """How the instance running shard 0 finds the server another instance wrote a DM from."""

    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        channel = await open_dm(session, fake, USER)
        written = [fake.add_message(channel, USER, f"line {n}")["id"] for n in range(5)]
        url = f"{fake.base_url}/channels/{channel}/messages"
        async with session.get(url, params={"limit": 2}) as page:
            newest = [m["id"] for m in await page.json()]
        async with session.get(url, params={"limit": 2, "before": newest[-1]}) as page:
            older = [m["id"] for m in await page.json()]
        async with session.get(url, params={"after": written[2]}) as page:
            after = [m["id"] for m in await page.json()]
        async with session.get(url, params={"limit": 101}) as bad:
            refused = (bad.status, (await bad.json())["code"])

    assert newest == [written[4], written[3]] and older == [written[2], written[1]]
    assert after == [written[4], written[3]]
    assert refused == (400, 50035)
