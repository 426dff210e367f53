"""On Discord, a kind of silo is suggested as it is typed, and a typo's buttons fit.

A mistyped kind is answered with ``[Use profession]`` ``[Add kind "profesion"]``:
each button's ``custom_id`` (the server's id, the action and a short value)
stays within Discord's 100 characters however long the silo's name, and a
press finishes the command as the convener typed it.
"""

from __future__ import annotations

from typing import Any

from tests.support.discord_rig import ALICE, GENERAL, DiscordRig

Payload = dict[str, Any]
CUSTOM_ID_LIMIT = 100
LONG_NAME = "Radiography and Medical Imaging Services of the North Western Network"


def answer_starting(rig: DiscordRig, words: str) -> Payload:
    return [m for m in rig.fake.messages_in(GENERAL) if m["content"].startswith(words)][-1]


def buttons(message: Payload) -> list[Payload]:
    return [item for row in message.get("components") or [] for item in row["components"]]


async def test_a_convener_who_mistypes_a_kind_on_discord_presses_use_profession(
    discord: DiscordRig,
) -> None:
    await discord.slash(ALICE, "convene", "silo", "add", name=LONG_NAME, kind="profesion")

    asked = answer_starting(discord, "'profesion' is not a kind of silo here")
    offered = buttons(asked)
    assert [b["label"] for b in offered] == ["Use profession", 'Add kind "profesion"']
    assert all(len(b["custom_id"]) <= CUSTOM_ID_LIMIT for b in offered)

    await discord.click(ALICE, asked, "Use profession")

    assert f"Added the silo {LONG_NAME} (profession)." in discord.replies(ALICE)


async def test_kinds_are_suggested_while_a_convener_types_one(discord: DiscordRig) -> None:
    await discord.slash(ALICE, "convene", "silo", "kinds", action="add", kind="ward")

    suggested = await discord.autocomplete(
        ALICE, "convene", "silo", "add", focused="kind", name="Ward 7", kind="w"
    )

    assert [c["name"] for c in suggested] == ["ward"]
    every = await discord.autocomplete(ALICE, "convene", "silo", "add", focused="kind")
    assert [c["name"] for c in every][:3] == ["team", "department", "organisation"]
