"""In Discord a modal refused for one field comes back filled in as it was typed.

A modal's submission cannot be answered with another modal, so the member
hears the reason privately with a ``[Fix …]`` button; pressing it opens the
same modal with each text input's ``value`` as typed (fake Discord).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import adapters.discord.adapter as discord_adapter
from tests.support.discord_rig import ALICE, GENERAL, KENJI, DiscordRig
from tests.support.times import THURSDAY_NOON

Payload = dict[str, Any]
MODAL = 9
KEPT = "What you typed is kept: the button opens the form again, filled in."


@pytest.fixture
def start() -> datetime:
    return THURSDAY_NOON


@pytest.fixture(autouse=True)
def quick_deferrals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defer at once: under the rig no reply can be ready before the deferral anyway."""

    monkeypatch.setattr(discord_adapter, "AFTER_HANDLING", 0.01)


def labels(message: Payload) -> list[str]:
    return [item["label"] for row in message.get("components") or [] for item in row["components"]]


def typed_values(modal: Payload) -> dict[str, str | None]:
    return {
        field["component"]["custom_id"]: field["component"].get("value")
        for field in modal["components"]
    }


def saying(rig: DiscordRig, channel: int | str, text: str) -> Payload:
    found = [m for m in rig.fake.messages_in(int(channel)) if text in str(m.get("content", ""))]
    assert found, f"nothing in {channel} says {text!r}"
    return found[-1]


async def test_an_unreadable_date_in_make_it_a_commitment_comes_back_filled_in(
    discord: DiscordRig,
) -> None:
    await discord.slash(KENJI, "commit", "list")
    await discord.slash(
        ALICE, "convene", "retro", "open", name="Quarter 4", format="start-stop-continue"
    )
    root = saying(discord, GENERAL, "**Retro: Quarter 4**")
    adding = await discord.click(KENJI, root, "Add item")
    await discord.submit(KENJI, adding, {"category": "Start", "text": "Weekly huddles"})
    await discord.slash(ALICE, "convene", "retro", "close", name="Quarter 4")
    offer = saying(discord, root["id"], "Top 1:")
    opening = await discord.click(ALICE, offer, "Make it a commitment")
    typed = {"owner": "@kenji", "what": "Run the first huddle", "due": "when pigs fly"}

    await discord.submit(ALICE, opening, typed)

    refused = saying(discord, root["id"], KEPT)
    assert "'when pigs fly'" in refused["content"]
    assert labels(refused) == ["Fix “By when?”"]
    assert discord.posted(int(root["id"]), "commits to") == []

    fixing = await discord.click(ALICE, refused, "Fix “By when?”")
    assert [c.type for c in discord.fake.callbacks(fixing)] == [MODAL]
    again = discord.modal(fixing)
    assert again["custom_id"] == discord.modal(opening)["custom_id"]
    assert typed_values(again) == typed
    [described] = [f for f in again["components"] if "description" in f]
    assert described["component"]["custom_id"] == "due"
    assert "'when pigs fly'" in described["description"]
    assert len(described["description"]) <= 100

    await discord.submit(ALICE, fixing, {**typed, "due": "next friday"})
    asked = [m["content"] for m in discord.dms(KENJI) if "asks you to commit" in m["content"]]
    assert len(asked) == 1 and "**Run the first huddle** (commitment 1, due Friday" in asked[0]
