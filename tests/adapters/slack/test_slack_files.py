"""Files in Slack: a map and a table go out through Slack's upload flow, a member's CSV
comes in through their DM, and the fake Slack refuses what Slack refuses.

The world: alice (U1, a convener), bob (U2) and kenji (U3) in #general (C1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.file_limits import MAX_READ_BYTES
from adapters.slack.files import SlackFiles
from adapters.slack.inbound import message_event
from bot.adapter import FileUnavailable, PartlyDelivered, PermanentDeliveryError, RateLimited
from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.events import IncomingFile, MessagePosted
from bot.messages import FileAttachment, OutgoingMessage, Target
from bot.registry import MessageRoute, Registry
from bot.wiring import build_registry
from tests.support.fake_slack import FakeSlack
from tests.support.slack_rig import SlackRig, dm_file_event, slack_convene

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CSV = b"silo,met,introduced\nRadiotherapy,3,5\nTrust A,1,2\n"
MEMBERS_CSV = b"member,silos,timezone\nada,Radiotherapy,Europe/London\n"


def map_and_table() -> tuple[FileAttachment, FileAttachment]:
    return (
        FileAttachment("landscape.png", "image/png", PNG, title="The landscape"),
        FileAttachment("bridges.csv", "text/csv", CSV),
    )


async def deliver(slack: SlackRig, message: OutgoingMessage, key: str = "k1") -> dict[str, Any]:
    return dict(await slack.adapter.deliver(slack.fake.team_id, message, idempotency_key=key))


@pytest.fixture
async def slack(sqlite_url: str) -> AsyncIterator[SlackRig]:
    """Convene on the Slack adapter, on SQLite only: these tests are about what travels
    between the adapter and Slack, which no database sees. A file's one trip through the
    outbox (its bytes in the outbox row) is tested on each kind of database:
    ``test_a_convener_asking_in_a_channel_...``."""

    async with slack_convene(sqlite_url) as rig:
        yield rig


# -- files out -----------------------------------------------------------------------------


async def test_a_map_and_a_table_sent_to_a_member_arrive_in_their_dm_under_the_text(
    slack: SlackRig,
) -> None:
    message = OutgoingMessage(Target.dm("U2"), "*The landscape* this month", files=map_and_table())

    ref = await deliver(slack, message)

    [text] = slack.fake.accepted_calls("chat.postMessage")
    assert text["channel"] == "U2" and "The landscape" in text["text"]
    shared = slack.fake.shared_files
    assert [(f.name, f.data, f.channel, f.thread_ts) for f in shared] == [
        ("landscape.png", PNG, "DU2", None),
        ("bridges.csv", CSV, "DU2", None),
    ]
    assert [f.title for f in shared] == ["The landscape", "bridges.csv"]
    asked = slack.fake.accepted_calls("files.getUploadURLExternal")
    assert [(a["filename"], int(a["length"])) for a in asked] == [
        ("landscape.png", len(PNG)),
        ("bridges.csv", len(CSV)),
    ]
    assert len(slack.fake.accepted_calls("files.completeUploadExternal")) == 1
    # The reference names the text (a thread hangs there) and the files shared after it.
    history = slack.fake.history("DU2")
    assert ref["message_id"] == history[0]["ts"] and ref["channel_id"] == "DU2"
    assert ref["files"] == [f.file_id for f in shared]
    assert [f["name"] for f in history[1]["files"]] == ["landscape.png", "bridges.csv"]


async def test_files_for_a_thread_are_shared_under_that_thread(slack: SlackRig) -> None:
    root = await deliver(slack, OutgoingMessage(Target.channel("C1"), "*Retro: Q4*"), "root")
    thread = Target.thread("C1", thread_id=root["message_id"])

    ref = await deliver(slack, OutgoingMessage(thread, "The summary", files=map_and_table()))

    assert {(f.channel, f.thread_ts) for f in slack.fake.shared_files} == {
        ("C1", root["message_id"])
    }
    assert slack.in_thread("C1", root["message_id"])[0]["text"] == "The summary"
    assert ref["thread_id"] == root["message_id"]


async def test_files_alone_are_shared_in_the_members_dm_conversation(slack: SlackRig) -> None:
    png, _ = map_and_table()

    ref = await deliver(slack, OutgoingMessage(Target.dm("U3"), "", files=(png,)))

    assert slack.fake.accepted_calls("chat.postMessage") == []
    [shared] = slack.fake.shared_files
    assert shared.channel == "DU3" and shared.data == PNG
    assert ref["channel_id"] == "DU3" and ref["message_id"] == shared.ts


async def test_a_text_message_costs_no_upload_call(slack: SlackRig) -> None:
    await deliver(slack, OutgoingMessage(Target.dm("U2"), "Just words"))

    assert slack.fake.calls("files.getUploadURLExternal") == []
    assert slack.fake.calls("files.completeUploadExternal") == []


async def test_files_stopped_by_a_429_are_shared_later_without_the_text_again(
    slack: SlackRig,
) -> None:
    message = OutgoingMessage(Target.dm("U2"), "The landscape", files=map_and_table())
    slack.fake.rate_limit_next("files.completeUploadExternal", retry_after=3)

    with pytest.raises(PartlyDelivered) as stopped:
        await deliver(slack, message)
    assert isinstance(stopped.value.cause, RateLimited)
    assert stopped.value.cause.retry_after == 3
    assert slack.fake.shared_files == []

    ref = await slack.adapter.edit(slack.fake.team_id, stopped.value.ref, message)

    assert len(slack.fake.accepted_calls("chat.postMessage")) == 1
    assert [f.name for f in slack.fake.shared_files] == ["landscape.png", "bridges.csv"]
    assert ref["files"] == [f.file_id for f in slack.fake.shared_files]


async def test_files_for_a_channel_the_bot_is_not_in_are_refused_for_good(
    slack: SlackRig,
) -> None:
    slack.fake.add_channel("C9", "elsewhere", ["U1"], bot_is_member=False)
    png, _ = map_and_table()

    with pytest.raises(PermanentDeliveryError, match="not_in_channel"):
        await deliver(slack, OutgoingMessage(Target.channel("C9"), "", files=(png,)))
    assert slack.fake.shared_files == []


async def files_test(context: Context, args: Args) -> None:
    """A command that answers with a map and a table, as the map and the report will."""

    await context.reply("Here is the landscape.", files=map_and_table())


def with_file_commands() -> Registry:
    registry = build_registry()
    registry.command(
        CommandSpec(
            ("convene", "files-test"),
            files_test,
            "Answer with two files",
            "/convene files-test",
            "/convene files-test",
        )
    )
    return registry


async def test_a_convener_asking_in_a_channel_gets_the_files_in_their_dm_and_a_note_there(
    database_url: str,
) -> None:
    async with slack_convene(database_url, registry=with_file_commands()) as rig:
        await rig.command("U1", "/convene", "files-test")

        [note] = [m for m in rig.ephemeral_to("U1") if "direct message" in m["text"]]
        assert note["channel"] == "C1"
        shared = rig.fake.shared_files
        assert [f.name for f in shared] == ["landscape.png", "bridges.csv"]
        assert {f.channel for f in shared} == {"DU1"}
        # The text went first, just before the files, in the same conversation.
        history = rig.fake.history("DU1")
        at = next(i for i, m in enumerate(history) if m.get("files"))
        assert "Here is the landscape." in history[at - 1]["text"]


# -- files in ------------------------------------------------------------------------------


async def read_members_file(context: Context) -> None:
    """What a member import does first: read the CSV the member sent in the DM."""

    event = context.event
    assert isinstance(event, MessagePosted)
    for file in event.files:
        try:
            data = await context.read_file(file)
        except FileUnavailable as unavailable:
            await context.reply(str(unavailable))
            continue
        first = data.decode().splitlines()[0]
        await context.reply(f"Read {file.name}: {len(data)} bytes, headed {first}")


def with_file_reader() -> Registry:
    registry = build_registry()
    registry.messages.insert(0, MessageRoute(lambda m: bool(m.files), read_members_file))
    return registry


async def test_a_csv_a_member_sends_in_the_dm_reaches_the_handler_as_its_bytes(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url, registry=with_file_reader()) as rig:
        csv = rig.fake.add_file("U2", "members.csv", MEMBERS_CSV)

        await rig.event(dm_file_event("U2", [csv], "1700000100.000100"), event_id="EvF1")

        read = f"Read members.csv: {len(MEMBERS_CSV)} bytes, headed member,silos,timezone"
        assert read in rig.told("U2")
        assert [(d.token, d.status) for d in rig.fake.file_downloads] == [(rig.fake.bot_token, 200)]


async def test_a_file_deleted_before_it_was_read_is_explained_to_the_member(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url, registry=with_file_reader()) as rig:
        csv = rig.fake.add_file("U2", "members.csv", MEMBERS_CSV)
        rig.fake.remove_file(csv["id"])

        await rig.event(dm_file_event("U2", [csv], "1700000100.000200"), event_id="EvF2")

        [said] = [t for t in rig.told("U2") if "members.csv" in t]
        assert "members.csv is no longer on Slack" in said and "send it again" in said


async def test_a_file_share_event_becomes_a_message_with_its_readable_files() -> None:
    url = "https://files.slack.com/files-pri/T1-F1/download/members.csv"
    readable: dict[str, Any] = {
        "id": "F1",
        "name": "members.csv",
        "mimetype": "text/csv",
        "size": 52,
        "url_private_download": url,
    }
    hidden = {"id": "F2", "mode": "tombstone"}  # deleted: no URL, nothing to read
    body = {
        "team_id": "T0001",
        "event_id": "Ev1",
        "event": {**dm_file_event("U2", [readable, hidden], "1.2", text="my list"), "team": "T1"},
    }

    event = message_event(body, "UBOT")

    assert isinstance(event, MessagePosted)
    assert event.text == "my list"
    assert event.files == (IncomingFile("F1", "members.csv", 52, url, "text/csv"),)


async def test_a_file_over_five_megabytes_is_refused_before_it_is_fetched(
    slack: SlackRig,
) -> None:
    big = slack.fake.add_file("U2", "everyone.csv", b"x" * (MAX_READ_BYTES + 1))
    file = IncomingFile(big["id"], "everyone.csv", big["size"], big["url_private_download"])

    with pytest.raises(FileUnavailable) as refused:
        await slack.adapter.download_file(slack.fake.team_id, file)

    assert "everyone.csv is 5.0 MB; I read files of up to 5.0 MB" in str(refused.value)
    assert slack.fake.file_downloads == []


async def test_a_token_slack_does_not_accept_gets_the_sign_in_page_and_a_clear_refusal(
    slack: SlackRig,
) -> None:
    csv = slack.fake.add_file("U2", "members.csv", MEMBERS_CSV)
    file = IncomingFile(csv["id"], "members.csv", csv["size"], csv["url_private_download"])
    stale = SlackFiles(
        slack.adapter.client, no_calls, api_base_url=slack.fake.base_url, token="xoxb-stale"
    )

    try:
        with pytest.raises(FileUnavailable, match="needs the files:read permission"):
            await stale.download(file)
    finally:
        await stale.close()
    # Slack answered 200 with a web page: it was not taken for the member's CSV.
    assert [(d.token, d.status) for d in slack.fake.file_downloads] == [("xoxb-stale", 200)]


async def no_calls(method: Any, **arguments: Any) -> Any:
    raise AssertionError("a download makes no Web API call")


async def test_the_bot_token_never_goes_to_a_url_that_is_not_slacks(slack: SlackRig) -> None:
    elsewhere = IncomingFile("F1", "members.csv", 10, "http://127.0.0.1:9/files-pri/x/a.csv")

    with pytest.raises(FileUnavailable, match="not a file on Slack"):
        await slack.adapter.download_file(slack.fake.team_id, elsewhere)


# -- the fake refuses what Slack refuses ---------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "ada")
        fake.add_channel("C1", "general", ["U1"])
        fake.add_channel("C9", "elsewhere", ["U1"], bot_is_member=False)
        yield fake


def client_for(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)


async def upload(url: str, data: bytes) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=data) as answer:
        return answer.status


async def refused(call: Awaitable[Any]) -> dict[str, Any]:
    """Slack's answer to a call it refused."""

    with pytest.raises(SlackApiError) as failed:
        await call
    answer = failed.value.response.data
    assert isinstance(answer, dict)
    return answer


async def test_the_fake_refuses_bytes_of_another_length_than_announced(fake: FakeSlack) -> None:
    client = client_for(fake)
    asked = await client.files_getUploadURLExternal(filename="a.csv", length=10)

    assert await upload(str(asked["upload_url"]), b"ten bytes!") == 200
    again = await client.files_getUploadURLExternal(filename="b.csv", length=10)
    assert await upload(str(again["upload_url"]), b"eleven byte") == 400

    answer = await refused(
        client.files_completeUploadExternal(
            files=[{"id": str(again["file_id"]), "title": "b"}], channel_id="C1"
        )
    )
    assert answer["error"] == "file_not_found"
    assert fake.shared_files == []


async def test_the_fake_refuses_to_share_a_file_never_uploaded(fake: FakeSlack) -> None:
    client = client_for(fake)
    asked = await client.files_getUploadURLExternal(filename="a.csv", length=3)

    never_sent = await refused(
        client.files_completeUploadExternal(files=[{"id": str(asked["file_id"])}], channel_id="C1")
    )
    unknown = await refused(
        client.files_completeUploadExternal(files=[{"id": "F404"}], channel_id="C1")
    )

    assert never_sent["error"] == unknown["error"] == "file_not_found"


async def test_the_fake_refuses_an_empty_or_nameless_file(fake: FakeSlack) -> None:
    client = client_for(fake)

    empty = await refused(client.files_getUploadURLExternal(filename="a.csv", length=0))
    nameless = await refused(client.api_call("files.getUploadURLExternal", params={"length": 3}))

    assert empty["error"] == nameless["error"] == "invalid_arguments"
    assert "filename" in str(nameless["response_metadata"])


async def test_the_fake_shares_only_in_conversations_the_bot_is_in(fake: FakeSlack) -> None:
    client = client_for(fake)
    errors = []
    for channel in ("U1", "C9", "C404"):
        asked = await client.files_getUploadURLExternal(filename="a.csv", length=3)
        assert await upload(str(asked["upload_url"]), b"a,b") == 200
        answer = await refused(
            client.files_completeUploadExternal(
                files=[{"id": str(asked["file_id"])}], channel_id=channel
            )
        )
        errors.append(answer["error"])

    assert errors == ["invalid_arguments", "not_in_channel", "channel_not_found"]
    assert fake.shared_files == []


async def test_the_fake_refuses_uploads_to_an_app_without_files_write() -> None:
    async with FakeSlack(scopes=("chat:write", "files:read")) as fake:
        answer = await refused(
            client_for(fake).files_getUploadURLExternal(filename="a.csv", length=3)
        )

    assert answer["error"] == "missing_scope" and answer["needed"] == "files:write"
