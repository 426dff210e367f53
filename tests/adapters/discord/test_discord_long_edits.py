"""Editing a message Discord got in several parts changes every part.

Discord takes 2,000 characters a message, so a check-in answer of three
1,000-character answers goes into the run's thread as three messages. When
the member edits it, each part must read the new text, parts the new length
no longer needs must go, and parts it needs must be added; the reference the
outbox keeps must name the parts as they now are, so the next edit works
too. The same holds for a private reply sent in parts through an
interaction's webhook, and for a group message sent as one DM each.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import adapters.discord.adapter as discord_adapter
from adapters.discord.parts import digest, plan_edit
from adapters.discord.render import MESSAGE_LIMIT
from bot.adapter import PARTS, TransientDeliveryError
from bot.messages import Button, OutgoingMessage, Target
from tests.support.discord_rig import ALICE, BOB, EPHEMERAL, GENERAL, GUILD, KENJI, DiscordRig
from tests.support.times import SUNDAY_NOON, utc

Payload = dict[str, object]
QUESTIONS = (
    "What did you do since the last check-in?",
    "What will you do today?",
    "Is anything blocking you?",
)


@pytest.fixture(autouse=True)
def quick_deferrals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord_adapter, "AFTER_HANDLING", 0.01)


@pytest.fixture
def start() -> datetime:
    return SUNDAY_NOON


def long_answer(word: str) -> str:
    """An answer of exactly 1,000 characters (the most a check-in answer takes)."""

    return (f"{word} " * 1000)[:999] + "."


def thread_text(answers: tuple[str, str, str]) -> str:
    lines = ["**Alice R**"]
    lines += [f"**{q}** {a}" for q, a in zip(QUESTIONS, answers, strict=True)]
    return "\n".join(lines)


def shown_in(rig: DiscordRig, channel: int | str) -> list[str]:
    """What a channel (or thread) shows now, message by message."""

    return [str(m["content"]) for m in rig.fake.messages_in(int(channel))]


def dm(rig: DiscordRig, user: int, text: str) -> Payload:
    found = [m for m in rig.dms(user) if text in str(m.get("content", ""))]
    assert found, [m.get("content") for m in rig.dms(user)]
    return found[-1]


async def answer(rig: DiscordRig, button: str, on: str, answers: tuple[str, str, str]) -> None:
    """alice presses ``button`` on her DM saying ``on`` and sends ``answers`` in the form."""

    opened = await rig.click(ALICE, dm(rig, ALICE, on), button)
    await rig.submit(ALICE, opened, {f"q{n}": text for n, text in enumerate(answers)})


def refused(rig: DiscordRig) -> list[str]:
    return [f"{r.method} {r.path} {r.status}" for r in rig.fake.requests if r.status >= 400]


async def test_editing_a_check_in_answer_sent_in_three_parts_changes_every_part(
    discord: DiscordRig,
) -> None:
    rig = discord
    thread = await start_standup(rig)

    first = (long_answer("rota"), long_answer("ward"), long_answer("queue"))
    await answer(rig, "Answer", "Time for **Standup**", first)
    parts = shown_in(rig, thread)
    assert len(parts) == 3 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n".join(parts) == thread_text(first)

    # Shorter: one message reads the whole new answer, the two others are gone.
    short = ("Rota done", "Ward round", "Nothing")
    await answer(rig, "Edit answer", "Thank you!", short)
    assert shown_in(rig, thread) == [thread_text(short)]
    assert dm(rig, ALICE, "Updated your answer").get("content")

    # Longer again: the kept message and two new ones; the reference the first edit
    # left is the one this edit changed (nothing refers to the deleted parts).
    second = (long_answer("huddle"), long_answer("audit"), long_answer("leave"))
    await answer(rig, "Edit answer", "Updated your answer", second)
    parts = shown_in(rig, thread)
    assert len(parts) == 3 and "\n".join(parts) == thread_text(second)

    # Two parts' worth: the last two stay, the first goes.
    third = (long_answer("rota"), "Ward round", long_answer("queue"))
    await answer(rig, "Edit answer", "Updated your answer", third)
    parts = shown_in(rig, thread)
    assert len(parts) == 2 and "\n".join(parts) == thread_text(third)
    assert refused(rig) == []


async def start_standup(rig: DiscordRig) -> str:
    """alice's "Standup" check-in, asked on Monday 09:00: the id of the day's thread."""

    await rig.slash(ALICE, "profile", "tz", zone="Europe/London")
    await rig.slash(
        ALICE,
        "convene",
        "checkin",
        "create",
        options={"channel": str(GENERAL)},
        name="Standup",
        when="every Monday 09:00",
    )
    await rig.advance_to(utc(30, 9, 0))
    [root] = [m for m in rig.fake.messages_in(GENERAL) if "**Standup** for" in m["content"]]
    return str(root["id"])


def patches_in(rig: DiscordRig, thread: str) -> list[str]:
    """The ids of the messages in a thread that were edited, one per edit, in order."""

    return [
        r.path.rsplit("/", 1)[1]
        for r in rig.sent("PATCH", f"/channels/{thread}/messages/{{id}}")
        if r.status == 200
    ]


async def test_an_edit_changes_only_the_parts_that_read_differently(discord: DiscordRig) -> None:
    rig = discord
    thread = await start_standup(rig)
    first = (long_answer("rota"), long_answer("ward"), long_answer("queue"))
    await answer(rig, "Answer", "Time for **Standup**", first)
    ids = [m["id"] for m in rig.fake.messages_in(int(thread))]

    changed = (first[0], first[1], long_answer("leave"))
    await answer(rig, "Edit answer", "Thank you!", changed)
    assert patches_in(rig, thread) == [ids[2]]  # the first two parts say the same
    assert "\n".join(shown_in(rig, thread)) == thread_text(changed)


async def test_a_send_that_stops_after_its_first_part_is_finished_without_repeating_it(
    discord: DiscordRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = discord
    thread = await start_standup(rig)
    post_part = rig.adapter._post_part
    calls: list[str] = []

    async def second_part_fails_once(channel_id: str, body: dict[str, object]) -> str:
        calls.append(channel_id)
        if channel_id == thread and calls.count(thread) == 2:
            raise TransientDeliveryError("the connection dropped")
        return await post_part(channel_id, body)

    monkeypatch.setattr(rig.adapter, "_post_part", second_part_fails_once)
    first = (long_answer("rota"), long_answer("ward"), long_answer("queue"))
    await answer(rig, "Answer", "Time for **Standup**", first)
    assert len(shown_in(rig, thread)) == 1  # the first part went out, then the send stopped

    await rig.advance_to(rig.clock.now() + timedelta(minutes=5))  # the outbox tries again
    parts = shown_in(rig, thread)
    assert len(parts) == 3 and "\n".join(parts) == thread_text(first)
    assert patches_in(rig, thread) == []  # the first part was left as it was
    assert refused(rig) == []

    # The reference kept names all three parts: an edit changes them all.
    short = ("Rota done", "Ward round", "Nothing")
    await answer(rig, "Edit answer", "Thank you!", short)
    assert shown_in(rig, thread) == [thread_text(short)]


async def test_a_private_reply_in_parts_is_edited_through_the_interactions_webhook(
    discord: DiscordRig,
) -> None:
    rig = discord
    command = await rig.slash(ALICE, "profile", "show")
    adapter = rig.adapter
    long_text = "\n".join(f"Line {n}: " + "x" * 400 for n in range(12))  # about 5,000 characters
    reply = OutgoingMessage(
        Target.channel(str(GENERAL)),
        long_text,
        buttons=(Button("Done", "profile.done"),),
        visible_to=str(ALICE),
    )
    before = {m["id"] for m in rig.fake.messages_in(GENERAL)}
    ref = await adapter.deliver(str(GUILD), reply, idempotency_key="reply")
    parts = [m["id"] for m in rig.fake.messages_in(GENERAL) if m["id"] not in before]
    assert len(parts) == 3 and ref["interaction_token"] == command["token"]

    shorter = OutgoingMessage(reply.target, "Short now", reply.buttons, visible_to=str(ALICE))
    edited = await adapter.edit(str(GUILD), ref, shorter)
    now = [m for m in rig.fake.messages_in(GENERAL) if m["id"] in parts]
    assert [m["content"] for m in now] == ["Short now"]
    assert now[0]["id"] == parts[-1] and int(now[0]["flags"]) & EPHEMERAL
    assert [b["label"] for row in now[0]["components"] for b in row["components"]] == ["Done"]

    grown = await adapter.edit(str(GUILD), edited, reply)
    again = [rig.fake.message(int(i)) for i in grown[PARTS]]
    assert "\n".join(str(m["content"]) for m in again) == long_text
    assert [bool(m["components"]) for m in again] == [False, False, True]
    assert all(int(m["flags"]) & EPHEMERAL for m in again)
    assert refused(rig) == []


async def test_a_group_message_sent_as_one_dm_each_is_edited_in_every_members_dm(
    discord: DiscordRig,
) -> None:
    rig = discord
    adapter = rig.adapter
    group = OutgoingMessage(Target.group((str(BOB), str(KENJI))), "Meet Bob and Kenji")
    ref = await adapter.deliver(str(GUILD), group, idempotency_key="intro")
    for text in ("Meet Bob and Kenji (edited)", "Meet Bob and Kenji (edited twice)"):
        ref = await adapter.edit(str(GUILD), ref, OutgoingMessage(group.target, text))
        for member in (BOB, KENJI):
            assert [m["content"] for m in rig.dms(member)] == [text]


def test_the_plan_keeps_the_last_parts_and_changes_only_what_reads_differently() -> None:
    one, two = {"content": "a"}, {"content": "b", "components": ["row"]}
    shrink = plan_edit([("1", None), ("2", None), ("3", digest(two))], [one, two])
    assert shrink.keep == ("2", "3") and shrink.delete == ("1",) and shrink.post == ()
    # The buttons of a part that stops being the last are cleared; the last is unchanged.
    assert shrink.patch == (("2", {"content": "a", "components": []}),)
    grow = plan_edit([("1", digest(one))], [one, two])
    assert grow.keep == ("1",) and grow.patch == () and grow.post == (two,)
