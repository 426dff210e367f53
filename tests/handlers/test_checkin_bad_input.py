"""Check-ins refuse bad input with one clear reply that says what to type, and change nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlmodel import col, select

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from storage.models import CheckinPrompt, Member
from tests.support.harness import Harness, running
from tests.support.times import LONDON, MONDAY, SUNDAY_NOON, at

CHECKIN_TABLES = (
    "schedules",
    "checkins",
    "checkin_members",
    "checkin_runs",
    "checkin_prompts",
    "timers",
)
CREATE = "/convene checkin create Retro #general every Monday 09:00"


async def prompts_stored(convene: Harness, member: str) -> list[tuple[str, list[str]]]:
    """The member's prompts as kept: (status, answers), one per run."""

    async with convene.app.sessions() as session:
        found = await session.exec(
            select(CheckinPrompt)
            .join(Member, col(Member.id) == col(CheckinPrompt.member_id))
            .where(Member.platform_user_id == member)
            .order_by(col(CheckinPrompt.run_id))
        )
        return [(p.status, list(p.answers)) for p in found.all()]


def thread_posts(convene: Harness) -> list[Delivered]:
    return [d for d in convene.adapter.delivered if d.message.target.kind == "thread"]


def answers_in_thread(convene: Harness) -> list[Delivered]:
    return [d for d in thread_posts(convene) if not d.text.startswith("This check-in is closed")]


def only_text(delivered: Sequence[Delivered]) -> str:
    assert len(delivered) == 1, [d.text for d in delivered]
    return delivered[0].text


async def asked_on_monday(convene: Harness, template: str = "standup") -> None:
    """Alice and Bob in London, a Monday check-in, and Monday's prompts out."""

    convene.adapter.channel_members["general"] = [
        ChannelMember("alice", "Alice", LONDON),
        ChannelMember("bob", "Bob", LONDON),
    ]
    created = await convene.reply_to(
        "you",
        f"/convene checkin create Standup #general every Monday 09:00 --template {template} "
        f"--tz {LONDON}",
    )
    assert created.startswith("Created the check-in")
    await convene.app.advance_clock_to(at(MONDAY, 9, 5))


# -- commands ------------------------------------------------------------------------------

BAD_COMMANDS = [
    (
        "you",
        "/convene checkin create Retro #general every blue moon",
        "I could not read the schedule 'every blue moon'",
        "say it like every Monday 09:00",
    ),
    (
        "you",
        "/convene checkin create Retro #general every Funday 09:00",
        "'funday' is not a day of the week",
        "say it like every Monday 09:00",
    ),
    (
        "you",
        "/convene checkin create Retro #general every Monday 25:00",
        "25:00 is not a time of day",
        "like 09:00",
    ),
    (
        "you",
        f"{CREATE} --tz Mars/Olympus",
        "'Mars/Olympus' is not a time zone I know.",
        "Use an IANA name like Europe/London",
    ),
    (
        "you",
        f"{CREATE} --template haiku",
        "There is no template 'haiku'.",
        "Templates: standup (",
    ),
    (
        "you",
        f"{CREATE} --closes 08:00",
        "It would close at 08:00, before it asks at 09:00",
        "give a later --closes",
    ),
    (
        "you",
        f"{CREATE} --remind-after 10h --closes 12:00",
        "The reminder would come after the check-in closes",
        "give a shorter --remind-after or a later --closes",
    ),
    (
        "you",
        f"{CREATE} --who everybody",
        "--who everybody: say channel",
        "or joined",
    ),
    (
        "you",
        "/convene checkin create Retro #nowhere every Monday 09:00",
        "I can't find the channel #nowhere.",
        "Usage: /convene checkin create",
    ),
    (
        "you",
        "/convene checkin create Standup #general every Friday 16:00",
        'There is already a check-in called "Standup"',
        "pick another name",
    ),
    (
        "alice",
        CREATE,
        "Only conveners can use /convene checkin create.",
        'Ask the convener named "you".',
    ),
    (
        "you",
        '/convene checkin questions Standup add ""',
        "The question is empty",
        'like add "What surprised you?"',
    ),
    (
        "you",
        "/convene checkin questions Standup remove 9",
        "9 is not a question number; give 1 to 3",
        "(remove N)",
    ),
    (
        "you",
        "/convene checkin questions Standup move 1 4",
        "4 is not a question number; give 1 to 3",
        "(move FROM TO)",
    ),
    (
        "you",
        "/convene checkin questions Standup remove first",
        "first is not a question number",
        "give 1 to 3",
    ),
    (
        "alice",
        "/checkin skip until 2020-01-01",
        "2020-01-01 has already passed; give today or a later date.",
        "Usage: /checkin skip",
    ),
    (
        "alice",
        "/checkin skip until someday",
        "I could not read 'someday' as a date",
        "say 24/12, tomorrow, next friday or 2026-12-24",
    ),
    (
        "alice",
        "/checkin skip until",
        "Until when?",
        "/checkin skip until 24/12",
    ),
    (
        "alice",
        "/checkin skip until 2028-06-01",
        "A skip can last up to a year.",
        "/checkin leave",
    ),
    (
        "you",
        '/convene checkin pause "Daily standup"',
        'There is no check-in called "Daily standup". Check-ins: "Standup".',
        "Usage: /convene checkin pause",
    ),
    (
        "you",
        '/convene checkin run now "Daily standup"',
        'There is no check-in called "Daily standup".',
        "Usage: /convene checkin run now",
    ),
    (
        "alice",
        '/checkin join "Daily standup"',
        'There is no check-in called "Daily standup".',
        "Usage: /checkin join",
    ),
    (
        "you",
        "/convene checkin report Standup --runs 0",
        "--runs 0: give a number from 1 to 52.",
        "Usage: /convene checkin report",
    ),
]


@pytest.mark.parametrize(("actor", "line", "says", "instead"), BAD_COMMANDS)
async def test_a_bad_check_in_command_gets_one_clear_reply_and_changes_nothing(
    sqlite_url: str, actor: str, line: str, says: str, instead: str
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", LONDON)]
        await convene.command("you", "/convene checkin create Standup #general every Monday 09:00")
        await convene.command("alice", "/convene me")
        before = await convene.snapshot(CHECKIN_TABLES)

        reply = only_text(await convene.command(actor, line))

        assert says in reply
        assert instead in reply
        assert "\n" not in reply
        assert await convene.snapshot(CHECKIN_TABLES) == before


# -- answers -----------------------------------------------------------------------------------


async def test_an_answer_over_1000_characters_in_the_dm_is_refused_and_the_earlier_ones_stay(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await convene.in_dm("alice", "Planned the rota")

        refused = only_text(await convene.in_dm("alice", "x" * 1001))

        assert refused == (
            "Answer 2 is 1,001 characters long; answers take at most 1,000. "
            "Nothing was saved: send a shorter one."
        )
        assert await prompts_stored(convene, "alice") == [("asked", ["Planned the rota"])]
        assert answers_in_thread(convene) == []
        going_on = only_text(await convene.in_dm("alice", "Ward round"))
        assert going_on == "Got it. 3 of 3: Is anything blocking you?"


async def test_an_answer_over_1000_characters_in_the_form_is_refused_and_nothing_is_kept(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await convene.click("alice", "Answer")

        refused = only_text(await convene.answer_form("alice", ["Rota", "y" * 1001, "No"]))

        assert refused.startswith("Answer 2 is 1,001 characters long; answers take at most 1,000.")
        assert "send a shorter one" in refused
        assert await prompts_stored(convene, "alice") == [("asked", [])]
        assert answers_in_thread(convene) == []


async def test_an_edit_over_1000_characters_leaves_the_answer_in_the_thread_as_it_was(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await convene.click("alice", "Answer")
        await convene.answer_form("alice", ["Rota", "Ward round", "No"])
        (posted,) = answers_in_thread(convene)

        await convene.click("alice", "Edit answer")
        refused = only_text(await convene.answer_form("alice", ["Rota", "z" * 1500, "No"]))

        assert refused.startswith("Answer 2 is 1,500 characters long")
        assert await prompts_stored(convene, "alice") == [
            ("answered", ["Rota", "Ward round", "No"])
        ]
        (still,) = answers_in_thread(convene)
        assert (still.text, still.edits) == (posted.text, 0)


async def test_a_scale_answer_that_is_not_1_to_5_is_refused(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene, template="pulse")
        for wrong in ("7", "0", "great", "4.5"):
            refused = only_text(await convene.in_dm("alice", wrong))
            assert refused == "Answer 1 takes a number from 1 to 5, like 4; nothing was saved."
        assert await prompts_stored(convene, "alice") == [("asked", [])]

        await convene.click("bob", "Answer")
        refused = only_text(await convene.answer_form("bob", ["6", "Fine"]))
        assert refused == (
            "Answer 1 takes a number from 1 to 5, like 4; nothing was saved. "
            "What you typed is kept: the button opens the form again, filled in."
        )
        assert await prompts_stored(convene, "bob") == [("asked", [])]
        assert answers_in_thread(convene) == []

        assert only_text(await convene.in_dm("alice", "4")) == (
            "Got it. 2 of 2: What is on your mind?"
        )


async def test_answering_after_the_run_closed_is_refused_kindly_with_the_next_date(
    sqlite_url: str,
) -> None:
    kind = (
        "*Standup* for Monday 30 November closed at 00:00 your time, so late answers are not "
        "added; thank you all the same. The next one is on Monday 7 December at 09:00."
    )
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await convene.app.advance_clock_to(at(MONDAY, 23, 50))
        await convene.click("bob", "Answer")  # Bob opens the form just before the close
        await convene.app.advance_clock_to(at(MONDAY + timedelta(days=1), 0, 10))
        closed = [d.text for d in thread_posts(convene)]
        assert closed == ["This check-in is closed: 0 of 2 answered (0%). Thank you!"]
        before = await convene.snapshot(CHECKIN_TABLES)

        assert only_text(await convene.click("alice", "Answer")) == kind
        assert only_text(await convene.in_dm("alice", "Planned the rota")) == kind
        assert only_text(await convene.click("alice", "Skip this time")) == kind
        assert only_text(await convene.answer_form("bob", ["Rota", "Ward", "No"])) == kind

        assert await prompts_stored(convene, "alice") == [("missed", [])]
        assert await prompts_stored(convene, "bob") == [("missed", [])]
        assert [d.text for d in thread_posts(convene)] == closed
        assert await convene.snapshot(CHECKIN_TABLES) == before
