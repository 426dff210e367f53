"""A convener removes a member: Convene asks first, says what goes, and writes nothing
until the convener confirms.

Alice has commitments, check-in answers, a retro item and a vote when the
convener types ``/convene member remove alice``: the question names each of
them, ``[Cancel]`` leaves everything as it was, and ``[Remove alice]`` deletes
what cannot stand without her and keeps her retro item without her name.
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
        "Remove alice from Convene? This deletes:",
        "- 2 unfinished commitments: *Draft the discharge checklist* (commitment 1, due Friday "
        "4 December); *Book the room for the huddle* (commitment 2, no due date)",
        "- 1 finished commitment",
        "- 1 check-in answer",
        "- 1 retro vote",
        "- their links to 1 silo",
        "- their own settings",
        "Kept: 1 retro item they wrote, without their name. What was already posted in channels "
        "stays there.",
        "Nothing is removed until you press Remove.",
    ]
    assert [b.label for b in asked.message.buttons] == ["Remove alice", "Cancel"]
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


async def test_a_confirmed_removal_says_what_was_removed_and_keeps_her_retro_item(
    convene: Harness,
) -> None:
    await alice_with_a_history(convene)
    await ask_to_remove_alice(convene)

    (removed,) = await convene.click("you", "Remove alice")

    assert removed.text == (
        "Removed alice: deleted 2 unfinished commitments, 1 finished commitment, 1 check-in "
        "answer, 1 retro vote, their links to 1 silo and their own settings. Kept: 1 retro item "
        "they wrote, without their name. What was already posted in channels stays there."
    )
    assert [m.display_name for m in await convene.rows(Member)] == ["you"]
    assert await convene.rows(Commitment) == []
    (item,) = await convene.rows(RetroItem)
    assert (item.text, item.author_id) == ("weekly huddles", None)
    (stale,) = await convene.click("you", "Remove alice")
    assert stale.text == "That member was already removed; nothing more to do."


async def test_only_a_convener_can_confirm_a_removal(convene: Harness) -> None:
    await alice_with_a_history(convene)
    await convene.command("bob", "/convene me")
    asked = await ask_to_remove_alice(convene)
    before = await convene.snapshot(HER_TABLES)

    (refused,) = await convene.press("bob", asked, "Remove alice")

    assert refused.text == 'Only conveners can remove a member. Ask the convener named "you".'
    assert await convene.snapshot(HER_TABLES) == before


async def test_a_member_with_nothing_of_their_own_is_asked_about_briefly(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene member add dave")

    asked = await ask_to_remove_alice_or(convene, "dave")

    assert asked.text == (
        "Remove dave from Convene? This deletes their own settings. "
        "Nothing is removed until you press Remove."
    )


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

    assert asked.text.splitlines()[1:4] == [
        "- their part in 1 introduction",
        "- 1 follow-up answer with what they learned",
        "- their place in 1 introductions programme",
    ]
    assert await convene.snapshot((*HER_TABLES, "pairing_group_members")) == before
