"""Dates in commands, as members type them (memory adapter).

An NHS member's first due date is ``31/12``: it is read, in their own zone,
day first by default. ``3/12`` could be 3 December or 12 March, so Convene
asks with a button for each and saves nothing until one is pressed; the
press finishes the command as typed. A convener can make the workspace
month first. A commitment's date may close it without "by"; "sent by Dr
Smith" is no date, and the answer says so with a button to add one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col

from adapters.memory import Delivered
from storage.models import CheckinMember, Commitment, FormDraft, Retro
from tests.support.harness import Harness, running
from tests.support.times import LONDON, NEW_YORK

THURSDAY_NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def members(convene: Harness) -> None:
    for name, zone in (("alice", LONDON), ("bob", NEW_YORK)):
        reply = await convene.reply_to("you", f"/convene member add {name} --tz {zone}")
        assert reply.startswith(f"Added {name}"), reply


async def commitments(convene: Harness) -> list[Commitment]:
    return await convene.rows(Commitment, order_by=col(Commitment.id))


def labels(delivered: Delivered) -> list[str]:
    return [button.label for button in delivered.message.buttons]


async def test_a_british_member_commits_by_31_12_and_it_is_new_years_eve(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        (posted,) = await convene.command("alice", "/commit Draft the discharge checklist by 31/12")
        assert posted.text == (
            "alice commits to *Draft the discharge checklist* (commitment 1, due Thursday "
            "31 December)."
        )


async def test_a_date_that_could_be_two_is_asked_about_and_the_press_finishes_the_command(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        (asked,) = await convene.command("alice", "/commit Send the audit to the board by 3/12")
        assert asked.text == (
            "3/12 could be Thursday 3 December or Friday 12 March 2027. Which do you mean? "
            "Nothing is saved until you choose."
        )
        assert asked.message.visible_to == "alice"
        assert labels(asked) == ["Thu 3 December", "Fri 12 March 2027"]
        assert all(len(button.value) < 40 for button in asked.message.buttons)
        assert await commitments(convene) == []

        (made,) = await convene.click("alice", "Fri 12 March 2027")
        assert made.text == (
            "alice commits to *Send the audit to the board* (commitment 1, due Friday "
            "12 March 2027)."
        )
        assert made.message.target.channel_id == "general"
        # Pressed again: answered already, and nothing is made twice.
        (again,) = await convene.press("alice", asked, "Thu 3 December")
        assert again.text.startswith("That question has been answered already")
        assert [c.due_on for c in await commitments(convene)] == ["2027-03-12"]
        assert await convene.rows(FormDraft) == []


async def test_only_the_member_who_typed_the_command_can_choose_its_date(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        (asked,) = await convene.command("alice", "/commit Send the audit by 3/12")
        (refused,) = await convene.press("bob", asked, "Thu 3 December")
        assert refused.text == (
            "That question is about someone else's command; only they can answer."
        )
        assert await commitments(convene) == []


async def test_a_long_commitment_waits_for_its_date_whatever_a_button_can_hold(
    database_url: str,
) -> None:
    text = "Write up " + "the ward audit, " * 12 + "for the board"
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        (asked,) = await convene.command("alice", f"/commit {text} by 12/3")
        assert labels(asked) == ["Fri 12 March 2027", "Thu 3 December"]
        assert all(len(button.value) < 40 for button in asked.message.buttons)
        await convene.click("alice", "Thu 3 December")
        (made,) = await commitments(convene)
        assert (made.text, made.due_on) == (" ".join(text.split()), "2026-12-03")


async def test_a_convener_makes_the_workspace_month_first_and_american_dates_follow(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        shown = await convene.reply_to("you", "/convene settings")
        assert "Date order: day first (dmy, as in 31/12)" in shown
        refused = await convene.reply_to("bob", "/convene settings date-order mdy")
        assert refused.startswith("Only conveners can use /convene settings date-order")
        changed = await convene.reply_to("you", "/convene settings date-order mdy")
        assert changed.startswith("Dates in numbers are now read month first (mdy")
        assert "month first" in await convene.reply_to("you", "/convene settings")

        (posted,) = await convene.command("bob", "/commit Send the rota 12/31")
        assert "due Thursday 31 December" in posted.text
        (asked,) = await convene.command("bob", "/commit Book the flights by 3/12")
        assert labels(asked) == ["Fri 12 March 2027", "Thu 3 December"]
        wrong = await convene.reply_to("you", "/convene settings date-order ymd")
        assert wrong.startswith("'ymd' is not a date order; say dmy")


async def test_a_due_date_closing_the_text_is_read_and_by_dr_smith_is_not_a_date(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        (posted,) = await convene.command("alice", "/commit Call the ward manager next tuesday")
        assert posted.text == (
            "alice commits to *Call the ward manager* (commitment 1, due Tuesday 1 December)."
        )
        posted, told = await convene.command("alice", "/commit Review the notes sent by Dr Smith")
        assert posted.text == (
            "alice commits to *Review the notes sent by Dr Smith* (commitment 2, no due date)."
        )
        assert told.message.visible_to == "alice"
        assert told.text == (
            "Commitment 2 has no due date. 'by Dr Smith' is not a date, so I kept it as part of "
            "what you will do. Add a due date when you know it, and I will remind you before it."
        )
        assert labels(told) == ["Add a due date"]

        await convene.click("alice", "Add a due date")
        form = convene.last_form("alice", "commitment.add_due")
        await convene.submit("alice", form, {"due": "friday week"})
        (_, dr_smith) = await commitments(convene)
        assert dr_smith.due_on == "2026-12-04"
        assert convene.last_text() == (
            "Due date added: *Review the notes sent by Dr Smith* (commitment 2, due Friday 4 "
            "December). I will remind you the day before."
        )


async def test_moving_a_commitment_reads_the_new_forms_and_asks_about_3_12(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        await convene.command("alice", "/commit Draft the checklist by friday")
        moved = await convene.command("alice", "/commit move 1 in a fortnight")
        assert "(commitment 1, due Thursday 10 December); it was due Friday 27" in moved[0].text
        (asked,) = await convene.command("alice", "/commit move 1 3/12")
        await convene.press("alice", asked, "Thu 3 December")
        (moved_again,) = await commitments(convene)
        assert moved_again.due_on == "2026-12-03"


async def test_a_member_skips_check_ins_until_christmas_eve_written_24_12(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        await convene.command("you", "/convene checkin create Standup #general every weekday 09:00")
        away = await convene.reply_to("alice", "/checkin skip until 24/12 Standup")
        assert away.startswith(
            'No check-in prompts for you until Thursday 24 December 2026 ("Standup")'
        )
        (choice,) = await convene.rows(CheckinMember)
        assert choice.skip_until == "2026-12-24"


async def test_a_retro_closing_on_3_12_is_asked_about_and_opens_once_chosen(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        await convene.command("you", "/convene me tz Europe/London")
        (asked,) = await convene.command(
            "you", '/convene retro open "Quarter 4" #general --closes "3/12 17:00"'
        )
        assert labels(asked) == ["Thu 3 December", "Fri 12 March 2027"]
        assert await convene.rows(Retro) == []
        await convene.click("you", "Thu 3 December")
        (retro,) = await convene.rows(Retro)
        assert retro.closes_at is not None
        assert retro.closes_at.astimezone(UTC) == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
        assert retro.name == "Quarter 4"
        assert date(2026, 12, 3) == retro.closes_at.date()


async def test_need_more_time_with_3_12_asks_for_the_month_in_words_and_keeps_the_form(
    database_url: str,
) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        await members(convene)
        await convene.command("alice", "/commit Draft the checklist by friday")
        await convene.advance(datetime(2026, 11, 27, 9, 1, tzinfo=UTC))
        await convene.click("alice", "Need more time")
        form = convene.last_form("alice", "commitment.move")
        (asked,) = await convene.submit("alice", form, {"due": "3/12"})
        assert asked.text.startswith(
            "3/12 could be Thursday 3 December or Friday 12 March 2027; write the month as a "
            "word, like 3 Dec or 12 Mar."
        )
        (unmoved,) = await commitments(convene)
        assert unmoved.due_on == "2026-11-27"
        await convene.submit("alice", form, {"due": "12 Mar"})
        (moved,) = await commitments(convene)
        assert moved.due_on == "2027-03-12"
