"""The fake Discord answers the real discord.py client the way Discord would.

These tests run discord.py's own ``Client``, ``CommandTree``, views and
modals against the fake, so an adapter test that passes against it is using
the client's actual wire format: the gateway handshake and its compression,
interaction callbacks with ``with_response``, webhook follow-ups, rate-limit
headers and 429 retries. A few tests talk to the fake with plain aiohttp to
pin the raw shapes (headers, error bodies, close codes) discord.py relies on.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.support.fake_discord import (
    CallbackType,
    ChannelType,
    FakeDiscord,
    OptionType,
    option,
    run_client,
    subcommand,
    subcommand_group,
)

GUILD = 1_300_000_000_000_000_001
GENERAL = 1_300_000_000_000_000_010
RETROS = 1_300_000_000_000_000_011
STEWARDS = 1_300_000_000_000_000_020
ADA = 1_300_000_000_000_000_101
GRACE = 1_300_000_000_000_000_102
ALAN = 1_300_000_000_000_000_103

WITHIN = 5.0

CommandTree = app_commands.CommandTree[discord.Client]
T = TypeVar("T")


@pytest.fixture(autouse=True)
def discord_urls_restored() -> Iterator[None]:
    """Every test leaves discord.py pointing at Discord again, whatever it patched."""

    base = Route.BASE
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    assert Route.BASE == base == "https://discord.com/api/v10"
    assert gateway == DiscordWebSocket.DEFAULT_GATEWAY


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Conveners")
        fake.add_role(GUILD, STEWARDS, "stewards", mentionable=True)
        fake.add_user(ADA, "ada", global_name="Ada Lovelace")
        fake.add_user(GRACE, "grace", global_name="Grace Hopper")
        fake.add_user(ALAN, "alan")
        fake.add_member(GUILD, ADA, nick="Ada", roles=[STEWARDS])
        fake.add_member(GUILD, GRACE)
        fake.add_member(GUILD, ALAN)
        fake.add_channel(GUILD, GENERAL, "general", topic="Everything")
        fake.add_channel(GUILD, RETROS, "retros")
        with fake.patch_discord():
            yield fake
        # The client closed its socket before the fake stopped: nothing was left open.
        assert not any(connection.open for connection in fake.gateway_connections)


def intents() -> discord.Intents:
    wanted = discord.Intents.default()
    wanted.members = True
    return wanted


def make_client() -> tuple[discord.Client, CommandTree]:
    # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE (2 s by default).
    client = discord.Client(intents=intents(), guild_ready_timeout=0.05)
    return client, app_commands.CommandTree(client)


def text_channel(client: discord.Client, channel_id: int) -> discord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def settled(future: asyncio.Future[T]) -> T:
    async with asyncio.timeout(WITHIN):
        return await future


# -- connecting ----------------------------------------------------------------------


async def test_client_connects_through_the_fake_gateway_and_caches_the_guild(
    fake: FakeDiscord,
) -> None:
    client, _ = make_client()
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with run_client(client, fake):
        async with asyncio.timeout(WITHIN):
            await ready.wait()
        assert client.user is not None and client.user.id == fake.bot_user_id
        assert client.application_id == fake.application_id
        guild = client.get_guild(GUILD)
        assert guild is not None and guild.name == "Conveners"
        assert [c.name for c in guild.text_channels] == ["general", "retros"]
        assert text_channel(client, GENERAL).topic == "Everything"
        assert [r.name for r in guild.roles] == ["@everyone", "stewards"]
        # GUILD_CREATE carried only the bot; the rest came from REQUEST_GUILD_MEMBERS chunks.
        assert {m.id for m in guild.members} == {fake.bot_user_id, ADA, GRACE, ALAN}
        ada = guild.get_member(ADA)
        assert ada is not None and ada.nick == "Ada" and ada.global_name == "Ada Lovelace"
        assert [r.id for r in ada.roles] == [GUILD, STEWARDS]

    identify = fake.identify_payloads[0]
    assert identify["intents"] == intents().value
    assert identify["token"] == fake.token
    assert "shard" not in identify  # a plain Client does not shard
    connection = fake.gateway_connections[0]
    assert connection.path == "/gateway"
    assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert connection.compression == "zlib-stream"
    assert [f["t"] for f in connection.sent if f["op"] == 0][:2] == ["READY", "GUILD_CREATE"]
    assert any(f["op"] == 8 for f in connection.received)
    assert fake.heartbeats >= 1  # discord.py beats once right after HELLO
    first, second = fake.requests[:2]
    assert (first.method, first.path) == ("GET", "/users/@me")
    assert (second.method, second.path) == ("GET", "/oauth2/applications/@me")
    assert first.authorization == f"Bot {fake.token}"
    assert fake.unmatched() == []


async def test_identifying_with_a_disallowed_privileged_intent_is_refused() -> None:
    async with FakeDiscord(allowed_intents=0) as strict:
        client, _ = make_client()
        with strict.patch_discord():
            with pytest.raises(discord.PrivilegedIntentsRequired):
                async with run_client(client, strict, reconnect=True):
                    pass
            # Without reconnecting discord.py re-raises the close itself.
            client, _ = make_client()
            with pytest.raises(discord.ConnectionClosed) as closed:
                async with run_client(client, strict):
                    pass
        assert closed.value.code == 4014
        assert [c.close_code for c in strict.gateway_connections] == [4014, 4014]


async def test_reconnect_resumes_on_the_resume_url(fake: FakeDiscord) -> None:
    client, tree = make_client()
    answered: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @tree.command(name="ping", description="Are you there?", guild=discord.Object(GUILD))
    async def ping(interaction: discord.Interaction) -> None:
        answered.set_result("pong")
        await interaction.response.send_message("pong")

    async with run_client(client, fake):
        await tree.sync(guild=discord.Object(GUILD))
        await fake.gateway_reconnect()

        payload = fake.slash_command_payload(GUILD, GENERAL, ADA, "ping")
        await fake.gateway_dispatch("INTERACTION_CREATE", payload)
        assert (await fake.wait_for_callback(payload)).data == {"content": "pong", "tts": False}

    assert [c.path for c in fake.gateway_connections] == ["/gateway", "/resume"]
    assert fake.resumes == 1
    assert len(fake.identify_payloads) == 1  # resumed, not identified again
    assert fake.gateway_connections[1].received[1]["op"] == 6


# -- application commands ---------------------------------------------------------------


async def test_tree_sync_overwrites_guild_commands_and_the_fake_counts_the_puts(
    fake: FakeDiscord,
) -> None:
    client, tree = make_client()

    @tree.command(name="checkin", description="Start a check-in", guild=discord.Object(GUILD))
    async def checkin(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(topic)

    async with run_client(client, fake):
        synced = await tree.sync(guild=discord.Object(GUILD))
        again = await tree.sync(guild=discord.Object(GUILD))
        fetched = await tree.fetch_commands(guild=discord.Object(GUILD))

    puts = fake.calls("PUT", "/applications/{app}/guilds/{guild}/commands")
    assert [p.status for p in puts] == [200, 200]
    assert puts[0].path == f"/applications/{fake.application_id}/guilds/{GUILD}/commands"
    assert [c["name"] for c in puts[0].json] == ["checkin"]
    assert puts[0].json[0]["options"][0]["name"] == "topic"
    assert fake.command_puts(GUILD) == 2
    assert fake.command_changes(GUILD) == 1  # the second PUT sent the same definitions
    assert fake.command_puts() == 0  # nothing global
    stored = fake.commands(GUILD)
    assert synced[0].id == again[0].id == fetched[0].id == int(stored[0]["id"])
    assert stored[0]["guild_id"] == str(GUILD)


# -- interactions ---------------------------------------------------------------------------


async def test_slash_command_reaches_nested_callbacks_with_resolved_options(
    fake: FakeDiscord,
) -> None:
    client, tree = make_client()
    loop = asyncio.get_running_loop()
    paired: asyncio.Future[tuple[discord.Member, int, str]] = loop.create_future()
    started: asyncio.Future[str] = loop.create_future()
    convene = app_commands.Group(name="convene", description="Convene", guild_ids=[GUILD])
    retro = app_commands.Group(name="retro", description="Retros", parent=convene)

    @convene.command(name="pair", description="Pair with someone")
    async def pair(
        interaction: discord.Interaction, who: discord.Member, rounds: int, note: str = ""
    ) -> None:
        paired.set_result((who, rounds, note))
        await interaction.response.send_message(f"Paired with {who.display_name}", ephemeral=True)

    @retro.command(name="start", description="Start a retro")
    async def start(interaction: discord.Interaction, topic: str) -> None:
        started.set_result(topic)
        await interaction.response.send_message(f"Retro on {topic}")

    tree.add_command(convene)
    async with run_client(client, fake):
        await tree.sync(guild=discord.Object(GUILD))
        pair_payload = fake.slash_command_payload(
            GUILD,
            GENERAL,
            ADA,
            "convene",
            [subcommand("pair", option("who", GRACE, kind=OptionType.USER), option("rounds", 3))],
        )
        await fake.gateway_dispatch("INTERACTION_CREATE", pair_payload)
        who, rounds, note = await settled(paired)
        pair_callback = await fake.wait_for_callback(pair_payload)

        start_payload = fake.slash_command_payload(
            GUILD,
            GENERAL,
            ADA,
            "convene",
            [subcommand_group("retro", subcommand("start", option("topic", "Q3")))],
        )
        await fake.gateway_dispatch("INTERACTION_CREATE", start_payload)
        assert await settled(started) == "Q3"
        start_callback = await fake.wait_for_callback(start_payload)

    assert isinstance(who, discord.Member) and who.id == GRACE
    assert who.display_name == "Grace Hopper"
    assert (rounds, note) == (3, "")
    assert pair_payload["data"]["guild_id"] == str(GUILD)
    assert pair_callback.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert pair_callback.data == {"content": "Paired with Grace Hopper", "tts": False, "flags": 64}
    assert start_callback.data is not None and start_callback.data["content"] == "Retro on Q3"
    callback_calls = fake.calls("POST", "/interactions/{id}/{token}/callback")
    assert [c.query for c in callback_calls] == [{"with_response": "1"}] * 2
    ephemeral, public = fake.messages_in(GENERAL)
    assert (ephemeral["content"], ephemeral["flags"]) == ("Paired with Grace Hopper", 64)
    assert (public["content"], public["type"]) == ("Retro on Q3", 20)


async def test_deferred_response_then_followups_and_edit_use_the_webhook_routes(
    fake: FakeDiscord,
) -> None:
    client, tree = make_client()
    finished: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()

    @tree.command(name="digest", description="Summarise", guild=discord.Object(GUILD))
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        first = await interaction.followup.send("part 1", wait=True)
        second = await interaction.followup.send("part 2", wait=True)
        await interaction.edit_original_response(content="All done")
        original = await interaction.original_response()
        finished.set_result([first.id, second.id, original.id])

    async with run_client(client, fake):
        await tree.sync(guild=discord.Object(GUILD))
        payload = fake.slash_command_payload(GUILD, GENERAL, ADA, "digest")
        await fake.gateway_dispatch("INTERACTION_CREATE", payload)
        first_id, second_id, original_id = await settled(finished)

    callback = fake.callbacks(payload)[0]
    assert callback.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    token = payload["token"]
    followups = fake.calls("POST", f"/webhooks/{fake.application_id}/{token}")
    assert [f.json["content"] for f in followups] == ["part 1", "part 2"]
    assert followups[0].query["wait"] == "1"
    edits = fake.calls("PATCH", "/webhooks/{app}/{token}/messages/@original")
    assert [e.json["content"] for e in edits] == ["All done"]
    assert len(fake.calls("GET", "/webhooks/{app}/{token}/messages/@original")) == 1
    # The first follow-up after a "thinking" defer replaces the loading message.
    assert first_id == original_id != second_id
    messages = fake.messages_in(GENERAL)
    assert [(m["content"], m["flags"]) for m in messages] == [("All done", 0), ("part 2", 0)]


async def test_autocomplete_answers_with_choices(fake: FakeDiscord) -> None:
    client, tree = make_client()

    @tree.command(name="join", description="Join a circle", guild=discord.Object(GUILD))
    async def join(interaction: discord.Interaction, circle: str) -> None:
        await interaction.response.send_message(circle)

    @join.autocomplete("circle")
    async def circles(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["stewards", "storytellers", "builders"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    async with run_client(client, fake):
        await tree.sync(guild=discord.Object(GUILD))
        payload = fake.autocomplete_payload(
            GUILD, GENERAL, ADA, "join", [option("circle", "st")], focused="circle"
        )
        await fake.gateway_dispatch("INTERACTION_CREATE", payload)
        callback = await fake.wait_for_callback(payload)

    assert callback.type == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    assert callback.data == {
        "choices": [
            {"name": "stewards", "value": "stewards"},
            {"name": "storytellers", "value": "storytellers"},
        ]
    }


async def test_button_on_a_persistent_view_opens_a_modal_whose_submission_arrives(
    fake: FakeDiscord,
) -> None:
    client, _ = make_client()
    submitted: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()

    class CheckinModal(discord.ui.Modal, title="Check in"):
        mood: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
            label="How are you arriving?", custom_id="mood"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.set_result((self.mood.value, interaction.user.id))
            await interaction.response.send_message("Thanks", ephemeral=True)

    class CheckinView(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Check in", custom_id="convene:checkin")
        async def check_in(
            self, interaction: discord.Interaction, button: discord.ui.Button[CheckinView]
        ) -> None:
            await interaction.response.send_modal(CheckinModal())

    async with run_client(client, fake):
        client.add_view(CheckinView())
        click = fake.button_payload(GUILD, GENERAL, ADA, "convene:checkin")
        await fake.gateway_dispatch("INTERACTION_CREATE", click)
        modal = await fake.wait_for_callback(click)
        assert modal.type == CallbackType.MODAL and modal.data is not None
        text_input = modal.data["components"][0]["components"][0]
        assert (modal.data["title"], text_input["custom_id"]) == ("Check in", "mood")

        submit = fake.modal_submit_payload(
            GUILD, GENERAL, ADA, modal.data["custom_id"], {"mood": "Curious"}
        )
        await fake.gateway_dispatch("INTERACTION_CREATE", submit)
        assert await settled(submitted) == ("Curious", ADA)
        thanks = await fake.wait_for_callback(submit)

    assert click["message"]["components"][0]["components"][0]["custom_id"] == "convene:checkin"
    assert thanks.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert thanks.data == {"content": "Thanks", "tts": False, "flags": 64}


async def test_button_in_a_dm_and_a_modal_sent_with_label_components(fake: FakeDiscord) -> None:
    client, _ = make_client()
    clicked: asyncio.Future[tuple[object, object]] = asyncio.get_running_loop().create_future()
    submitted: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    class Note(discord.ui.Modal, title="A note"):
        text: discord.ui.TextInput[Note] = discord.ui.TextInput(label="Note", custom_id="text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.set_result(self.text.value)
            await interaction.response.defer()

    class Later(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Later", custom_id="convene:later")
        async def later(
            self, interaction: discord.Interaction, button: discord.ui.Button[Later]
        ) -> None:
            clicked.set_result((interaction.guild, interaction.user))
            await interaction.response.edit_message(content="Snoozed", view=None)

        @discord.ui.button(label="Note", custom_id="convene:note")
        async def note(
            self, interaction: discord.Interaction, button: discord.ui.Button[Later]
        ) -> None:
            await interaction.response.send_modal(Note(custom_id="convene:note"))

    async with run_client(client, fake):
        client.add_view(Later())
        click = fake.button_payload(None, None, ADA, "convene:later")
        await fake.gateway_dispatch("INTERACTION_CREATE", click)
        guild, user = await settled(clicked)
        update = await fake.wait_for_callback(click)

        open_note = fake.button_payload(None, None, ADA, "convene:note")
        await fake.gateway_dispatch("INTERACTION_CREATE", open_note)
        assert (await fake.wait_for_callback(open_note)).type == CallbackType.MODAL
        submit = fake.modal_submit_payload(
            None,
            None,
            ADA,
            "convene:note",
            {"text": "hi"},
            labels=True,
            message=open_note["message"],
        )
        await fake.gateway_dispatch("INTERACTION_CREATE", submit)
        assert await settled(submitted) == "hi"
        deferred = await fake.wait_for_callback(submit)

    assert guild is None and isinstance(user, discord.User) and user.id == ADA
    assert click["channel_id"] == str(fake.dm_channel_of(ADA))
    assert update.type == CallbackType.UPDATE_MESSAGE
    assert fake.message(int(click["message"]["id"]))["content"] == "Snoozed"
    assert submit["data"]["components"][0]["type"] == 18
    assert deferred.type == CallbackType.DEFERRED_UPDATE_MESSAGE


# -- messages, DMs and threads -------------------------------------------------------------


async def test_channel_send_records_allowed_mentions_and_edits(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with run_client(client, fake):
        general = text_channel(client, GENERAL)
        quiet = await general.send(
            f"<@{ADA}> and <@&{STEWARDS}>: welcome",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        loud = await general.send(f"<@{ADA}> hello")
        await quiet.edit(content="welcome, all")
        fetched = await general.fetch_message(quiet.id)

    quiet_post, loud_post = fake.calls("POST", f"/channels/{GENERAL}/messages")
    assert quiet_post.json["allowed_mentions"] == {"parse": []}
    assert "allowed_mentions" not in loud_post.json  # the client has no default
    assert quiet.mentions == [] and quiet.role_mentions == []
    assert [u.id for u in loud.mentions] == [ADA]
    assert fetched.content == "welcome, all" and fetched.edited_at is not None
    assert [m["content"] for m in fake.messages_in(GENERAL)] == ["welcome, all", f"<@{ADA}> hello"]
    edit = fake.calls("PATCH", f"/channels/{GENERAL}/messages/{quiet.id}")[0]
    assert edit.json["content"] == "welcome, all"


async def test_dm_is_opened_once_per_user_and_closed_dms_raise_forbidden(
    fake: FakeDiscord,
) -> None:
    client, _ = make_client()
    fake.close_dms(GRACE)
    async with run_client(client, fake):
        ada = await client.fetch_user(ADA)
        dm = await ada.create_dm()
        await dm.send("Your check-in is open")
        reopened = await client.http.start_private_message(ADA)

        grace = client.get_user(GRACE)
        assert grace is not None
        closed = await grace.create_dm()
        with pytest.raises(discord.Forbidden) as refused:
            await closed.send("Hello")

    assert fake.calls("POST", "/users/@me/channels")[0].json == {"recipient_id": ADA}
    assert dm.id == fake.dm_channel_of(ADA) == int(reopened["id"])
    assert reopened["type"] == int(ChannelType.DM)
    assert [m["content"] for m in fake.messages_in(dm.id)] == ["Your check-in is open"]
    assert refused.value.status == 403 and refused.value.code == 50007
    assert fake.messages_in(closed.id) == []


async def test_private_thread_creation_and_adding_a_member(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with run_client(client, fake):
        general = text_channel(client, GENERAL)
        thread = await general.create_thread(
            name="Retro: Q3",
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=1440,
        )
        await thread.add_user(discord.Object(GRACE))
        await thread.send("Welcome")
        starter = await general.send("Thread me")
        public = await starter.create_thread(name="Discussion")

    created = fake.calls("POST", f"/channels/{GENERAL}/threads")[0]
    assert created.json["type"] == 12 and created.json["invitable"] is False
    assert created.json["name"] == "Retro: Q3"
    assert thread.type is discord.ChannelType.private_thread
    assert thread.parent_id == GENERAL and thread.invitable is False
    added = fake.calls("PUT", f"/channels/{thread.id}/thread-members/{GRACE}")
    assert [a.status for a in added] == [204]
    assert fake.thread_members(thread.id) == [fake.bot_user_id, GRACE]
    assert [m["content"] for m in fake.messages_in(thread.id)] == ["Welcome"]
    assert public.id == starter.id and public.type is discord.ChannelType.public_thread


# -- rate limits and errors ------------------------------------------------------------------


@pytest.mark.realtime
async def test_a_429_is_retried_after_retry_after_and_delivered_once(fake: FakeDiscord) -> None:
    client, _ = make_client()
    fake.rate_limit_next("POST", "/channels/{id}/messages", retry_after=0.2)
    async with run_client(client, fake):
        started = time.monotonic()
        sent = await text_channel(client, GENERAL).send("Hello once")
        elapsed = time.monotonic() - started

    posts = fake.calls("POST", f"/channels/{GENERAL}/messages")
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.2
    assert 0.2 <= elapsed < 2.0
    assert [m["id"] for m in fake.messages_in(GENERAL)] == [str(sent.id)]
    assert fake.rate_limited("user") == 1


async def test_an_enforced_global_limit_is_honoured_and_everything_gets_through(
    fake: FakeDiscord,
) -> None:
    channels = [1_300_000_000_000_000_030 + n for n in range(4)]
    for n, channel_id in enumerate(channels):
        fake.add_channel(GUILD, channel_id, f"circle-{n}")
    client, _ = make_client()
    async with run_client(client, fake):
        fake.enforce_global_limit(per_second=40, window=0.1)  # 4 requests per 0.1 s
        await asyncio.gather(
            *(
                text_channel(client, channel_id).send(f"message {n}")
                for n in range(4)
                for channel_id in channels
            )
        )

    delivered = [m for channel_id in channels for m in fake.messages_in(channel_id)]
    assert len(delivered) == 16
    assert len(fake.calls("POST", "/channels/{id}/messages", status=200)) == 16
    assert fake.global_429s > 0
    assert fake.global_429s == len(fake.calls("POST", "/channels/{id}/messages", status=429))


async def test_errors_and_unknown_routes_reach_discord_py_as_its_exceptions(
    fake: FakeDiscord,
) -> None:
    client, _ = make_client()
    fake.fail_next("GET", "/channels/{id}", status=403, code=50001, message="Missing Access")
    async with run_client(client, fake):
        with pytest.raises(discord.Forbidden) as missing:
            await client.fetch_channel(RETROS)
        retros = await client.fetch_channel(RETROS)
        with pytest.raises(discord.NotFound) as unknown:
            await client.fetch_channel(1_300_000_000_000_000_999)
        with pytest.raises(discord.NotFound):
            await client.http.request(Route("GET", "/voice/regions"))

    assert missing.value.code == 50001 and missing.value.text == "Missing Access"
    assert isinstance(retros, discord.TextChannel) and retros.name == "retros"
    assert unknown.value.code == 10003
    assert [(r.method, r.path, r.status) for r in fake.unmatched()] == [
        ("GET", "/voice/regions", 404)
    ]


async def test_guild_reads_and_member_paging(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with run_client(client, fake):
        guild = await client.fetch_guild(GUILD)
        channels = await guild.fetch_channels()
        roles = await guild.fetch_roles()
        member = await guild.fetch_member(ADA)
        everyone = [m.id async for m in guild.fetch_members(limit=None)]
        first_page = await client.http.get_members(GUILD, limit=2, after=None)
        second_page = await client.http.get_members(
            GUILD, limit=2, after=first_page[-1]["user"]["id"]
        )

    assert guild.name == "Conveners" and guild.approximate_member_count == 4
    assert sorted(c.name for c in channels) == ["general", "retros"]
    assert {r.name for r in roles} == {"@everyone", "stewards"}
    assert member.nick == "Ada" and member.guild.id == GUILD
    assert sorted(everyone) == sorted([fake.bot_user_id, ADA, GRACE, ALAN])
    paged = [m["user"]["id"] for m in first_page + second_page]
    assert paged == sorted(paged) and len(paged) == 4
    assert fake.calls("GET", f"/guilds/{GUILD}/members")[1].query == {"limit": "2"}


# -- the raw shapes -------------------------------------------------------------------------


async def test_raw_answers_carry_discord_headers_and_error_bodies(fake: FakeDiscord) -> None:
    auth = {"Authorization": f"Bot {fake.token}"}
    fake.rate_limit_next("GET", "/guilds/{id}", retry_after=0.25, global_=True)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.base_url}/users/@me", headers=auth) as me:
            body = await me.json()
            assert me.headers["Content-Type"] == "application/json"
            assert me.headers["Via"] == "1.1 google"
            for name in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                assert f"X-RateLimit-{name}" in me.headers
            assert body["id"] == str(fake.bot_user_id) and body["bot"] is True
        async with session.get(f"{fake.base_url}/users/@me") as anonymous:
            assert anonymous.status == 401
        async with session.get(f"{fake.base_url}/guilds/{GUILD}", headers=auth) as limited:
            assert limited.status == 429
            assert await limited.json() == {
                "message": "You are being rate limited.",
                "retry_after": 0.25,
                "global": True,
            }
            assert limited.headers["X-RateLimit-Scope"] == "global"
            assert limited.headers["Retry-After"] == "1"
        async with session.get(f"{fake.base_url}/nowhere", headers=auth) as missing:
            assert missing.status == 404
            assert await missing.json() == {"message": "404: Not Found", "code": 0}
        async with session.get(f"{fake.base_url}/gateway/bot", headers=auth) as gateway:
            found = await gateway.json()
            assert found["url"] == fake.gateway_url and found["shards"] == 1


async def test_raw_gateway_speaks_text_without_compression_and_rejects_a_bad_token(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        url = yarl.URL(fake.gateway_url).with_query(v=10, encoding="json")
        async with session.ws_connect(url) as socket:
            hello = await socket.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41_250
            await socket.send_json({"op": 1, "d": None})
            assert (await socket.receive_json())["op"] == 11
            await socket.send_json(
                {"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}}
            )
            closing = await socket.receive()
            assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4004

        compressed = url.update_query(compress="zlib-stream")
        async with session.ws_connect(compressed) as socket:
            frame = await socket.receive_bytes()
            assert frame.endswith(b"\x00\x00\xff\xff")
            assert json.loads(zlib.decompressobj().decompress(frame))["op"] == 10


async def test_patch_discord_restores_discord_urls() -> None:
    async with FakeDiscord() as first:
        with first.patch_discord():
            assert first.base_url == Route.BASE
            assert yarl.URL(first.gateway_url) == DiscordWebSocket.DEFAULT_GATEWAY
            assert Route("GET", "/users/@me").url == f"{first.base_url}/users/@me"
        assert Route.BASE == "https://discord.com/api/v10"
        assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY
