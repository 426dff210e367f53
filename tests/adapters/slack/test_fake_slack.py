"""The fake Slack answers slack_sdk's real AsyncWebClient the way Slack would.

These tests pin the fake to the client the adapter will use, so a test of
the adapter that passes against the fake is talking the client's actual
wire format (JSON bodies, query strings, cursors, 429s).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import FakeSlack

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]


class ManualClock:
    """A clock the test moves by hand, so rate limits need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "ada", real_name="Ada Lovelace", tz="Europe/Paris")
        fake.add_user("U2", "grace", profile_fields={"Xf01": "Navy"})
        fake.add_user("U3", "alan", deleted=True)
        fake.add_channel("C1", "general", ["U1", "U2", "U3"])
        yield fake


def client_for(fake: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or fake.bot_token, base_url=fake.base_url)


async def test_post_message_returns_increasing_ts_and_records_blocks(fake: FakeSlack) -> None:
    client = client_for(fake)

    first = await client.chat_postMessage(channel="C1", text="Hello", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    direct = await client.chat_postMessage(channel="U1", text="psst")

    assert first["channel"] == "C1"
    assert float(first["ts"]) < float(second["ts"])
    assert first["message"]["blocks"] == BLOCKS
    assert direct["channel"] == "DU1"
    assert fake.calls("chat.postMessage")[0] == {
        "channel": "C1",
        "text": "Hello",
        "blocks": BLOCKS,
    }
    assert fake.requests[0].token == fake.bot_token
    assert [m["ts"] for m in fake.history("C1")] == [first["ts"], second["ts"]]
    assert fake.history("C1")[1]["thread_ts"] == first["ts"]
    assert fake.history("DU1")[0]["text"] == "psst"


async def test_blocks_sent_as_form_text_are_decoded(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "hi", "blocks": '[{"type": "divider"}]'},
    )

    assert fake.calls("chat.postMessage") == [
        {"channel": "C1", "text": "hi", "blocks": [{"type": "divider"}]}
    ]


async def test_update_replaces_the_message_and_rejects_unknown_ts(fake: FakeSlack) -> None:
    client = client_for(fake)
    posted = await client.chat_postMessage(channel="C1", text="draft")

    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="final")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel="C1", ts="1.000001", text="nope")

    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "final"
    assert fake.history("C1")[0]["text"] == "final"
    assert raised.value.response["error"] == "message_not_found"


async def test_post_ephemeral_answers_message_ts_for_channel_members(fake: FakeSlack) -> None:
    fake.add_user("U9", "outsider")
    client = client_for(fake)

    answer = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postEphemeral(channel="C1", user="U9", text="not here")

    assert answer["message_ts"]
    assert fake.history("C1") == []  # ephemeral messages are not in the history
    assert raised.value.response["error"] == "user_not_in_channel"


async def test_conversations_open_gives_stable_dm_and_mpim_ids(fake: FakeSlack) -> None:
    client = client_for(fake)

    dm = await client.conversations_open(users="U1")
    dm_again = await client.conversations_open(users=["U1"], return_im=True)
    group = await client.conversations_open(users="U1,U2,UX")
    same_group = await client.conversations_open(users=["UX", "U2", "U1"])

    assert dm["channel"]["id"] == dm_again["channel"]["id"] == "DU1"
    assert dm_again["already_open"] is True
    assert group["channel"]["id"].startswith("G")
    assert same_group["channel"]["id"] == group["channel"]["id"]
    members = await client.conversations_members(channel=group["channel"]["id"])
    assert sorted(members["members"]) == ["U1", "U2", "UBOT", "UX"]


async def test_members_pagination_through_client_cursor_iteration(fake: FakeSlack) -> None:
    client = client_for(fake)

    pages = [
        list(page["members"])
        async for page in await client.conversations_members(channel="C1", limit=2)
    ]

    assert pages == [["U1", "U2"], ["U3", "UBOT"]]
    cursors = [call.get("cursor") for call in fake.calls("conversations.members")]
    assert cursors[0] is None and isinstance(cursors[1], str)


async def test_list_and_info_methods_have_slack_shapes(fake: FakeSlack) -> None:
    fake.add_channel("C2", "secret", ["U1"], is_private=True, bot_is_member=False)
    fake.add_usergroup("S1", "stewards", "Stewards", ["U1", "U2"])
    client = client_for(fake)

    listed = await client.conversations_list(types="public_channel,private_channel", limit=10)
    info = await client.conversations_info(channel="C1")
    ada = await client.users_info(user="U1")
    grace = await client.users_info(user="U2")
    users = [u["id"] async for page in await client.users_list(limit=2) for u in page["members"]]
    groups = await client.usergroups_list(include_users=True)
    group_users = await client.usergroups_users_list(usergroup="S1")
    team = await client.team_info()
    auth = await client.auth_test()

    assert [c["id"] for c in listed["channels"]] == ["C1"]  # invisible private channel
    assert listed["channels"][0]["is_member"] is True
    assert info["channel"]["name"] == "general"
    assert ada["user"]["real_name"] == "Ada Lovelace"
    assert ada["user"]["tz"] == "Europe/Paris"
    assert ada["user"]["tz_offset"] in (3600, 7200)
    assert grace["user"]["profile"]["fields"] == {"Xf01": {"value": "Navy", "alt": ""}}
    assert users == ["UBOT", "U1", "U2", "U3"]
    assert groups["usergroups"][0]["users"] == ["U1", "U2"]
    assert group_users["users"] == ["U1", "U2"]
    assert team["team"]["id"] == "T0001"
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "B0001")


async def test_fail_next_makes_the_client_raise_that_error(fake: FakeSlack) -> None:
    client = client_for(fake)
    fake.fail_next("chat.postMessage", "not_in_channel")
    fake.fail_next("users.info", "missing_scope")

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="hi")
    with pytest.raises(SlackApiError) as scope:
        await client.users_info(user="U1")
    after = await client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response["error"] == "not_in_channel"
    assert scope.value.response["needed"] == "users:read"
    assert after["ok"] is True
    assert fake.accepted("chat.postMessage") == 1


async def test_world_errors_are_the_ones_slack_gives(fake: FakeSlack) -> None:
    fake.add_channel("C9", "elsewhere", ["U1"], bot_is_member=False)
    client = client_for(fake)

    errors = []
    for call in (
        client.chat_postMessage(channel="C9", text="hi"),
        client.chat_postMessage(channel="C404", text="hi"),
        client.users_info(user="U404"),
        client.conversations_members(channel="C1", cursor="not-a-cursor"),
        client.api_call("no.such.method"),
    ):
        with pytest.raises(SlackApiError) as raised:
            await call
        errors.append(raised.value.response["error"])

    assert errors == [
        "not_in_channel",
        "channel_not_found",
        "user_not_found",
        "invalid_cursor",
        "unknown_method",
    ]


async def test_rate_limit_next_answers_429_with_retry_after(fake: FakeSlack) -> None:
    client = client_for(fake)
    fake.rate_limit_next("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="hi")
    await client.chat_postMessage(channel="C1", text="hi")

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    assert (fake.accepted("chat.postMessage"), fake.refused("chat.postMessage")) == (1, 1)


async def test_server_error_next_answers_an_html_error_page(fake: FakeSlack) -> None:
    client = client_for(fake)
    fake.server_error_next("conversations.list", status=503)

    with pytest.raises(SlackApiError) as raised:
        await client.conversations_list()

    assert raised.value.response.status_code == 503
    assert raised.value.response.get("error") is None


async def test_limit_enforces_a_bucket_per_channel() -> None:
    clock = ManualClock()
    async with FakeSlack(now=clock) as fake:
        fake.add_channel("C1", "one", [])
        fake.add_channel("C2", "two", [])
        fake.limit("chat.postMessage", per_second=1, burst=2)
        client = client_for(fake)

        await client.chat_postMessage(channel="C1", text="1")
        await client.chat_postMessage(channel="C1", text="2")
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C1", text="3")
        await client.chat_postMessage(channel="C2", text="other channel")
        clock.now += 1.0
        await client.chat_postMessage(channel="C1", text="3 again")

        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "1"
        assert fake.accepted("chat.postMessage") == 4
        assert fake.refused("chat.postMessage") == 1
        assert fake.requests[2].at == 1000.0


async def test_views_open_records_the_view(fake: FakeSlack) -> None:
    client = client_for(fake)
    view = {
        "type": "modal",
        "callback_id": "checkin",
        "title": {"type": "plain_text", "text": "Check in"},
        "blocks": BLOCKS,
    }

    opened = await client.views_open(trigger_id="123.456.abc", view=view)
    home = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    home_again = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    with pytest.raises(SlackApiError) as raised:
        await client.api_call("views.open", json={"view": view})

    assert fake.calls("views.open")[0] == {"trigger_id": "123.456.abc", "view": view}
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "checkin"
    assert fake.view(opened["view"]["id"])["blocks"] == BLOCKS
    assert home["view"]["id"] == home_again["view"]["id"]
    assert raised.value.response["error"] == "invalid_arguments"


async def test_tokens_are_checked(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as wrong:
        await client_for(fake, token="xoxb-wrong").auth_test()
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=fake.base_url).auth_test()

    assert wrong.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert [r.token for r in fake.requests] == ["xoxb-wrong", None]


async def test_scripting_an_unimplemented_method_is_refused() -> None:
    fake = FakeSlack()
    with pytest.raises(ValueError, match="does not implement"):
        fake.fail_next("chat.postMesage", "invalid_auth")
