"""A convener removes a member: Convene asks first, says what goes, offers the one
choice, and writes nothing until the convener presses a button.

Alice has commitments, check-in answers, a retro item and a vote when the
convener types ``/convene member remove alice``: the question names each of
them, ``[Cancel]`` leaves everything as it was, ``[Remove, keep their
contributions]`` forgets her but keeps her commitments and retro item as "a
former member"'s, and ``[Remove and erase everything]`` deletes those too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from storage.models import Commitment, Member, RetroItem
from tests.support.harness import Harness

HER_TABLES = (
    "members",
    "member_silos",
    "commitments",
    "checkin_prompts",
    "retro_items",
    "retro_votes",
    "participants",
)


@pytest.fixture
def start() -> datetime:
    return datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday, 08:00 in London


async def alice_with_a_history(convene: Harness) -> None:
    """Alice in a silo, with two unfinished commitments and one done, a check-in answer,
    a retro item and a vote on it."""

    await convene.command("you", "/convene silo add Radiotherapy")
    await convene.command("you", "/convene member add alice --silo Radiotherapy --tz UTC")
    await convene.command("alice", "/commit Draft the discharge checklist by Friday")
    await convene.command("alice", "/commit Book the room for the huddle")
    await convene.command("alice", "/commit Read the audit by Thursday")
    await convene.command("alice", "/commit done 3")
    convene.adapter.channel_members["general"] = [ChannelMember("alice", "alice", "UTC")]
    await convene.command(
        "you", '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse'
    )
    await convene.advance(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await convene.click("alice", "Answer")
    form = convene.last_form("alice")
    await convene.submit("alice", form, {field.name: "4" for field in form.fields})
    await convene.command("you", '/convene retro open "Quarter 4"')
    await convene.click("alice", "Add item", on="*Retro: Quarter 4*")
    add = convene.last_form("alice", "retro.add")
    await convene.submit("alice", add, {"category": "Start", "text": "weekly huddles"})
    await convene.click("alice", "+1", on="weekly huddles")


async def ask_to_remove_alice(convene: Harness) -> Delivered:
    (asked,) = await convene.command("you", "/convene member remove alice")
    return asked


async def test_removing_a_member_asks_first_and_says_what_of_theirs_is_deleted(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    before = await convene.snapshot(HER_TABLES)

    asked = await ask_to_remove_alice(convene)

    assert asked.text.splitlines() == [
        "Remove alice from Convene? Either way this deletes:",
        "- 1 check-in answer",
        "- their links to 1 silo",
        "- their own settings",
        "Their name leaves everything Convene keeps, and messages Convene posted with their "
        "answers are taken off the platform.",
        "Their 3 commitments (2 unfinished: *Draft the discharge checklist* (commitment 1, due "
        "Friday 4 December); *Book the room for the huddle* (commitment 2, no due date)) and 1 "
        "retro item they wrote: keep their contributions, and they stay for the team, shown as "
        "a former member's, with no more reminders; erase everything, and they are deleted too.",
        "Nothing is removed until you press Remove.",
    ]
    assert [b.label for b in asked.message.buttons] == [
        "Remove, keep their contributions",
        "Remove and erase everything",
        "Cancel",
    ]
    assert all(len(b.label) <= 75 for b in asked.message.buttons)
    assert asked.message.visible_to == "you"
    assert await convene.snapshot(HER_TABLES) == before, "asking writes nothing"


async def test_cancelling_a_removal_keeps_everything(convene: Harness) -> None:
    await alice_with_a_history(convene)
    before = await convene.snapshot(HER_TABLES)
    await ask_to_remove_alice(convene)

    (cancelled,) = await convene.click("you", "Cancel")

    assert (
        cancelled.text == "Cancelled: alice stays, with everything of theirs; nothing was removed."
    )
    assert await convene.snapshot(HER_TABLES) == before


async def test_a_removal_that_keeps_her_contributions_keeps_them_as_a_former_members(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    asked = await ask_to_remove_alice(convene)

    await convene.click("you", "Remove, keep their contributions")

    removed = convene.newest("Removed, and their name is gone")
    assert removed.text == (
        "Removed, and their name is gone from Convene: deleted 1 check-in answer, their links "
        "to 1 silo and their own settings. Kept for the team as a former member's: 3 "
        "commitments and 1 retro item, with no reminders. 1 message with their words is "
        "being taken off the platform."
    )
    assert [m.display_name for m in await convene.rows(Member, order_by=Member.id)] == [
        "you",
        "a former member",
    ]
    commitments = await convene.rows(Commitment, order_by=Commitment.id)
    assert [(c.text, c.remind_at) for c in commitments] == [
        ("Draft the discharge checklist", None),
        ("Book the room for the huddle", None),
        ("Read the audit", None),
    ]
    (item,) = await convene.rows(RetroItem)
    (former,) = [m for m in await convene.rows(Member) if m.erased_at is not None]
    assert (item.text, item.author_id) == ("weekly huddles", former.id)
    outbox = await convene.snapshot(("outbox",))
    assert "alice" not in str(outbox), "nothing Convene keeps names her, its reply included"
    (stale,) = await convene.press("you", asked, "Remove and erase everything")
    assert stale.text == "That member was already removed; nothing more to do."


async def test_a_removal_that_erases_everything_deletes_her_commitments_and_items(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    await ask_to_remove_alice(convene)

    await convene.click("you", "Remove and erase everything")

    removed = convene.newest("Removed, and their name is gone")
    assert removed.text.startswith(
        "Removed, and their name is gone from Convene: deleted 1 check-in answer, 3 "
        "commitments, 1 retro item, their links to 1 silo and their own settings."
    )
    assert await convene.rows(Commitment) == []
    assert await convene.rows(RetroItem) == []


async def test_only_a_convener_can_confirm_a_removal(convene: Harness) -> None:
    await alice_with_a_history(convene)
    await convene.command("bob", "/convene me")
    asked = await ask_to_remove_alice(convene)
    before = await convene.snapshot(HER_TABLES)

    (refused,) = await convene.press("bob", asked, "Remove, keep their contributions")

    assert refused.text == 'Only conveners can remove a member. Ask the convener named "you".'
    assert await convene.snapshot(HER_TABLES) == before


async def test_a_member_with_nothing_of_their_own_is_asked_about_briefly(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene member add dave")

    asked = await ask_to_remove_alice_or(convene, "dave")

    assert asked.text.splitlines() == [
        "Remove dave from Convene? Either way this deletes their own settings.",
        "Their name leaves everything Convene keeps.",
        "They own no commitments and wrote no retro items under their name, so both Remove "
        "buttons do the same.",
        "Nothing is removed until you press Remove.",
    ]


async def ask_to_remove_alice_or(convene: Harness, name: str) -> Delivered:
    (asked,) = await convene.command("you", f"/convene member remove {name}")
    return asked


async def test_conveners_are_not_removed_and_nobody_removes_themselves(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene member add isabel")
    alone = await convene.reply_to("you", "/convene member remove you")
    assert alone.startswith("You are the only convener, so removing you would leave nobody")

    await convene.command("you", "/convene convener add isabel")
    before = await convene.snapshot(HER_TABLES)
    themselves = await convene.reply_to("you", "/convene member remove you")
    assert themselves == (
        "You cannot remove yourself. isabel can: first /convene convener remove you, then "
        "/convene member remove you."
    )
    convener = await convene.reply_to("isabel", "/convene member remove you")
    assert convener == (
        "you is a convener. To remove them, first /convene convener remove you, "
        "then /convene member remove you."
    )
    assert await convene.snapshot(HER_TABLES) == before


async def test_a_members_introductions_and_what_they_learned_are_named_before_removal(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", '/convene silo add "Public Health" --kind organisation')
    await convene.command("you", "/convene member add alice --silo Radiotherapy --tz UTC")
    await convene.command("you", '/convene member add bob --silo "Public Health" --tz UTC')
    await convene.command("you", "/convene pairing start #general every Monday 10:00 --tz UTC")
    for name in ("alice", "bob"):
        await convene.command(name, "/pairing join")
    await convene.advance(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    await convene.advance(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    await convene.click("alice", "We met")
    learning = convene.last_form("alice", "pairing.learning")
    await convene.submit(
        "alice", learning, {"learning": "They plan in years.", "consent": "Conveners only"}
    )
    before = await convene.snapshot((*HER_TABLES, "pairing_group_members"))

    asked = await ask_to_remove_alice(convene)

    assert asked.text.splitlines()[1:6] == [
        "- what they learned from 1 introduction (their take-aways)",
        "- their place in 1 introductions programme",
        "- their links to 1 silo",
        "- their own settings",
        "Their name leaves everything Convene keeps, and messages Convene posted with their "
        "answers are taken off the platform. Their part in 1 introduction stays counted on the "
        "landscape, without their name.",
    ]
    assert await convene.snapshot((*HER_TABLES, "pairing_group_members")) == before
