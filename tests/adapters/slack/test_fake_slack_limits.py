"""The fake Slack refuses what Slack refuses: Block Kit's documented limits.

Each limit is tried at its edge (taken) and one past it (refused with Slack's
own answer: HTTP 200, ``ok: false``, the error code, and the broken field as a
JSON pointer in ``response_metadata.messages``). ``tests.support.slack_limits``
names the Slack document behind each figure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import FakeSlack

Payload = dict[str, Any]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "ada", tz="Europe/Paris")
        fake.add_channel("C1", "general", ["U1"])
        yield fake


def client_for(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)


def section(text: str) -> Payload:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str = "Go", action_id: str = "go", value: str = "1") -> Payload:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def actions(*elements: Payload) -> Payload:
    return {"type": "actions", "elements": list(elements)}


def modal(title: str = "Add an item", blocks: list[Payload] | None = None) -> Payload:
    return {
        "type": "modal",
        "callback_id": "retro.add",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Add"},
        "blocks": blocks if blocks is not None else [text_input("text")],
    }


def text_input(name: str, max_length: int = 500) -> Payload:
    return {
        "type": "input",
        "block_id": name,
        "label": {"type": "plain_text", "text": "Your item"},
        "element": {"type": "plain_text_input", "action_id": "value", "max_length": max_length},
    }


async def refusal(call: Any) -> Payload:
    """Slack's answer to a call that must be refused."""

    with pytest.raises(SlackApiError) as refused:
        await call
    response = refused.value.response
    assert response.status_code == 200, "Slack refuses a broken payload with HTTP 200"
    assert response["ok"] is False
    data: Payload = dict(response.data)
    return data


def pointers(answer: Payload) -> list[str]:
    return [
        m.split("[json-pointer:")[-1].rstrip("]") for m in answer["response_metadata"]["messages"]
    ]


# -- messages ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral"])
async def test_a_message_takes_50_blocks_and_is_refused_51(fake: FakeSlack, method: str) -> None:
    client = client_for(fake)
    post = getattr(client, method)
    extra = {"user": "U1"} if method == "chat_postEphemeral" else {}

    await post(channel="C1", text="t", blocks=[section("x")] * 50, **extra)
    answer = await refusal(post(channel="C1", text="t", blocks=[section("x")] * 51, **extra))

    assert answer["error"] == "invalid_blocks"
    assert pointers(answer) == ["/blocks"]
    assert "no more than 50 items allowed" in answer["response_metadata"]["messages"][0]


async def test_an_update_to_51_blocks_is_refused_and_the_message_stays(fake: FakeSlack) -> None:
    client = client_for(fake)
    sent = await client.chat_postMessage(channel="C1", text="t", blocks=[section("first")])

    answer = await refusal(
        client.chat_update(channel="C1", ts=sent["ts"], text="t", blocks=[section("x")] * 51)
    )

    assert answer["error"] == "invalid_blocks"
    assert fake.history("C1")[0]["blocks"] == [section("first")]


async def test_a_section_takes_3000_characters_and_is_refused_3001(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.chat_postMessage(channel="C1", text="t", blocks=[section("x" * 3000)])
    answer = await refusal(
        client.chat_postMessage(channel="C1", text="t", blocks=[section("y"), section("x" * 3001)])
    )

    assert answer["error"] == "invalid_blocks"
    assert pointers(answer) == ["/blocks/1/text/text"]
    assert answer["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


async def test_an_empty_section_is_refused(fake: FakeSlack) -> None:
    answer = await refusal(
        client_for(fake).chat_postMessage(channel="C1", text="t", blocks=[section("")])
    )

    assert answer["error"] == "invalid_blocks"
    assert pointers(answer) == ["/blocks/0/text/text"]


@pytest.mark.parametrize(
    ("element", "pointer"),
    [
        (button(label="x" * 76), "/blocks/0/elements/0/text/text"),
        (button(action_id="a" * 256), "/blocks/0/elements/0/action_id"),
        (button(value="v" * 2001), "/blocks/0/elements/0/value"),
    ],
    ids=["a button's text of 76", "an action_id of 256", "a button's value of 2,001"],
)
async def test_a_button_past_its_limits_is_refused(
    fake: FakeSlack, element: Payload, pointer: str
) -> None:
    client = client_for(fake)

    await client.chat_postMessage(
        channel="C1",
        text="t",
        blocks=[actions(button(label="x" * 75, action_id="a" * 255, value="v" * 2000))],
    )
    answer = await refusal(
        client.chat_postMessage(channel="C1", text="t", blocks=[actions(element)])
    )

    assert answer["error"] == "invalid_blocks"
    assert pointers(answer) == [pointer]


async def test_an_actions_block_takes_25_elements(fake: FakeSlack) -> None:
    client = client_for(fake)
    many = [button(action_id=f"a{n}") for n in range(26)]

    await client.chat_postMessage(channel="C1", text="t", blocks=[actions(*many[:25])])
    answer = await refusal(client.chat_postMessage(channel="C1", text="t", blocks=[actions(*many)]))

    assert pointers(answer) == ["/blocks/0/elements"]


async def test_a_block_id_of_256_is_refused(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.chat_postMessage(
        channel="C1", text="t", blocks=[{**section("x"), "block_id": "b" * 255}]
    )
    answer = await refusal(
        client.chat_postMessage(
            channel="C1", text="t", blocks=[{**section("x"), "block_id": "b" * 256}]
        )
    )

    assert answer["error"] == "invalid_blocks"
    assert pointers(answer) == ["/blocks/0/block_id"]


async def test_more_than_12000_characters_of_blocks_is_too_long(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.chat_postMessage(channel="C1", text="t", blocks=[section("x" * 3000)] * 4)
    answer = await refusal(
        client.chat_postMessage(
            channel="C1", text="t", blocks=[section("x" * 3000)] * 4 + [section("y")]
        )
    )

    assert answer["error"] == "msg_blocks_too_long"


async def test_a_message_text_of_40001_characters_is_too_long(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.chat_postMessage(channel="C1", text="x" * 40_000)
    answer = await refusal(client.chat_postMessage(channel="C1", text="x" * 40_001))

    assert answer["error"] == "msg_too_long"


async def test_a_refused_call_is_recorded_but_nothing_is_posted(fake: FakeSlack) -> None:
    await refusal(
        client_for(fake).chat_postMessage(channel="C1", text="t", blocks=[section("x")] * 51)
    )

    assert fake.accepted_calls("chat.postMessage") == []
    assert len(fake.calls("chat.postMessage")) == 1
    assert fake.history("C1") == []


async def test_the_refusal_is_http_200_with_ok_false_on_the_wire(fake: FakeSlack) -> None:
    body = {"channel": "C1", "text": "t", "blocks": [section("x" * 3001)]}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{fake.base_url}chat.postMessage",
            json=body,
            headers={"Authorization": f"Bearer {fake.bot_token}"},
        ) as response,
    ):
        status, answer = response.status, await response.json()

    assert status == 200
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"


# -- views -------------------------------------------------------------------------------


async def test_a_modal_title_takes_24_characters_and_is_refused_25(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.views_open(trigger_id="t.1", view=modal(title="x" * 24))
    answer = await refusal(client.views_open(trigger_id="t.2", view=modal(title="x" * 25)))

    assert answer["error"] == "invalid_arguments"
    assert pointers(answer) == ["/view/title/text"]


async def test_a_modal_takes_100_blocks_and_is_refused_101(fake: FakeSlack) -> None:
    client = client_for(fake)
    inputs = [text_input(f"q{n}") for n in range(101)]

    await client.views_open(trigger_id="t.1", view=modal(blocks=inputs[:100]))
    answer = await refusal(client.views_open(trigger_id="t.2", view=modal(blocks=inputs)))

    assert answer["error"] == "invalid_arguments"
    assert pointers(answer) == ["/view/blocks"]


async def test_the_app_home_takes_100_blocks_and_is_refused_101(fake: FakeSlack) -> None:
    client = client_for(fake)

    await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("x")] * 100})
    answer = await refusal(
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("x")] * 101})
    )

    assert answer["error"] == "invalid_arguments"
    assert pointers(answer) == ["/view/blocks"]
    assert len(fake.accepted_calls("views.publish")) == 1


async def test_a_modal_input_past_its_limits_is_refused(fake: FakeSlack) -> None:
    client = client_for(fake)
    too_long = text_input("q", max_length=3001)
    label = {**text_input("r"), "label": {"type": "plain_text", "text": "x" * 2001}}
    select = {
        "type": "input",
        "block_id": "s",
        "label": {"type": "plain_text", "text": "Pick"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": "o" * 76}, "value": "v" * 151},
            ],
        },
    }

    answer = await refusal(
        client.views_open(trigger_id="t", view=modal(blocks=[too_long, label, select]))
    )

    assert pointers(answer) == [
        "/view/blocks/0/element/max_length",
        "/view/blocks/1/label/text",
        "/view/blocks/2/element/options/0/text/text",
        "/view/blocks/2/element/options/0/value",
    ]


async def test_a_callback_id_and_private_metadata_past_their_limits_are_refused(
    fake: FakeSlack,
) -> None:
    view = {**modal(), "callback_id": "c" * 256, "private_metadata": "m" * 3001}

    answer = await refusal(client_for(fake).views_open(trigger_id="t", view=view))

    assert pointers(answer) == ["/view/callback_id", "/view/private_metadata"]


# -- deleting ----------------------------------------------------------------------------


async def test_chat_delete_removes_the_bots_message_and_refuses_an_unknown_ts(
    fake: FakeSlack,
) -> None:
    client = client_for(fake)
    first = await client.chat_postMessage(channel="C1", text="one")
    second = await client.chat_postMessage(channel="C1", text="two")

    await client.chat_delete(channel="C1", ts=first["ts"])
    answer = await refusal(client.chat_delete(channel="C1", ts=first["ts"]))

    assert answer["error"] == "message_not_found"
    assert [m["ts"] for m in fake.history("C1")] == [second["ts"]]
