"""Opportunities end to end in Discord, against the fake Discord on loopback.

What one member is stuck on, another has already solved: after a check-in run
closes the convener gets the suggestion in a DM with three buttons; members
ask ``/pairing find`` and conveners ``/convene who knows``; ``/pairing suggest
off`` takes a member out of both. Everything goes in as Discord sends it
(application commands with their options, component interactions, modal
submissions down the gateway) and is read from the REST calls the fake
Discord recorded; the rig fails a scenario in which Convene sent anything
that breaks one of Discord's documented limits (``discord_limits``).

Discord has no group DMs for bots, and an introduction outside the rounds has
no programme channel to open a private thread in: each of the two gets it in
a DM.

The world (``discord``): alice (a convener, nickname "Alice R"), bob and
kenji, all in #general; dan joins for the searches. Scenarios start on
Thursday 26 November 2026, when London is on UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest

import adapters.discord.adapter as discord_adapter
from tests.support.discord_limits import BUTTON_LABEL, CUSTOM_ID, DESCRIPTION
from tests.support.discord_rig import (
    ALICE,
    BOB,
    EPHEMERAL,
    GENERAL,
    GUILD,
    KENJI,
    DiscordRig,
    synced_subcommand,
)
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]

DAN = 900_000_000_000_001_004
ACTION_ROW, BUTTON = 1, 2
PRIMARY, SECONDARY, DANGER = 1, 2, 4
MOST_ROWS = 5

KENJI_NEED = (
    "Getting radiotherapy patients home: discharge keeps stalling while we wait for social "
    "care packages to be arranged"
)
BOB_OFFER = (
    "We cut delayed discharges by a third with a daily huddle between ward staff and the "
    "council's care package team"
)
BOB_ABOUT = "I run the daily discharge huddle with the council's care package team"


@pytest.fixture(autouse=True)
def quick_deferrals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defer at once: under the rig no reply can be ready before the deferral anyway."""

    monkeypatch.setattr(discord_adapter, "AFTER_HANDLING", 0.01)


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- reading what Discord was sent ------------------------------------------------------------


def items(message: Mapping[str, Any]) -> Iterator[Payload]:
    for row in message.get("components") or []:
        assert row["type"] == ACTION_ROW
        yield from row["components"]


def component_buttons(message: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    """Each button as (label, style, custom_id), checked within Discord's limits."""

    rows = message.get("components") or []
    assert len(rows) <= MOST_ROWS
    found = list(items(message))
    assert all(b["type"] == BUTTON for b in found)
    for b in found:
        assert 0 < len(b["label"]) <= BUTTON_LABEL
        assert 0 < len(b["custom_id"]) <= CUSTOM_ID
    assert len({b["custom_id"] for b in found}) == len(found)
    return [(b["label"], b["style"], b["custom_id"]) for b in found]


def dm(rig: DiscordRig, user: int, text: str) -> Payload:
    """The last DM to ``user`` holding ``text``, as it now reads."""

    found = [m for m in rig.dms(user) if text in str(m.get("content", ""))]
    assert found, f"no DM to {user} says {text!r}: {[m.get('content') for m in rig.dms(user)]}"
    return found[-1]


def dms_saying(rig: DiscordRig, user: int, text: str) -> list[Payload]:
    return [m for m in rig.dms(user) if text in str(m.get("content", ""))]


def private(rig: DiscordRig, text: str, channel: int = GENERAL) -> Payload:
    """The last private (ephemeral) answer in a channel holding ``text``, as it now reads."""

    found = [
        m
        for m in rig.fake.messages_in(channel)
        if int(m.get("flags") or 0) & EPHEMERAL and text in str(m.get("content", ""))
    ]
    assert found, f"no private answer says {text!r}"
    return found[-1]


def dm_posts(rig: DiscordRig, user: int, text: str) -> list[Payload]:
    """The bodies Discord took for the bot's messages in a member's DM holding ``text``."""

    channel = rig.fake.dm_channel_of(user)
    return [
        r.json
        for r in rig.sent("POST", f"/channels/{channel}/messages")
        if r.status == 200 and text in str(r.json.get("content", ""))
    ]


def mentioned(text: str) -> set[int]:
    return {int(found) for found in re.findall(r"<@!?(\d+)>", text)}


# -- setting up ------------------------------------------------------------------------------


async def kenji_in_radiotherapy_bob_in_public_health(rig: DiscordRig) -> None:
    """Everyone's zone (Discord keeps it to itself), two silos of one kind, and each member
    says which they are in."""

    for user, zone in ((ALICE, "Europe/London"), (BOB, "America/New_York"), (KENJI, "Asia/Tokyo")):
        await rig.slash(user, "profile", "tz", zone=zone)
    await rig.slash(ALICE, "convene", "silo", "add", name="Radiotherapy", kind="team")
    await rig.slash(ALICE, "convene", "silo", "add", name="Public Health", kind="team")
    await rig.slash(KENJI, "profile", "silo", action="add", silo="Radiotherapy")
    await rig.slash(BOB, "profile", "silo", action="add", silo="Public Health")


async def answer_in_the_modal(rig: DiscordRig, user: int, answers: Mapping[str, str]) -> None:
    opening = await rig.click(user, dm(rig, user, "Time for **Weekly learning**"), "Answer")
    await rig.submit(user, opening, answers)


# -- suggestions after a check-in run --------------------------------------------------------


async def test_a_need_and_an_offer_across_silos_reach_the_convener_and_each_gets_the_introduction(
    discord: DiscordRig,
) -> None:
    await kenji_in_radiotherapy_bob_in_public_health(discord)
    await discord.slash(
        ALICE,
        "convene",
        "checkin",
        "create",
        options={"channel": GENERAL},
        name="Weekly learning",
        when="every Monday 09:00",
        template="learning",
    )

    # Monday 09:00 in Tokyo (00:00 UTC): kenji is stuck on discharge.
    await discord.advance_to(utc(30, 0, 0))
    await answer_in_the_modal(
        discord, KENJI, {"q0": "How to flag scans that need repeating", "q1": KENJI_NEED, "q2": "-"}
    )
    # Monday 09:00 in New York (14:00 UTC): bob has solved something very like it.
    await discord.advance_to(utc(30, 14, 0))
    await answer_in_the_modal(
        discord, BOB, {"q0": BOB_OFFER, "q1": "Finding a venue for flu clinics", "q2": "-"}
    )
    assert dms_saying(discord, ALICE, "A suggestion") == []

    # Midnight in New York ends the last day: the run closes, and alice is told who could meet.
    await discord.advance_to(utc(1, 5, 0, month=12))
    [card] = dms_saying(discord, ALICE, "**A suggestion:")
    text = card["content"]
    assert text.startswith("**A suggestion: Kenji and Bob could meet**")
    assert f'Kenji (Radiotherapy) wrote (stuck on): "{KENJI_NEED}"' in text
    assert f'Bob (Public Health) wrote (learned): "{BOB_OFFER}"' in text
    assert "Bridge: Radiotherapy and Public Health (team): never introduced." in text
    [sent] = dm_posts(discord, ALICE, "**A suggestion:")
    assert sent["allowed_mentions"] == {"parse": []}  # names, and nobody pinged
    buttons = component_buttons(card)
    assert [(label, style) for label, style, _ in buttons] == [
        ("Introduce them", PRIMARY),
        ("Not now", SECONDARY),
        ("Never these two", DANGER),
    ]
    ids = [custom_id for _, _, custom_id in buttons]
    assert [i.split("|")[:2] for i in ids] == [
        [str(GUILD), "opportunity.introduce"],
        [str(GUILD), "opportunity.not_now"],
        [str(GUILD), "opportunity.never"],
    ]

    # alice presses Introduce them in her DM, as Discord sends a component interaction: no
    # group DMs for a bot, so each of the two gets the introduction in their own DM.
    await discord.click(ALICE, card, "Introduce them")
    intros = {
        user: dms_saying(discord, user, "**An introduction from Alice R**") for user in (BOB, KENJI)
    }
    assert all(len(found) == 1 for found in intros.values())
    texts = {found[0]["content"] for found in intros.values()}
    assert len(texts) == 1
    [said] = texts
    assert mentioned(said) == {BOB, KENJI}
    assert f"<@{KENJI}>: Radiotherapy (team); Asia/Tokyo." in said
    assert f"<@{BOB}>: Public Health (team); America/New_York." in said
    assert f'Why you: Kenji wrote (stuck on): "{KENJI_NEED}"; Bob wrote (learned): ' in said
    for user in intros:
        [intro] = dm_posts(discord, user, "**An introduction from Alice R**")
        assert intro["allowed_mentions"] == {"parse": [], "users": [str(KENJI), str(BOB)]}
    assert discord.sent("POST", "/channels/{id}/threads") == []
    assert discord.told(ALICE)[-1].startswith(
        "Done: I introduced Kenji and Bob outside the regular rounds, in a direct message to "
        "each of them, with why they should meet."
    )

    # A second press decides nothing twice.
    await discord.click(ALICE, dm(discord, ALICE, "**A suggestion:"), "Introduce them")
    assert discord.told(ALICE)[-1].startswith("Already introduced by you on 1 Dec")
    assert len(dms_saying(discord, BOB, "**An introduction from")) == 1


# -- asking directly -------------------------------------------------------------------------


async def about_lines_on_discharge(rig: DiscordRig) -> None:
    """kenji (Radiotherapy) asks; bob (Public Health) runs a discharge huddle; dan, in
    kenji's own silo, writes about discharge too. Each says so on the line introductions
    quote (``/pairing about``, an offer)."""

    rig.fake.add_user(DAN, "dan", global_name="Dan")
    rig.fake.add_member(GUILD, DAN)
    await kenji_in_radiotherapy_bob_in_public_health(rig)
    await rig.slash(DAN, "profile", "tz", zone="Europe/London")
    await rig.slash(DAN, "profile", "silo", action="add", silo="Radiotherapy")
    await rig.slash(
        ALICE,
        "convene",
        "pairing",
        "start",
        options={"channel": GENERAL},
        when="every 2 weeks on Monday 10:00",
    )
    for user in (BOB, KENJI, DAN):
        await rig.slash(user, "pairing", "join")
    # Discord sends what members type as typed: "&" and all.
    await rig.slash(BOB, "pairing", "about", text=BOB_ABOUT.replace("with", "&"))
    await rig.slash(DAN, "pairing", "about", text="Discharge letters go out the same day here")


async def test_pairing_find_lists_members_of_other_silos_and_introduce_us_sends_each_a_dm(
    discord: DiscordRig,
) -> None:
    await about_lines_on_discharge(discord)

    await discord.slash(KENJI, "pairing", "find", topic="discharge")

    found = private(discord, 'Who knows about "discharge"')
    text = found["content"]
    assert text.startswith('Who knows about "discharge": 1 member of other silos,')
    said = BOB_ABOUT.replace("with", "&")
    assert f'1. **Bob** (Public Health): "{said}" (their /pairing about)' in text
    assert "Dan" not in text  # dan shares kenji's silo
    [(label, _, custom_id)] = component_buttons(found)
    assert label == "Introduce us: Bob"
    assert custom_id.split("|")[:2] == [str(GUILD), "opportunities.introduce"]

    # kenji presses it on the answer only he sees: each gets the introduction in a DM.
    await discord.click(KENJI, found, "Introduce us: Bob")
    for user, heading in (
        (BOB, "**Kenji asked to meet you**"),
        (KENJI, "**You asked to meet Bob**"),
    ):
        [intro] = dms_saying(discord, user, heading)
        assert mentioned(intro["content"]) == {BOB, KENJI}
        assert (
            f'Why you: Kenji asked who knows about "discharge", and Bob wrote: "{said}"'
            in intro["content"]
        )
    # Discord has no group DMs: kenji hears it went to each of them.
    assert discord.replies(KENJI)[-1] == (
        "Done: I introduced you to Bob, in a direct message to each of you that says why."
    )

    # Asked again, bob is listed without a button: they know each other now.
    await discord.slash(KENJI, "pairing", "find", topic="discharge")
    again = private(discord, "you know each other already")
    assert component_buttons(again) == []


async def test_who_knows_answers_a_convener_and_refuses_anyone_else_kindly(
    discord: DiscordRig,
) -> None:
    await about_lines_on_discharge(discord)

    # alice, in no silo, may find anyone: bob and dan, each with a button.
    await discord.slash(ALICE, "convene", "who", "knows", topic="discharge")
    found = private(discord, 'Who knows about "discharge"')
    assert found["content"].startswith('Who knows about "discharge": 2 members, from what they')
    assert "**Bob** (Public Health)" in found["content"]
    assert "**Dan** (Radiotherapy)" in found["content"]
    labels = {label for label, _, _ in component_buttons(found)}
    assert labels == {"Introduce us: Bob", "Introduce us: Dan"}

    # bob is no convener: one kind line, nothing listed.
    await discord.slash(BOB, "convene", "who", "knows", topic="discharge")
    refused = discord.replies(BOB)[-1]
    assert refused.startswith("Only conveners can use /convene who knows.")
    assert "Dan" not in refused


async def test_a_member_who_turns_suggestions_off_is_no_longer_found(discord: DiscordRig) -> None:
    await about_lines_on_discharge(discord)
    # The commands as Discord shows them: each option says what to type.
    tree = discord.adapter.commands.payload
    [topic] = synced_subcommand(tree, ("pairing", "find"))["options"]
    assert (topic["name"], topic["type"]) == ("topic", 3)
    assert topic["description"] == "What to look for, in a few words: 'discharge planning'"
    [who_topic] = synced_subcommand(tree, ("convene", "who", "knows"))["options"]
    assert who_topic["description"] == topic["description"]
    [choice] = synced_subcommand(tree, ("pairing", "suggest"))["options"]
    assert choice["name"] == "choice" and choice["description"] == "off or on"
    assert all(len(o["description"]) <= DESCRIPTION for o in (topic, who_topic, choice))

    await discord.slash(KENJI, "pairing", "find", topic="discharge")
    listing = private(discord, 'Who knows about "discharge"')
    assert "**Bob** (Public Health)" in listing["content"]

    await discord.slash(BOB, "pairing", "suggest", choice="off")
    assert discord.replies(BOB)[-1].startswith("Done: suggestions are off for you.")

    await discord.slash(KENJI, "pairing", "find", topic="discharge")
    assert discord.replies(KENJI)[-1].startswith(
        'I found nobody outside your silos who wrote about "discharge" in the last 8 weeks.'
    )
    await discord.slash(ALICE, "convene", "who", "knows", topic="discharge")
    listed = discord.replies(ALICE)[-1]
    assert "**Bob**" not in listed and "**Dan** (Radiotherapy)" in listed

    # The button kenji was shown before bob turned them off introduces nobody.
    await discord.click(KENJI, listing, "Introduce us: Bob")
    assert discord.replies(KENJI)[-1].startswith("Bob is not taking introductions through Convene")
    assert dms_saying(discord, BOB, "asked to meet you") == []

    # A search with no topic is told what to type.
    await discord.slash(KENJI, "pairing", "find")
    assert discord.replies(KENJI)[-1] == (
        "Say what you are looking for, in a few words. For example: /pairing find discharge "
        "planning"
    )
