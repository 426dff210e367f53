"""In a check-in DM, ``skip`` or ``-`` passes over one question instead of being its answer.

The member hears which question was skipped and gets the next one; the
thread shows only the questions answered; skipping every question counts
as skipping the check-in, streak safe, as the Skip button does. ``pass`` is
an answer ("How did the exam go?"), not a skip (memory adapter).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlmodel import col, select

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from storage.models import CheckinPrompt, Member
from tests.support.harness import Harness, running
from tests.support.times import LONDON, MONDAY, SUNDAY_NOON, at


async def asked_on_monday(convene: Harness) -> None:
    """Alice in London, a Monday stand-up of three questions, and Monday's prompt out."""

    convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", LONDON)]
    created = await convene.reply_to(
        "you",
        "/convene checkin create Standup #general every Monday 09:00 --template standup "
        f"--tz {LONDON}",
    )
    assert created.startswith("Created the check-in")
    await convene.app.advance_clock_to(at(MONDAY, 9, 5))


async def stored(convene: Harness) -> list[tuple[str, list[str]]]:
    async with convene.app.sessions() as session:
        found = await session.exec(
            select(CheckinPrompt)
            .join(Member, col(Member.id) == col(CheckinPrompt.member_id))
            .where(Member.platform_user_id == "alice")
        )
        return [(p.status, list(p.answers)) for p in found.all()]


def in_thread(convene: Harness) -> list[str]:
    return [
        d.text
        for d in convene.adapter.delivered
        if d.message.target.kind == "thread" and d.text.startswith("*Alice*")
    ]


async def dm_each(convene: Harness, *lines: str) -> list[Delivered]:
    said: list[Delivered] = []
    for line in lines:
        said += await convene.in_dm("alice", line)
    return said


def texts(delivered: Sequence[Delivered]) -> list[str]:
    return [d.text for d in delivered]


@pytest.mark.parametrize("skip", ["skip", "-", "Skip", " SKIP "])
async def test_skip_or_a_dash_passes_over_one_question_and_the_thread_leaves_it_out(
    sqlite_url: str, skip: str
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)

        said = await dm_each(convene, "Planned the rota", skip, "No")

        assert texts(said[:2]) == [
            "Got it. 2 of 3: What will you do today?",
            "Skipped question 2. 3 of 3: Is anything blocking you?",
        ]
        assert said[-1].text.startswith("Thank you! Your answers are in the thread in #general.")
        assert in_thread(convene) == [
            "*Alice*\n*What did you do since the last check-in?* Planned the rota\n"
            "*Is anything blocking you?* No"
        ]
        assert await stored(convene) == [("answered", ["Planned the rota", "-", "No"])]


async def test_skipping_the_last_question_says_so_before_the_thanks(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)

        said = await dm_each(convene, "Planned the rota", "Ward round", "skip")

        assert said[-1].text.startswith(
            "Skipped question 3. Thank you! Your answers are in the thread in #general."
        )
        assert in_thread(convene) == [
            "*Alice*\n*What did you do since the last check-in?* Planned the rota\n"
            "*What will you do today?* Ward round"
        ]


async def test_pass_is_an_answer_not_a_skip(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)

        said = await dm_each(convene, "pass")

        assert texts(said) == ["Got it. 2 of 3: What will you do today?"]
        assert await stored(convene) == [("asked", ["pass"])]


async def test_skipping_every_question_skips_the_check_in_and_keeps_the_streak(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)

        said = await dm_each(convene, "skip", "-", "skip")

        assert said[-1].text.startswith(
            "Skipped question 3. With every question skipped, *Standup* counts as skipped this "
            "time; your streak is safe. The next one is on"
        )
        assert in_thread(convene) == []
        assert await stored(convene) == [("skipped", [])]


async def test_skip_in_the_form_passes_over_that_question_too(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await convene.click("alice", "Answer")

        await convene.answer_form("alice", ["Planned the rota", "Ward round", "skip"])

        assert in_thread(convene) == [
            "*Alice*\n*What did you do since the last check-in?* Planned the rota\n"
            "*What will you do today?* Ward round"
        ]
        await convene.click("alice", "Edit answer")
        initial = [f.initial for f in convene.last_form("alice", "checkin.answers").fields]
        assert initial == ["Planned the rota", "Ward round", "-"]


async def test_an_edit_that_skips_every_question_is_refused_and_the_answers_stay(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await asked_on_monday(convene)
        await dm_each(convene, "Planned the rota", "Ward round", "No")
        await convene.click("alice", "Edit answer")

        refused = await convene.answer_form("alice", ["-", "-", "skip"])

        assert texts(refused) == [
            "That skips every question, which would leave no answer at all; your answers stay "
            "in the thread as they were. Change one, or write skip for the others."
        ]
        assert await stored(convene) == [("answered", ["Planned the rota", "Ward round", "No"])]
