"""A member's rights end to end in Discord, against the fake Discord on loopback.

``/profile export`` (Discord's name for ``/convene me export``) puts everything
Convene holds about a member in a JSON file in their DM; ``/profile forget``
asks there first and, once they press ``[Forget me]``, takes their answers off
Discord (``DELETE /channels/{id}/messages/{id}``) and their name out of
everything said afterwards. It is read where members would see it: the REST
requests the fake Discord received, file parts included, and the messages it
still holds.

Only the member can press their ``[Forget me]``: the question is in their DM,
which nobody else sees, so Discord sends no one else's press of it (the Slack
tests and tests/handlers/test_member_rights.py press it as someone else).

The world (``discord``): alice (a convener, nickname "Alice R"), bob and kenji in
#general, joined by Marisol. Scenarios start on Thursday 26 November 2026, when
London is on UTC; Marisol says she is in London.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

import adapters.discord.adapter as discord_adapter
from tests.support.discord_rig import ALICE, GENERAL, GUILD, DiscordRig
from tests.support.fake_discord import DiscordRequest
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]

MARISOL = 900_000_000_000_001_005
NAME = "Marisol Quintero"
ANSWER = "The night rota swap with Ward 7 saved us hours"
FILE_NAME = "convene-my-data.json"


@pytest.fixture(autouse=True)
def quick_deferrals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defer at once: under the rig no reply can be ready before the deferral anyway."""

    monkeypatch.setattr(discord_adapter, "AFTER_HANDLING", 0.01)


@pytest.fixture
def start() -> datetime:
    """Scenarios start on Thursday 26 November 2026, when London is on UTC."""

    return THURSDAY_NOON


# -- reading what Discord received -------------------------------------------------------------


def dm(rig: DiscordRig, user: int, text: str) -> Payload:
    """The last DM to ``user`` holding ``text``, as it now reads."""

    found = [m for m in rig.dms(user) if text in str(m.get("content", ""))]
    assert found, f"no DM to {user} says {text!r}: {[m.get('content') for m in rig.dms(user)]}"
    return found[-1]


def seen(request: DiscordRequest) -> str:
    """Everything a REST request carried, as text to search: path, body and files."""

    files = [part.data.decode(errors="replace") for part in request.uploads]
    return "\n".join([request.path, json.dumps(request.json, ensure_ascii=False), *files])


def words(message: Payload) -> str:
    """What Convene said in a message (not Discord's note of who ran the command it answers,
    which only that member sees)."""

    said = {k: message.get(k) for k in ("content", "components", "embeds", "attachments")}
    return json.dumps(said, ensure_ascii=False)


def holding(requests: list[DiscordRequest], *texts: str) -> list[str]:
    """The requests that hold any of ``texts``, as method, path and what they carried."""

    return [f"{r.method} {seen(r)}" for r in requests if any(t in seen(r) for t in texts)]


# -- export, then forget -----------------------------------------------------------------------


async def test_a_member_who_exports_and_then_forgets_herself_leaves_nothing_on_discord_naming_her(
    discord: DiscordRig,
) -> None:
    rig = discord
    rig.fake.add_user(MARISOL, "marisol", global_name=NAME)
    rig.fake.add_member(GUILD, MARISOL)
    await rig.slash(MARISOL, "profile", "tz", zone="Europe/London")
    await rig.slash(
        ALICE,
        "convene",
        "checkin",
        "create",
        options={"channel": GENERAL, "name": "Pulse", "when": "every Monday 09:00"},
        template="pulse",
    )

    # Monday 09:00 in London: she answers, and the thread of the day's post shows it.
    await rig.advance_to(utc(30, 9, 0))
    answering = await rig.click(MARISOL, dm(rig, MARISOL, "Time for **Pulse**"), "Answer")
    await rig.submit(MARISOL, answering, {"q0": "4", "q1": ANSWER})
    [root] = rig.posted(GENERAL, "**Pulse** for Monday 30 November")
    thread = int(root["id"])
    [posted] = rig.fake.messages_in(thread)
    assert NAME in posted["content"] and ANSWER in posted["content"]

    # Her export: a JSON file in a message to her DM, with her answer in it.
    await rig.slash(MARISOL, "profile", "export")
    assert rig.replies(MARISOL)[-1] == "I sent it to you in a direct message."
    export = dm(rig, MARISOL, FILE_NAME)
    assert "1 check-in answered" in export["content"]
    assert [a["filename"] for a in export["attachments"]] == [FILE_NAME]
    her_dm = rig.fake.dm_channel_of(MARISOL)
    assert her_dm is not None
    [upload] = [r for r in rig.sent("POST", f"/channels/{her_dm}/messages") if r.uploads]
    [part] = upload.uploads
    data = json.loads(part.data)
    assert data["profile"]["name"] == NAME
    [checkin] = data["checkin_answers"]
    assert checkin["checkin"] == "Pulse" and checkin["answers_went_to"] == "thread"
    assert ANSWER in [a["answer"] for a in checkin["answers"]]

    # Forget: asked in her DM first, and nothing goes until she presses.
    await rig.slash(MARISOL, "profile", "forget")
    assert rig.replies(MARISOL)[-1] == (
        "I asked you in a direct message first: nothing is forgotten yet."
    )
    question = dm(rig, MARISOL, "Forget you?")
    assert rig.sent("DELETE", "/channels/{c}/messages/{m}") == []
    assert holding(rig.fake.requests, NAME, ANSWER), "the search below must be able to fail"

    pressed = len(rig.fake.requests)
    await rig.click(MARISOL, question, "Forget me")

    deleted = [r.path for r in rig.fake.calls("DELETE", "/channels/{c}/messages/{m}", status=204)]
    assert f"/channels/{thread}/messages/{posted['id']}" in deleted, "her answer in the thread"
    assert f"/channels/{her_dm}/messages/{export['id']}" in deleted, "the export and its file"
    assert rig.fake.messages_in(thread) == []
    assert dm(rig, MARISOL, "Convene has forgotten you.")["id"] == question["id"]

    # Her day ends, the run closes, and alice reads the check-in's report and the members:
    # nothing names her.
    await rig.advance_to(utc(1, 5, 0, month=12))
    await rig.slash(ALICE, "convene", "checkin", "report", name="Pulse")
    assert "Not answered in the latest run: Alice R, Bob, Kenji." in rig.replies(ALICE)[-1]
    await rig.slash(ALICE, "convene", "members")
    members = rig.replies(ALICE)[-1]
    assert members.startswith("3 members:") and "Kenji" in members

    after = rig.fake.requests[pressed:]
    assert [f"{r.method} {r.path}: {r.status}" for r in after if r.status >= 300] == []
    assert holding(after, NAME, ANSWER, f"<@{MARISOL}>") == []
    left = [m for channel in (GENERAL, thread, her_dm) for m in rig.fake.messages_in(channel)]
    assert [m for m in left if NAME in words(m) or ANSWER in words(m)] == []
