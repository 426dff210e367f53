"""On Discord, a zone typed as a clock's name is answered with buttons that fit its ids.

A Discord button carries its action and value in a ``custom_id`` of at most
100 characters, the server's id included; the buttons that run a command
again with the zone chosen must fit, and pressing one must finish the
command as the convener typed it.
"""

from __future__ import annotations

from typing import Any

from tests.support.discord_rig import ALICE, GENERAL, KENJI, DiscordRig

Payload = dict[str, Any]
CUSTOM_ID_LIMIT = 100


def answer_starting(rig: DiscordRig, words: str) -> Payload:
    """The newest message in #general (a private answer too) that starts with ``words``."""

    return [m for m in rig.fake.messages_in(GENERAL) if m["content"].startswith(words)][-1]


def buttons(message: Payload) -> list[Payload]:
    return [item for row in message.get("components") or [] for item in row["components"]]


async def test_a_convener_adding_kenji_on_jst_presses_asia_tokyo_and_kenji_is_added_with_it(
    discord: DiscordRig,
) -> None:
    await discord.slash(ALICE, "convene", "member", "add", name=KENJI, tz="JST")

    refused = answer_starting(discord, "'JST' is short for Japan Standard Time")
    [tokyo] = buttons(refused)
    assert tokyo["label"] == "Asia/Tokyo"
    assert len(tokyo["custom_id"]) <= CUSTOM_ID_LIMIT
    assert discord.replies(KENJI) == []

    await discord.click(ALICE, refused, "Asia/Tokyo")

    assert "Added Kenji: no silo yet; time zone Asia/Tokyo." in discord.replies(ALICE)


async def test_a_member_typing_gmt_on_discord_chooses_europe_london_from_five_buttons(
    discord: DiscordRig,
) -> None:
    await discord.slash(KENJI, "profile", "tz", zone="GMT")

    refused = answer_starting(discord, "'GMT' is short for Greenwich Mean Time")

    offered = buttons(refused)
    assert [b["label"] for b in offered] == [
        "Europe/London",
        "Europe/Dublin",
        "Africa/Accra",
        "Atlantic/Reykjavik",
        "UTC",
    ]
    assert all(len(b["custom_id"]) <= CUSTOM_ID_LIMIT for b in offered)
    await discord.click(KENJI, refused, "Europe/London")
    assert "Your time zone is now Europe/London." in discord.replies(KENJI)
