"""Files in Discord: a map and a table go out as attachments, a member's CSV comes in on a
command's file option, and the fake Discord refuses the files Discord refuses.

The world: alice (a convener), bob and kenji in one server's #general.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.discord.commands import ATTACHMENT, FILE_OPTION
from adapters.discord.parts import digest, with_parts
from adapters.discord.render import message_payloads
from adapters.file_limits import MAX_READ_BYTES
from bot.adapter import FileUnavailable
from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.events import IncomingFile, MessagePosted, SlashCommand
from bot.messages import FileAttachment, OutgoingMessage, Target
from bot.registry import MessageRoute, Registry
from bot.wiring import build_registry
from tests.support.discord_limits import FILE_BYTES
from tests.support.discord_rig import (
    ALICE,
    BOB,
    EPHEMERAL,
    GENERAL,
    GUILD,
    DiscordRig,
    discord_convene,
    synced_subcommand,
)
from tests.support.fake_discord import FakeDiscord

Payload = dict[str, Any]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CSV = b"silo,met,introduced\nRadiotherapy,3,5\nTrust A,1,2\n"
MEMBERS_CSV = b"member,silos,timezone\nada,Radiotherapy,Europe/London\n"


def map_and_table() -> tuple[FileAttachment, FileAttachment]:
    return (
        FileAttachment("landscape.png", "image/png", PNG, title="The landscape"),
        FileAttachment("bridges.csv", "text/csv", CSV),
    )


async def deliver(rig: DiscordRig, message: OutgoingMessage, key: str = "k1") -> Payload:
    return dict(await rig.adapter.deliver(str(GUILD), message, idempotency_key=key))


def files_of(rig: DiscordRig, message: Payload) -> list[tuple[str, str, bytes]]:
    """(name, content type, bytes) of each file on a message, as Discord keeps them."""

    return [
        (a["filename"], a["content_type"], rig.fake.attachment_data(a["id"]))
        for a in message["attachments"]
    ]


@pytest.fixture
async def discord(sqlite_url: str) -> AsyncIterator[DiscordRig]:
    """Convene on the Discord adapter, on SQLite only: these tests are about what travels
    between the adapter and Discord, which no database sees. A file's one trip through
    the outbox (its bytes in the outbox row) is tested on each kind of database:
    ``test_a_convener_asking_in_a_channel_...``."""

    async with discord_convene(sqlite_url) as rig:
        yield rig


# -- files out -----------------------------------------------------------------------------


async def test_a_map_and_a_table_sent_to_a_member_arrive_on_one_message_with_the_text(
    discord: DiscordRig,
) -> None:
    message = OutgoingMessage(
        Target.dm(str(BOB)), "**The landscape** this month", files=map_and_table()
    )

    ref = await deliver(discord, message)

    [sent] = discord.dms(BOB)
    assert "The landscape" in sent["content"] and sent["id"] == ref["message_id"]
    assert files_of(discord, sent) == [
        ("landscape.png", "image/png", PNG),
        ("bridges.csv", "text/csv", CSV),
    ]
    assert sent["attachments"][0]["description"] == "The landscape"
    [request] = discord.fake.calls("POST", "/channels/{id}/messages")
    assert [part.name for part in request.uploads] == ["files[0]", "files[1]"]
    assert request.json["attachments"] == [
        {"id": 0, "filename": "landscape.png", "description": "The landscape"},
        {"id": 1, "filename": "bridges.csv"},
    ]


async def test_files_for_a_thread_go_into_that_thread(discord: DiscordRig) -> None:
    root = await deliver(discord, OutgoingMessage(Target.channel(str(GENERAL)), "**Retro: Q4**"))
    thread = Target.thread(str(GENERAL), thread_id=str(root["message_id"]))

    await deliver(discord, OutgoingMessage(thread, "The summary", files=map_and_table()), "k2")

    [summary] = discord.posted(int(root["message_id"]), "The summary")
    assert [name for name, _, _ in files_of(discord, summary)] == ["landscape.png", "bridges.csv"]


async def test_the_files_of_a_long_message_ride_on_its_last_part(discord: DiscordRig) -> None:
    words = " ".join(f"word{n}" for n in range(700))  # some 5,000 characters: three parts

    ref = await deliver(discord, OutgoingMessage(Target.dm(str(BOB)), words, files=map_and_table()))

    parts = discord.dms(BOB)
    assert len(parts) == len(ref["parts"]) >= 2
    assert [len(p["attachments"]) for p in parts] == [0] * (len(parts) - 1) + [2]


async def test_a_send_stopped_before_its_last_part_finishes_with_the_files_there(
    discord: DiscordRig,
) -> None:
    words = " ".join(f"word{n}" for n in range(400))  # two parts
    whole = OutgoingMessage(Target.dm(str(BOB)), words, files=map_and_table())
    bodies = message_payloads(str(GUILD), whole, discord.adapter.commands.as_typed_here)
    assert len(bodies) == 2
    first = await deliver(discord, OutgoingMessage(Target.dm(str(BOB)), bodies[0]["content"]))
    stopped = with_parts(first, [(str(first["message_id"]), digest(bodies[0]))], listed=True)

    await discord.adapter.edit(str(GUILD), stopped, whole)

    parts = discord.dms(BOB)
    assert [len(p["attachments"]) for p in parts] == [0, 2]
    assert len(discord.fake.calls("POST", "/channels/{id}/messages")) == 2


async def test_a_text_message_goes_as_json_without_multipart(discord: DiscordRig) -> None:
    await deliver(discord, OutgoingMessage(Target.dm(str(BOB)), "Just words"))

    [request] = discord.fake.calls("POST", "/channels/{id}/messages")
    assert request.uploads == [] and request.header("Content-Type") == "application/json"


async def files_test(context: Context, args: Args) -> None:
    """A command that answers with a map and a table, as the map and the report will."""

    await context.reply("Here is the landscape.", files=map_and_table())


async def read_attached(context: Context, args: Args) -> None:
    """What a member import does first: read the CSV attached to the command."""

    event = context.event
    assert isinstance(event, SlashCommand)
    if not event.files:
        await context.reply("Attach the CSV to the command's file option.")
    for file in event.files:
        try:
            data = await context.read_file(file)
        except FileUnavailable as unavailable:
            await context.reply(str(unavailable))
            continue
        await context.reply(
            f"Read {file.name}: {len(data)} bytes, headed {data.splitlines()[0].decode()}"
        )


async def read_dm_files(context: Context) -> None:
    event = context.event
    assert isinstance(event, MessagePosted)
    for file in event.files:
        data = await context.read_file(file)
        await context.reply(f"Read {file.name}: {len(data)} bytes")


def with_file_commands() -> Registry:
    registry = build_registry()
    registry.command(
        CommandSpec(
            ("convene", "files-test"),
            files_test,
            "Answer with two files",
            "/convene files-test",
            "/convene files-test",
            convener_only=True,
        )
    )
    registry.command(
        CommandSpec(
            ("convene", "read-file"),
            read_attached,
            "Read an attached file",
            "/convene read-file",
            "/convene read-file",
            convener_only=True,
            takes_file=True,
        )
    )
    registry.messages.insert(0, MessageRoute(lambda m: bool(m.files), read_dm_files))
    return registry


@pytest.fixture
async def rig(sqlite_url: str) -> AsyncIterator[DiscordRig]:
    """Convene with the file commands, on SQLite (see ``discord`` above)."""

    async with discord_convene(sqlite_url, registry=with_file_commands()) as made:
        yield made


@pytest.fixture
async def rig_on_each_database(database_url: str) -> AsyncIterator[DiscordRig]:
    async with discord_convene(database_url, registry=with_file_commands()) as made:
        yield made


async def test_a_convener_asking_in_a_channel_gets_the_files_in_their_dm_and_a_note_there(
    rig_on_each_database: DiscordRig,
) -> None:
    rig = rig_on_each_database
    await rig.slash(ALICE, "convene", "files-test")

    assert any("direct message" in said for said in rig.replies(ALICE))
    [sent] = [m for m in rig.dms(ALICE) if m["attachments"]]
    assert "Here is the landscape." in sent["content"]
    assert [name for name, _, _ in files_of(rig, sent)] == ["landscape.png", "bridges.csv"]
    assert rig.posted(GENERAL) == [m for m in rig.posted(GENERAL) if m["flags"] & EPHEMERAL]


# -- files in ------------------------------------------------------------------------------


async def test_a_command_that_reads_a_file_has_an_optional_file_option(rig: DiscordRig) -> None:
    synced = synced_subcommand(rig.adapter.commands.payload, ("convene", "read-file"))

    [option] = [o for o in synced["options"] if o["name"] == FILE_OPTION]
    assert option["type"] == ATTACHMENT and option["required"] is False
    others = synced_subcommand(rig.adapter.commands.payload, ("convene", "files-test"))
    assert FILE_OPTION not in [o["name"] for o in others.get("options") or []]


async def test_a_csv_attached_to_the_command_reaches_the_handler_as_its_bytes(
    rig: DiscordRig,
) -> None:
    csv = rig.fake.add_attachment(GENERAL, "members.csv", MEMBERS_CSV)

    await rig.slash(ALICE, "convene", "read-file", file=csv["id"])

    read = f"Read members.csv: {len(MEMBERS_CSV)} bytes, headed member,silos,timezone"
    assert read in rig.replies(ALICE)
    assert rig.fake.cdn_fetches == [(int(csv["id"]), 200)]


async def test_an_attachment_whose_link_expired_is_explained_to_the_member(
    rig: DiscordRig,
) -> None:
    csv = rig.fake.add_attachment(GENERAL, "members.csv", MEMBERS_CSV)
    rig.fake.expire_attachment(csv["id"])

    await rig.slash(ALICE, "convene", "read-file", file=csv["id"])

    [said] = [r for r in rig.replies(ALICE) if "members.csv" in r]
    assert "members.csv is no longer on Discord" in said and "attach it again" in said


async def test_a_file_over_five_megabytes_is_refused_before_it_is_fetched(
    rig: DiscordRig,
) -> None:
    big = rig.fake.add_attachment(GENERAL, "everyone.csv", b"x" * (MAX_READ_BYTES + 1))

    await rig.slash(ALICE, "convene", "read-file", file=big["id"])

    [said] = [r for r in rig.replies(ALICE) if "everyone.csv" in r]
    assert "everyone.csv is 5.0 MB; I read files of up to 5.0 MB" in said
    assert rig.fake.cdn_fetches == []


async def test_a_file_a_member_sends_in_the_dm_reaches_the_handler(rig: DiscordRig) -> None:
    await deliver(rig, OutgoingMessage(Target.dm(str(BOB)), "Hello"))
    dm = rig.fake.dm_channel_of(BOB)
    assert dm is not None
    typed = rig.fake.add_message(dm, BOB, "my list")
    typed["attachments"] = [rig.fake.add_attachment(dm, "members.csv", MEMBERS_CSV)]

    await rig.fake.gateway_dispatch("MESSAGE_CREATE", typed)
    await rig.handled.wait_for(f"message:{typed['id']}")
    await rig.settle()

    assert f"Read members.csv: {len(MEMBERS_CSV)} bytes" in rig.told(BOB)


async def test_the_attachment_option_becomes_the_commands_files_not_its_words() -> None:
    from adapters.discord.commands import attached_files

    data = {
        "resolved": {
            "attachments": {
                "42": {
                    "id": "42",
                    "filename": "members.csv",
                    "size": 52,
                    "url": "https://cdn.discordapp.com/attachments/1/42/members.csv",
                    "content_type": "text/csv; charset=utf-8",
                }
            }
        }
    }

    files = attached_files(data, {FILE_OPTION: (ATTACHMENT, "42"), "name": (3, "x")})

    assert files == (
        IncomingFile(
            "42",
            "members.csv",
            52,
            "https://cdn.discordapp.com/attachments/1/42/members.csv",
            "text/csv; charset=utf-8",
        ),
    )


# -- the fake refuses what Discord refuses -------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Hospital network")
        fake.add_channel(GUILD, GENERAL, "general")
        yield fake


async def post_files(
    fake: FakeDiscord, body: Payload, files: list[tuple[str, bytes]]
) -> tuple[int, Any]:
    """POST a message with files as discord.py does: ``payload_json`` and ``files[n]``."""

    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps(body), content_type="application/json")
    for n, (name, data) in enumerate(files):
        form.add_field(f"files[{n}]", data, filename=name, content_type="text/csv")
    headers = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.base_url}/channels/{GENERAL}/messages"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=form, headers=headers) as answer,
    ):
        return answer.status, await answer.json()


def placeholders(count: int) -> list[Payload]:
    return [{"id": n, "filename": f"f{n}.csv"} for n in range(count)]


async def test_the_fake_takes_ten_files_and_refuses_eleven(fake: FakeDiscord) -> None:
    ten = [(f"f{n}.csv", b"a,b\n") for n in range(10)]

    taken, message = await post_files(fake, {"content": "x", "attachments": placeholders(10)}, ten)
    refused, answer = await post_files(
        fake, {"content": "x", "attachments": placeholders(11)}, [*ten, ("f10.csv", b"a")]
    )

    assert taken == 200 and len(message["attachments"]) == 10
    assert refused == 400 and answer["code"] == 50035
    assert "attachments" in answer["errors"]


async def test_the_fake_takes_a_ten_mebibyte_file_and_refuses_a_larger_one(
    fake: FakeDiscord,
) -> None:
    taken, _ = await post_files(
        fake, {"attachments": placeholders(1)}, [("f0.csv", b"x" * FILE_BYTES)]
    )
    refused, answer = await post_files(
        fake, {"attachments": placeholders(1)}, [("f0.csv", b"x" * (FILE_BYTES + 1))]
    )

    assert taken == 200
    assert (refused, answer) == (413, {"message": "Request entity too large", "code": 40005})


async def test_the_fake_refuses_a_placeholder_that_names_no_file(fake: FakeDiscord) -> None:
    status, answer = await post_files(
        fake, {"content": "x", "attachments": [{"id": 1, "filename": "a.csv"}]}, [("a.csv", b"a")]
    )

    assert status == 400 and answer["code"] == 50035
    assert answer["errors"]["attachments"]["0"]["id"]["_errors"][0]["message"] == (
        "No file was uploaded as files[1]."
    )


async def test_the_fake_refuses_content_over_2000_characters_with_files_too(
    fake: FakeDiscord,
) -> None:
    status, answer = await post_files(
        fake, {"content": "x" * 2001, "attachments": placeholders(1)}, [("f0.csv", b"a")]
    )

    assert status == 400 and "content" in answer["errors"]
