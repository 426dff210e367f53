"""Convene in Slack (HTTP mode), against a fake Slack on loopback.

Requests arrive signed at the adapter's real endpoint; what Convene says is
read from the Block Kit payloads the fake Slack Web API recorded.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func
from sqlmodel import select

from storage.models import Member, ProcessedEvent, Silo
from tests.support.slack_rig import SlackRig, dm_event, slack_convene


async def test_a_convener_adds_a_silo_with_a_slash_command_and_alone_sees_the_answer(
    slack: SlackRig,
) -> None:
    answer = await slack.command("U1", "/convene", 'silo add "Public Health" --kind organisation')

    assert answer.status == 200
    ephemeral = slack.fake.calls("chat.postEphemeral")
    assert len(ephemeral) == 1
    assert ephemeral[0]["user"] == "U1" and ephemeral[0]["channel"] == "C1"
    assert "Added the silo Public Health (organisation)" in ephemeral[0]["text"]
    section = ephemeral[0]["blocks"][0]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    async with slack.app.sessions() as session:
        silos = (await session.exec(select(Silo))).all()
    assert [s.name for s in silos] == ["Public Health"]


async def test_a_forged_signature_is_refused_with_401_and_nothing_is_stored_or_logged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with slack_convene(database_url) as rig:
        forged = await rig.command("U1", "/convene", "silo add SECRET-SILO", secret="wrong")
        stale = await rig.command("U1", "/convene", "silo add SECRET-SILO", timestamp="1000000000")

        assert (forged.status, stale.status) == (401, 401)
        assert rig.fake.calls("chat.postEphemeral") == []
        async with rig.app.sessions() as session:
            assert (await session.exec(select(func.count()).select_from(Silo))).one() == 0
            processed = (await session.exec(select(func.count()).select_from(ProcessedEvent))).one()
            assert processed == 0
    assert "SECRET-SILO" not in caplog.text


async def test_an_event_delivered_four_times_by_slacks_retries_acts_once(slack: SlackRig) -> None:
    message = dm_event("U2", "hello", "1700000000.000200")
    answers = await slack.event_with_retries(message, event_id="Ev0001")

    assert [a.status for a in answers] == [200, 200, 200, 200]
    assert len(slack.told("U2")) == 1
    assert await slack.times_recorded("Ev0001") == 1


async def test_the_bot_ignores_its_own_messages_and_other_bots(slack: SlackRig) -> None:
    own = {
        "type": "message",
        "channel": "DU2",
        "channel_type": "im",
        "user": "UBOT",
        "text": "hi",
        "ts": "1.1",
    }
    other_bot = {
        "type": "message",
        "channel": "DU2",
        "channel_type": "im",
        "bot_id": "B9",
        "subtype": "bot_message",
        "text": "hi",
        "ts": "1.2",
    }
    await slack.event(own, event_id="Ev1")
    await slack.event(other_bot, event_id="Ev2")

    assert slack.fake.calls("chat.postMessage") == []


async def test_a_retro_runs_in_a_slack_thread_with_a_modal_for_items(slack: SlackRig) -> None:
    await slack.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
    root = slack.posted("*Retro: Quarter 4*")
    assert len(root) == 1 and root[0]["channel"] == "C1"
    buttons = root[0]["blocks"][-1]
    assert buttons["type"] == "actions"
    assert [e["text"]["text"] for e in buttons["elements"]] == ["Add item"]
    root_ts = slack.fake.history("C1")[0]["ts"]

    await slack.click("U2", {**root[0], "ts": root_ts}, "Add item")
    opened = slack.fake.calls("views.open")
    assert len(opened) == 1
    view = opened[0]["view"]
    assert view["type"] == "modal" and view["callback_id"] == "retro.add"
    assert [b["block_id"] for b in view["blocks"]] == ["category", "text"]
    options = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert options == ["Start", "Stop", "Continue"]

    await slack.submit("U2", view, {"category": "Stop", "text": "Long <!channel> email chains"})
    items = slack.posted("*Stop*")
    assert len(items) == 1
    assert items[0]["thread_ts"] == root_ts
    # The member's own text cannot ping the channel: Slack's & < > are escaped.
    assert "Long &lt;!channel&gt; email chains" in items[0]["text"]
    assert "<!channel>" not in items[0]["text"]

    # A reply in the thread, as Slack sends it, adds an item too.
    await slack.event(
        {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": "U3",
            "text": "start: weekly cross-team huddles",
            "ts": "1800000000.000001",
            "thread_ts": root_ts,
        },
        event_id="Ev-thread-1",
    )
    assert len(slack.posted("*Start*: weekly cross-team huddles")) == 1


async def test_a_command_in_a_channel_the_bot_is_not_in_is_answered_in_a_dm(
    slack: SlackRig,
) -> None:
    slack.fake.fail_next("chat.postEphemeral", "not_in_channel")
    await slack.command("U1", "/convene", "silo add Radiography", channel="C9")

    (tried,) = slack.fake.calls("chat.postEphemeral")
    assert tried["channel"] == "C9" and slack.fake.accepted_calls("chat.postEphemeral") == []
    in_dm = [
        m["text"] for m in slack.fake.accepted_calls("chat.postMessage") if m["channel"] == "U1"
    ]
    assert any("Added the silo Radiography" in text for text in in_dm)
    assert any("Added the silo Radiography" in said for said in slack.told("U1"))


async def test_opening_the_app_home_shows_a_members_commitments_and_check_ins(
    slack: SlackRig,
) -> None:
    await slack.command("U2", "/commit", "Book the room for the huddle by Friday")
    await slack.event(
        {"type": "app_home_opened", "user": "U2", "channel": "DU2", "tab": "home"},
        event_id="Ev-home-1",
    )

    published = slack.fake.calls("views.publish")
    assert len(published) == 1
    assert published[0]["user_id"] == "U2"
    view = published[0]["view"]
    assert view["type"] == "home"
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "*Your commitments*" in text
    assert "Book the room for the huddle" in text and "due Friday 4 December" in text
    assert "*Check-ins*" in text and "*Introductions*" in text


async def test_a_member_first_seen_in_slack_gets_their_name_and_time_zone_from_slack(
    slack: SlackRig,
) -> None:
    await slack.command("U3", "/convene", "me")

    async with slack.app.sessions() as session:
        kenji = (await session.exec(select(Member).where(Member.platform_user_id == "U3"))).one()
    assert (kenji.display_name, kenji.timezone) == ("kenji", "Asia/Tokyo")


async def test_a_convener_imports_slack_user_groups_as_silos(slack: SlackRig) -> None:
    slack.fake.add_usergroup("S1", "radiology", "Radiology", ["U1", "U3"])
    slack.fake.add_usergroup("S2", "public-health", "Public Health", ["U2"])

    await slack.command("U1", "/convene", "silo import usergroups")

    said = slack.told("U1")[-1]
    assert "Imported 2 silos from user groups (2 new)" in said
    assert "Public Health (1 member), Radiology (2 members)" in said
    async with slack.app.sessions() as session:
        silos = {s.name: s.kind for s in (await session.exec(select(Silo))).all()}
    assert silos == {"Radiology": "team", "Public Health": "team"}

    await slack.command("U1", "/convene", "silo import roles")
    assert "This platform has no roles to import (here: field, usergroups)" in slack.told("U1")[-1]


async def test_a_convener_imports_departments_from_a_slack_profile_field(
    slack: SlackRig,
) -> None:
    slack.fake.add_profile_field("Xf01", "Department")
    slack.fake.add_profile_field("Xf02", "Pronouns")
    for user_id, name, department in (
        ("U1", "alice", "Radiology"),
        ("U2", "bob", "Public Health"),
        ("U3", "kenji", "  radiology "),  # typed differently by hand: the same silo
    ):
        slack.fake.add_user(user_id, name, profile_fields={"Xf01": department})
    slack.fake.add_user("U4", "dana", profile_fields={"Xf02": "she/her"})  # no department
    slack.fake.add_user("U5", "gone", deleted=True, profile_fields={"Xf01": "Radiology"})
    slack.fake.add_user("U6", "helper", is_bot=True, profile_fields={"Xf01": "Radiology"})
    slack.fake.rate_limit_next("users.profile.get", retry_after=2)

    await slack.command("U1", "/convene", "silo import field department")

    said = slack.told("U1")[-1]
    assert "Imported 2 silos from a profile field (2 new)" in said
    assert "Public Health (1 member), Radiology (2 members)" in said
    async with slack.app.sessions() as session:
        silos = {s.name: s.kind for s in (await session.exec(select(Silo))).all()}
        members = {m.platform_user_id: m.display_name for m in (await session.exec(select(Member)))}
    assert silos == {"Radiology": "department", "Public Health": "department"}
    # The deleted account and the bot were never made members.
    assert "U5" not in members and "U6" not in members
    # The first read was answered 429: waited out (Retry-After) and asked again, once.
    reads = [c["user"] for c in slack.fake.calls("users.profile.get")]
    assert sorted(reads) == ["U1", "U1", "U2", "U3", "U4"]


async def test_a_profile_field_slack_does_not_have_gets_the_fields_it_does_have(
    slack: SlackRig,
) -> None:
    slack.fake.add_profile_field("Xf01", "Department")
    slack.fake.add_profile_field("Xf02", "Profession")

    await slack.command("U1", "/convene", "silo import field Team")

    said = slack.told("U1")[-1]
    assert "no field called 'Team'" in said
    assert "The fields are: Department, Profession" in said
    assert "/convene silo import field Department" in said
    async with slack.app.sessions() as session:
        assert (await session.exec(select(Silo))).all() == []
    assert slack.fake.calls("users.profile.get") == []


async def test_an_uninstalled_app_is_logged_clearly_and_nothing_crashes(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with slack_convene(database_url) as rig:
        answer = await rig.event({"type": "app_uninstalled"}, event_id="Ev-uninstalled")
        revoked = await rig.event(
            {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, event_id="Ev-revoked"
        )

        assert (answer.status, revoked.status) == (200, 200)
        assert (
            "Slack says Convene was removed from workspace T0001 (app_uninstalled)" in caplog.text
        )
        assert "(tokens_revoked)" in caplog.text
        assert rig.fake.bot_token not in caplog.text
