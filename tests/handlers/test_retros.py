"""Retros, as conveners and members live them (memory adapter).

A convener opens a retro in a channel; members add items in its thread (with
the Add item button, or a reply like "start: weekly huddles"), vote with +1,
edit or withdraw their own, and the close ranks the items by votes and offers
the top ones as commitments, which come back at the channel's next retro.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from adapters.memory import Delivered
from bot.messages import Form
from storage.models import Commitment, Member, Retro, RetroItem, RetroVote, Timer
from tests.support.harness import DEFAULT_START, Harness
from tests.support.reading import labels, private
from tests.support.retros import retro_items, retro_root, thread_place

FRIDAY_FIVE = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # DEFAULT_START is Monday 30 November
ITEM_BUTTONS = ["+1", "Edit", "Delete"]
REVIEW_BUTTONS = ["Done", "Need more time", "Blocked", "Drop"]


# -- helpers -----------------------------------------------------------------------------------


def item_saying(convene: Harness, root: Delivered, words: str) -> Delivered:
    (item,) = [d for d in retro_items(convene, root) if words in d.text]
    return item


async def open_retro(convene: Harness, line: str, name: str) -> Delivered:
    await convene.command("you", line)
    return retro_root(convene, name)


async def add_by_form(
    convene: Harness, actor: str, name: str, category: str, words: str
) -> list[Delivered]:
    await convene.click(actor, "Add item", on=f"*Retro: {name}*")
    form = convene.last_form(actor, "retro.add")
    return await convene.submit(actor, form, {"category": category, "text": words})


async def reply_in_thread(
    convene: Harness, actor: str, root: Delivered, words: str
) -> list[Delivered]:
    return await convene.say(actor, words, place=thread_place(root))


async def vote(convene: Harness, actor: str, on: str) -> list[Delivered]:
    return await convene.click(actor, "+1", on=on)


async def make_commitment(
    convene: Harness, actor: str, offer: str, values: dict[str, str]
) -> list[Delivered]:
    await convene.click(actor, "Make it a commitment", on=offer)
    form = convene.last_form(actor, "retro.commit")
    return await convene.submit(actor, form, values)


async def member_id(convene: Harness, platform_id: str) -> int:
    async with convene.app.sessions() as session:
        found = await session.exec(select(Member).where(Member.platform_user_id == platform_id))
        member = found.one()
        assert member.id is not None
        return member.id


# -- opening -----------------------------------------------------------------------------------


async def test_a_convener_opens_a_start_stop_continue_retro_whose_root_names_the_categories(
    convene: Harness,
) -> None:
    none_yet = await convene.reply_to("you", "/convene retro list")
    assert none_yet == 'No retros yet. Open one with /convene retro open "Quarter 4".'
    refused = await convene.command("bob", '/convene retro open "Quarter 4"')
    assert private(refused, "bob") == [
        'Only conveners can use /convene retro open. Ask the convener named "you".'
    ]
    assert await convene.rows(Retro) == []

    opened = await convene.command("you", '/convene retro open "Quarter 4"')
    (root,) = opened  # posted in the channel, no separate reply: the root is the answer
    assert root.message.target.kind == "channel"
    assert root.message.target.channel_id == "general"
    assert root.text == (
        "*Retro: Quarter 4* (Start, Stop, Continue). "
        "What should we start doing, stop doing, and keep doing?\n"
        "Add items with the button, or reply in this thread like `start: your item`. "
        "Everyone has 3 votes: press +1 on the items that matter most "
        "(press again to take a vote back)."
    )
    assert labels(root) == ["Add item"]

    (retro,) = await convene.rows(Retro)
    assert (retro.name, retro.channel_id, retro.format, retro.status) == (
        "Quarter 4",
        "general",
        "start-stop-continue",
        "open",
    )
    assert retro.categories == ["Start", "Stop", "Continue"]
    assert (retro.anonymous, retro.votes_per_member, retro.author_salt) == (False, 3, None)
    assert retro.opened_by == await member_id(convene, "you")

    again = await convene.command("you", '/convene retro open "quarter 4"')
    assert private(again, "you") == [
        'There is already a retro called "quarter 4"; give this one its own name, '
        'like "quarter 4 (2)".'
    ]

    elsewhere = await convene.command("you", '/convene retro open "Ops review" #random')
    assert private(elsewhere, "you") == ['Opened the retro "Ops review" in #random.']
    assert retro_root(convene, "Ops review").message.target.channel_id == "random"
    assert len(await convene.rows(Retro)) == 2


# -- adding items ------------------------------------------------------------------------------


async def test_items_come_from_the_form_and_from_thread_replies_and_show_their_authors_and_silos(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", '/convene silo add "Public Health" --kind organisation')
    await convene.command("you", "/convene member add alice --silo Radiotherapy")
    await convene.command("you", '/convene member silo add alice "Public Health"')
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")

    # Alice uses the button: a form with the retro's categories and her words.
    await convene.click("alice", "Add item", on="*Retro: Quarter 4*")
    form = convene.last_form("alice", "retro.add")
    assert [f.name for f in form.fields] == ["category", "text"]
    assert form.fields[0].choices == ("Start", "Stop", "Continue")
    added = await convene.submit(
        "alice", form, {"category": "Start", "text": "Weekly huddles across wards"}
    )
    (first,) = added
    assert first.text == (
        "1. *Start*: Weekly huddles across wards · alice (Public Health, Radiotherapy)"
    )
    assert first.message.target.thread_id == root.ref["message_id"]
    assert labels(first) == ITEM_BUTTONS

    # Bob replies in the thread, with a category or an unambiguous start of one.
    (second,) = await reply_in_thread(convene, "bob", root, "stop: the Friday report")
    assert second.text == "2. *Stop*: the Friday report · bob"
    assert labels(second) == ITEM_BUTTONS
    (third,) = await reply_in_thread(convene, "bob", root, "cont: Demos on Thursdays")
    assert third.text == "3. *Continue*: Demos on Thursdays · bob"

    # "st" could be Start or Stop; "keep" is no category here; "Good idea, Bob" names none:
    # each writer is asked privately which category, a button a category, and nothing is
    # added unless they choose.
    ambiguous = await reply_in_thread(convene, "bob", root, "st: more coffee")
    unknown = await reply_in_thread(convene, "bob", root, "keep: the rota")
    chat = await reply_in_thread(convene, "carol", root, "Good idea, Bob")
    choose = (
        'I add it to "Quarter 4", as you wrote it, when you choose. (Starting a reply with '
        "Start:, Stop: or Continue: adds it at once; if it was not meant for the retro, "
        "ignore this.)"
    )
    assert private(ambiguous, "bob") == [
        f"'st' could be Start or Stop. Which category is this for? “more coffee” {choose}"
    ]
    assert private(unknown, "bob") == [
        "'keep' is not a category of this retro. Which category is this for? "
        f"“keep: the rota” {choose}"
    ]
    assert private(chat, "carol") == [f"Which category is this for? “Good idea, Bob” {choose}"]
    for asked in (ambiguous, unknown, chat):
        assert labels(asked[0]) == ["Start", "Stop", "Continue"]
        assert asked[0].message.target.thread_id == root.ref["message_id"]

    assert [d.text.split(" · ")[0] for d in retro_items(convene, root)] == [
        "1. *Start*: Weekly huddles across wards",
        "2. *Stop*: the Friday report",
        "3. *Continue*: Demos on Thursdays",
    ]
    alice, bob = await member_id(convene, "alice"), await member_id(convene, "bob")
    kept = await convene.rows(RetroItem, order_by=col(RetroItem.id))
    assert [(i.number, i.category, i.text, i.author_id, i.author_tag) for i in kept] == [
        (1, "Start", "Weekly huddles across wards", alice, None),
        (2, "Stop", "the Friday report", bob, None),
        (3, "Continue", "Demos on Thursdays", bob, None),
    ]
    assert all(i.created_at == DEFAULT_START for i in kept)


# -- voting ------------------------------------------------------------------------------------


async def test_plus_one_edits_the_item_in_place_and_a_fourth_vote_is_refused_kindly(
    convene: Harness,
) -> None:
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    for words in ("Weekly huddles", "Shared rota", "Ward walks", "Lunch and learn"):
        await add_by_form(convene, "alice", "Quarter 4", "Start", words)
    huddles = item_saying(convene, root, "Weekly huddles")

    voted = await vote(convene, "bob", "Weekly huddles")
    assert private(voted, "bob") == [
        "Voted for item 1; 2 votes left. Press +1 again to take it back."
    ]
    now = item_saying(convene, root, "Weekly huddles")
    assert now.ref == huddles.ref
    assert now.edits == 1
    assert now.text == "1. *Start*: Weekly huddles · alice · 1 vote"
    assert labels(now) == ITEM_BUTTONS

    # Pressing again takes the vote back.
    taken = await vote(convene, "bob", "Weekly huddles")
    assert private(taken, "bob") == ["Took back your vote on item 1; you have 3 of 3 left."]
    assert item_saying(convene, root, "Weekly huddles").text == (
        "1. *Start*: Weekly huddles · alice"
    )
    assert await convene.rows(RetroVote) == []

    # Three votes, then a kind refusal that says how to move one.
    for words in ("Weekly huddles", "Shared rota", "Ward walks"):
        await vote(convene, "bob", words)
    fourth = await vote(convene, "bob", "Lunch and learn")
    assert private(fourth, "bob") == [
        'You have used all 3 votes in "Quarter 4". To move one, press +1 again on an item '
        "you voted for: that takes the vote back."
    ]
    assert item_saying(convene, root, "Lunch and learn").edits == 0
    assert len(await convene.rows(RetroVote)) == 3

    # Votes can move until the close.
    await vote(convene, "bob", "Ward walks")
    moved = await vote(convene, "bob", "Lunch and learn")
    assert private(moved, "bob") == [
        "Voted for item 4; 0 votes left. Press +1 again to take it back."
    ]
    await vote(convene, "carol", "Weekly huddles")
    assert [d.text for d in retro_items(convene, root)] == [
        "1. *Start*: Weekly huddles · alice · 2 votes",
        "2. *Start*: Shared rota · alice · 1 vote",
        "3. *Start*: Ward walks · alice",
        "4. *Start*: Lunch and learn · alice · 1 vote",
    ]
    bob = await member_id(convene, "bob")
    assert sorted(v.item_id for v in await convene.rows(RetroVote) if v.member_id == bob) == [
        i.id
        for i in await convene.rows(RetroItem, order_by=col(RetroItem.id))
        if i.number in (1, 2, 4)
    ]

    await convene.command("you", "/convene retro close")
    late = await vote(convene, "carol", "Ward walks")
    assert private(late, "carol") == [
        'The retro "Quarter 4" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    ]
    assert len(await convene.rows(RetroVote)) == 4


async def test_with_votes_1_each_member_has_one_vote_to_give_or_move(convene: Harness) -> None:
    root = await open_retro(convene, '/convene retro open "Sprint 9" --votes 1', "Sprint 9")
    assert "Everyone has 1 vote: press +1" in root.text
    assert [r.votes_per_member for r in await convene.rows(Retro)] == [1]
    await add_by_form(convene, "alice", "Sprint 9", "Stop", "Late handovers")
    await add_by_form(convene, "alice", "Sprint 9", "Start", "Pairing on rotas")

    assert private(await vote(convene, "bob", "Late handovers"), "bob") == [
        "Voted for item 1; 0 votes left. Press +1 again to take it back."
    ]
    second = await vote(convene, "bob", "Pairing on rotas")
    assert private(second, "bob") == [
        'You have used all 1 vote in "Sprint 9". To move one, press +1 again on an item '
        "you voted for: that takes the vote back."
    ]
    await vote(convene, "bob", "Late handovers")
    await vote(convene, "bob", "Pairing on rotas")
    assert [d.text for d in retro_items(convene, root)] == [
        "1. *Stop*: Late handovers · alice",
        "2. *Start*: Pairing on rotas · alice · 1 vote",
    ]

    bad = await convene.command("you", '/convene retro open "Sprint 10" --votes 0')
    assert private(bad, "you")[0].startswith("--votes takes a number from 1 to 20")


# -- editing and withdrawing -------------------------------------------------------------------


async def test_an_author_edits_or_withdraws_their_item_in_place_and_no_one_else_can(
    convene: Harness,
) -> None:
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Weekly huddles")
    await add_by_form(convene, "carol", "Quarter 4", "Stop", "Paper forms")
    await vote(convene, "bob", "Weekly huddles")
    original = item_saying(convene, root, "Weekly huddles")

    # Alice's Edit opens a form holding her words; saving changes the message in place.
    await convene.click("alice", "Edit", on="Weekly huddles")
    form = convene.last_form("alice", "retro.edit")
    assert [(f.name, f.initial) for f in form.fields] == [("text", "Weekly huddles")]
    await convene.submit("alice", form, {"text": "Weekly huddles on Mondays"})
    edited = item_saying(convene, root, "Weekly huddles")
    assert edited.ref == original.ref
    assert edited.edits == original.edits + 1
    assert edited.text == "1. *Start*: Weekly huddles on Mondays · alice · 1 vote"
    first, _ = await convene.rows(RetroItem, order_by=col(RetroItem.id))
    assert first.text == "Weekly huddles on Mondays"

    # Bob may vote on it, but not change it.
    for label in ("Edit", "Delete"):
        refused = await convene.click("bob", label, on="Weekly huddles")
        assert private(refused, "bob") == ["Only the author of an item can change it."]
    assert convene.adapter.forms_opened[-1][1] is form
    assert item_saying(convene, root, "Weekly huddles").text == edited.text

    # Alice withdraws it: the message says so, its buttons and its votes go.
    await convene.click("alice", "Delete", on="Weekly huddles")
    (gone,) = [d for d in retro_items(convene, root) if d.ref == original.ref]
    assert gone.text == "1. (withdrawn by its author)"
    assert labels(gone) == []
    assert [i.status for i in await convene.rows(RetroItem, order_by=col(RetroItem.id))] == [
        "withdrawn",
        "posted",
    ]
    assert await convene.rows(RetroVote) == []
    # Bob's vote is his to give again: he has all three.
    assert private(await vote(convene, "bob", "Paper forms"), "bob") == [
        "Voted for item 2; 2 votes left. Press +1 again to take it back."
    ]

    # Carol's own item is hers alone, too.
    refused = await convene.click("alice", "Delete", on="Paper forms")
    assert private(refused, "alice") == ["Only the author of an item can change it."]
    await convene.command("you", "/convene retro close")
    summary = [d.text for d in convene.thread(root) if d.text.startswith("Summary")]
    assert summary == [
        'Summary of "Quarter 4": 1 item, 1 vote from 1 person.\n*Stop*\n  1 vote · Paper forms'
    ]


# -- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "categories", "reply", "category"),
    [
        ('--categories "Keep,Change,Try"', ["Keep", "Change", "Try"], "ch: the rota", "Change"),
        ("--format 4ls", ["Liked", "Learned", "Lacked", "Longed for"], "lo: time", "Longed for"),
        ("--format glad-sad-mad", ["Glad", "Sad", "Mad"], "GLAD: the new starters", "Glad"),
    ],
)
async def test_custom_categories_and_the_4ls_and_glad_sad_mad_formats_give_their_headings(
    convene: Harness, options: str, categories: list[str], reply: str, category: str
) -> None:
    root = await open_retro(convene, f'/convene retro open "Team health" {options}', "Team health")
    assert root.text.startswith(f"*Retro: Team health* ({', '.join(categories)}).")
    assert f"reply in this thread like `{categories[0].lower()}: your item`" in root.text
    (retro,) = await convene.rows(Retro)
    assert retro.categories == categories

    await convene.click("alice", "Add item", on="*Retro: Team health*")
    assert list(convene.last_form("alice", "retro.add").fields[0].choices) == categories
    (item,) = await reply_in_thread(convene, "alice", root, reply)
    words = reply.partition(":")[2].strip()
    assert item.text == f"1. *{category}*: {words} · alice"


async def test_format_and_categories_are_not_given_together_and_bad_categories_are_refused(
    convene: Harness,
) -> None:
    for line, says in (
        (
            '/convene retro open "A" --format 4ls --categories "Keep,Try"',
            "Give --format or --categories, not both.",
        ),
        ('/convene retro open "A" --format sailboat', "There is no format 'sailboat'."),
        ('/convene retro open "A" --categories "Keep"', "Give two to six categories"),
        ('/convene retro open "A" --categories "Keep,keep"', "Two of those categories"),
    ):
        (reply,) = private(await convene.command("you", line), "you")
        assert reply.startswith(says), reply
    assert await convene.rows(Retro) == []


# -- closing -----------------------------------------------------------------------------------


async def test_closing_posts_a_summary_ranked_by_votes_in_each_category_and_offers_the_top_three(
    convene: Harness,
) -> None:
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Weekly huddles")
    await add_by_form(convene, "bob", "Quarter 4", "Start", "Shared rota")
    await add_by_form(convene, "carol", "Quarter 4", "Stop", "Paper forms")
    await add_by_form(convene, "alice", "Quarter 4", "Continue", "Demos")
    await add_by_form(convene, "bob", "Quarter 4", "Stop", "Late handovers")
    for member, words in (
        ("alice", "Shared rota"),
        ("bob", "Shared rota"),
        ("carol", "Shared rota"),
        ("alice", "Paper forms"),
        ("bob", "Paper forms"),
        ("carol", "Demos"),
        ("you", "Weekly huddles"),
    ):
        await vote(convene, member, words)

    closed = await convene.command("you", "/convene retro close")
    assert private(closed, "you") == []  # closed from its own channel: the thread says it all

    now = retro_root(convene, "Quarter 4")
    assert now.ref == root.ref
    assert now.text == (
        "*Retro: Quarter 4* (Start, Stop, Continue) is closed: 5 items, 7 votes. "
        "The summary is in the thread."
    )
    assert labels(now) == []
    (summary,) = [d for d in closed if d.idempotency_key.endswith(":summary")]
    assert summary.message.target.thread_id == root.ref["message_id"]
    assert summary.text == (
        'Summary of "Quarter 4": 5 items, 7 votes from 4 people.\n'
        "*Start*\n"
        "  3 votes · Shared rota\n"
        "  1 vote · Weekly huddles\n"
        "*Stop*\n"
        "  2 votes · Paper forms\n"
        "  0 votes · Late handovers\n"
        "*Continue*\n"
        "  1 vote · Demos"
    )
    offers = [d for d in closed if d.text.startswith("Top ")]
    assert [d.text for d in offers] == [
        "Top 1: *Start*: Shared rota (3 votes). Who will act on it?",
        "Top 2: *Stop*: Paper forms (2 votes). Who will act on it?",
        "Top 3: *Start*: Weekly huddles (1 vote). Who will act on it?",
    ]
    assert all(labels(d) == ["Make it a commitment"] for d in offers)
    assert all(d.message.target.thread_id == root.ref["message_id"] for d in offers)
    (retro,) = await convene.rows(Retro)
    assert (retro.status, retro.closed_at) == ("closed", DEFAULT_START)

    # Closed means closed: no more items, edits or closing twice.
    assert private(await reply_in_thread(convene, "bob", root, "start: one more"), "bob") == [
        'The retro "Quarter 4" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    ]
    assert private(await convene.click("alice", "Edit", on="Weekly huddles"), "alice") == [
        'The retro "Quarter 4" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    ]
    again = await convene.command("you", '/convene retro close "Quarter 4"')
    assert private(again, "you") == ['"Quarter 4" is already closed.']
    assert len(await convene.rows(RetroItem, order_by=col(RetroItem.id))) == 5


async def test_a_top_item_becomes_a_commitment_linked_to_its_retro_and_item(
    convene: Harness,
) -> None:
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Weekly huddles")
    await add_by_form(convene, "carol", "Quarter 4", "Stop", "Paper forms")
    await vote(convene, "bob", "Weekly huddles")
    await convene.command("you", "/convene retro close")
    huddles, forms = await convene.rows(RetroItem, order_by=col(RetroItem.id))

    # Alice takes the top item herself: the owner left empty is whoever submits.
    await convene.click("alice", "Make it a commitment", on="Top 1")
    form = convene.last_form("alice", "retro.commit")
    assert [(f.name, f.initial, f.required) for f in form.fields] == [
        ("owner", "", False),
        ("what", "Weekly huddles", True),
        ("due", "", False),
    ]
    made = await convene.submit(
        "alice",
        form,
        {"owner": "", "what": "Run the first weekly huddle", "due": "friday"},
    )
    (news,) = [d for d in made if d.message.target.kind == "thread"]
    assert news.message.target.thread_id == root.ref["message_id"]
    assert news.text == (
        "alice commits to *Run the first weekly huddle* (commitment 1, due Friday 4 December)."
    )

    # Then asks Bob to take the second; he accepts from his DM.
    asked = await make_commitment(
        convene, "alice", "Top 2", {"owner": "@bob", "what": "Bin the paper forms", "due": ""}
    )
    (ask,) = [d for d in asked if d.message.target.member_ids == ("bob",)]
    assert ask.text == (
        "alice asks you to commit to *Bin the paper forms* (commitment 2, no due date). "
        "Will you take it on?"
    )
    assert labels(ask) == ["Accept", "Decline"]
    assert [d.text for d in asked if d.message.target.kind == "thread"] == [
        "alice asked bob to commit to *Bin the paper forms* (commitment 2, no due date); "
        "waiting for them to accept."
    ]
    accepted = await convene.click("bob", "Accept", on="Bin the paper forms")
    assert [d.text for d in accepted if d.message.target.kind == "thread"] == [
        "bob accepted *Bin the paper forms* (commitment 2, no due date)."
    ]

    alice, bob = await member_id(convene, "alice"), await member_id(convene, "bob")
    (retro,) = await convene.rows(Retro)
    commitments = sorted(await convene.rows(Commitment), key=lambda c: c.id or 0)
    assert [(c.owner_id, c.made_by, c.retro_id, c.item_id) for c in commitments] == [
        (alice, alice, retro.id, huddles.id),
        (bob, alice, retro.id, forms.id),
    ]
    assert [(c.text, c.due_on, c.status) for c in commitments] == [
        ("Run the first weekly huddle", "2026-12-04", "open"),
        ("Bin the paper forms", None, "open"),
    ]
    assert {c.thread_root_key for c in commitments} == {f"retro:{retro.id}:root"}


async def test_a_member_of_another_workspace_cannot_turn_an_item_into_a_commitment(
    convene: Harness,
) -> None:
    await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Merge the two wards")
    await convene.command("you", "/convene retro close")
    (item,) = await convene.rows(RetroItem, order_by=col(RetroItem.id))

    # The same offer, pressed (or replayed) from another workspace.
    convene.adapter.workspace_id = "T-elsewhere"
    opened = len(convene.adapter.forms_opened)
    refused = await convene.click("mallory", "Make it a commitment", on="Top 1")
    stale = Form("retro.commit", "Make it a commitment", (), context=str(item.id))
    refused += await convene.submit(
        "mallory", stale, {"owner": "", "what": "Merge them", "due": ""}
    )

    assert convene.adapter.forms_opened[opened:] == []  # the item's words stay at home
    refusals = private(refused, "mallory")
    assert len(refusals) == 2, refusals
    assert all(t.startswith("That item no longer exists") for t in refusals), refusals
    assert await convene.rows(Commitment) == []


async def test_a_retro_closes_by_itself_at_its_closing_time_and_posts_the_summary_once(
    convene: Harness,
) -> None:
    root = await open_retro(
        convene, '/convene retro open "Quarter 4" --closes "friday 17:00"', "Quarter 4"
    )
    assert root.text.endswith(" It closes Friday 4 December at 17:00 (UTC).")
    (timer,) = await convene.rows(Timer)
    assert (timer.job, timer.due_at, timer.status) == ("retro.close", FRIDAY_FIVE, "pending")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Weekly huddles")
    await vote(convene, "bob", "Weekly huddles")

    def summaries() -> list[str]:
        return [d.text for d in convene.thread(root) if d.text.startswith("Summary")]

    await convene.app.advance_clock_to(datetime(2026, 12, 4, 16, 59, tzinfo=UTC))
    assert summaries() == []
    assert private(await vote(convene, "carol", "Weekly huddles"), "carol")[0].startswith(
        "Voted for item 1"
    )

    await convene.app.advance_clock_to(datetime(2026, 12, 4, 17, 1, tzinfo=UTC))
    assert summaries() == [
        'Summary of "Quarter 4": 1 item, 2 votes from 2 people.\n'
        "*Start*\n  2 votes · Weekly huddles"
    ]
    assert retro_root(convene, "Quarter 4").text.startswith(
        "*Retro: Quarter 4* (Start, Stop, Continue) is closed: 1 item, 2 votes."
    )
    (retro,) = await convene.rows(Retro)
    assert (retro.status, retro.closed_at) == ("closed", FRIDAY_FIVE)

    await convene.app.advance_clock_to(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    assert len(summaries()) == 1
    assert len([d for d in convene.thread(root) if d.text.startswith("Top ")]) == 1


async def test_a_retro_closed_by_hand_before_its_time_does_not_close_again(
    convene: Harness,
) -> None:
    root = await open_retro(
        convene, '/convene retro open "Quarter 4" --closes "friday 17:00"', "Quarter 4"
    )
    await convene.command("you", "/convene retro close")
    await convene.app.advance_clock_to(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    assert [d.text for d in convene.thread(root)] == ['"Quarter 4" closed with no items.']
    assert await convene.rows(Timer) == []  # the close cancelled its timer


# -- the next retro -----------------------------------------------------------------------------


async def test_the_next_retro_in_the_channel_opens_with_the_last_ones_open_commitments(
    convene: Harness,
) -> None:
    await open_retro(convene, '/convene retro open "Quarter 3"', "Quarter 3")
    await add_by_form(convene, "alice", "Quarter 3", "Start", "Weekly huddles")
    await add_by_form(convene, "bob", "Quarter 3", "Stop", "Paper forms")
    await add_by_form(convene, "carol", "Quarter 3", "Continue", "Demos")
    await vote(convene, "carol", "Weekly huddles")
    await vote(convene, "carol", "Weekly huddles")  # taken back: ties keep their order
    await convene.command("you", "/convene retro close")
    await make_commitment(convene, "alice", "Top 1", {"owner": "", "what": "Huddles", "due": ""})
    await make_commitment(
        convene, "bob", "Top 2", {"owner": "", "what": "Bin the forms", "due": "2026-12-02"}
    )
    await make_commitment(convene, "carol", "Top 3", {"owner": "", "what": "Demos", "due": ""})
    await convene.command("alice", "/commit done 1")

    # A retro in another channel is not this channel's next one.
    elsewhere = await open_retro(convene, '/convene retro open "Ops review" #random', "Ops review")
    assert convene.thread(elsewhere) == []

    await convene.app.advance_clock_to(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    review = convene.thread(root)
    assert [d.text for d in review] == [
        'Before we start: from the last retro, "Quarter 3", 1 of 3 commitments done; 2 still open:',
        "2 · *Bin the forms* · bob · due Wednesday 2 December (overdue) · open",
        "3 · *Demos* · carol · no due date · open",
    ]
    assert [labels(d) for d in review] == [[], REVIEW_BUTTONS, REVIEW_BUTTONS]

    # Carol finishes hers straight from the review.
    await convene.click("carol", "Done", on="*Demos* · carol")
    commitments = {c.id: c.status for c in await convene.rows(Commitment)}
    assert commitments == {1: "done", 2: "open", 3: "done"}

    # With nothing left open, the next one says so.
    await convene.command("bob", "/commit done 2")
    await convene.command("you", '/convene retro close "Quarter 4"')
    nxt = await open_retro(convene, '/convene retro open "Quarter 1"', "Quarter 1")
    assert convene.thread(nxt) == []  # Quarter 4 made no commitments


async def test_a_review_says_when_nothing_is_left_open(convene: Harness) -> None:
    await open_retro(convene, '/convene retro open "Quarter 3"', "Quarter 3")
    await add_by_form(convene, "alice", "Quarter 3", "Start", "Weekly huddles")
    await convene.command("you", "/convene retro close")
    await make_commitment(convene, "alice", "Top 1", {"owner": "", "what": "Huddles", "due": ""})
    await convene.command("alice", "/commit done 1")
    root = await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    assert [d.text for d in convene.thread(root)] == [
        'Before we start: from the last retro, "Quarter 3", 1 of 1 commitment done. '
        "Nothing is left open: well done."
    ]


# -- export and list ---------------------------------------------------------------------------


async def test_export_gives_markdown_with_ranked_items_and_commitments_and_list_shows_each(
    convene: Harness,
) -> None:
    await open_retro(convene, '/convene retro open "Quarter 4"', "Quarter 4")
    await add_by_form(convene, "alice", "Quarter 4", "Start", "Weekly huddles")
    await add_by_form(convene, "bob", "Quarter 4", "Start", "Shared rota")
    await add_by_form(convene, "carol", "Quarter 4", "Continue", "Demos")
    await vote(convene, "alice", "Shared rota")
    await vote(convene, "carol", "Shared rota")
    await vote(convene, "bob", "Demos")

    still_open = await convene.reply_to("you", "/convene retro export")
    assert "opened 2026-11-30 (still open)." in still_open

    await convene.command("you", "/convene retro close")
    await make_commitment(
        convene, "bob", "Top 1", {"owner": "", "what": "Share the rota", "due": "2026-12-11"}
    )
    await make_commitment(convene, "carol", "Top 2", {"owner": "", "what": "Demos", "due": ""})
    await convene.command("carol", "/commit done 2")
    await convene.command("you", '/convene retro open "Ops review" #random --format 4ls')

    exported = await convene.reply_to("you", '/convene retro export "Quarter 4"')
    assert exported == (
        "```\n"
        "# Quarter 4\n"
        "\n"
        "Retro in #general, Start, Stop, Continue; opened 2026-11-30, closed 2026-11-30.\n"
        "\n"
        "## Start\n"
        "\n"
        "- Shared rota (bob): 2 votes\n"
        "- Weekly huddles (alice): 0 votes\n"
        "\n"
        "## Stop\n"
        "\n"
        "- (nothing)\n"
        "\n"
        "## Continue\n"
        "\n"
        "- Demos (carol): 1 vote\n"
        "\n"
        "## Commitments\n"
        "\n"
        "- [ ] Share the rota (bob, due 2026-12-11; open)\n"
        "- [x] Demos (carol; done)\n"
        "```"
    )

    listed = await convene.reply_to("you", "/convene retro list")
    rows = [" ".join(line.split()) for line in listed.strip("`\n").splitlines()]
    assert rows == [
        "retro channel format status opened",
        rows[1],
        "Quarter 4 #general start-stop-continue closed 2026-11-30",
        "Ops review #random 4ls open 2026-11-30",
    ]

    refused = await convene.command("bob", "/convene retro export")
    assert private(refused, "bob")[0].startswith("Only conveners can")
    unknown = await convene.command("you", '/convene retro export "Quarter 9"')
    assert private(unknown, "you")[0].startswith(
        'There is no retro called "Quarter 9". Retros: "Quarter 4", "Ops review".'
    )
