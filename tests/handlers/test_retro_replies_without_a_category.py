"""A reply in a retro's thread without a category the retro knows is not ignored.

Its writer is asked, privately, which category it is for, with one button a
category; pressing one adds the item, worded exactly as typed, once. Replies
in threads that are not a retro's, and chat under a closed retro, are left
alone (memory adapter).
"""

from __future__ import annotations

import pytest

from adapters.memory import DISCORD_LIKE, SLACK_LIKE, Delivered
from bot.adapter import Capabilities
from bot.events import Place, PlaceKind
from storage.models import FormDraft, RetroItem
from tests.support.harness import Harness, running

CATEGORIES = ["Start", "Stop", "Continue"]
ALREADY = (
    "That reply is already in the retro (or it waited more than a week and was let go); "
    "look for it in the thread."
)


async def retro_thread(convene: Harness, *options: str) -> Place:
    """Retro "Q4" open in #general, and the place to reply under its first message."""

    await convene.command("you", " ".join(('/convene retro open "Q4"', *options)))
    root = convene.newest("*Retro: Q4*")
    return Place(PlaceKind.THREAD, "general", thread_id=str(root.ref["message_id"]))


def the_question(delivered: list[Delivered], actor: str) -> Delivered:
    """The one answer in the thread (on Discord a first-timer is also asked their zone)."""

    in_thread = [d for d in delivered if d.message.target.kind == "thread"]
    assert len(in_thread) == 1, [d.text for d in delivered]
    (asked,) = in_thread
    assert asked.message.visible_to == actor
    return asked


async def items(convene: Harness) -> list[tuple[str, str]]:
    return [(i.category, i.text) for i in await convene.rows(RetroItem, order_by=RetroItem.id)]


@pytest.mark.parametrize("capabilities", [SLACK_LIKE, DISCORD_LIKE], ids=["slack", "discord"])
async def test_a_reply_without_a_prefix_asks_which_category_and_a_press_adds_it_as_typed(
    sqlite_url: str, capabilities: Capabilities
) -> None:
    async with running(sqlite_url, capabilities=capabilities) as convene:
        thread = await retro_thread(convene)

        asked = the_question(
            await convene.say("alice", "the rota has gaps every weekend", place=thread), "alice"
        )

        assert asked.message.target.thread_id == thread.thread_id
        assert asked.text == (
            "Which category is this for? “the rota has gaps every weekend” I add it to "
            '"Q4", as you wrote it, when you choose. (Starting a reply with Start:, Stop: or '
            "Continue: adds it at once; if it was not meant for the retro, ignore this.)"
        )
        assert [b.label for b in asked.message.buttons] == CATEGORIES
        assert all(len(b.value) < 40 for b in asked.message.buttons)
        assert await items(convene) == []

        added = await convene.click("alice", "Stop")

        assert [d.text for d in added] == [
            "1. *Stop*: the rota has gaps every weekend · alice",
            "Added as item 1, under *Stop*.",
        ]
        assert await items(convene) == [("Stop", "the rota has gaps every weekend")]
        assert await convene.rows(FormDraft) == []


async def test_pressing_twice_or_another_category_after_adds_it_only_once(
    convene: Harness,
) -> None:
    thread = await retro_thread(convene)
    asked = the_question(
        await convene.say("alice", "Handover at 9:30 is chaos", place=thread), "alice"
    )

    await convene.press("alice", asked, "Start")
    again = await convene.press("alice", asked, "Start")
    other = await convene.press("alice", asked, "Continue")

    assert [d.text for d in again] == [ALREADY]
    assert [d.text for d in other] == [ALREADY]
    assert await items(convene) == [("Start", "Handover at 9:30 is chaos")]


async def test_an_unknown_category_is_named_and_the_whole_reply_kept_as_typed(
    convene: Harness,
) -> None:
    thread = await retro_thread(convene)

    asked = the_question(
        await convene.say("alice", "Idea: rotate the chair", place=thread), "alice"
    )

    assert asked.text.startswith(
        "'Idea' is not a category of this retro. Which category is this for? "
        "“Idea: rotate the chair”"
    )
    await convene.click("alice", "Continue")
    assert await items(convene) == [("Continue", "Idea: rotate the chair")]


async def test_only_the_writer_may_choose_the_category(convene: Harness) -> None:
    thread = await retro_thread(convene)
    asked = the_question(await convene.say("alice", "more huddles", place=thread), "alice")

    refused = await convene.press("bob", asked, "Start")

    assert [d.text for d in refused] == [
        "Only the person who wrote that reply can choose its category."
    ]
    assert await items(convene) == []
    await convene.press("alice", asked, "Start")
    assert await items(convene) == [("Start", "more huddles")]


async def test_a_category_chosen_after_the_retro_closed_is_refused(convene: Harness) -> None:
    thread = await retro_thread(convene)
    asked = the_question(await convene.say("alice", "more huddles", place=thread), "alice")
    await convene.command("you", '/convene retro close "Q4"')

    refused = await convene.press("alice", asked, "Start")

    assert [d.text for d in refused] == [
        'The retro "Q4" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    ]
    assert await items(convene) == []


async def test_a_prefixed_reply_still_goes_in_at_once(convene: Harness) -> None:
    thread = await retro_thread(convene)

    posted = await convene.say("alice", "continue: the Friday huddle", place=thread)

    assert [d.text for d in posted] == ["1. *Continue*: the Friday huddle · alice"]


async def test_replies_in_other_threads_and_chat_under_a_closed_retro_stay_unanswered(
    convene: Harness,
) -> None:
    thread = await retro_thread(convene)
    await convene.command("you", '/convene retro close "Q4"')
    other = Place(PlaceKind.THREAD, "general", thread_id="999")

    assert await convene.say("alice", "thanks all, good retro", place=thread) == []
    assert await convene.say("alice", "anyone for lunch?", place=other) == []
    assert await convene.rows(FormDraft) == []


async def test_an_anonymous_retro_warns_that_a_reply_shows_the_name_and_keeps_nothing(
    convene: Harness,
) -> None:
    thread = await retro_thread(convene, "--anonymous")

    delivered = await convene.say("alice", "the rota has gaps", place=thread)

    assert [d.text for d in delivered] == [
        "This retro is anonymous, and a reply in the thread shows your name, so I did not "
        "add it. Press Add item on the retro's first message instead (you may want to "
        "delete your reply)."
    ]
    assert await convene.rows(FormDraft) == []
    assert await items(convene) == []


async def test_a_reply_too_long_is_refused_before_any_question(convene: Harness) -> None:
    thread = await retro_thread(convene)

    delivered = await convene.say("alice", "y" * 501, place=thread)

    assert [d.text for d in delivered] == [
        "The item is 501 characters long; items take at most 500. "
        "Nothing was added: make it shorter, or split it in two."
    ]
    assert delivered[0].message.buttons == ()
    assert await convene.rows(FormDraft) == []
