"""Opportunities end to end in Slack (HTTP mode), against the fake Slack.

What one member is stuck on, another has already solved: after a check-in run
closes the convener gets the suggestion in a DM with three buttons; members
ask ``/pairing find`` and conveners ``/convene who knows``; ``/pairing suggest
off`` takes a member out of both. Everything goes in as Slack sends it (signed
slash commands, ``block_actions``, ``view_submission``) and is read from the
Block Kit payloads the fake Slack took, which refuses what breaks Slack's
documented limits.

The world (``slack``): alice (U1, London, the convener), bob (U2, New York)
and kenji (U3, Tokyo), all in #general (C1). Scenarios start on Thursday
26 November 2026, when London is on UTC.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from tests.support.slack_limits import BUTTON_TEXT, BUTTON_VALUE, ID, MESSAGE_BLOCKS, SECTION_TEXT
from tests.support.slack_rig import SlackRig
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]

KENJI_NEED = (
    "Getting radiotherapy patients home: discharge keeps stalling while we wait for social "
    "care packages to be arranged"
)
BOB_OFFER = (
    "We cut delayed discharges by a third with a daily huddle between ward staff and the "
    "council's care package team"
)
BOB_ABOUT = "I run the daily discharge huddle with the council's care package team"

SLACK_METHODS_THAT_MUST_SUCCEED = (
    "chat.postMessage",
    "chat.postEphemeral",
    "conversations.open",
    "views.open",
)


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- reading Block Kit ---------------------------------------------------------------------


def sections(message: Payload) -> list[str]:
    return [b["text"]["text"] for b in message.get("blocks") or [] if b["type"] == "section"]


def block_buttons(message: Payload) -> list[tuple[str, str, str, str | None]]:
    """Each button as (label, action_id, value, style)."""

    return [
        (e["text"]["text"], e["action_id"], e["value"], e.get("style"))
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for e in block["elements"]
    ]


def within_slack_limits(message: Payload) -> None:
    """What the fake Slack took is within Block Kit's limits, said here for the reader too."""

    blocks = message.get("blocks") or []
    assert 0 < len(blocks) <= MESSAGE_BLOCKS
    assert all(len(text) <= SECTION_TEXT for text in sections(message))
    for label, action_id, value, _ in block_buttons(message):
        assert 0 < len(label) <= BUTTON_TEXT
        assert 0 < len(action_id) <= ID
        assert len(value) <= BUTTON_VALUE


def nothing_refused(slack: SlackRig) -> None:
    """Every call Convene made to Slack was taken (none broke a limit or was refused)."""

    for method in SLACK_METHODS_THAT_MUST_SUCCEED:
        assert slack.fake.calls(method) == slack.fake.accepted_calls(method), method


def mentioned(text: str) -> set[str]:
    return set(re.findall(r"<@(U[0-9A-Z]+)>", text))


# -- setting up ------------------------------------------------------------------------------


async def kenji_in_radiotherapy_bob_in_public_health(slack: SlackRig) -> None:
    """Two silos of one kind, and each member says which they are in."""

    await slack.command("U1", "/convene", "silo add Radiotherapy --kind team")
    await slack.command("U1", "/convene", 'silo add "Public Health" --kind team')
    await slack.command("U3", "/convene", "me silo add Radiotherapy")
    await slack.command("U2", "/convene", 'me silo add "Public Health"')


async def answer_in_the_modal(slack: SlackRig, user: str, answers: dict[str, str]) -> None:
    await slack.click(user, slack.message(user, "Time for *Weekly learning*"), "Answer")
    view = slack.last_view()
    assert view["callback_id"] == "checkin.answers"
    await slack.submit(user, view, answers)


# -- suggestions after a check-in run --------------------------------------------------------


async def test_a_need_and_an_offer_across_silos_reach_the_convener_and_introduce_them_is_a_group_dm(
    slack: SlackRig,
) -> None:
    await kenji_in_radiotherapy_bob_in_public_health(slack)
    await slack.command(
        "U1",
        "/convene",
        'checkin create "Weekly learning" #general every Monday 09:00 --template learning',
    )

    # Monday 09:00 in Tokyo (00:00 UTC): kenji is stuck on discharge.
    await slack.advance_to(utc(30, 0, 0))
    await answer_in_the_modal(
        slack, "U3", {"q0": "How to flag scans that need repeating", "q1": KENJI_NEED, "q2": "-"}
    )
    # Monday 09:00 in New York (14:00 UTC): bob has solved something very like it.
    await slack.advance_to(utc(30, 14, 0))
    await answer_in_the_modal(
        slack, "U2", {"q0": BOB_OFFER, "q1": "Finding a venue for flu clinics", "q2": "-"}
    )
    assert not any("A suggestion" in said for said in slack.told("U1"))

    # Midnight in New York ends the last day: the run closes, and alice is told who could meet.
    await slack.advance_to(utc(1, 5, 0, month=12))
    [card] = [m for m in slack.dms("U1") if m["text"].startswith("*A suggestion:")]
    within_slack_limits(card)
    text = "\n".join(sections(card))
    assert text.startswith("*A suggestion: kenji and bob could meet*")
    assert f'kenji (Radiotherapy) wrote (stuck on): "{KENJI_NEED}"' in text
    assert f'bob (Public Health) wrote (learned): "{BOB_OFFER}"' in text
    assert "Bridge: Radiotherapy and Public Health (team): never introduced." in text
    buttons = block_buttons(card)
    assert [(label, action, style) for label, action, _, style in buttons] == [
        ("Introduce them", "opportunity.introduce", "primary"),
        ("Not now", "opportunity.not_now", None),
        ("Never these two", "opportunity.never", "danger"),
    ]
    assert len({value for _, _, value, _ in buttons}) == 1

    # alice presses Introduce them as Slack sends it: a group DM of the two, opened first.
    opened_before = len(slack.fake.calls("conversations.open"))
    await slack.click("U1", slack.message("U1", "*A suggestion:"), "Introduce them")
    [opened] = slack.fake.accepted_calls("conversations.open")[opened_before:]
    assert sorted(opened["users"].split(",")) == ["U2", "U3"]
    [introduction] = slack.posted("*An introduction from alice*")
    group = introduction["channel"]
    assert group.startswith("G")
    within_slack_limits(introduction)
    said = "\n".join(sections(introduction))
    assert mentioned(said) == {"U2", "U3"}
    assert "<@U3>: Radiotherapy (team); Asia/Tokyo." in said
    assert "<@U2>: Public Health (team); America/New_York." in said
    assert f'Why you: kenji wrote (stuck on): "{KENJI_NEED}"; bob wrote (learned): ' in said
    assert [m["text"] for m in slack.fake.history(group)] == [introduction["text"]]
    assert slack.told("U1")[-1].startswith(
        "Done: I introduced kenji and bob outside the regular rounds, in a group message to "
        "the two of them, with why they should meet."
    )

    # A second press decides nothing twice.
    await slack.click("U1", slack.message("U1", "*A suggestion:"), "Introduce them")
    assert slack.told("U1")[-1].startswith("Already introduced by you on 1 Dec")
    assert len(slack.posted("*An introduction from alice*")) == 1
    nothing_refused(slack)


# -- asking directly -------------------------------------------------------------------------

DAN_NAME = "Dan " + "Okonkwo-" * 9 + "Mill"
"""A display name as long as Slack lets one be (80 characters)."""


async def about_lines_on_discharge(slack: SlackRig) -> None:
    """kenji (Radiotherapy) asks; bob (Public Health) runs a discharge huddle; dan, in
    kenji's own silo and with a name as long as Slack allows, writes about discharge too.
    Each says so on the line introductions quote (``/pairing about``, an offer)."""

    assert len(DAN_NAME) == 80
    slack.fake.add_user("U4", "dan", display_name=DAN_NAME, tz="Europe/London")
    slack.fake.add_channel("C1", "general", ["U1", "U2", "U3", "U4"])
    await kenji_in_radiotherapy_bob_in_public_health(slack)
    await slack.command("U4", "/convene", "me silo add Radiotherapy")
    await slack.command("U1", "/convene", "pairing start #general every 2 weeks on Monday 10:00")
    for user in ("U2", "U3", "U4"):
        await slack.command(user, "/pairing", "join")
    # Slack sends what members type escaped: bob typed "&".
    await slack.command("U2", "/pairing", "about " + BOB_ABOUT.replace("with", "&amp;"))
    await slack.command("U4", "/pairing", "about Discharge letters go out the same day here")


async def test_pairing_find_lists_members_of_other_silos_and_introduce_us_makes_a_group_dm(
    slack: SlackRig,
) -> None:
    await about_lines_on_discharge(slack)

    await slack.command("U3", "/pairing", "find discharge")

    found = slack.ephemeral_to("U3")[-1]
    assert found["channel"] == "C1"
    within_slack_limits(found)
    text = "\n".join(sections(found))
    assert text.startswith('Who knows about "discharge": 1 member of other silos,')
    # Slack shows what bob typed: "&" once escaped, not twice.
    said = BOB_ABOUT.replace("with", "&amp;")
    assert f'1. *bob* (Public Health): "{said}" (their /pairing about)' in text
    assert "Okonkwo" not in text  # dan shares kenji's silo
    [(label, action, value, _)] = block_buttons(found)
    assert len(value.split(":")) == 3  # the kept list, its random key, and bob
    assert (label, action) == ("Introduce us: bob", "opportunities.introduce")

    # kenji presses it on the message only he sees: a group DM of the two.
    await slack.click("U3", {**found, "channel": "C1"}, "Introduce us: bob")
    [opened] = [o for o in slack.fake.accepted_calls("conversations.open") if "," in o["users"]]
    assert sorted(opened["users"].split(",")) == ["U2", "U3"]
    [introduction] = slack.posted("*kenji asked to meet you*")
    assert introduction["channel"].startswith("G")
    within_slack_limits(introduction)
    words = "\n".join(sections(introduction))
    assert mentioned(words) == {"U2", "U3"}
    assert f'Why you: kenji asked who knows about "discharge", and bob wrote: "{said}"' in words
    assert (
        slack.told("U3")[-1]
        == "Done: I introduced you to bob, in a message to you both that says why."
    )

    # Asked again, bob is listed without a button: they know each other now.
    await slack.command("U3", "/pairing", "find discharge")
    again = slack.ephemeral_to("U3")[-1]
    assert "so no button: you know each other already." in again["text"]
    assert block_buttons(again) == []
    nothing_refused(slack)


async def test_who_knows_answers_a_convener_and_refuses_anyone_else_kindly(
    slack: SlackRig,
) -> None:
    await about_lines_on_discharge(slack)

    # alice, in no silo, may find anyone: bob and dan, each with a button within Slack's 75.
    await slack.command("U1", "/convene", "who knows discharge")
    found = slack.ephemeral_to("U1")[-1]
    within_slack_limits(found)
    text = "\n".join(sections(found))
    assert text.startswith('Who knows about "discharge": 2 members, from what they wrote')
    assert "*bob* (Public Health)" in text and f"*{DAN_NAME}* (Radiotherapy)" in text
    labels = {label for label, *_ in block_buttons(found)}
    assert labels == {"Introduce us: bob", f"Introduce us: {DAN_NAME[:60]}"}
    assert all(len(label) <= BUTTON_TEXT for label in labels)

    # bob is no convener: one kind line, nothing listed.
    before = len(slack.ephemeral_to("U2"))
    await slack.command("U2", "/convene", "who knows discharge")
    [refused] = slack.ephemeral_to("U2")[before:]
    assert refused["text"].startswith("Only conveners can use /convene who knows.")
    assert "Okonkwo" not in refused["text"] and block_buttons(refused) == []

    # A convener who names no topic is told what to type.
    await slack.command("U1", "/convene", "who knows")
    assert slack.told("U1")[-1].startswith("Say what you are looking for, in a few words.")
    assert "/convene who knows discharge planning" in slack.told("U1")[-1]
    nothing_refused(slack)


async def test_a_member_who_turns_suggestions_off_is_no_longer_found(slack: SlackRig) -> None:
    await about_lines_on_discharge(slack)
    await slack.command("U3", "/pairing", "find discharge")
    listing = slack.ephemeral_to("U3")[-1]
    assert "*bob* (Public Health)" in listing["text"]

    await slack.command("U2", "/pairing", "suggest off")
    assert slack.told("U2")[-1].startswith("Done: suggestions are off for you.")

    await slack.command("U3", "/pairing", "find discharge")
    nobody = slack.ephemeral_to("U3")[-1]
    assert nobody["text"].startswith(
        'I found nobody outside your silos who wrote about "discharge" in the last 8 weeks.'
    )
    assert block_buttons(nobody) == []
    await slack.command("U1", "/convene", "who knows discharge")
    listed = slack.ephemeral_to("U1")[-1]
    assert "*bob*" not in listed["text"] and f"*{DAN_NAME}*" in listed["text"]

    # The button kenji was shown before bob turned them off introduces nobody.
    await slack.click("U3", {**listing, "channel": "C1"}, "Introduce us: bob")
    assert slack.told("U3")[-1].startswith("bob is not taking introductions through Convene")
    assert slack.posted("asked to meet you") == []
    assert [o for o in slack.fake.calls("conversations.open") if "," in o["users"]] == []
    nothing_refused(slack)
