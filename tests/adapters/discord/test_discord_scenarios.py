"""Convene's features end to end in Discord, against the fake Discord on loopback.

Each scenario is what a server lives through: people run slash commands,
press buttons, fill in modals, the clock moves to 09:00 somewhere, and what
Convene said is read from the REST calls the fake Discord recorded: message
bodies (``content``, ``components``, ``allowed_mentions``), interaction
callbacks (a private answer, a deferral, a modal), edits and thread creation.

The world (the ``discord`` fixture, or ``discord_convene``): alice (a
convener, nickname "Alice R"), bob and kenji, all in #general. Discord keeps
members' time zones to itself, so each member says theirs with ``/profile tz``
or from the select Convene sends them once in a DM. Scenarios start on
Thursday 26 November 2026, when London is on UTC, unless they say otherwise.

The rig hands over delivery only when it settles, so a reply is never ready
inside the interaction's window and every command is deferred (a private
"thinking…" note that the reply then edits). The adapter waits half a second
for a reply before deferring; these tests shorten that wait, which changes
nothing but how long they take.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest

import adapters.discord.adapter as discord_adapter
from tests.support.discord_rig import (
    ALICE,
    BOB,
    EPHEMERAL,
    GENERAL,
    GUILD,
    KENJI,
    DiscordRig,
    discord_convene,
)
from tests.support.reading import squeezed
from tests.support.times import SUNDAY_NOON, THURSDAY_NOON, utc

Payload = dict[str, Any]

DAN = 900_000_000_000_001_004
# Discord's numbers: interaction callbacks, message flags, components, channel types.
REPLY, DEFER_REPLY, DEFER_UPDATE, MODAL = 4, 5, 6, 9
ACTION_ROW, BUTTON, SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 2, 3, 4, 10, 18
PRIMARY, SECONDARY, DANGER = 1, 2, 4
SHORT, PARAGRAPH = 1, 2
PRIVATE_THREAD = 12
STRING_OPTION = 3


@pytest.fixture(autouse=True)
def quick_deferrals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defer at once: under the rig no reply can be ready before the deferral anyway."""

    monkeypatch.setattr(discord_adapter, "AFTER_HANDLING", 0.01)


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- acting ----------------------------------------------------------------------------------


async def slash_naming_channel(
    rig: DiscordRig, user: int, *names: str, channel: int, **values: str | int | bool
) -> Payload:
    """Run ``/names…`` in #general with a channel option (``rig.slash``'s own ``channel``
    keyword is where the command is run)."""

    return await rig.slash(user, *names, options={"channel": channel, **values})


def add_dan(rig: DiscordRig) -> None:
    """A fourth member of the server, so a round can make two groups."""

    rig.fake.add_user(DAN, "dan", global_name="Dan")
    rig.fake.add_member(GUILD, DAN)


# -- reading what Discord was sent ------------------------------------------------------------


def private_reply(rig: DiscordRig, interaction: Payload) -> str:
    """The one answer to a command, checked to be seen by whoever ran it alone: a private
    (flag 64) reply, or a private deferral whose note the answer then edits."""

    callbacks = rig.fake.callbacks(interaction)
    assert len(callbacks) == 1, callbacks
    [callback] = callbacks
    webhook = f"/webhooks/{rig.fake.application_id}/{interaction['token']}"
    edits = rig.sent("PATCH", f"{webhook}/messages/@original")
    assert rig.sent("POST", webhook) == [], "a second private message for one answer"
    if callback.type == REPLY:
        data = callback.data or {}
        assert data["flags"] & EPHEMERAL
        assert edits == []
        return str(data["content"])
    assert callback.type == DEFER_REPLY and callback.data == {"flags": EPHEMERAL}
    assert [e.status for e in edits] == [200]
    body = edits[0].json
    assert body["allowed_mentions"] == {"parse": []}
    return str(body["content"])


def posts_to(rig: DiscordRig, channel: int | str) -> list[Payload]:
    """The bodies of the messages the bot posted in a channel, thread or DM, in order."""

    return [r.json for r in rig.sent("POST", f"/channels/{channel}/messages") if r.status == 200]


def edits_of(rig: DiscordRig, channel: int | str, message: int | str) -> list[Payload]:
    return [
        r.json
        for r in rig.sent("PATCH", f"/channels/{channel}/messages/{message}")
        if r.status == 200
    ]


def public(rig: DiscordRig, channel: int | str, text: str = "") -> list[Payload]:
    """Messages everyone in a channel sees (not private replies), as they now read."""

    return [
        m
        for m in rig.fake.messages_in(int(channel))
        if not int(m.get("flags") or 0) & EPHEMERAL and text in str(m.get("content", ""))
    ]


def dm(rig: DiscordRig, user: int, text: str) -> Payload:
    """The last DM to ``user`` holding ``text``, as it now reads."""

    found = [m for m in rig.dms(user) if text in str(m.get("content", ""))]
    assert found, f"no DM to {user} says {text!r}: {[m.get('content') for m in rig.dms(user)]}"
    return found[-1]


def only(found: list[Payload]) -> Payload:
    assert len(found) == 1, found
    return found[0]


def dm_posts(rig: DiscordRig, user: int) -> list[Payload]:
    channel = rig.fake.dm_channel_of(user)
    return posts_to(rig, channel) if channel is not None else []


def items(message: Mapping[str, Any]) -> Iterator[Payload]:
    for row in message.get("components") or []:
        assert row["type"] == ACTION_ROW
        yield from row["components"]


def component_buttons(message: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    """Each button as (label, style, custom_id)."""

    found = list(items(message))
    assert all(b["type"] == BUTTON for b in found)
    return [(b["label"], b["style"], b["custom_id"]) for b in found]


def component_labels(message: Mapping[str, Any]) -> list[str]:
    return [label for label, _, _ in component_buttons(message)]


def modal_inputs(modal: Payload) -> dict[str, Payload]:
    """A modal's inputs by name, each with its label (Discord's label component); a text
    display (a note above them) is not one."""

    assert all(c["type"] in (LABEL, TEXT_DISPLAY) for c in modal["components"])
    return {c["component"]["custom_id"]: c for c in modal["components"] if c["type"] == LABEL}


def modal_note(modal: Payload) -> list[str]:
    """The text displays above a modal's inputs."""

    return [c["content"] for c in modal["components"] if c["type"] == TEXT_DISPLAY]


def choices(field: Payload) -> list[str]:
    assert field["component"]["type"] == SELECT
    return [o["value"] for o in field["component"]["options"]]


def modal_answer(rig: DiscordRig, interaction: Payload) -> Payload:
    """The modal an interaction was answered with, checked to be its only answer."""

    assert [c.type for c in rig.fake.callbacks(interaction)] == [MODAL]
    return rig.modal(interaction)


def member_ids_mentioned(text: str) -> set[int]:
    return {int(found) for found in re.findall(r"<@!?(\d+)>", text)}


def thread_invites(rig: DiscordRig) -> dict[int, list[int]]:
    """Who was added to which thread (``PUT /channels/{thread}/thread-members/{user}``)."""

    invited: dict[int, list[int]] = {}
    for call in rig.sent("PUT", "/channels/{thread}/thread-members/{user}"):
        assert call.status == 204
        _, _, thread, _, user = call.path.split("/")
        invited.setdefault(int(thread), []).append(int(user))
    return invited


def names_general(text: str) -> bool:
    """Whether text names #general as members know it: by name, or a working <#id> link."""

    link = f"<#{GENERAL}>"
    bare_id = f"#{GENERAL}" in text.replace(link, "")
    return not bare_id and ("#general" in text or link in text)


# -- first steps ---------------------------------------------------------------------------


async def test_first_steps_on_discord_every_answer_is_private_and_help_names_discords_commands(
    discord: DiscordRig,
) -> None:
    ran = [
        await discord.slash(ALICE, "convene", "silo", "add", name="Radiotherapy", kind="team"),
        await discord.slash(
            ALICE, "convene", "silo", "add", name="Public Health", kind="organisation"
        ),
        await discord.slash(BOB, "profile", "silo", action="add", silo="Public Health"),
    ]

    # Discord does not tell Convene bob's time zone: he is asked once, in a DM, with a
    # select of zones (more than five choices make one select, not a row of buttons).
    [welcome] = dm_posts(discord, BOB)
    assert welcome["content"].startswith("Welcome to Convene! Which time zone are you in?")
    assert (
        "type /profile tz with its name, like: /profile tz Asia/Singapore" in (welcome["content"])
    )
    assert "/convene me" not in welcome["content"]
    [zone_select] = list(items(welcome))
    assert zone_select["type"] == SELECT
    assert zone_select["custom_id"] == f"{GUILD}|me.tz|"
    assert (zone_select["min_values"], zone_select["max_values"]) == (1, 1)
    offered = {o["label"]: o["value"] for o in zone_select["options"]}
    assert len(offered) == 10
    assert offered["America/New York"] == "America/New_York"
    assert offered["Asia/Tokyo"] == "Asia/Tokyo"
    picked = await discord.click(BOB, discord.dms(BOB)[0], "America/New York")
    assert [c.type for c in discord.fake.callbacks(picked)] == [DEFER_UPDATE]
    assert [m["content"] for m in dm_posts(discord, BOB)][1:] == [
        "Your time zone is now America/New_York."
    ]

    ran += [
        await discord.slash(BOB, "profile", "show"),
        await discord.slash(ALICE, "convene", "member", "add", name=BOB, silo="Radiotherapy"),
        await discord.slash(BOB, "convene", "silo", "add", name="Oncology"),
        await discord.slash(BOB, "profile", "help"),
        await discord.slash(BOB, "commit", "help"),
        await discord.slash(ALICE, "convene", "status"),
    ]
    replies = [private_reply(discord, interaction) for interaction in ran]

    assert replies[:6] == [
        "Added the silo Radiotherapy (team).",
        "Added the silo Public Health (organisation).",
        "You are now in Public Health.",
        "You are Bob, a member.\nSilos: Public Health (organisation).\n"
        "Time zone: America/New_York.",
        "Updated Bob: Public Health, Radiotherapy; time zone America/New_York.",
        "Only conveners can use /convene silo add. Ask Alice R.",
    ]
    # Help names the commands as they are typed on Discord.
    member_help, commit_help, status = replies[6:]
    assert member_help.startswith("Commands you can use as a member:")
    assert "  /profile tz ZONE\n" in member_help
    assert "  /profile silo add|remove SILO\n" in member_help
    assert "  /profile show\n" in member_help
    assert "More: /checkin help, /commit help, /pairing help." in member_help
    assert not re.search(r"/convene( me)?\b", member_help.split("More:")[0])
    assert "  /commit make WHAT YOU WILL DO [by DATE] [--private]\n" in commit_help
    assert "e.g. /commit make Draft the discharge checklist by Friday" in commit_help
    assert "  /commit for @NAME WHAT THEY WILL DO" in commit_help
    # The monthly digest's and the nightly prune's.
    assert "2 members, 2 silos, 2 active schedules." in status
    assert "0 waiting, 0 undeliverable" in status
    assert "No command has failed." in status

    # Nothing went to #general for everyone; alice, who ran a command too, was asked
    # her zone once, and bob was not asked again after choosing his.
    assert discord.sent("POST", f"/channels/{GENERAL}/messages") == []
    assert public(discord, GENERAL) == []
    [alice_welcome] = dm_posts(discord, ALICE)
    assert alice_welcome["content"].startswith("Welcome to Convene!")
    assert len(dm_posts(discord, BOB)) == 2
    assert discord.fake.dm_channel_of(KENJI) is None


# -- introductions ---------------------------------------------------------------------------


async def set_up_introductions(rig: DiscordRig, silo_of: Mapping[int, str]) -> None:
    """Silos, members in them with their zones, a programme in #general every two weeks on
    Monday 10:00 London, and everyone joined."""

    zones = {ALICE: "Europe/London", BOB: "America/New_York", KENJI: "Asia/Tokyo"}
    for user in silo_of:
        await rig.slash(user, "profile", "tz", zone=zones.get(user, "Europe/Berlin"))
    kinds = {"Radiotherapy": "team", "Public Health": "organisation", "Radiography": "profession"}
    for silo in silo_of.values():
        await rig.slash(ALICE, "convene", "silo", "add", name=silo, kind=kinds.get(silo, "team"))
    for user, silo in silo_of.items():
        await rig.slash(user, "profile", "silo", action="add", silo=silo)
    started = await slash_naming_channel(
        rig,
        ALICE,
        "convene",
        "pairing",
        "start",
        channel=GENERAL,
        when="every 2 weeks on Monday 10:00",
        size="2",
        tz="Europe/London",
    )
    assert [c.type for c in rig.fake.callbacks(started)] == [DEFER_REPLY]
    [announced] = public(rig, GENERAL, "Introductions are starting in")
    assert (
        "Next rounds in Europe/London: Mon 30 Nov 10:00, Mon 14 Dec 10:00, Mon 28 Dec 10:00."
        in announced["content"]
    )
    for user in silo_of:
        joined = private_reply(rig, await rig.slash(user, "pairing", "join"))
        assert joined.startswith("You're in the introductions in ")
        # The round at 10:00 London, on each member's own clock.
        local = {ALICE: "10:00 GMT", BOB: "05:00 EST", KENJI: "19:00 JST"}.get(user, "11:00 CET")
        assert f"Next round: Mon 30 Nov 2026 {local}." in joined


async def test_members_in_different_silos_meet_in_a_private_thread_of_general_inviting_their_group(
    discord: DiscordRig,
) -> None:
    add_dan(discord)
    silo_of = {ALICE: "Radiotherapy", BOB: "Public Health", KENJI: "Radiography", DAN: "Wards"}
    await set_up_introductions(discord, silo_of)
    about = await discord.slash(ALICE, "pairing", "about", text="I work on discharge planning")
    assert private_reply(discord, about) == (
        'Your introductions will say: "I work on discharge planning"'
    )

    # Monday 10:00 London: nothing a minute before, the round at 10:00.
    await discord.advance_to(utc(30, 9, 59))
    assert discord.sent("POST", "/channels/{id}/threads") == []
    await discord.advance_to(utc(30, 10, 0))

    # No group DMs for bots: each group gets a private thread of #general.
    opened = discord.sent("POST", "/channels/{id}/threads")
    assert [(r.path, r.status) for r in opened] == [(f"/channels/{GENERAL}/threads", 201)] * 2
    for call in opened:
        assert call.json["type"] == PRIVATE_THREAD
        assert call.json["invitable"] is False
        assert call.json["name"].startswith("Introduction: ")
    invited = thread_invites(discord)
    assert len(invited) == 2
    groups = list(invited.values())
    assert all(len(group) == 2 for group in groups)
    assert sorted(u for group in groups for u in group) == sorted(silo_of)
    assert all(silo_of[a] != silo_of[b] for a, b in groups)

    for thread, group in invited.items():
        shown = discord.fake.channel_payload(thread)
        assert shown["type"] == PRIVATE_THREAD and shown["parent_id"] == str(GENERAL)
        assert sorted(discord.fake.thread_members(thread)) == sorted(
            [discord.fake.bot_user_id, *group]
        )
        [intro] = posts_to(discord, thread)
        text = intro["content"]
        assert text.startswith("**Introductions, round 1 of ")
        # Only the group is pinged, and exactly them.
        assert intro["allowed_mentions"] == {"parse": [], "users": [str(u) for u in group]}
        assert member_ids_mentioned(text) == set(group)
        for user in group:
            assert f"<@{user}>: {silo_of[user]} (" in text
        # Radiotherapy and Wards are teams, a bridge; an organisation and a profession are not.
        bridge = {silo_of[user] for user in group} == {"Radiotherapy", "Wards"}
        assert ("have not met through Convene before." in text) == bridge
        assert "Why you: " in text
        assert "To start: " in text
        assert intro["components"] == []
        assert [m["content"] for m in discord.fake.messages_in(thread)] == [text]
    with_alice = next(t for t, g in invited.items() if ALICE in g)
    assert '"I work on discharge planning"' in posts_to(discord, with_alice)[0]["content"]

    # Nobody got the introduction in a DM; #general hears the round's numbers.
    for user in silo_of:
        assert not any("Introductions, round" in m["content"] for m in dm_posts(discord, user))
    [summary] = public(discord, GENERAL, "Round 1 of introductions")
    assert "4 people in 2 groups and 1 new bridge between silos" in summary["content"]
    assert member_ids_mentioned(summary["content"]) == set()


async def test_when_discord_refuses_the_private_thread_each_member_gets_the_introduction_in_a_dm(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with discord_convene(database_url, start=THURSDAY_NOON) as rig:
        silo_of = {ALICE: "Radiotherapy", BOB: "Public Health"}
        await set_up_introductions(rig, silo_of)
        rig.fake.fail_next(
            "POST",
            f"/channels/{GENERAL}/threads",
            status=403,
            code=50013,
            message="Missing Permissions",
        )

        await rig.advance_to(utc(30, 10, 0))

        [refused] = rig.sent("POST", "/channels/{id}/threads")
        assert refused.status == 403 and refused.json["type"] == PRIVATE_THREAD
        assert rig.sent("PUT", "/channels/{thread}/thread-members/{user}") == []
        # Everyone set their zone first, so the introduction is each member's only DM.
        intros = {user: only(dm_posts(rig, user)) for user in silo_of}
        texts = {intro["content"] for intro in intros.values()}
        assert len(texts) == 1
        [text] = texts
        assert text.startswith("**Introductions, round 1 of ")
        assert member_ids_mentioned(text) == {ALICE, BOB}
        for user, intro in intros.items():
            assert f"<@{user}>: {silo_of[user]} (" in text
            assert intro["allowed_mentions"] == {"parse": [], "users": [str(ALICE), str(BOB)]}
            assert dm(rig, user, "Introductions, round 1")["content"] == text
        assert any(
            r.name == "convene.discord"
            and "could not open a private thread" in r.getMessage()
            and "sending one DM each" in r.getMessage()
            for r in caplog.records
        )
        [summary] = public(rig, GENERAL, "Round 1 of introductions")
        assert "2 people in 1 group" in summary["content"]


# -- check-ins ------------------------------------------------------------------------------


async def test_a_member_in_tokyo_is_asked_at_0900_tokyo_time_in_a_discord_dm_and_answers_in_a_modal(
    discord: DiscordRig,
) -> None:
    await discord.slash(ALICE, "profile", "tz", zone="Europe/London")
    await discord.slash(BOB, "profile", "tz", zone="America/New_York")
    await discord.slash(ALICE, "convene", "silo", "add", name="Radiotherapy", kind="team")
    await discord.slash(KENJI, "profile", "silo", action="add", silo="Radiotherapy")
    # kenji chooses his zone from the select in the DM Convene sent him.
    await discord.click(KENJI, dm(discord, KENJI, "Which time zone are you in?"), "Asia/Tokyo")
    assert dm_posts(discord, KENJI)[-1]["content"] == "Your time zone is now Asia/Tokyo."
    await slash_naming_channel(
        discord,
        ALICE,
        "convene",
        "checkin",
        "create",
        channel=GENERAL,
        name="Weekly pulse",
        when="every Monday 09:00",
        template="pulse",
    )
    [created] = public(discord, GENERAL, 'Created the check-in "Weekly pulse"')
    assert "every Monday at 09:00 in each member's own time zone" in created["content"]

    # Monday 09:00 in Tokyo is Monday 00:00 UTC: kenji is asked first, and only him.
    await discord.advance_to(utc(29, 23, 59))
    assert not any("Time for" in m["content"] for m in discord.dms(KENJI))
    await discord.advance_to(utc(30, 0, 0))
    ask = dm_posts(discord, KENJI)[-1]
    assert ask["content"].startswith("Time for **Weekly pulse** (")
    assert "1. How are you, from 1 (struggling) to 5 (great)? (1 to 5)" in ask["content"]
    assert "Open until the end of your day." in ask["content"]
    assert ask["allowed_mentions"] == {"parse": []}
    assert component_buttons(ask) == [
        ("Answer", PRIMARY, f"{GUILD}|checkin.answer|1"),
        ("Skip this time", SECONDARY, f"{GUILD}|checkin.skip|1"),
    ]
    assert dm_posts(discord, ALICE) == [] and dm_posts(discord, BOB) == []

    # The day's post in #general, which the answers' thread will start from.
    [root] = public(discord, GENERAL, "**Weekly pulse** for Monday 30 November")
    assert root["components"] == []

    # Answer opens a modal: one input a question, a select for the 1 to 5 scale.
    answering = await discord.click(KENJI, dm(discord, KENJI, "Time for"), "Answer")
    form = modal_answer(discord, answering)
    assert form["custom_id"].startswith(f"{GUILD}|checkin.answers|")
    assert form["title"] == "Weekly pulse"
    fields = modal_inputs(form)
    assert list(fields) == ["q0", "q1"]
    assert choices(fields["q0"]) == ["1", "2", "3", "4", "5"]
    assert fields["q0"]["description"] == "How are you, from 1 (struggling) to 5 (great)?"
    assert len(fields["q0"]["label"]) <= 45
    assert fields["q1"]["label"] == "What is on your mind?"
    assert fields["q1"]["component"]["type"] == TEXT_INPUT
    assert fields["q1"]["component"]["style"] == PARAGRAPH

    sent = await discord.submit(KENJI, answering, {"q0": "4", "q1": "Waiting for the new rota"})
    assert [c.type for c in discord.fake.callbacks(sent)] == [DEFER_UPDATE]
    [started] = discord.sent("POST", f"/channels/{GENERAL}/messages/{root['id']}/threads")
    assert started.status == 201
    assert started.json["name"].startswith("Weekly pulse for Monday 30 November")
    [answer] = posts_to(discord, root["id"])
    assert answer["content"] == (
        "**Kenji** (Radiotherapy)\n**How are you, from 1 (struggling) to 5 (great)?** 4\n"
        "**What is on your mind?** Waiting for the new rota"
    )
    thanks = dm_posts(discord, KENJI)[-1]
    assert thanks["content"].startswith("Thank you! Your answers are in the thread")
    assert "until 00:00 your time (Tuesday 1 December)" in thanks["content"]
    assert component_labels(thanks) == ["Edit answer"]

    # Edit answer: the modal comes back filled in, and the answer changes in place.
    editing = await discord.click(KENJI, dm(discord, KENJI, "Thank you!"), "Edit answer")
    fields = modal_inputs(modal_answer(discord, editing))
    defaults = [o["value"] for o in fields["q0"]["component"]["options"] if o["default"]]
    assert defaults == ["4"]
    assert fields["q1"]["component"]["value"] == "Waiting for the new rota"
    await discord.submit(KENJI, editing, {"q0": "5", "q1": "The rota came: good news"})
    answer_id = discord.fake.messages_in(int(root["id"]))[0]["id"]
    assert [e["content"] for e in edits_of(discord, root["id"], answer_id)] == [
        "**Kenji** (Radiotherapy)\n**How are you, from 1 (struggling) to 5 (great)?** 5\n"
        "**What is on your mind?** The rota came: good news"
    ]
    assert len(posts_to(discord, root["id"])) == 1
    assert dm_posts(discord, KENJI)[-1]["content"].startswith("Updated your answer in the thread")

    # 09:00 in London is 09:00 UTC; in New York, 14:00 UTC.
    await discord.advance_to(utc(30, 8, 59))
    assert dm_posts(discord, ALICE) == []
    await discord.advance_to(utc(30, 9, 0))
    assert [component_labels(m) for m in dm_posts(discord, ALICE)] == [["Answer", "Skip this time"]]
    await discord.advance_to(utc(30, 13, 59))
    assert not any("Time for" in m["content"] for m in dm_posts(discord, BOB))
    await discord.advance_to(utc(30, 14, 0))
    assert dm_posts(discord, BOB)[0]["content"].startswith("Time for **Weekly pulse**")

    # Midnight in New York ends the last member's day: the run closes in its thread.
    await discord.advance_to(utc(1, 5, 0, month=12))
    assert posts_to(discord, root["id"])[-1]["content"] == (
        "This check-in is closed: 1 of 3 answered (33%). Thank you!"
    )
    report = squeezed(
        private_reply(
            discord, await discord.slash(ALICE, "convene", "checkin", "report", name="Weekly pulse")
        )
    )
    assert "Monday 30 November 3 1 33% 5.0" in report
    assert "Not answered in the latest run: Alice R, Bob." in report
    assert "Kenji 1 1 1 of 1" in report


async def test_a_check_in_of_seven_questions_comes_in_two_modals_of_five_and_two_with_continue(
    database_url: str,
) -> None:
    async with discord_convene(database_url, start=SUNDAY_NOON) as rig:
        await rig.slash(ALICE, "profile", "tz", zone="Europe/London")
        await slash_naming_channel(
            rig,
            ALICE,
            "convene",
            "checkin",
            "create",
            channel=GENERAL,
            name="Standup",
            when="every Monday 09:00",
        )
        for question in ("Who did you meet?", "What surprised you?", "What did you read?"):
            await rig.slash(
                ALICE,
                "convene",
                "checkin",
                "questions",
                name="Standup",
                action="add",
                rest=question,
            )
        added = await rig.slash(
            ALICE,
            "convene",
            "checkin",
            "questions",
            name="Standup",
            action="add",
            rest="How is the team?",
            scale=True,
        )
        assert private_reply(rig, added).startswith("Added question 7.")
        await rig.advance_to(utc(30, 9, 0))
        [root] = public(rig, GENERAL, "**Standup** for Monday 30 November")

        # Discord shows at most five inputs a modal: the first page has five.
        first = await rig.click(ALICE, dm(rig, ALICE, "Time for **Standup**"), "Answer")
        page_one = modal_answer(rig, first)
        assert page_one["title"] == "Standup (1 of 2)"
        assert list(modal_inputs(page_one)) == ["q0", "q1", "q2", "q3", "q4"]
        assert all(f["component"]["type"] == TEXT_INPUT for f in modal_inputs(page_one).values())
        await rig.submit(
            ALICE,
            first,
            {"q0": "Rota", "q1": "Ward round", "q2": "No", "q3": "Priya", "q4": "The queue"},
        )
        saved = dm_posts(rig, ALICE)[-1]
        assert saved["content"] == "Saved page 1. Press Continue for the rest."
        [(label, style, custom_id)] = component_buttons(saved)
        assert (label, style) == ("Continue", PRIMARY)
        assert custom_id.startswith(f"{GUILD}|checkin.continue|")
        assert posts_to(rig, root["id"]) == []  # nothing in the thread before the last page

        # Continue opens the second page: the last two questions, the scale as a select.
        second = await rig.click(ALICE, dm(rig, ALICE, "Saved page 1."), "Continue")
        page_two = modal_answer(rig, second)
        assert page_two["title"] == "Standup (2 of 2)"
        fields = modal_inputs(page_two)
        assert list(fields) == ["q5", "q6"]
        assert fields["q5"]["component"]["type"] == TEXT_INPUT
        assert choices(fields["q6"]) == ["1", "2", "3", "4", "5"]
        await rig.submit(ALICE, second, {"q5": "A paper", "q6": "4"})

        [answer] = posts_to(rig, root["id"])
        assert answer["content"].splitlines() == [
            "**Alice R**",
            "**What did you do since the last check-in?** Rota",
            "**What will you do today?** Ward round",
            "**Is anything blocking you?** No",
            "**Who did you meet?** Priya",
            "**What surprised you?** The queue",
            "**What did you read?** A paper",
            "**How is the team?** 4",
        ]
        assert dm_posts(rig, ALICE)[-1]["content"].startswith(
            "Thank you! Your answers are in the thread"
        )


# -- retros ---------------------------------------------------------------------------------


async def open_retro_with_an_item(rig: DiscordRig) -> tuple[Payload, Payload]:
    """alice opens "Quarter 4" in #general and bob adds a Start item: (root, item)."""

    opened = await rig.slash(
        ALICE, "convene", "retro", "open", name="Quarter 4", format="start-stop-continue"
    )
    assert [c.type for c in rig.fake.callbacks(opened)] == [DEFER_REPLY]
    [root] = public(rig, GENERAL, "**Retro: Quarter 4**")
    adding = await rig.click(BOB, root, "Add item")
    await rig.submit(BOB, adding, {"category": "Start", "text": "Weekly huddles"})
    [item] = public(rig, int(root["id"]), "Weekly huddles")
    return root, item


async def test_a_retro_in_general_takes_items_from_a_modal_into_its_thread_and_closes_there(
    discord: DiscordRig,
) -> None:
    await discord.slash(
        ALICE, "convene", "retro", "open", name="Quarter 4", format="start-stop-continue"
    )
    [root_post] = posts_to(discord, GENERAL)
    assert root_post["content"].startswith("**Retro: Quarter 4** (Start, Stop, Continue).")
    assert component_buttons(root_post) == [("Add item", PRIMARY, f"{GUILD}|retro.add|1")]
    [root] = public(discord, GENERAL, "**Retro: Quarter 4**")

    # Add item: a modal with a select of the format's categories and a text input.
    adding = await discord.click(BOB, root, "Add item")
    form = modal_answer(discord, adding)
    assert form["custom_id"] == f"{GUILD}|retro.add|1"
    assert form["title"] == "Add to Quarter 4"
    fields = modal_inputs(form)
    assert list(fields) == ["category", "text"]
    assert fields["category"]["label"] == "Category"
    assert choices(fields["category"]) == ["Start", "Stop", "Continue"]
    assert fields["text"]["component"]["type"] == TEXT_INPUT
    assert fields["text"]["component"]["style"] == PARAGRAPH
    sent = await discord.submit(BOB, adding, {"category": "Start", "text": "Weekly huddles"})
    assert [c.type for c in discord.fake.callbacks(sent)] == [DEFER_UPDATE]

    # The first item starts the retro's thread from its root message (same id).
    [started] = discord.sent("POST", "/channels/{channel}/messages/{message}/threads")
    assert started.path == f"/channels/{GENERAL}/messages/{root['id']}/threads"
    assert started.status == 201
    assert started.json["name"].startswith("Retro: Quarter 4")
    adding = await discord.click(KENJI, root, "Add item")
    await discord.submit(KENJI, adding, {"category": "Stop", "text": "long email chains"})
    assert len(discord.sent("POST", "/channels/{channel}/messages/{message}/threads")) == 1
    posted = posts_to(discord, root["id"])
    assert [p["content"] for p in posted] == [
        "1. **Start**: Weekly huddles · Bob",
        "2. **Stop**: long email chains · Kenji",
    ]
    assert component_buttons(posted[0]) == [
        ("+1", PRIMARY, f"{GUILD}|retro.vote|1"),
        ("Edit", SECONDARY, f"{GUILD}|retro.edit|1"),
        ("Delete", SECONDARY, f"{GUILD}|retro.delete|1"),
    ]
    assert all(p["allowed_mentions"] == {"parse": []} for p in posted)

    # Closing edits the root (its button goes) and posts the summary in the thread.
    await discord.slash(ALICE, "convene", "retro", "close", name="Quarter 4")
    [closed_root] = edits_of(discord, GENERAL, root["id"])
    assert "is closed: 2 items, 0 votes. The summary is in the thread." in (closed_root["content"])
    assert closed_root["components"] == []
    summary, *offers = posts_to(discord, root["id"])[2:]
    assert summary["content"] == (
        'Summary of "Quarter 4": 2 items, 0 votes from 0 people.\n'
        "**Start**\n  0 votes · Weekly huddles\n**Stop**\n  0 votes · long email chains"
    )
    assert [o["content"] for o in offers] == [
        "Top 1: **Start**: Weekly huddles (0 votes). Who will act on it?",
        "Top 2: **Stop**: long email chains (0 votes). Who will act on it?",
    ]
    assert [component_labels(o) for o in offers] == [["Make it a commitment"]] * 2
    assert public(discord, GENERAL) == [discord.fake.message(int(root["id"]))]

    # Make it a commitment: a modal, prefilled with the item.
    offer = public(discord, int(root["id"]), "Top 1:")[0]
    committing = await discord.click(ALICE, offer, "Make it a commitment")
    fields = modal_inputs(modal_answer(discord, committing))
    assert list(fields) == ["owner", "what", "due"]
    assert fields["owner"]["component"]["required"] is False
    assert fields["what"]["component"]["value"] == "Weekly huddles"


async def test_plus_one_votes_edit_the_retro_item_in_place_and_only_the_voter_hears_what_is_left(
    discord: DiscordRig,
) -> None:
    root, item = await open_retro_with_an_item(discord)
    thread = root["id"]

    await discord.click(KENJI, item, "+1")
    await discord.click(ALICE, item, "+1")
    await discord.click(ALICE, item, "+1")  # pressed again: the vote is taken back

    assert [e["content"] for e in edits_of(discord, thread, item["id"])] == [
        "1. **Start**: Weekly huddles · Bob · 1 vote",
        "1. **Start**: Weekly huddles · Bob · 2 votes",
        "1. **Start**: Weekly huddles · Bob · 1 vote",
    ]
    assert all(
        component_labels(e) == ["+1", "Edit", "Delete"]
        for e in edits_of(discord, thread, item["id"])
    )
    assert len(public(discord, thread)) == 1  # no new message for a vote
    private = [
        (m["interaction_metadata"]["user"]["id"], m["content"])
        for m in discord.fake.messages_in(int(thread))
        if int(m["flags"]) & EPHEMERAL
    ]
    assert private == [
        (str(KENJI), "Voted for item 1; 2 votes left. Press +1 again to take it back."),
        (str(ALICE), "Voted for item 1; 2 votes left. Press +1 again to take it back."),
        (str(ALICE), private[2][1]),
    ]
    assert private[2][1].startswith("Took back your vote on item 1")

    await discord.slash(ALICE, "convene", "retro", "close", name="Quarter 4")
    summary = public(discord, thread, 'Summary of "Quarter 4"')
    assert [s["content"].splitlines()[0] for s in summary] == [
        'Summary of "Quarter 4": 1 item, 1 vote from 1 person.'
    ]


# -- commitments -------------------------------------------------------------------------------


async def test_a_commitment_made_in_general_is_public_and_its_owner_is_reminded_at_their_0900(
    discord: DiscordRig,
) -> None:
    await discord.slash(BOB, "profile", "tz", zone="America/New_York")

    # Thursday 07:00 in New York: bob commits in #general, for everyone to see.
    made = await discord.slash(
        BOB, "commit", "make", what="Draft the discharge checklist by Friday"
    )
    assert [c.type for c in discord.fake.callbacks(made)] == [DEFER_REPLY]
    [post] = posts_to(discord, GENERAL)
    assert post == {
        "content": "Bob commits to **Draft the discharge checklist** (commitment 1, due "
        "Friday 27 November).",
        "allowed_mentions": {"parse": []},
        "components": [],
    }
    assert len(public(discord, GENERAL, "Bob commits to")) == 1

    # The day before it is due, at 09:00 New York time (14:00 UTC), a DM with four buttons.
    await discord.advance_to(utc(26, 13, 59))
    assert dm_posts(discord, BOB) == []
    await discord.advance_to(utc(26, 14, 0))
    [reminder] = dm_posts(discord, BOB)
    assert reminder["content"] == (
        "Reminder: **Draft the discharge checklist** (commitment 1) is due tomorrow "
        "(Friday 27 November). How is it going?"
    )
    assert component_buttons(reminder) == [
        ("Done", PRIMARY, f"{GUILD}|commitment.done|1"),
        ("Need more time", SECONDARY, f"{GUILD}|commitment.more_time|1"),
        ("Blocked", SECONDARY, f"{GUILD}|commitment.blocked|1"),
        ("Drop", DANGER, f"{GUILD}|commitment.drop|1"),
    ]

    # Need more time opens a modal for the new date; #general hears of the move.
    moving = await discord.click(BOB, dm(discord, BOB, "Reminder:"), "Need more time")
    form = modal_answer(discord, moving)
    assert form["custom_id"] == f"{GUILD}|commitment.move|1"
    assert form["title"] == "Need more time"
    fields = modal_inputs(form)
    assert list(fields) == ["due"]
    assert fields["due"]["component"]["style"] == SHORT
    assert fields["due"]["component"]["required"] is True
    await discord.submit(BOB, moving, {"due": "next wednesday"})
    assert posts_to(discord, GENERAL)[-1]["content"] == (
        "Moved: Bob's **Draft the discharge checklist** (commitment 1, due Wednesday "
        "2 December); it was due Friday 27 November."
    )
    assert dm_posts(discord, BOB)[-1]["content"].startswith("Moved: ")

    # Done, from the same reminder: back to #general where it was made.
    done = await discord.click(BOB, dm(discord, BOB, "Reminder:"), "Done")
    assert [c.type for c in discord.fake.callbacks(done)] == [DEFER_UPDATE]
    assert posts_to(discord, GENERAL)[-1]["content"] == (
        "Done: Bob finished **Draft the discharge checklist** (commitment 1, due Wednesday "
        "2 December)."
    )
    assert dm_posts(discord, BOB)[-1]["content"].startswith("Marked done:")
    assert len(public(discord, GENERAL)) == 3


async def test_a_private_commitment_stays_with_its_owner_and_one_asked_of_kenji_waits_for_him(
    discord: DiscordRig,
) -> None:
    await discord.slash(KENJI, "profile", "tz", zone="Asia/Tokyo")
    mine = await discord.slash(
        BOB, "commit", "make", what="Read the shadowing report by Friday", private=True
    )
    assert private_reply(discord, mine).startswith(
        "You committed to **Read the shadowing report** (commitment 1, due Friday 27 November)."
    )
    assert posts_to(discord, GENERAL) == []

    asked = await discord.slash(ALICE, "commit", "for", who=KENJI, what="Book the room by Friday")
    assert private_reply(discord, asked) == (
        "Asked Kenji to commit to **Book the room** (commitment 2, due Friday 27 November). "
        "I will tell you when they answer."
    )
    [request] = dm_posts(discord, KENJI)
    assert request["content"] == (
        "Alice R asks you to commit to **Book the room** (commitment 2, due Friday "
        "27 November). Will you take it on?"
    )
    assert component_buttons(request) == [
        ("Accept", PRIMARY, f"{GUILD}|commitment.accept|2"),
        ("Decline", SECONDARY, f"{GUILD}|commitment.decline|2"),
    ]
    await discord.click(KENJI, dm(discord, KENJI, "asks you to commit"), "Accept")
    assert [p["content"] for p in posts_to(discord, GENERAL)] == [
        "Alice R asked Kenji to commit to **Book the room** (commitment 2, due Friday "
        "27 November); waiting for them to accept.",
        "Kenji accepted **Book the room** (commitment 2, due Friday 27 November).",
    ]


# -- known bugs --------------------------------------------------------------------------------


async def test_the_conveners_help_arrives_whole_and_once_and_later_answers_still_arrive(
    discord: DiscordRig,
) -> None:
    await discord.slash(ALICE, "profile", "tz", zone="Europe/London")
    asked = await discord.slash(ALICE, "profile", "help")
    await discord.advance_to(utc(26, 12, 5))
    status = await discord.slash(ALICE, "convene", "status")

    webhook = f"/webhooks/{discord.fake.application_id}/{asked['token']}"
    pieces = [r.json["content"] for r in discord.sent("PATCH", f"{webhook}/messages/@original")]
    pieces += [r.json["content"] for r in discord.sent("POST", webhook)]
    assert pieces[0].startswith("Commands you can use as a convener:")
    assert all(len(p) <= 2000 for p in pieces)
    assert len(pieces) == len(set(pieces))  # each piece once
    whole = "\n".join(pieces)
    assert "/convene checkin create" in whole and "/convene retro open" in whole
    assert "  /profile tz ZONE\n" in whole
    assert not re.search(r"/convene me\b", whole)
    assert "0 waiting, 0 undeliverable" in private_reply(discord, status)


async def test_messages_name_the_channel_as_members_know_it_not_by_its_discord_id(
    discord: DiscordRig,
) -> None:
    await slash_naming_channel(
        discord, ALICE, "convene", "pairing", "start", channel=GENERAL, when="every Monday 10:00"
    )
    joined = private_reply(discord, await discord.slash(BOB, "pairing", "join"))
    await slash_naming_channel(
        discord,
        ALICE,
        "convene",
        "checkin",
        "create",
        channel=GENERAL,
        name="Pulse",
        when="every Monday 09:00",
    )
    announced = public(discord, GENERAL, "Introductions are starting in")[0]["content"]
    created = public(discord, GENERAL, 'Created the check-in "Pulse" in')[0]["content"]
    for text in (announced, joined, created):
        assert names_general(text), text


async def test_the_private_introduction_thread_is_titled_with_the_members_names(
    discord: DiscordRig,
) -> None:
    await set_up_introductions(discord, {ALICE: "Radiotherapy", BOB: "Public Health"})
    await discord.advance_to(utc(30, 10, 0))
    [opened] = discord.sent("POST", f"/channels/{GENERAL}/threads")
    assert opened.json["name"] == "Introduction: Alice R, Bob"


async def test_the_round_summary_points_members_to_their_threads_not_their_dms(
    discord: DiscordRig,
) -> None:
    await set_up_introductions(discord, {ALICE: "Radiotherapy", BOB: "Public Health"})
    await discord.advance_to(utc(30, 10, 0))
    assert len(thread_invites(discord)) == 1
    [summary] = public(discord, GENERAL, "Round 1 of introductions")
    assert "DM" not in summary["content"]


async def test_a_member_a_convener_adds_by_discord_user_is_named_as_in_the_server(
    discord: DiscordRig,
) -> None:
    await discord.slash(ALICE, "convene", "silo", "add", name="Radiotherapy", kind="team")
    added = await discord.slash(
        ALICE, "convene", "member", "add", name=KENJI, silo="Radiotherapy", tz="Asia/Tokyo"
    )
    reply = private_reply(discord, added)
    await discord.slash(KENJI, "commit", "make", what="Share the new rota in 2 weeks")

    assert reply == "Added Kenji: Radiotherapy; time zone Asia/Tokyo."
    [post] = posts_to(discord, GENERAL)
    assert post["content"].startswith("Kenji commits to **Share the new rota**")


async def test_a_convener_can_make_a_check_in_for_those_who_join_it(discord: DiscordRig) -> None:
    synced: list[Payload] = discord.fake.commands(GUILD)
    for sub in ("create", "settings"):
        level = next(c for c in synced if c["name"] == "convene")["options"]
        level = next(o for o in level if o["name"] == "checkin")["options"]
        level = next(o for o in level if o["name"] == sub)["options"]
        who = next(o for o in level if o["name"] == "who")
        assert who["type"] == STRING_OPTION, (sub, who)

    await slash_naming_channel(
        discord,
        ALICE,
        "convene",
        "checkin",
        "create",
        channel=GENERAL,
        name="Pulse",
        when="every Monday 09:00",
        who="joined",
    )
    [created] = public(discord, GENERAL, 'Created the check-in "Pulse"')
    assert "members who type /checkin join" in created["content"]


async def test_a_conveners_only_check_in_tells_discord_members_where_answers_go_and_posts_none(
    discord: DiscordRig,
) -> None:
    await discord.slash(KENJI, "profile", "tz", zone="Asia/Tokyo")
    await slash_naming_channel(
        discord,
        ALICE,
        "convene",
        "checkin",
        "create",
        channel=GENERAL,
        name="Pulse",
        when="every Monday 09:00",
        answers="conveners",
    )
    [created] = public(discord, GENERAL, 'Created the check-in "Pulse"')
    assert "answers go to conveners only" in created["content"]
    await discord.advance_to(utc(30, 0, 0))  # 09:00 in Tokyo
    ask = dm(discord, KENJI, "Time for")
    goes = "Your answers go to: the conveners only (Alice R)."
    assert ask["content"].endswith("\n" + goes)

    answering = await discord.click(KENJI, ask, "Answer")
    form = modal_answer(discord, answering)
    assert modal_note(form) == [goes]
    assert list(modal_inputs(form)) == ["q0", "q1", "q2"]
    await discord.submit(
        KENJI, answering, {"q0": "Audit write-up", "q1": "Ward round", "q2": "Waiting on IT"}
    )
    assert dm_posts(discord, KENJI)[-1]["content"].startswith(
        "Thank you! Your answers go to the conveners only; nothing is posted in #general."
    )

    await discord.advance_to(utc(1, 6, 0, month=12))  # the day is over everywhere
    [root] = public(discord, GENERAL, "**Pulse** for Monday 30 November")
    assert "answers go to the conveners only, not to this thread" in root["content"]
    assert [m["content"] for m in posts_to(discord, root["id"])] == [
        "This check-in is closed: 1 of 3 answered (33%). Thank you!"
    ]
    assert not any("Waiting on IT" in str(m.get("content")) for m in public(discord, GENERAL))
    [digest] = [m for m in dm_posts(discord, ALICE) if "is closed" in m["content"]]
    assert "Waiting on IT" in digest["content"] and "**Kenji**" in digest["content"]
