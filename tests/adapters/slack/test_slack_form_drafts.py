"""In Slack a modal refused for one field comes back filled in as it was typed.

Slack's modal is already closed when Convene reads it (the submission is
acknowledged first), so the member hears the reason privately with a
``[Fix …]`` button; pressing it opens the same modal with every input's
``initial_value`` as typed. A retro thread reply without a category gets
its question and buttons the same way (fake Slack, HTTP mode).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from tests.support.slack_rig import SlackRig
from tests.support.times import THURSDAY_NOON

Payload = dict[str, Any]


@pytest.fixture
def start() -> datetime:
    return THURSDAY_NOON


def buttons(message: Payload) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def inputs(view: Payload) -> dict[str, Payload]:
    return {block["block_id"]: block["element"] for block in view["blocks"]}


async def top_item_offered(slack: SlackRig) -> Payload:
    """Retro "Quarter 4" closed with bob's "Weekly huddles" offered; its root message.
    Kenji has spoken to Convene, so he can be named as an owner."""

    await slack.command("U3", "/commit", "list")
    await slack.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Quarter 4*")
    await slack.click("U2", root, "Add item")
    await slack.submit("U2", slack.last_view(), {"category": "Start", "text": "Weekly huddles"})
    await slack.command("U1", "/convene", 'retro close "Quarter 4"')
    return root


async def test_an_unreadable_date_in_make_it_a_commitment_comes_back_filled_in(
    slack: SlackRig,
) -> None:
    await top_item_offered(slack)
    await slack.click("U1", slack.message("C1", "Top 1:"), "Make it a commitment")
    first = slack.last_view()
    typed = {"owner": "@kenji", "what": "Run the first huddle", "due": "when pigs fly"}

    await slack.submit("U1", first, typed)

    refused = slack.ephemeral_to("U1")[-1]
    assert "'when pigs fly'" in refused["text"]
    assert refused["text"].endswith(
        "What you typed is kept: the button opens the form again, filled in."
    )
    assert buttons(refused) == ["Fix “By when?”"]
    assert slack.posted("commits to") == [] and slack.dms("U3") == []

    await slack.click("U1", refused, "Fix “By when?”")
    again = slack.last_view()
    assert again is not first and again["callback_id"] == "retro.commit"
    assert (
        json.loads(again["private_metadata"])["context"]
        == (json.loads(first["private_metadata"])["context"])
    )
    fields = inputs(again)
    assert {name: fields[name].get("initial_value") for name in typed} == typed
    hints = {block["block_id"]: block.get("hint", {}).get("text") for block in again["blocks"]}
    assert hints["owner"] is None and hints["what"] is None
    assert hints["due"] is not None and "'when pigs fly'" in hints["due"]

    await slack.submit("U1", again, {**typed, "due": "next friday"})
    [request] = slack.dms("U3")
    assert (
        "asks you to commit to *Run the first huddle* (commitment 1, due Friday"
        in (request["text"])
    )


async def test_a_retro_reply_without_a_category_is_asked_about_with_a_button_a_category(
    slack: SlackRig,
) -> None:
    await top_item_offered(slack)
    await slack.command("U1", "/convene", 'retro open "Quarter 1" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Quarter 1*")

    await slack.event(
        {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": "U3",
            "text": "the rota has gaps every weekend",
            "ts": "1800000000.000002",
            "thread_ts": root["ts"],
        },
        event_id="Ev-reply-without-category",
    )

    asked = slack.ephemeral_to("U3")[-1]
    assert asked["thread_ts"] == root["ts"]
    assert asked["text"].startswith("Which category is this for? “the rota has gaps every weekend”")
    assert buttons(asked) == ["Start", "Stop", "Continue"]

    await slack.click("U3", {**asked, "channel": "C1"}, "Stop")
    await slack.click("U3", {**asked, "channel": "C1"}, "Stop")
    added = [m for m in slack.in_thread("C1", root["ts"]) if "the rota has gaps" in m["text"]]
    assert [m["text"] for m in added] == ["1. *Stop*: the rota has gaps every weekend · kenji"]
    assert slack.ephemeral_to("U3")[-1]["text"].startswith("That reply is already in the retro")
