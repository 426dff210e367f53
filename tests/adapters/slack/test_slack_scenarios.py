"""Convene's features end to end in Slack (HTTP mode), against the fake Slack.

Each scenario is what a workspace lives through: people type slash commands
and press buttons, the clock moves to 09:00 somewhere, and what Convene says
is read from the Block Kit payloads the fake Slack Web API recorded (the
method, the channel or user, ``thread_ts``, sections, buttons with their
``action_id`` and ``value``, modal views).

The world (the ``slack`` fixture, or ``slack_convene``): alice (U1, London, a
convener), bob (U2, New York) and kenji (U3, Tokyo), all in #general (C1).
Scenarios start on Thursday 26 November 2026, when London is on UTC.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.slack.adapter import SlackAdapter
from bot.config import Secret, SlackSection
from tests.support.fake_slack import FakeSlack
from tests.support.slack_rig import SlackRig, dm_event, slack_convene
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- reading Block Kit ---------------------------------------------------------------------


def sections(message: Payload) -> list[str]:
    """The mrkdwn text of each section block, in order."""

    found = []
    for block in message.get("blocks") or []:
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            found.append(block["text"]["text"])
    return found


def block_buttons(message: Payload) -> list[tuple[str, str, str, str | None]]:
    """Each button as (label, action_id, value, style), from the message's actions block."""

    actions = [b for b in message.get("blocks") or [] if b["type"] == "actions"]
    assert len(actions) <= 1, "Convene puts all of a message's buttons in one actions block"
    return [
        (e["text"]["text"], e["action_id"], e["value"], e.get("style"))
        for block in actions
        for e in block["elements"]
    ]


def block_labels(message: Payload) -> list[str]:
    return [label for label, *_ in block_buttons(message)]


def view_inputs(view: Payload) -> dict[str, Payload]:
    """A modal's input blocks by block id (Convene's field name); a context block (a note
    above them) is not one."""

    assert all(block["type"] in ("input", "context") for block in view["blocks"])
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def view_note(view: Payload) -> list[str]:
    """The text of the context blocks above a modal's inputs."""

    return [
        element["text"]
        for block in view["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    ]


def user_ids_mentioned(text: str) -> set[str]:
    return set(re.findall(r"<@(U[0-9A-Z]+)>", text))


def names_the_channel(text: str, channel_id: str, name: str) -> bool:
    """Whether Slack shows the channel as members know it: #name, or a <#C..> link."""

    bare_id = f"#{channel_id}" in text.replace(f"<#{channel_id}>", "")
    return not bare_id and (f"#{name}" in text or f"<#{channel_id}>" in text)


# -- first steps ---------------------------------------------------------------------------


async def test_first_steps_in_slack_every_answer_is_ephemeral_to_whoever_typed(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", "help")
    await slack.command("U1", "/convene", "silo add Radiotherapy --kind team")
    await slack.command("U1", "/convene", 'silo add "Public Health" --kind organisation')
    # bob says which silo he is in; his time zone comes from his Slack profile.
    await slack.command("U2", "/convene", 'me silo add "Public Health"')
    await slack.command("U2", "/convene", "me")
    await slack.command("U1", "/convene", "member add bob --silo Radiotherapy")
    await slack.command("U2", "/convene", "silo add Oncology")
    await slack.command("U1", "/convene", "status")

    # Nothing went to the channel for everyone: every answer was ephemeral, in #general,
    # to the member who typed the command.
    assert slack.fake.calls("chat.postMessage") == []
    ephemeral = slack.fake.calls("chat.postEphemeral")
    assert [(m["channel"], m["user"]) for m in ephemeral] == [
        ("C1", "U1"),
        ("C1", "U1"),
        ("C1", "U1"),
        ("C1", "U2"),
        ("C1", "U2"),
        ("C1", "U1"),
        ("C1", "U2"),
        ("C1", "U1"),
    ]
    assert all("thread_ts" not in m for m in ephemeral)

    # The convener's help is long: it is split into sections within Slack's limit.
    help_sections = sections(ephemeral[0])
    assert len(help_sections) > 1
    assert all(len(text) <= 3000 for text in help_sections)
    assert help_sections[0].startswith("Commands you can use as a convener:")
    assert any("/convene silo add NAME [--kind KIND]" in text for text in help_sections)
    assert len(ephemeral[0]["text"]) <= 3000
    assert block_buttons(ephemeral[0]) == []

    assert sections(ephemeral[1]) == ["Added the silo Radiotherapy (team)."]
    assert sections(ephemeral[2]) == ["Added the silo Public Health (organisation)."]
    assert sections(ephemeral[3]) == ["You are now in Public Health."]
    assert sections(ephemeral[4]) == [
        "You are bob, a member.\nSilos: Public Health (organisation).\nTime zone: America/New_York."
    ]
    assert sections(ephemeral[5]) == [
        "Updated bob: Public Health, Radiotherapy; time zone America/New_York."
    ]
    assert sections(ephemeral[6])[0].startswith("Only conveners can use /convene silo add.")
    status = sections(ephemeral[7])[0]
    assert status.startswith("Convene ")
    # The monthly digest's and the nightly prune's.
    assert "2 members, 2 silos, 2 active schedules." in status
    assert "0 waiting, 0 undeliverable" in status
    assert "No command has failed." in status


# -- introductions -----------------------------------------------------------------------


async def test_members_in_different_silos_are_introduced_in_a_group_dm_when_the_round_fires(
    slack: SlackRig,
) -> None:
    slack.fake.add_user("U4", "dan", tz="Europe/Berlin")
    slack.fake.add_channel("C1", "general", ["U1", "U2", "U3", "U4"])
    for silo in (
        "Radiotherapy --kind team",
        '"Public Health" --kind organisation',
        "Radiography --kind profession",
        "Wards --kind team",
    ):
        await slack.command("U1", "/convene", f"silo add {silo}")
    silo_of = {"U1": "Radiotherapy", "U2": "Public Health", "U3": "Radiography", "U4": "Wards"}
    for user, silo in silo_of.items():
        await slack.command(user, "/convene", f'me silo add "{silo}"')
    await slack.command(
        "U1",
        "/convene",
        "pairing start #general every 2 weeks on Monday 10:00 --size 2 --tz Europe/London",
    )
    announced = slack.posted("Introductions are starting")
    assert len(announced) == 1 and announced[0]["channel"] == "C1"
    assert (
        "Next rounds in Europe/London: Mon 30 Nov 10:00, Mon 14 Dec 10:00, Mon 28 Dec 10:00."
        in announced[0]["text"]
    )
    for user in silo_of:
        await slack.command(user, "/pairing", "join")
    await slack.command("U1", "/pairing", "about I work on discharge planning")
    assert all(
        any("You're in the introductions" in said for said in slack.told(user)) for user in silo_of
    )

    # Monday 10:00 London: nothing a minute before, the round at 10:00.
    await slack.advance_to(utc(30, 9, 59))
    assert slack.fake.calls("conversations.open") == []
    await slack.advance_to(utc(30, 10, 0))

    opened = slack.fake.calls("conversations.open")
    assert len(opened) == 2
    groups = [tuple(o["users"].split(",")) for o in opened]
    assert all(len(group) == 2 for group in groups)
    assert sorted(u for group in groups for u in group) == ["U1", "U2", "U3", "U4"]
    assert all(silo_of[a] != silo_of[b] for a, b in groups)

    # Each group's introduction goes to the group DM Slack returned (a G… id).
    intros = slack.posted("*Introductions, round 1")
    assert len(intros) == 2
    for group, intro in zip(groups, intros, strict=True):
        assert intro["channel"].startswith("G")
        assert "thread_ts" not in intro
        [text] = sections(intro)
        assert block_buttons(intro) == []
        assert user_ids_mentioned(text) == set(group)
        for user in group:
            assert f"<@{user}>: {silo_of[user]} (" in text
        assert "Why you: " in text and "To start: " in text
        assert [m["text"] for m in slack.fake.history(intro["channel"])] == [intro["text"]]
    with_alice = next(i for i in intros if "<@U1>" in i["text"])
    assert '"I work on discharge planning"' in with_alice["text"]
    summary = slack.posted("Round 1 of introductions")
    assert len(summary) == 1 and summary[0]["channel"] == "C1"
    assert "4 people in 2 groups" in summary[0]["text"]

    # Three days later each member is asked in a DM whether they met.
    await slack.advance_to(utc(3, 10, 0, month=12))
    group_ids = set()
    for user in silo_of:
        [followup] = slack.dms(user)
        assert sections(followup)[0].startswith("How did your introduction to ")
        found = block_buttons(followup)
        assert [(label, action, style) for label, action, _, style in found] == [
            ("We met", "pairing.met", "primary"),
            ("Not yet", "pairing.notyet", None),
            ("We won't", "pairing.wont", None),
        ]
        assert len({value for _, _, value, _ in found}) == 1
        group_ids.add(found[0][2])
    assert len(group_ids) == 2

    # alice met her match: a modal asks what she took away.
    await slack.click("U1", slack.message("U1", "How did your introduction"), "We met")
    view = slack.last_view()
    assert view["type"] == "modal" and view["callback_id"] == "pairing.learning"
    fields = view_inputs(view)
    assert list(fields) == ["learning", "consent"]
    assert fields["learning"]["optional"] is True
    assert fields["learning"]["element"]["multiline"] is True
    options = fields["consent"]["element"]["options"]
    assert [o["value"] for o in options] == [
        "Conveners only",
        "Shared with my name",
        "Shared without my name",
    ]
    assert fields["consent"]["element"]["initial_option"]["value"] == "Conveners only"
    assert "Wonderful, thank you for meeting!" in slack.told("U1")
    await slack.submit(
        "U1", view, {"learning": "They think in populations.", "consent": "Shared with my name"}
    )
    assert any(
        t.startswith("Thank you, saved. You chose Shared with my name: ") for t in slack.told("U1")
    )

    # Her match has not met yet: the answer keeps a We met button for later.
    partner = next(u for group in groups if "U1" in group for u in group if u != "U1")
    await slack.click(partner, slack.message(partner, "How did your introduction"), "Not yet")
    not_yet = slack.dms(partner)[-1]
    assert sections(not_yet) == ["No rush. Press the button when you have met."]
    assert [(label, action) for label, action, _, _ in block_buttons(not_yet)] == [
        ("We met", "pairing.met")
    ]

    # Someone in the other group will not meet.
    other = next(u for group in groups if "U1" not in group for u in group)
    await slack.click(other, slack.message(other, "How did your introduction"), "We won't")
    assert sections(slack.dms(other)[-1]) == [
        "Thanks for letting me know; there will be new people next round."
    ]

    await slack.command("U1", "/convene", "pairing stories")
    stories = slack.ephemeral_to("U1")[-1]
    assert '(may be shared with their name): "They think in populations."' in stories["text"]


# -- check-ins ---------------------------------------------------------------------------


async def test_a_member_in_tokyo_is_asked_at_0900_tokyo_time_in_a_slack_dm_and_answers_in_a_modal(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", "silo add Radiotherapy --kind team")
    # kenji has typed a command before: Convene knows him, and his zone, from Slack.
    await slack.command("U3", "/convene", "me silo add Radiotherapy")
    await slack.command(
        "U1",
        "/convene",
        'checkin create "Weekly pulse" #general every Monday 09:00 --template pulse',
    )
    created = slack.posted('Created the check-in "Weekly pulse"')
    assert len(created) == 1 and created[0]["channel"] == "C1"

    # Monday 09:00 in Tokyo is Sunday 00:00 UTC: kenji is asked first, and only him.
    await slack.advance_to(utc(29, 23, 59))
    assert slack.dms("U3") == []
    await slack.advance_to(utc(30, 0, 0))
    [ask] = slack.dms("U3")
    assert slack.dms("U1") == [] and slack.dms("U2") == []
    [question_text] = sections(ask)
    assert question_text.startswith("Time for *Weekly pulse* (")
    assert "1. How are you, from 1 (struggling) to 5 (great)? (1 to 5)" in question_text
    assert "Open until the end of your day." in question_text
    [answer_button, skip_button] = block_buttons(ask)
    assert answer_button[:2] == ("Answer", "checkin.answer")
    assert answer_button[3] == "primary"
    assert skip_button[:2] == ("Skip this time", "checkin.skip")
    assert answer_button[2] == skip_button[2] and answer_button[2].isdigit()

    # The day's post opens the thread in #general.
    root = slack.message("C1", "*Weekly pulse* for Monday 30 November")
    assert "thread_ts" not in root and block_buttons(root) == []

    # Answer opens a modal with one input a question.
    await slack.click("U3", slack.message("U3", "Time for *Weekly pulse*"), "Answer")
    view = slack.last_view()
    assert view["callback_id"] == "checkin.answers"
    assert view["title"]["text"] == "Weekly pulse" and view["submit"]["text"] == "Send"
    fields = view_inputs(view)
    assert list(fields) == ["q0", "q1"]
    assert fields["q0"]["element"]["type"] == "static_select"
    options = fields["q0"]["element"]["options"]
    assert [o["value"] for o in options] == ["1", "2", "3", "4", "5"]
    assert fields["q1"]["element"]["type"] == "plain_text_input"
    assert fields["q1"]["element"]["multiline"] is True

    await slack.submit("U3", view, {"q0": "4", "q1": "Waiting for the new rota"})
    [answer] = slack.in_thread("C1", root["ts"])
    assert sections(answer) == [
        "*kenji* (Radiotherapy)\n*How are you, from 1 (struggling) to 5 (great)?* 4\n"
        "*What is on your mind?* Waiting for the new rota"
    ]
    thanks = slack.dms("U3")[-1]
    assert sections(thanks)[0].startswith("Thank you! Your answers are in the thread")
    assert "until 00:00 your time (Tuesday 1 December)" in thanks["text"]
    assert [(label, action) for label, action, _, _ in block_buttons(thanks)] == [
        ("Edit answer", "checkin.edit")
    ]

    # Edit answer: the modal comes back filled in, and the answer changes in place.
    answer_ts = slack.message("C1", "Waiting for the new rota")["ts"]
    await slack.click("U3", slack.message("U3", "Thank you!"), "Edit answer")
    view = slack.last_view()
    fields = view_inputs(view)
    assert fields["q0"]["element"]["initial_option"]["value"] == "4"
    assert fields["q1"]["element"]["initial_value"] == "Waiting for the new rota"
    await slack.submit("U3", view, {"q0": "5", "q1": "The rota came: good news"})
    [update] = slack.fake.calls("chat.update")
    assert (update["channel"], update["ts"]) == ("C1", answer_ts)
    assert sections(update) == [
        "*kenji* (Radiotherapy)\n*How are you, from 1 (struggling) to 5 (great)?* 5\n"
        "*What is on your mind?* The rota came: good news"
    ]
    assert len(slack.in_thread("C1", root["ts"])) == 1
    assert slack.message("C1", "The rota came")["ts"] == answer_ts
    assert sections(slack.dms("U3")[-1])[0].startswith("Updated your answer in the thread")

    # 09:00 in London: alice, and only then; she answers in the DM, one answer a message.
    await slack.advance_to(utc(30, 8, 59))
    assert slack.dms("U1") == []
    await slack.advance_to(utc(30, 9, 0))
    [alice_ask] = slack.dms("U1")
    assert block_labels(alice_ask) == ["Answer", "Skip this time"]
    await slack.event(dm_event("U1", "3", "1800000000.000100"), event_id="Ev-alice-1")
    assert sections(slack.dms("U1")[-1]) == ["Got it. 2 of 2: What is on your mind?"]
    await slack.event(
        dm_event("U1", "Winter pressures on the wards", "1800000000.000200"),
        event_id="Ev-alice-2",
    )
    alice_answer = slack.in_thread("C1", root["ts"])[-1]
    assert alice_answer["text"].startswith("*alice*")
    assert "Winter pressures on the wards" in alice_answer["text"]

    # 09:00 in New York is 14:00 UTC.
    await slack.advance_to(utc(30, 13, 59))
    assert slack.dms("U2") == []
    await slack.advance_to(utc(30, 14, 0))
    assert sections(slack.dms("U2")[0])[0].startswith("Time for *Weekly pulse*")

    # Midnight in New York ends the last member's day: the run closes in its thread.
    await slack.advance_to(utc(1, 5, 0, month=12))
    closed = slack.in_thread("C1", root["ts"])[-1]
    assert sections(closed) == ["This check-in is closed: 2 of 3 answered (67%). Thank you!"]


# -- retros and commitments ------------------------------------------------------------


async def test_a_retro_counts_votes_by_editing_items_and_closes_with_its_summary_in_the_thread(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Quarter 4*")
    assert [(label, action) for label, action, _, _ in block_buttons(root)] == [
        ("Add item", "retro.add")
    ]

    await slack.click("U2", root, "Add item")
    await slack.submit("U2", slack.last_view(), {"category": "Start", "text": "Weekly huddles"})
    await slack.event(
        {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": "U3",
            "text": "stop: long email chains",
            "ts": "1800000000.000001",
            "thread_ts": root["ts"],
        },
        event_id="Ev-retro-reply",
    )
    items = slack.in_thread("C1", root["ts"])
    assert [sections(i)[0] for i in items] == [
        "1. *Start*: Weekly huddles · bob",
        "2. *Stop*: long email chains · kenji",
    ]
    item = slack.message("C1", "Weekly huddles")
    assert item["thread_ts"] == root["ts"]
    assert block_buttons(item) == [
        ("+1", "retro.vote", block_buttons(item)[0][2], "primary"),
        ("Edit", "retro.edit", block_buttons(item)[0][2], None),
        ("Delete", "retro.delete", block_buttons(item)[0][2], None),
    ]

    # +1 edits the item's own message; the voter alone hears how many votes are left.
    await slack.click("U3", item, "+1")
    await slack.click("U1", item, "+1")
    await slack.click("U1", item, "+1")  # pressed again: the vote is taken back
    updates = slack.fake.calls("chat.update")
    assert [(u["channel"], u["ts"]) for u in updates] == [("C1", item["ts"])] * 3
    assert [sections(u)[0] for u in updates] == [
        "1. *Start*: Weekly huddles · bob · 1 vote",
        "1. *Start*: Weekly huddles · bob · 2 votes",
        "1. *Start*: Weekly huddles · bob · 1 vote",
    ]
    assert all(block_labels(u) == ["+1", "Edit", "Delete"] for u in updates)
    assert len(slack.in_thread("C1", root["ts"])) == 2  # no new message for a vote
    voted = slack.ephemeral_to("U3")[-1]
    assert voted["thread_ts"] == root["ts"]
    assert voted["text"] == "Voted for item 1; 2 votes left. Press +1 again to take it back."
    assert slack.ephemeral_to("U1")[-1]["text"].startswith("Took back your vote on item 1")

    # Closing edits the root (its button goes) and posts the summary in the thread.
    await slack.command("U1", "/convene", 'retro close "Quarter 4"')
    closed_root = slack.fake.calls("chat.update")[-1]
    assert (closed_root["channel"], closed_root["ts"]) == ("C1", root["ts"])
    assert "is closed: 2 items, 1 vote" in sections(closed_root)[0]
    assert block_buttons(closed_root) == []
    summary = slack.posted('Summary of "Quarter 4"')
    assert len(summary) == 1 and summary[0]["thread_ts"] == root["ts"]
    assert sections(summary[0]) == [
        'Summary of "Quarter 4": 2 items, 1 vote from 1 person.\n'
        "*Start*\n  1 vote · Weekly huddles\n*Stop*\n  0 votes · long email chains"
    ]
    offers = slack.posted("Who will act on it?")
    assert [o["thread_ts"] for o in offers] == [root["ts"], root["ts"]]
    assert sections(offers[0]) == ["Top 1: *Start*: Weekly huddles (1 vote). Who will act on it?"]
    assert [(label, action, style) for label, action, _, style in block_buttons(offers[0])] == [
        ("Make it a commitment", "retro.commit", "primary")
    ]

    # Make it a commitment: a modal, prefilled with the item.
    await slack.click("U1", slack.message("C1", "Top 1:"), "Make it a commitment")
    view = slack.last_view()
    assert view["callback_id"] == "retro.commit"
    assert view["submit"]["text"] == "Commit"
    fields = view_inputs(view)
    assert list(fields) == ["owner", "what", "due"]
    assert fields["owner"]["optional"] is True and fields["due"]["optional"] is True
    assert fields["what"]["element"]["initial_value"] == "Weekly huddles"
    await slack.submit(
        "U1", view, {"owner": "@kenji", "what": "Run the first huddle", "due": "next friday"}
    )
    [request] = slack.dms("U3")
    assert sections(request) == [
        "alice asks you to commit to *Run the first huddle* (commitment 1, due Friday "
        "4 December). Will you take it on?"
    ]
    assert [(label, action, value) for label, action, value, _ in block_buttons(request)] == [
        ("Accept", "commitment.accept", "1"),
        ("Decline", "commitment.decline", "1"),
    ]
    await slack.click("U3", slack.message("U3", "asks you to commit"), "Accept")
    news = slack.in_thread("C1", root["ts"])[-2:]
    assert [sections(n)[0] for n in news] == [
        "alice asked kenji to commit to *Run the first huddle* (commitment 1, due Friday "
        "4 December); waiting for them to accept.",
        "kenji accepted *Run the first huddle* (commitment 1, due Friday 4 December).",
    ]


async def test_a_commitment_made_in_a_channel_is_public_and_its_owner_is_reminded_at_their_0900(
    slack: SlackRig,
) -> None:
    # Thursday 07:00 in New York: bob commits in #general, for everyone to see.
    await slack.command("U2", "/commit", "Draft the discharge checklist by Friday")
    assert slack.fake.calls("chat.postEphemeral") == []
    [made] = slack.fake.calls("chat.postMessage")
    assert made["channel"] == "C1" and "thread_ts" not in made
    assert sections(made) == [
        "bob commits to *Draft the discharge checklist* (commitment 1, due Friday 27 November)."
    ]

    # The day before it is due, at 09:00 New York time (14:00 UTC), a DM with four buttons.
    await slack.advance_to(utc(26, 13, 59))
    assert slack.dms("U2") == []
    await slack.advance_to(utc(26, 14, 0))
    [reminder] = slack.dms("U2")
    assert sections(reminder) == [
        "Reminder: *Draft the discharge checklist* (commitment 1) is due tomorrow "
        "(Friday 27 November). How is it going?"
    ]
    assert block_buttons(reminder) == [
        ("Done", "commitment.done", "1", "primary"),
        ("Need more time", "commitment.more_time", "1", None),
        ("Blocked", "commitment.blocked", "1", None),
        ("Drop", "commitment.drop", "1", "danger"),
    ]

    # Need more time opens a modal for the new date; the channel hears of the move.
    await slack.click("U2", slack.message("U2", "Reminder:"), "Need more time")
    view = slack.last_view()
    assert view["callback_id"] == "commitment.move"
    assert list(view_inputs(view)) == ["due"]
    await slack.submit("U2", view, {"due": "next wednesday"})
    moved = slack.posted("Moved: bob's")
    assert len(moved) == 1 and moved[0]["channel"] == "C1"
    assert "due Wednesday 2 December); it was due Friday 27 November." in moved[0]["text"]

    # Done, from the same reminder: back to the channel where it was made.
    await slack.click("U2", slack.message("U2", "Reminder:"), "Done")
    done = slack.posted("Done: bob finished")
    assert len(done) == 1 and done[0]["channel"] == "C1" and "thread_ts" not in done[0]
    assert sections(done[0]) == [
        "Done: bob finished *Draft the discharge checklist* (commitment 1, due Wednesday "
        "2 December)."
    ]
    assert sections(slack.dms("U2")[-1])[0].startswith("Marked done:")


# -- failures -----------------------------------------------------------------------------


async def test_a_post_answered_429_goes_out_exactly_once_after_the_clock_passes_retry_after(
    slack: SlackRig,
) -> None:
    slack.fake.rate_limit_next("chat.postMessage", retry_after=5)
    before = slack.clock.now()

    await slack.command("U2", "/commit", "Draft the discharge checklist by Friday")

    tries = slack.fake.calls("chat.postMessage")
    assert len(tries) == 2 and tries[0] == tries[1]
    assert slack.fake.refused("chat.postMessage") == 1
    assert slack.fake.accepted("chat.postMessage") == 1
    # The deliverer waited out Retry-After on Convene's clock before trying again.
    assert slack.clock.now() - before >= timedelta(seconds=5)
    assert [m["text"] for m in slack.fake.history("C1")] == [tries[0]["text"]]

    await slack.settle()
    await slack.command("U1", "/convene", "status")
    assert "0 waiting, 0 undeliverable" in slack.told("U1")[-1]
    assert len(slack.fake.history("C1")) == 1


async def test_a_post_refused_with_not_in_channel_is_given_up_and_the_convener_sees_it_in_status(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with slack_convene(database_url, start=THURSDAY_NOON) as rig:
        await rig.command("U2", "/commit", "Draft the discharge checklist by Friday")
        assert len(rig.fake.history("C1")) == 1

        # Someone removes the bot from #general; bob marks it done from his DM with the bot.
        rig.fake.add_channel("C1", "general", ["U1", "U2", "U3"], bot_is_member=False)
        await rig.command("U2", "/commit", "done 1", channel="DU2")

        refused = [m for m in rig.fake.calls("chat.postMessage") if m["channel"] == "C1"]
        assert len(refused) == 2  # the commitment, then the news Slack refused
        assert refused[-1]["text"].startswith("Done: bob finished")
        assert rig.fake.history("C1") == []
        assert sections(rig.dms("U2")[-1])[0].startswith("Marked done:")
        assert any(
            r.name == "convene.outbox" and "not_in_channel" in r.getMessage()
            for r in caplog.records
        )

        # Given up, not retried: moving the clock sends nothing more to #general.
        await rig.advance_to(rig.clock.now() + timedelta(hours=1))
        assert len([m for m in rig.fake.calls("chat.postMessage") if m["channel"] == "C1"]) == 2

        # alice asks for the status in #general, where the bot no longer is: the answer
        # comes to her DM, and counts the message given up on.
        await rig.command("U1", "/convene", "status")
        status = rig.told("U1")[-1]
        assert rig.dms("U1")[-1]["text"] == status
        assert "0 waiting, 1 undeliverable" in status


async def test_invalid_auth_logs_a_clear_error_and_convene_keeps_serving(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with slack_convene(database_url, start=THURSDAY_NOON) as rig:
        rig.fake.fail_next("chat.postMessage", "invalid_auth")
        await rig.command("U2", "/commit", "Draft the discharge checklist by Friday")

        errors = [
            r for r in caplog.records if r.name == "convene.slack" and r.levelno == logging.ERROR
        ]
        assert len(errors) == 1
        assert "invalid_auth" in errors[0].getMessage()
        assert "SLACK_BOT_TOKEN" in errors[0].getMessage()
        assert rig.fake.bot_token not in caplog.text
        assert rig.fake.history("C1") == []

        # The same token works again (Slack had a bad moment): Convene carries on.
        await rig.command("U3", "/commit", "Share the new rota in 2 weeks")
        assert [m["text"] for m in rig.fake.history("C1")] == [
            "kenji commits to *Share the new rota* (commitment 2, due Thursday 10 December)."
        ]
        await rig.command("U1", "/convene", "status")
        assert "1 undeliverable" in rig.told("U1")[-1]

        # A modal Slack refuses to open: the member is asked to press again, nothing crashes.
        await rig.command("U1", "/convene", 'retro open "Quarter 4"')
        rig.fake.fail_next("views.open", "invalid_auth")
        answer = await rig.click("U2", rig.message("C1", "*Retro: Quarter 4*"), "Add item")
        assert answer.status == 200
        assert rig.told("U2")[-1].startswith("Slack would not open the form just now")
        await rig.click("U2", rig.message("C1", "*Retro: Quarter 4*"), "Add item")
        assert rig.last_view()["callback_id"] == "retro.add"


async def test_a_revoked_token_at_start_up_is_refused_with_a_message_naming_the_setting() -> None:
    async with FakeSlack() as fake:
        adapter = SlackAdapter(
            SlackSection(
                bot_token=Secret("xoxb-revoked"),
                signing_secret=Secret("secret"),
                mode="http",
                api_base_url=fake.base_url,
                http_host="127.0.0.1",
            ),
            http_port=0,
        )

        async def dispatch(event: object) -> None:
            raise AssertionError("nothing should be dispatched")

        try:
            with pytest.raises(RuntimeError, match=r"invalid_auth.*SLACK_BOT_TOKEN") as refused:
                await adapter.start(dispatch)
        finally:
            await adapter.stop()
        assert "xoxb-revoked" not in str(refused.value)
        assert [r.token for r in fake.requests] == ["xoxb-revoked"]  # one try, no server


# -- known bugs ---------------------------------------------------------------------------


async def test_messages_name_the_channel_as_members_know_it_not_by_its_slack_id(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", "pairing start #general every Monday 10:00")
    await slack.command("U1", "/convene", 'checkin create "Pulse" #general every Monday 09:00')
    await slack.command("U1", "/convene", 'retro open "Quarter 4"')
    await slack.command("U1", "/convene", 'retro export "Quarter 4"')

    announced = slack.posted("Introductions are starting in")[0]["text"]
    created = slack.posted('Created the check-in "Pulse" in')[0]["text"]
    exported = slack.told("U1")[-1]
    for text in (announced, created, exported):
        assert names_the_channel(text, "C1", "general"), text


async def test_a_member_named_by_a_slack_mention_in_a_command_is_the_member_mentioned(
    slack: SlackRig,
) -> None:
    await slack.command("U2", "/convene", "me")
    await slack.command("U3", "/convene", "me")
    await slack.command("U1", "/convene", "silo add Radiotherapy")

    await slack.command("U1", "/convene", "member add <@U2> --silo Radiotherapy")
    assert slack.told("U1")[-1] == ("Updated bob: Radiotherapy; time zone America/New_York.")

    await slack.command("U1", "/commit", "for <@U3|kenji> Write it up by Friday")
    [request] = slack.dms("U3")
    assert block_labels(request) == ["Accept", "Decline"]


async def test_a_conveners_only_check_in_tells_slack_members_where_answers_go_and_posts_none(
    slack: SlackRig,
) -> None:
    await slack.command(
        "U1", "/convene", 'checkin create "Pulse" #general every Monday 09:00 --answers conveners'
    )
    await slack.advance_to(utc(30, 0, 0))  # 09:00 in Tokyo
    [ask] = [m for m in slack.dms("U3") if m["text"].startswith("Time for")]
    goes = "Your answers go to: the conveners only (alice)."
    assert sections(ask)[0].endswith("\n" + goes)

    await slack.click("U3", slack.message("U3", "Time for *Pulse*"), "Answer")
    view = slack.last_view()
    assert view_note(view) == [goes]
    await slack.submit(
        "U3", view, {"q0": "Audit write-up", "q1": "Ward round", "q2": "Waiting on IT"}
    )
    assert sections(slack.dms("U3")[-1])[0].startswith(
        "Thank you! Your answers go to the conveners only; nothing is posted in #general."
    )

    await slack.advance_to(utc(1, 6, 0, month=12))  # the day is over everywhere
    in_general = [m for m in slack.fake.accepted_calls("chat.postMessage") if m["channel"] == "C1"]
    assert in_general and all("Waiting on IT" not in str(m) for m in in_general)
    [root] = [m for m in in_general if m["text"].startswith("*Pulse* for Monday 30 November")]
    assert "answers go to the conveners only, not to this thread" in root["text"]
    [digest] = [m for m in slack.dms("U1") if "is closed" in m["text"]]
    assert "*kenji*" in digest["text"] and "Waiting on IT" in digest["text"]
