"""Retros and commitments refuse bad input with one clear reply that says what to do instead,
and change nothing: no retro, item, vote, commitment or timer is written, and nothing but the
reply is queued.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from adapters.memory import Delivered, MemoryAdapter
from bot.events import Place, PlaceKind
from tests.support.harness import Harness, Snapshot

TABLES = (
    "retros",
    "retro_items",
    "retro_votes",
    "commitments",
    "timers",
    "handler_failures",
)
OPEN_USAGE = 'Usage: /convene retro open "NAME"'


async def retros_and_commitments(convene: Harness) -> Snapshot:
    """The retro and commitment tables, and every queued message that is not a reply."""

    tables = await convene.snapshot(TABLES)
    async with convene.app.engine.connect() as connection:
        queued = await connection.execute(
            text(
                "SELECT idempotency_key, target_key FROM outbox "
                "WHERE idempotency_key NOT LIKE 'event:%' ORDER BY 1"
            )
        )
        tables["outbox (not replies)"] = [tuple(row) for row in queued]
    return tables


def one_reply(delivered: list[Delivered], actor: str, *, fix: str | None = None) -> str:
    """The text of the only message delivered, which must be a one-line answer to the actor
    (with no button, or only ``[Fix “fix”]`` for a form refused for that field)."""

    assert len(delivered) == 1, [d.text for d in delivered]
    (reply,) = delivered
    message = reply.message
    to_actor = message.visible_to == actor or (
        message.visible_to is None
        and message.target.kind == "dm"
        and message.target.member_ids == (actor,)
    )
    assert to_actor, (message.target, message.visible_to, reply.text)
    assert "went wrong" not in reply.text, reply.text
    assert "\n" not in reply.text, reply.text
    assert [b.label for b in message.buttons] == ([] if fix is None else [f"Fix “{fix}”"])
    return reply.text


def retro_thread(convene: Harness, retro: str = "Q4") -> Place:
    """The thread that hangs from a retro's first message."""

    root = convene.newest(f"*Retro: {retro}*")
    return Place(PlaceKind.THREAD, "general", thread_id=str(root.ref["message_id"]))


async def open_retro_thread(convene: Harness, name: str = "Q4") -> Place:
    opened = await convene.command("you", f'/convene retro open "{name}"')
    assert opened and opened[0].text.startswith(f"*Retro: {name}*"), [d.text for d in opened]
    return retro_thread(convene, name)


async def add_items(convene: Harness, place: Place, *items: str) -> None:
    for item in items:
        posted = await convene.say("alice", f"start: {item}", place=place)
        assert len(posted) == 1, [d.text for d in posted]
        assert item in posted[0].text


# -- commitments typed ---------------------------------------------------------------------


async def alice_has_commitments(convene: Harness) -> None:
    """Commitment 1 is Alice's and open (due Tuesday 15 December); 2 is Alice's and done."""

    made = await convene.command("alice", "/commit Fix the rota by 2026-12-15")
    assert [d.text for d in made] == [
        "alice commits to *Fix the rota* (commitment 1, due Tuesday 15 December)."
    ]
    await convene.command("alice", "/commit Tidy the notes")
    finished = await convene.command("alice", "/commit done 2")
    assert finished[-1].text.startswith("Marked done")
    listed = await convene.reply_to("bob", "/commit list")
    assert listed.startswith("You have no open commitments")


DUE_FORMS = ("by Friday", "by 31/12", "in a fortnight", "next tuesday")
OWNER_ONLY = "Commitment 1 is alice's, so only they can"
TO_SEE_YOURS = "To see yours: /commit list."

BAD_COMMITMENTS = [
    pytest.param(
        "alice",
        "/commit Fix the rota by Fridya",
        "I understood the commitment as 'Fix the rota', but I could not read 'Fridya' as a date "
        "(did you mean Friday?).",
        DUE_FORMS,
        id="unreadable-due-date",
    ),
    pytest.param(
        "alice",
        "/commit Book the room by 2020-01-01",
        "Wednesday 1 January 2020 has already passed",
        ("give today or a later date",),
        id="due-date-in-the-past",
    ),
    pytest.param(
        "alice",
        "/commit done 999",
        "There is no commitment 999.",
        ("Your open ones: 1", "/commit list shows yours"),
        id="done-no-such-commitment",
    ),
    pytest.param(
        "alice",
        "/commit done abc",
        "'abc' is not a commitment number",
        ("use the number /commit list shows", "Usage: /commit done N"),
        id="done-not-a-number",
    ),
    pytest.param(
        "bob",
        "/commit done 1",
        f"{OWNER_ONLY} mark it done.",
        (TO_SEE_YOURS,),
        id="done-someone-elses",
    ),
    pytest.param(
        "bob",
        "/commit move 1 next friday",
        f"{OWNER_ONLY} move it.",
        (TO_SEE_YOURS,),
        id="move-someone-elses",
    ),
    pytest.param(
        "bob",
        "/commit update 1 blocked: waiting for IT",
        f"{OWNER_ONLY} update it.",
        (TO_SEE_YOURS,),
        id="update-blocked-someone-elses",
    ),
    pytest.param(
        "bob",
        "/commit update 1 going well",
        f"{OWNER_ONLY} update it.",
        (TO_SEE_YOURS,),
        id="update-note-someone-elses",
    ),
    pytest.param(
        "bob",
        "/commit drop 1",
        f"{OWNER_ONLY} drop it.",
        (TO_SEE_YOURS,),
        id="drop-someone-elses",
    ),
    pytest.param(
        "alice",
        "/commit done 2",
        "Commitment 2 is already done",
        ("there is nothing left to change",),
        id="done-twice",
    ),
    pytest.param(
        "alice",
        "/commit",
        "/commit needs WHAT.",
        ("For example: /commit Draft the discharge checklist by Friday",),
        id="empty",
    ),
    pytest.param(
        "alice",
        "/commit   ",
        "/commit needs WHAT.",
        ("For example: /commit Draft the discharge checklist by Friday",),
        id="only-spaces",
    ),
    pytest.param(
        "alice",
        "/commit by Friday",
        "The commitment is empty",
        ("say what you will do, like /commit Draft the checklist by Friday",),
        id="only-a-due-date",
    ),
    pytest.param(
        "alice",
        "/commit " + "x" * 301,
        "The commitment is 301 characters long; keep it to 300",
        ("one clear action",),
        id="301-characters",
    ),
    pytest.param(
        "alice",
        "/commit " + "x" * 301 + " by Friday",
        "The commitment is 301 characters long; keep it to 300",
        ("one clear action",),
        id="301-characters-with-a-date",
    ),
    pytest.param(
        "alice",
        "/commit " + "x" * 601,
        "601 characters long",
        ("keep it to 300",),
        id="601-characters",
    ),
    pytest.param(
        "alice",
        "/commit " + "x" * 2001,
        "That command is 2,001 characters long; commands take at most 2,000.",
        ("Usage: /commit WHAT YOU WILL DO",),
        id="longer-than-any-command",
    ),
    pytest.param(
        "alice",
        "/commit Fix\x07 the rota",
        "That command holds control characters",
        ("type it as plain text",),
        id="control-character",
    ),
    pytest.param(
        "alice",
        "/commit Fix\u200b the rota",
        "That command holds control characters",
        ("type it as plain text",),
        id="format-character",
    ),
    pytest.param(
        "alice",
        "/commit for @nobody Book the room by Friday",
        "I do not know anyone called @nobody here.",
        ("Name them as @name", "/convene members"),
        id="for-unknown-member",
    ),
    pytest.param(
        "alice",
        "/commit move 1 blah",
        "I could not read 'blah' as a date.",
        (*DUE_FORMS, "Usage: /commit move N DATE"),
        id="move-unreadable-date",
    ),
    pytest.param(
        "alice",
        "/commit move 1 2020-01-01",
        "Wednesday 1 January 2020 has already passed",
        ("give today or a later date",),
        id="move-to-the-past",
    ),
    pytest.param(
        "alice",
        "/commit move 1",
        "Say the new date: by Friday",
        ("Usage: /commit move N DATE",),
        id="move-without-a-date",
    ),
    pytest.param(
        "alice",
        "/commit update 1",
        "Say what changed, like: blocked: waiting for IT.",
        ("Usage: /commit update N",),
        id="update-with-nothing-after",
    ),
    pytest.param(
        "alice",
        "/commit update 1 " + "n" * 301,
        "The update is 301 characters long; keep it to 300.",
        (),
        id="update-301-characters",
    ),
]


@pytest.mark.parametrize(("actor", "line", "says", "instead"), BAD_COMMITMENTS)
async def test_a_bad_commit_command_gets_one_clear_reply_and_changes_nothing(
    convene: Harness, actor: str, line: str, says: str, instead: tuple[str, ...]
) -> None:
    await alice_has_commitments(convene)
    before = await retros_and_commitments(convene)

    reply = one_reply(await convene.command(actor, line), actor)

    assert says in reply
    for words in instead:
        assert words in reply
    assert await retros_and_commitments(convene) == before


async def test_an_unreadable_move_date_does_not_suggest_leaving_the_date_out(
    convene: Harness,
) -> None:
    await alice_has_commitments(convene)
    before = await retros_and_commitments(convene)

    reply = one_reply(await convene.command("alice", "/commit move 1 blah"), "alice")

    assert "I could not read 'blah' as a date." in reply
    assert "leave the date out" not in reply
    assert await retros_and_commitments(convene) == before


# -- commitment buttons ------------------------------------------------------------------------


async def alice_commits_at_a_retro(convene: Harness) -> tuple[Delivered, Delivered]:
    """Alice takes on the top item of "Q4"; "Q5" reviews it; her reminder comes on 9 December.

    Returns the review line and the reminder, each with Done, Need more time, Blocked, Drop.
    """

    place = await open_retro_thread(convene, "Q4")
    await add_items(convene, place, "Rota gaps")
    await convene.command("you", '/convene retro close "Q4"')
    await convene.click("alice", "Make it a commitment", on="Rota gaps")
    _, form = convene.adapter.forms_opened[-1]
    made = await convene.submit(
        "alice", form, {"owner": "", "what": "Fill the rota gaps", "due": "2026-12-10"}
    )
    assert [d.text for d in made] == [
        "alice commits to *Fill the rota gaps* (commitment 1, due Thursday 10 December)."
    ]
    await open_retro_thread(convene, "Q5")
    review = convene.newest("1 · *Fill the rota gaps* · alice")
    await convene.app.advance_clock_to(datetime(2026, 12, 9, 9, 5, tzinfo=UTC))
    reminder = convene.newest("Reminder: *Fill the rota gaps* (commitment 1)")
    assert reminder.message.target.member_ids == ("alice",)
    for message in (review, reminder):
        assert [b.label for b in message.message.buttons] == [
            "Done",
            "Need more time",
            "Blocked",
            "Drop",
        ]
    return review, reminder


@pytest.mark.parametrize("where", ["review", "reminder"])
@pytest.mark.parametrize(
    ("label", "doing"),
    [
        ("Done", "mark it done"),
        ("Need more time", "move it"),
        ("Blocked", "update it"),
        ("Drop", "drop it"),
    ],
)
async def test_pressing_a_button_on_someone_elses_commitment_is_refused_naming_the_owner(
    convene: Harness, where: str, label: str, doing: str
) -> None:
    review, reminder = await alice_commits_at_a_retro(convene)
    message = review if where == "review" else reminder
    forms = len(convene.adapter.forms_opened)
    before = await retros_and_commitments(convene)

    reply = one_reply(await convene.press("bob", message, label), "bob")

    assert reply == (
        f"Commitment 1 is alice's, so only they can {doing}. To see yours: /commit list."
    )
    assert len(convene.adapter.forms_opened) == forms
    assert await retros_and_commitments(convene) == before


async def test_pressing_done_on_a_commitment_already_done_is_refused(convene: Harness) -> None:
    review, reminder = await alice_commits_at_a_retro(convene)
    finished = await convene.command("alice", "/commit done 1")
    assert finished[-1].text.startswith("Marked done: *Fill the rota gaps*")
    before = await retros_and_commitments(convene)

    for message in (reminder, review):
        reply = one_reply(await convene.press("alice", message, "Done"), "alice")
        assert reply == "Commitment 1 is already done; there is nothing left to change."
    assert await retros_and_commitments(convene) == before


# -- opening a retro --------------------------------------------------------------------------

BAD_OPENS = [
    pytest.param(
        "you",
        '/convene retro open "Q5" --format haiku',
        "There is no format 'haiku'.",
        ("Formats: start-stop-continue, 4ls, glad-sad-mad", '--categories "Keep,Change,Try"'),
        id="unknown-format",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --format 4ls --categories "Keep,Change"',
        "Give --format or --categories, not both.",
        (OPEN_USAGE,),
        id="format-and-categories",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --categories "Keep"',
        "Give two to six categories separated by commas",
        ('like --categories "Keep,Change,Try"',),
        id="one-category",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --categories "Keep,Change,keep"',
        "Two of those categories are the same",
        ("name each once",),
        id="duplicate-categories",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --votes 0',
        "--votes takes a number from 1 to 20",
        ("like --votes 3",),
        id="votes-0",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --votes abc',
        "--votes takes a number from 1 to 20",
        ("like --votes 3",),
        id="votes-abc",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --closes someday',
        "I could not read 'someday' as a closing time",
        ('say "friday 17:00", "tomorrow 9am", "17:00" or "in 2 hours"',),
        id="closes-someday",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --closes "2026-11-30 07:00"',
        "Monday 30 November 07:00 has already passed",
        ("give a later time",),
        id="closes-earlier-today",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --closes "in 0 minutes"',
        "has already passed",
        ("give a later time",),
        id="closes-now",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" --closes 2020-01-01',
        "1 January 2020",
        ("has already passed", "give a later time"),
        id="closes-on-a-past-date",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q4"',
        'There is already a retro called "Q4"',
        ('give this one its own name, like "Q4 (2)"',),
        id="duplicate-name",
    ),
    pytest.param(
        "you",
        '/convene retro open "q4" #random',
        'There is already a retro called "q4"',
        ("give this one its own name",),
        id="duplicate-name-other-case-and-channel",
    ),
    pytest.param(
        "alice",
        '/convene retro open "Q5"',
        "Only conveners can use /convene retro open.",
        ('Ask the convener named "you".',),
        id="not-a-convener",
    ),
    pytest.param(
        "you",
        '/convene retro open "Q5" #nowhere',
        "I can't find the channel #nowhere.",
        (OPEN_USAGE,),
        id="unknown-channel",
    ),
]


@pytest.mark.parametrize(("actor", "line", "says", "instead"), BAD_OPENS)
async def test_a_bad_retro_open_gets_one_clear_reply_and_changes_nothing(
    convene: Harness, actor: str, line: str, says: str, instead: tuple[str, ...]
) -> None:
    await open_retro_thread(convene, "Q4")
    await convene.command("alice", "/commit list")
    before = await retros_and_commitments(convene)

    reply = one_reply(await convene.command(actor, line), actor)

    assert says in reply
    for words in instead:
        assert words in reply
    assert await retros_and_commitments(convene) == before


async def test_opening_a_retro_in_a_dm_without_a_channel_asks_for_the_channel(
    convene: Harness,
) -> None:
    await open_retro_thread(convene, "Q4")
    before = await retros_and_commitments(convene)

    reply = one_reply(
        await convene.command("you", '/convene retro open "Q5"', place=MemoryAdapter.dm("you")),
        "you",
    )

    assert reply.startswith("Open a retro in its channel, or name the channel: #team.")
    assert OPEN_USAGE in reply
    assert await retros_and_commitments(convene) == before


# -- items ---------------------------------------------------------------------------------------

BAD_THREAD_REPLIES = [
    pytest.param(
        "start: " + "y" * 501,
        "The item is 501 characters long; items take at most 500.",
        ("Nothing was added: make it shorter, or split it in two.",),
        id="501-characters",
    ),
    pytest.param(
        "start: ring the \x07 bell",
        "The item holds control characters",
        ("send it as plain text",),
        id="control-character",
    ),
]


async def test_a_thread_reply_in_an_unknown_category_adds_nothing_until_its_writer_chooses(
    convene: Harness,
) -> None:
    place = await open_retro_thread(convene)
    await add_items(convene, place, "Rota gaps")
    before = await retros_and_commitments(convene)

    delivered = await convene.say("alice", "banana: more bananas", place=place)

    (asked,) = delivered
    assert asked.message.visible_to == "alice"
    assert asked.message.target.thread_id == place.thread_id
    assert asked.text.startswith(
        "'banana' is not a category of this retro. Which category is this for? "
        "“banana: more bananas”"
    )
    assert [b.label for b in asked.message.buttons] == ["Start", "Stop", "Continue"]
    assert await retros_and_commitments(convene) == before


@pytest.mark.parametrize(("words", "says", "instead"), BAD_THREAD_REPLIES)
async def test_a_bad_thread_reply_gets_one_clear_reply_and_adds_nothing(
    convene: Harness, words: str, says: str, instead: tuple[str, ...]
) -> None:
    place = await open_retro_thread(convene)
    await add_items(convene, place, "Rota gaps")
    before = await retros_and_commitments(convene)

    delivered = await convene.say("alice", words, place=place)

    reply = one_reply(delivered, "alice")
    assert delivered[0].message.target.thread_id == place.thread_id
    assert says in reply
    for phrase in instead:
        assert phrase in reply
    assert await retros_and_commitments(convene) == before


BAD_FORM_ITEMS = [
    pytest.param(
        "Start",
        "",
        "The item is empty",
        ("write what you want to say, then send it",),
        "Your item",
        id="empty",
    ),
    pytest.param(
        "Start",
        "  \n  ",
        "The item is empty",
        ("write what you want to say, then send it",),
        "Your item",
        id="only-spaces",
    ),
    pytest.param(
        "Start",
        "z" * 501,
        "The item is 501 characters long; items take at most 500.",
        ("Nothing was added: make it shorter, or split it in two.",),
        "Your item",
        id="501-characters",
    ),
    pytest.param(
        "Start",
        "ring the \x00 bell",
        "The item holds control characters",
        ("send it as plain text",),
        "Your item",
        id="control-character",
    ),
    pytest.param(
        "Banana",
        "More bananas",
        "'Banana' is not one of this retro's categories: Start, Stop, Continue.",
        ("Nothing was added.",),
        "Category",
        id="unknown-category",
    ),
]


@pytest.mark.parametrize(("category", "words", "says", "instead", "field"), BAD_FORM_ITEMS)
async def test_a_bad_item_in_the_form_gets_one_clear_reply_and_adds_nothing(
    convene: Harness, category: str, words: str, says: str, instead: tuple[str, ...], field: str
) -> None:
    await open_retro_thread(convene)
    await convene.click("alice", "Add item", on="*Retro: Q4*")
    event, form = convene.adapter.forms_opened[-1]
    assert (event.actor_id, form.form_id) == ("alice", "retro.add")
    before = await retros_and_commitments(convene)

    # One line, and one button: the form again, filled in as typed, to fix that field.
    reply = one_reply(
        await convene.submit("alice", form, {"category": category, "text": words}),
        "alice",
        fix=field,
    )

    assert says in reply
    for phrase in instead:
        assert phrase in reply
    assert reply.endswith("What you typed is kept: the button opens the form again, filled in.")
    assert await retros_and_commitments(convene) == before


CLOSED = (
    'The retro "Q4" is closed, so it takes no more items or votes. Its summary is in the thread.'
)


@pytest.mark.parametrize("how", ["form", "thread reply", "+1", "stale Add item"])
async def test_a_closed_retro_takes_no_more_items_or_votes(convene: Harness, how: str) -> None:
    place = await open_retro_thread(convene)
    await add_items(convene, place, "Rota gaps")
    root = convene.newest("*Retro: Q4*")
    await convene.click("alice", "Add item", on="*Retro: Q4*")
    _, form = convene.adapter.forms_opened[-1]
    await convene.command("you", '/convene retro close "Q4"')
    item = convene.newest("1. *Start*: Rota gaps")
    forms = len(convene.adapter.forms_opened)
    before = await retros_and_commitments(convene)

    if how == "form":
        delivered = await convene.submit("alice", form, {"category": "Start", "text": "Too late"})
    elif how == "thread reply":
        delivered = await convene.say("alice", "start: Too late", place=place)
    elif how == "+1":
        delivered = await convene.click("bob", "+1", on="Rota gaps")
    else:  # the Add item button as it was before the close took it away
        assert convene.newest("*Retro: Q4*").message.buttons == ()
        delivered = await convene.press("alice", root, "Add item")

    actor = "bob" if how == "+1" else "alice"
    assert one_reply(delivered, actor) == CLOSED
    assert len(convene.adapter.forms_opened) == forms
    still = convene.newest("1. *Start*: Rota gaps")
    assert (still.text, still.edits) == (item.text, item.edits)
    assert await retros_and_commitments(convene) == before


# -- votes -----------------------------------------------------------------------------------------


async def test_a_vote_beyond_the_allowance_is_refused_with_how_to_move_one(
    convene: Harness,
) -> None:
    place = await open_retro_thread(convene)
    await add_items(convene, place, "Rota gaps", "Handover notes", "Bleep policy", "Coffee")
    for item in ("Rota gaps", "Handover notes", "Bleep policy"):
        voted = one_reply(await convene.click("bob", "+1", on=item), "bob")
        assert voted.startswith("Voted for item")
    fourth = convene.newest("4. *Start*: Coffee")
    before = await retros_and_commitments(convene)
    assert len(before["retro_votes"]) == 3

    reply = one_reply(await convene.click("bob", "+1", on="Coffee"), "bob")

    assert reply == (
        'You have used all 3 votes in "Q4". To move one, press +1 again on an item you '
        "voted for: that takes the vote back."
    )
    still = convene.newest("4. *Start*: Coffee")
    assert (still.text, still.edits) == (fourth.text, 0)
    assert await retros_and_commitments(convene) == before
