"""Conveners mark check-in questions as needs or offers, the answers opportunities match.

A need asks what members are stuck on, an offer what they learned or could
share. Built-in templates come marked; a question a convener adds is marked
with --need or --offer, or read from its wording, and the reply says how it
was read and how to change it. Members' prompts never show the marks.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.adapter import ChannelMember
from storage.models import Checkin
from tests.support.harness import Harness, running
from tests.support.times import LONDON, MONDAY, SUNDAY_NOON, at

CHECKIN_TABLES = ("checkins", "checkin_runs", "checkin_prompts")
QUESTIONS = "/convene checkin questions Learning"


async def stored_questions(convene: Harness, name: str = "Learning") -> list[dict[str, Any]]:
    (checkin,) = [c for c in await convene.rows(Checkin) if c.name == name]
    return [dict(q) for q in checkin.questions]


async def marks(convene: Harness, name: str = "Learning") -> list[tuple[str, str]]:
    """Each stored question's words and its stored intent ("" for neither)."""

    return [(q["text"], q.get("intent", "-")) for q in await stored_questions(convene, name)]


async def learning_check_in(convene: Harness, template: str = "learning") -> None:
    created = await convene.reply_to(
        "you",
        f"/convene checkin create Learning #general every Monday 09:00 --template {template} "
        f"--tz {LONDON}",
    )
    assert created.startswith("Created the check-in"), created


def only_text(delivered: list[Any]) -> str:
    assert len(delivered) == 1, [d.text for d in delivered]
    return str(delivered[0].text)


async def test_a_question_added_with_need_is_offered_as_a_need_in_the_list(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene, "pulse")

        added = await convene.reply_to(
            "you", f'{QUESTIONS} add "What would make next week easier?" --need'
        )
        listed = await convene.reply_to("you", QUESTIONS)

        assert added.startswith(
            "Added question 3 as a need: something members are stuck on or could use help with."
        )
        assert listed.splitlines()[:4] == [
            'Questions of "Learning":',
            "1. How are you, from 1 (struggling) to 5 (great)? (1 to 5)",
            "2. What is on your mind?",
            "3. What would make next week easier? (need)",
        ]
        assert "mark N need|offer|neither" in listed.splitlines()[4]
        assert (await marks(convene))[2] == ("What would make next week easier?", "need")


async def test_a_question_added_without_a_flag_is_read_from_its_wording(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene, "pulse")

        need = await convene.reply_to("you", f'{QUESTIONS} add "Where are you blocked?"')
        offer = await convene.reply_to(
            "you", f'{QUESTIONS} add "What did you learn at the conference?"'
        )
        neither = await convene.reply_to("you", f'{QUESTIONS} add "Who did you meet?"')

        assert need.startswith(
            "Added question 3, read as a need: something members are stuck on or could use help "
            'with. If it is not, type /convene checkin questions "Learning" mark 3 offer or '
            "mark 3 neither."
        )
        assert offer.startswith("Added question 4, read as an offer: something members learned")
        assert "mark 4 need or mark 4 neither" in offer.splitlines()[0]
        assert neither.startswith(
            "Added question 5, read as neither a need nor an offer. If it asks what members are "
            'stuck on or could share, type /convene checkin questions "Learning" mark 5 need '
            "(or offer)."
        )
        assert (await marks(convene))[2:] == [
            ("Where are you blocked?", "need"),
            ("What did you learn at the conference?", "offer"),
            ("Who did you meet?", ""),
        ]
        assert neither.splitlines()[-3:] == [
            "3. Where are you blocked? (need)",
            "4. What did you learn at the conference? (offer)",
            "5. Who did you meet?",
        ]


async def test_the_learning_template_s_questions_come_marked_and_members_are_not_shown_the_marks(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", LONDON)]
        await learning_check_in(convene)

        listed = await convene.reply_to("you", QUESTIONS)
        every = await convene.reply_to("you", "/convene checkin list")
        await convene.advance(at(MONDAY, 9, 5))

        assert await marks(convene) == [
            ("What did you learn this week?", "offer"),
            ("What are you stuck on?", "need"),
            ("Who, in any team, could help with that?", ""),
        ]
        assert listed.splitlines()[1:4] == [
            "1. What did you learn this week? (offer)",
            "2. What are you stuck on? (need)",
            "3. Who, in any team, could help with that?",
        ]
        assert (
            "learning, 3 questions (1 need, 1 offer), everyone in the channel; answers go to a "
            "thread in #general." in every
        )
        (prompt,) = convene.dms("alice", "Time for *Learning*")
        assert "(need)" not in prompt.text and "(offer)" not in prompt.text


async def test_the_exchange_template_is_offered_and_comes_marked(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        refused = await convene.reply_to(
            "you", "/convene checkin create Learning #general every Monday 09:00 --template swap"
        )
        await learning_check_in(convene, "exchange")

        assert "exchange (what you could offer others, where you could use help)" in refused
        assert [intent for _, intent in await marks(convene)] == ["offer", "need", "offer"]


async def test_need_on_a_scale_question_is_refused_and_nothing_changes(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene, "pulse")
        before = await convene.snapshot(CHECKIN_TABLES)

        added = only_text(
            await convene.command("you", f'{QUESTIONS} add "How busy was it?" --scale --need')
        )
        marked = only_text(await convene.command("you", f"{QUESTIONS} mark 1 need"))

        assert added.startswith(
            "A question answered from 1 to 5 can't be a need or an offer: only written answers "
            "are matched across silos. Keep --scale or --need, not both."
        )
        assert marked == (
            'Question 1 ("How are you, from 1 (struggling) to 5 (great)?") is answered from 1 to '
            "5, so it can't be a need or an offer: only written answers are matched across silos."
        )
        assert await convene.snapshot(CHECKIN_TABLES) == before


async def test_marking_a_question_as_neither_clears_it_even_when_its_wording_reads_as_a_need(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene)

        cleared = await convene.reply_to("you", f"{QUESTIONS} mark 2 neither")
        listed = await convene.reply_to("you", QUESTIONS)
        every = await convene.reply_to("you", "/convene checkin list")

        assert cleared.splitlines()[0] == (
            'Question 2 ("What are you stuck on?") is now neither a need nor an offer. '
            "From the next run on:"
        )
        assert (await marks(convene))[1] == ("What are you stuck on?", "")
        assert "2. What are you stuck on?" in listed.splitlines()
        assert "learning, 3 questions (1 offer), everyone" in every


async def test_marking_a_question_changes_its_mark_and_keeps_it_when_it_moves(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene)

        marked = await convene.reply_to("you", f"{QUESTIONS} mark 3 NEED")
        await convene.command("you", f"{QUESTIONS} move 3 1")

        assert marked.startswith(
            'Question 3 ("Who, in any team, could help with that?") is now a need: '
        )
        assert [intent for _, intent in await marks(convene)] == ["need", "offer", "need"]


async def test_need_and_offer_together_or_away_from_add_are_refused_and_nothing_changes(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await learning_check_in(convene)
        before = await convene.snapshot(CHECKIN_TABLES)

        both = only_text(
            await convene.command("you", f'{QUESTIONS} add "What went well?" --need --offer')
        )
        on_remove = only_text(await convene.command("you", f"{QUESTIONS} remove 2 --offer"))
        typo = only_text(await convene.command("you", f"{QUESTIONS} mark 2 ofer"))
        unknown = only_text(await convene.command("you", f"{QUESTIONS} mark 2 banana"))
        half = only_text(await convene.command("you", f"{QUESTIONS} mark 2"))

        assert both.startswith(
            "A question is a need or an offer, not both; keep one of --need and --offer."
        )
        assert on_remove.startswith(
            "--offer goes with add; to mark a question already there, type mark and its number, "
            "like mark 2 offer."
        )
        assert typo == (
            "I could not use 'ofer': say need (something members are stuck on), offer (something "
            "they could share) or neither. Type: /convene checkin questions Learning mark 2 offer"
        )
        assert unknown.endswith("For example: /convene checkin questions Learning mark 2 neither")
        assert half.startswith("Say which question and what it asks for, like mark 2 need")
        assert await convene.snapshot(CHECKIN_TABLES) == before


async def test_questions_stored_before_marks_existed_are_read_from_their_wording(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", LONDON)]
        await learning_check_in(convene)
        async with convene.app.sessions() as session:
            checkin = (
                await session.exec(select(Checkin).where(col(Checkin.name) == "Learning"))
            ).one()
            checkin.questions = [{"text": q["text"], "kind": q["kind"]} for q in checkin.questions]
            session.add(checkin)
            await session.commit()

        listed = await convene.reply_to("you", QUESTIONS)
        moved = await convene.reply_to("you", f"{QUESTIONS} move 1 3")
        await convene.advance(at(MONDAY, 9, 5))
        await convene.click("alice", "Answer")
        done = await convene.answer_form("alice", ["Stuck on discharge", "Ward rota", "Bob"])

        assert listed.splitlines()[1:4] == [
            "1. What did you learn this week? (offer)",
            "2. What are you stuck on? (need)",
            "3. Who, in any team, could help with that?",
        ]
        assert moved.splitlines()[-3:] == [
            "1. What are you stuck on? (need)",
            "2. Who, in any team, could help with that?",
            "3. What did you learn this week? (offer)",
        ]
        assert done[-1].text.startswith("Thank you! Your answers are in the thread")
