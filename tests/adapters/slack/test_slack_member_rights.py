"""A member's rights end to end in Slack (HTTP mode), against the fake Slack.

What Convene promises a member (``/convene me export`` puts everything it holds
about them in a file in their DM; ``/convene me forget`` takes their answers off
Slack and their name out of everything said afterwards; a conveners-only
check-in posts no answer in the channel) is read here where members would see
it: Slack's own record. Everything goes in as Slack sends it (signed slash
commands, ``block_actions``, ``view_submission``), and what Convene did is read
from the Web API calls the fake Slack received: ``chat.delete`` with the channel
and ``ts`` of each message, the file upload to the DM, and every request's
payload after the press, searched for her name and her words.

The world (``slack``): alice (U1, London, the convener), bob (U2, New York) and
kenji (U3, Tokyo) in #general (C1), joined by Marisol (U4, London). Scenarios
start on Thursday 26 November 2026, when London is on UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from tests.support.fake_slack import SlackCall
from tests.support.slack_rig import SlackRig
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]

MARISOL = "U4"
NAME = "Marisol Quintero"
ANSWER = "The night rota swap with Ward 7 saved us hours"
ROOT = "*Pulse* for Monday 30 November"
FORGET_ME = "Forget me"


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- acting ----------------------------------------------------------------------------------


async def marisol_joins_general(slack: SlackRig) -> None:
    """A fourth member of #general, known to Convene from her first command."""

    slack.fake.add_user(MARISOL, "marisol", display_name=NAME, tz="Europe/London")
    slack.fake.add_channel("C1", "general", ["U1", "U2", "U3", MARISOL])
    await slack.command(MARISOL, "/convene", "me")


async def marisol_answers_pulse(slack: SlackRig, answers_to: str = "thread") -> None:
    """alice makes a weekly check-in; at 09:00 London on Monday Marisol answers it."""

    await slack.command(
        "U1",
        "/convene",
        f'checkin create "Pulse" #general every Monday 09:00 --template pulse '
        f"--answers {answers_to}",
    )
    await slack.advance_to(utc(30, 9, 0))
    await slack.click(MARISOL, slack.message(MARISOL, "Time for *Pulse*"), "Answer")
    view = slack.last_view()
    assert view["callback_id"] == "checkin.answers"
    await slack.submit(MARISOL, view, {"q0": "4", "q1": ANSWER})


# -- reading what Slack received -------------------------------------------------------------


def seen(call: SlackCall) -> str:
    """Everything a Web API request carried, as text to search."""

    return json.dumps(call.payload, ensure_ascii=False)


def holding(calls: list[SlackCall], *texts: str) -> list[str]:
    """The requests among ``calls`` that hold any of ``texts``, as method and payload."""

    return [f"{c.method}: {seen(c)}" for c in calls if any(t in seen(c) for t in texts)]


def everywhere(slack: SlackRig) -> list[Payload]:
    """Every message now in Slack's history, in every conversation Convene posted to."""

    conversations = {
        str(channel)
        for call in slack.fake.requests
        if call.ok and (channel := call.payload.get("channel") or call.payload.get("channel_id"))
    }
    return [
        message
        for channel in sorted(conversations)
        for message in slack.fake.history(f"D{channel}" if channel[:1] in ("U", "W") else channel)
    ]


# -- export, then forget -----------------------------------------------------------------------


async def test_a_member_who_exports_and_then_forgets_herself_leaves_nothing_on_slack_naming_her(
    slack: SlackRig,
) -> None:
    await marisol_joins_general(slack)
    await marisol_answers_pulse(slack)
    root = slack.message("C1", ROOT)
    [answer] = slack.in_thread("C1", root["ts"])
    assert NAME in answer["text"] and ANSWER in answer["text"]
    posted = slack.message("C1", ANSWER)
    assert posted["thread_ts"] == root["ts"]

    # Her export: a JSON file uploaded to her DM, with her answer in it.
    await slack.command(MARISOL, "/convene", "me export")
    assert slack.ephemeral_to(MARISOL)[-1]["text"] == "I sent it to you in a direct message."
    [summary] = [m for m in slack.dms(MARISOL) if "convene-my-data.json" in m["text"]]
    assert "1 check-in answered" in summary["text"]
    export_ts = slack.message(MARISOL, "convene-my-data.json")["ts"]
    [upload] = slack.fake.accepted_calls("files.completeUploadExternal")
    [shared] = slack.fake.shared_files
    assert (upload["channel_id"], shared.channel) == (f"D{MARISOL}", f"D{MARISOL}")
    assert shared.name == "convene-my-data.json"
    data = json.loads(shared.data)
    assert data["profile"]["name"] == NAME
    [checkin] = data["checkin_answers"]
    assert checkin["checkin"] == "Pulse" and checkin["answers_went_to"] == "thread"
    assert ANSWER in [a["answer"] for a in checkin["answers"]]

    # Forget: asked in her DM first, and nothing goes until she presses.
    await slack.command(MARISOL, "/convene", "me forget")
    question = slack.message(MARISOL, "Forget you?")
    assert slack.fake.accepted_calls("chat.delete") == []
    assert holding(slack.fake.requests, NAME, ANSWER), "the search below must be able to fail"

    pressed = len(slack.fake.requests)
    uploads = len(slack.fake.upload_posts)
    await slack.click(MARISOL, question, FORGET_ME)

    deletes = [(d["channel"], d["ts"]) for d in slack.fake.accepted_calls("chat.delete")]
    assert ("C1", posted["ts"]) in deletes, "her answer in the thread"
    assert (f"D{MARISOL}", export_ts) in deletes, "the export's message"
    assert slack.fake.deleted_files == [shared.file_id], "the export's file"
    assert [m for m in slack.fake.history("C1") if m.get("thread_ts") == root["ts"]] == []
    assert slack.message(MARISOL, "Convene has forgotten you.")["ts"] == question["ts"]

    # Her day ends, the run closes, and alice reads the check-in's report and the members:
    # nothing names her.
    await slack.advance_to(utc(1, 5, 0, month=12))
    await slack.command("U1", "/convene", 'checkin report "Pulse"')
    report = slack.ephemeral_to("U1")[-1]["text"]
    assert "Not answered in the latest run: alice, bob, kenji." in report
    await slack.command("U1", "/convene", "members")
    members = slack.ephemeral_to("U1")[-1]["text"]
    assert members.startswith("3 members:") and "kenji" in members

    after = slack.fake.requests[pressed:]
    assert [c.method for c in after if not c.ok] == []
    assert holding(after, NAME, ANSWER, f"<@{MARISOL}>") == []
    assert len(slack.fake.upload_posts) == uploads, "nothing uploaded after the press"
    assert [m for m in everywhere(slack) if NAME in str(m) or ANSWER in str(m)] == []


async def test_another_member_cannot_press_her_forget_me_button(slack: SlackRig) -> None:
    await marisol_joins_general(slack)
    await marisol_answers_pulse(slack)
    await slack.command(MARISOL, "/convene", "me forget")
    question = slack.message(MARISOL, "Forget you?")

    await slack.click("U2", question, FORGET_ME)

    # Told in his own DM: her DM is no conversation of his.
    assert slack.dms("U2")[-1]["text"] == (
        "Only the member who asked to be forgotten can press that; nothing was changed. "
        "To be forgotten yourself, type /convene me forget."
    )
    assert slack.fake.calls("chat.delete") == []
    assert len(slack.posted(ANSWER)) == 1 and slack.message("C1", ANSWER)
    assert slack.message(MARISOL, "Forget you?")["ts"] == question["ts"]
    await slack.command(MARISOL, "/convene", "me")
    assert slack.ephemeral_to(MARISOL)[-1]["text"].startswith(f"You are {NAME}")


# -- conveners-only check-ins ----------------------------------------------------------------


async def test_a_conveners_only_answer_never_reaches_the_thread_and_is_in_the_conveners_digest(
    slack: SlackRig,
) -> None:
    await marisol_joins_general(slack)
    await marisol_answers_pulse(slack, answers_to="conveners")
    assert slack.dms(MARISOL)[-1]["text"].startswith(
        "Thank you! Your answers go to the conveners only; nothing is posted in #general."
    )

    await slack.advance_to(utc(1, 5, 0, month=12))  # midnight in New York: the run closes

    root = slack.message("C1", ROOT)
    assert "answers go to the conveners only, not to this thread" in root["text"]
    thread = slack.in_thread("C1", root["ts"])
    assert [m["text"] for m in thread] == [
        "This check-in is closed: 1 of 4 answered (25%). Thank you!"
    ]
    to_general = [
        c
        for c in slack.fake.requests
        if "C1" in (c.payload.get("channel"), c.payload.get("channel_id"))
    ]
    assert to_general and holding(to_general, ANSWER) == []
    [digest] = [m for m in slack.dms("U1") if "is closed" in m["text"]]
    assert f"*{NAME}*" in digest["text"] and ANSWER in digest["text"]
    assert [m for m in slack.dms("U2") + slack.dms("U3") if ANSWER in str(m)] == []
