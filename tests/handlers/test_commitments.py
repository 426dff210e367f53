"""Commitments, as members and conveners live them (memory adapter).

A member says "/commit Draft the discharge checklist by Friday" and the room
sees it, with the due date read as their own local Friday. The owner is
reminded in a DM at 09:00 their own time the day before, on the day, and once
a week while it is overdue, with buttons to say how it is going; what they
press is told back where the commitment was made. A member can ask someone
else to commit (they accept or decline), a workspace can cap how many a
member carries at once, and conveners see who owes what, by owner and silo.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from adapters.memory import Delivered
from bot.config import CommitmentsSection
from bot.events import Place
from handlers.commitments.reminders import REMIND_JOB
from storage.models import Commitment, Member, Timer
from storage.repositories import commitments as commitments_repo
from storage.repositories.core import execute
from tests.support.harness import Harness, running
from tests.support.reading import labels, local, sent_at, squeezed
from tests.support.times import LONDON, MONDAY, NEW_YORK, TOKYO, at, utc

THURSDAY = date(2026, 12, 3)
FRIDAY = date(2026, 12, 4)
MONDAY_MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 30 November, 08:00 London
FRIDAY_EVENING = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # already Saturday in Tokyo

STATUS_BUTTONS = ["Done", "Need more time", "Blocked", "Drop"]
REMINDER = "Reminder: *"


# -- helpers -----------------------------------------------------------------------------------


def reminders(convene: Harness, member: str) -> list[Delivered]:
    return convene.dms(member, REMINDER)


def posts(convene: Harness, channel: str = "general") -> list[Delivered]:
    """What everyone in a channel sees (not the replies only the speaker sees)."""

    return [
        d
        for d in convene.adapter.delivered
        if d.message.target.kind == "channel"
        and d.message.target.channel_id == channel
        and d.message.visible_to is None
    ]


def number_of(item: Delivered | str) -> int:
    """The commitment number a message names."""

    text = item if isinstance(item, str) else item.text
    found = re.search(r"\(commitment (\d+)", text)
    assert found is not None, f"no commitment number in {text!r}"
    return int(found[1])


def table_rows(text: str) -> list[str]:
    """The rows of the table in a reply, below its header and rule."""

    lines = squeezed(text).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    end = next(i for i in range(start, len(lines)) if lines[i] == "```")
    return lines[start:end]


async def add_members(convene: Harness, *people: tuple[str, str]) -> None:
    for name, zone in people:
        reply = await convene.reply_to("you", f"/convene member add {name} --tz {zone}")
        assert reply.startswith(f"Added {name}"), reply


async def commit(
    convene: Harness, actor: str, line: str, *, place: Place | None = None
) -> tuple[int, list[Delivered]]:
    """Make a commitment and return its number, read from what was said about it."""

    delivered = await convene.command(actor, line, place=place)
    assert delivered, f"{line!r} caused nothing"
    return number_of(delivered[0]), delivered


async def commitments_stored(convene: Harness) -> list[Commitment]:
    return await convene.rows(Commitment, order_by=col(Commitment.id))


# -- making one ----------------------------------------------------------------------------


async def test_a_commitment_made_in_a_channel_is_posted_there_due_on_the_members_own_friday(
    database_url: str,
) -> None:
    # Friday 20:00 UTC: still Friday in London and New York, already Saturday in Tokyo.
    async with running(database_url, start=FRIDAY_EVENING) as convene:
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK), ("kenji", TOKYO))
        for member in ("alice", "bob", "kenji"):
            delivered = await convene.command(
                member, "/commit Draft the discharge checklist by Friday"
            )
            # Posted for the room to see, and no second, private message besides.
            assert [d.message.visible_to for d in delivered] == [None]

        said = posts(convene)
        assert [d.text.split(" (commitment")[0] for d in said] == [
            "alice commits to *Draft the discharge checklist*",
            "bob commits to *Draft the discharge checklist*",
            "kenji commits to *Draft the discharge checklist*",
        ]
        assert "due Friday 4 December" in said[0].text
        assert "due Friday 4 December" in said[1].text
        assert "due Friday 11 December" in said[2].text  # Kenji's Friday has been and gone
        assert [c.due_on for c in await commitments_stored(convene)] == [
            "2026-12-04",
            "2026-12-04",
            "2026-12-11",
        ]


async def test_a_commitment_made_in_a_dm_or_with_private_is_told_only_to_the_member(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON))

        in_dm = await convene.command(
            "alice",
            "/commit Draft the discharge checklist by Friday",
            place=convene.adapter.dm("alice"),
        )
        (confirmed,) = in_dm
        assert confirmed.message.target.kind == "dm"
        assert confirmed.message.target.member_ids == ("alice",)
        assert confirmed.text.startswith("You committed to *Draft the discharge checklist*")
        assert "due Friday 4 December" in confirmed.text
        assert "09:00 your time" in confirmed.text

        quiet = await convene.command("alice", "/commit Check Bob's rota by Friday --private")
        (told,) = quiet
        assert told.message.visible_to == "alice"
        assert told.text.startswith("You committed to *Check Bob's rota*")
        assert posts(convene) == []

        # Private ones are still reminded, and finishing one still tells nobody else.
        await convene.advance(at(THURSDAY, 9, 30))
        assert [number_of(r) for r in reminders(convene, "alice")] == [
            number_of(confirmed),
            number_of(told),
        ]
        await convene.click("alice", "Done", on="Check Bob's rota")
        await convene.command("alice", f"/commit done {number_of(confirmed)}")
        assert posts(convene) == []
        assert [c.status for c in await commitments_stored(convene)] == ["done", "done"]


# -- reminders -------------------------------------------------------------------------------


async def test_london_new_york_and_tokyo_owners_are_reminded_at_nine_their_own_time(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        zones = {"alice": LONDON, "bob": NEW_YORK, "kenji": TOKYO}
        await add_members(convene, *zones.items())
        numbers = {}
        for member in zones:
            numbers[member], _ = await commit(
                convene, member, "/commit Draft the discharge checklist by Friday"
            )

        await convene.advance(utc(20, month=12))

        # The day before, on the day, then weekly while overdue: 09:00 where each one is.
        assert [sent_at(r) for r in reminders(convene, "alice")] == [
            utc(3, 9, month=12),
            utc(4, 9, month=12),
            utc(11, 9, month=12),
            utc(18, 9, month=12),
        ]
        assert [sent_at(r) for r in reminders(convene, "bob")] == [
            utc(3, 14, month=12),
            utc(4, 14, month=12),
            utc(11, 14, month=12),
            utc(18, 14, month=12),
        ]
        assert [sent_at(r) for r in reminders(convene, "kenji")] == [
            utc(3, 0, month=12),
            utc(4, 0, month=12),
            utc(11, 0, month=12),
            utc(18, 0, month=12),
        ]
        for member, zone in zones.items():
            sent = reminders(convene, member)
            assert [local(r, zone).date() for r in sent] == [
                date(2026, 12, 3),
                FRIDAY,
                date(2026, 12, 11),
                date(2026, 12, 18),
            ], member
            assert {local(r, zone).time() for r in sent} == {time(9, 0)}, member
            for item in sent:
                assert labels(item) == STATUS_BUTTONS
                assert {b.value for b in item.message.buttons} == {str(numbers[member])}
                assert f"(commitment {numbers[member]})" in item.text
            assert "is due tomorrow (Friday 4 December)" in sent[0].text
            assert "is due today" in sent[1].text
            assert "1 week ago" in sent[2].text
            assert "2 weeks ago" in sent[3].text

        # Alice finishes hers and Kenji lets his go: neither hears of it again. Bob still does.
        await convene.click("alice", "Done", on=REMINDER)
        await convene.click("kenji", "Drop", on=REMINDER)
        await convene.advance(utc(10, month=1, year=2027))
        assert len(reminders(convene, "alice")) == 4
        assert len(reminders(convene, "kenji")) == 4
        assert [sent_at(r) for r in reminders(convene, "bob")[4:]] == [
            utc(25, 14, month=12),
            utc(1, 14, month=1, year=2027),
            utc(8, 14, month=1, year=2027),
        ]


async def test_reminders_across_the_end_of_daylight_saving_still_come_at_nine_local(
    database_url: str,
) -> None:
    # London's clocks go back on Sunday 25 October 2026, New York's a week later on 1 November.
    async with running(database_url, start=utc(22, 12, month=10)) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        await commit(convene, "alice", "/commit Audit the drug cupboard by Friday")
        await commit(convene, "bob", "/commit Order the gloves by 30 October")
        await commit(convene, "bob", "/commit Renew the rota by 2 November")

        await convene.advance(utc(10))

        # Thursday's 09:00 (08:00 UTC) had passed when she committed: first the day itself.
        alice = reminders(convene, "alice")
        assert [sent_at(r) for r in alice] == [
            utc(23, 8, month=10),
            utc(30, 9, month=10),
            utc(6, 9),
        ]
        gloves = [r for r in reminders(convene, "bob") if "gloves" in r.text]
        assert [sent_at(r) for r in gloves] == [
            utc(29, 13, month=10),
            utc(30, 13, month=10),
            utc(6, 14),
        ]
        rota = [r for r in reminders(convene, "bob") if "rota" in r.text]
        assert [sent_at(r) for r in rota] == [
            utc(1, 14),  # Sunday, the day the clocks went back
            utc(2, 14),
            utc(9, 14),
        ]
        assert {local(r, LONDON).time() for r in alice} == {time(9, 0)}
        assert {local(r, NEW_YORK).time() for r in gloves + rota} == {time(9, 0)}


async def test_a_member_who_moves_to_tokyo_is_reminded_at_nine_tokyo_time(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON))
        await commit(convene, "alice", "/commit Draft the discharge checklist by Friday")
        await commit(convene, "alice", "/commit Tidy the shared drive")  # no date: no reminders

        moved, _ = await convene.only_reply("alice", "/convene me tz Asia/Tokyo")
        assert "Your time zone is now Asia/Tokyo." in moved
        assert "Commitment reminders now come at 09:00 your new time." in moved

        await convene.advance(utc(12, month=12))
        sent = reminders(convene, "alice")
        assert [sent_at(r) for r in sent] == [
            utc(3, 0, month=12),
            utc(4, 0, month=12),
            utc(11, 0, month=12),
        ]
        assert {local(r, TOKYO).time() for r in sent} == {time(9, 0)}


async def test_a_convener_who_corrects_a_members_zone_moves_their_reminders_too(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("bob", NEW_YORK))
        await commit(convene, "bob", "/commit Renew the rota by Friday")
        corrected = await convene.reply_to("you", "/convene member add bob --tz Asia/Tokyo")
        assert "time zone Asia/Tokyo" in corrected

        await convene.advance(utc(5, month=12))
        assert [sent_at(r) for r in reminders(convene, "bob")] == [
            utc(3, 0, month=12),
            utc(4, 0, month=12),
        ]


# -- the buttons on a reminder -------------------------------------------------------------


async def test_done_and_drop_on_a_reminder_are_told_in_the_channel_and_end_the_reminders(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("dana", LONDON))
        checklist, _ = await commit(
            convene, "alice", "/commit Draft the discharge checklist by Friday"
        )
        posters, _ = await commit(convene, "dana", "/commit Print the posters by Friday")
        await convene.advance(at(THURSDAY, 9, 30))
        assert len(reminders(convene, "alice")) == len(reminders(convene, "dana")) == 1

        done = await convene.click("alice", "Done", on=REMINDER)
        news = [d for d in done if d.message.visible_to is None]
        (told,) = news
        assert told.message.target.channel_id == "general"
        assert told.text.startswith("Done: alice finished *Draft the discharge checklist*")
        assert f"(commitment {checklist}," in told.text
        assert "after its due date" not in told.text
        assert any(d.text.startswith("Marked done:") for d in done if d.visible_to("alice"))

        dropped = await convene.click("dana", "Drop", on=REMINDER)
        (told,) = [d for d in dropped if d.message.visible_to is None]
        assert told.text.startswith("Dropped: dana let go of *Print the posters*")
        assert f"(commitment {posters}," in told.text

        await convene.advance(utc(20, month=12))
        assert len(reminders(convene, "alice")) == len(reminders(convene, "dana")) == 1
        assert {c.id: c.status for c in await commitments_stored(convene)} == {
            checklist: "done",
            posters: "dropped",
        }
        (finished,) = [c for c in await commitments_stored(convene) if c.id == checklist]
        assert finished.done_on_time is True
        assert finished.remind_at is None

        # A button pressed again on the old reminder changes nothing.
        again = await convene.click("alice", "Done", on=REMINDER)
        assert [d.message.visible_to for d in again] == ["alice"]
        assert "already done" in again[0].text


async def test_need_more_time_moves_the_due_date_and_blocked_records_why(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("bob", NEW_YORK), ("kenji", TOKYO))
        rota, _ = await commit(convene, "bob", "/commit Renew the rota by Friday")
        handover, _ = await commit(convene, "kenji", "/commit Write the handover notes by Friday")

        # Bob, reminded on Thursday morning, needs another week.
        await convene.advance(at(THURSDAY, 9, 30, NEW_YORK))
        assert len(reminders(convene, "bob")) == 1
        await convene.click("bob", "Need more time", on=REMINDER)
        form = convene.last_form("bob")
        assert form.form_id == "commitment.move"
        assert form.context == str(rota)
        assert [f.name for f in form.fields] == ["due"]
        moved = await convene.submit("bob", convene.last_form("bob"), {"due": "next friday"})
        (told,) = [d for d in moved if d.message.visible_to is None]
        assert told.message.target.channel_id == "general"
        assert told.text.startswith("Moved: bob's *Renew the rota*")
        assert "due Friday 11 December" in told.text
        assert "Friday 4 December" in told.text  # what it was
        assert any(
            d.text.startswith("Moved: *Renew the rota*") for d in moved if d.visible_to("bob")
        )

        # Kenji (already reminded at his 09:00) is blocked, and says why.
        assert len(reminders(convene, "kenji")) == 1
        await convene.click("kenji", "Blocked", on=REMINDER)
        form = convene.last_form("kenji")
        assert form.form_id == "commitment.block"
        assert form.context == str(handover)
        blocked = await convene.submit(
            "kenji", convene.last_form("kenji"), {"why": "waiting for IT to restore the drive"}
        )
        (told,) = [d for d in blocked if d.message.visible_to is None]
        assert told.text.startswith("Blocked: kenji's *Write the handover notes*")
        assert "waiting for IT to restore the drive" in told.text
        listed, _ = await convene.only_reply("kenji", "/commit list")
        assert "blocked: waiting for IT to restore the drive" in listed

        await convene.advance(utc(12, month=12))
        # Bob's reminders follow the new date: none on the old Friday.
        assert [sent_at(r) for r in reminders(convene, "bob")] == [
            utc(3, 14, month=12),
            utc(10, 14, month=12),
            utc(11, 14, month=12),
        ]
        # Kenji is still reminded while blocked, and the reminder says so.
        kenji = reminders(convene, "kenji")
        assert [sent_at(r) for r in kenji] == [
            utc(3, 0, month=12),
            utc(4, 0, month=12),
            utc(11, 0, month=12),
        ]
        assert "marked blocked: waiting for IT to restore the drive" in kenji[1].text
        statuses = {c.id: (c.status, c.due_on, c.note) for c in await commitments_stored(convene)}
        assert statuses == {
            rota: ("open", "2026-12-11", None),
            handover: ("blocked", "2026-12-04", "waiting for IT to restore the drive"),
        }


# -- asking someone else ---------------------------------------------------------------------


async def test_a_request_is_reminded_only_once_accepted(database_url: str) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        asked, _ = await convene.only_reply("alice", "/commit for @bob Book the room by tomorrow")
        assert asked.startswith("Asked bob to commit to *Book the room*")
        (request,) = convene.dms("bob")
        assert request.text.startswith("alice asks you to commit to *Book the room*")
        assert "due Tuesday 1 December" in request.text
        assert labels(request) == ["Accept", "Decline"]
        (waiting,) = posts(convene)
        assert waiting.text.startswith("alice asked bob to commit to *Book the room*")
        number = number_of(request)

        # Monday 09:00 in New York (the day before) passes with no reminder: not accepted yet.
        await convene.advance(at(MONDAY, 10, 0, NEW_YORK))
        assert reminders(convene, "bob") == []
        listed, _ = await convene.only_reply("bob", "/commit list")
        assert f"{number} · Book the room · due Tuesday 1 December · waiting for your answer" in (
            listed
        )
        listed, _ = await convene.only_reply("alice", "/commit list")
        assert f"{number} · Book the room · asked of bob" in listed

        accepted = await convene.click("bob", "Accept", on="asks you to commit")
        (told,) = [d for d in accepted if d.message.visible_to is None]
        assert told.message.target.channel_id == "general"
        assert told.text.startswith("bob accepted *Book the room*")
        assert any(d.text.startswith("You accepted *Book the room*") for d in accepted)

        await convene.advance(at(date(2026, 12, 2), 12, 0, NEW_YORK))
        (reminded,) = reminders(convene, "bob")
        assert sent_at(reminded) == at(date(2026, 12, 1), 9, 0, NEW_YORK)
        assert "is due today" in reminded.text
        assert labels(reminded) == STATUS_BUTTONS
        listed, _ = await convene.only_reply("alice", "/commit list")
        assert "asked of bob" not in listed


async def test_a_declined_request_is_told_to_the_asker_and_never_reminded(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))

        # Asked in a DM: the answer comes back to Alice in her DM.
        await convene.command(
            "alice",
            "/commit for @bob Order the gloves by Friday",
            place=convene.adapter.dm("alice"),
        )
        assert posts(convene) == []
        declined = await convene.click("bob", "Decline", on="Order the gloves")
        (to_alice,) = [d for d in declined if d.message.target.member_ids == ("alice",)]
        assert to_alice.text.startswith("bob declined *Order the gloves*")
        assert any(d.text.startswith("You declined *Order the gloves*") for d in declined)

        # Asked in a channel: the answer goes back to the channel, where Alice sees it.
        await convene.command("alice", "/commit for @bob Sort the linen by Friday")
        declined = await convene.click("bob", "Decline", on="Sort the linen")
        (told,) = [d for d in declined if d.message.visible_to is None]
        assert told.message.target.channel_id == "general"
        assert told.text.startswith("bob declined *Sort the linen*")
        assert told.visible_to("alice")

        again = await convene.click("bob", "Accept", on="Sort the linen")
        assert [d.message.visible_to for d in again] == ["bob"]
        assert "You already declined" in again[0].text

        await convene.advance(utc(20, month=12))
        assert reminders(convene, "bob") == []
        assert [c.status for c in await commitments_stored(convene)] == ["declined", "declined"]


async def test_the_asker_can_withdraw_a_request_that_is_still_waiting(database_url: str) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        number, _ = await commit(convene, "alice", "/commit for @bob Print the posters by Friday")

        # Bob cannot drop what he has not accepted; Alice, who asked, can withdraw it.
        refused, _ = await convene.only_reply("bob", f"/commit drop {number}")
        assert "not accepted" in refused
        withdrew, delivered = await convene.only_reply("alice", f"/commit drop {number}")
        assert withdrew.startswith("Withdrew your request *Print the posters*")
        (told,) = [d for d in delivered if d.message.visible_to is None]
        assert told.text.startswith("Withdrawn: the request *Print the posters*")

        late = await convene.click("bob", "Accept", on="Print the posters")
        assert [d.message.visible_to for d in late] == ["bob"]
        assert not late[0].text.startswith("You accepted")
        await convene.advance(utc(20, month=12))
        assert reminders(convene, "bob") == []
        assert [c.status for c in await commitments_stored(convene)] == ["dropped"]


async def test_accepting_a_withdrawn_request_says_it_was_withdrawn(database_url: str) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        number, _ = await commit(convene, "alice", "/commit for @bob Print the posters by Friday")
        await convene.command("alice", f"/commit drop {number}")
        (late,) = await convene.click("bob", "Accept", on="Print the posters")
        assert "already answered" not in late.text
        assert "withdrawn" in late.text.lower()


async def test_accepting_a_request_without_a_date_promises_no_reminders(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        await convene.command("alice", "/commit for @bob Tidy the shared drive")
        accepted = await convene.click("bob", "Accept", on="Tidy the shared drive")
        (answer,) = [d for d in accepted if d.message.visible_to == "bob"]
        assert answer.text.startswith("You accepted *Tidy the shared drive*")
        assert "remind" not in answer.text


# -- the commands ------------------------------------------------------------------------------


async def test_list_done_update_move_and_drop_by_number_with_apostrophes_in_the_text(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        await add_members(convene, ("alice", LONDON))
        rota, made = await commit(convene, "alice", "/commit Check Bob's rota by Friday")
        assert made[0].text.startswith("alice commits to *Check Bob's rota*")
        report, _ = await commit(convene, "alice", "/commit Write up the ward's audit in 2 weeks")
        drive, _ = await commit(convene, "alice", "/commit Tidy the shared drive")

        listed, _ = await convene.only_reply("alice", "/commit list")
        assert listed.splitlines() == [
            "Your commitments (3):",
            f"{rota} · Check Bob's rota · due Friday 4 December",
            f"{report} · Write up the ward's audit · due Monday 14 December",
            f"{drive} · Tidy the shared drive · no due date",
            "Change one with /commit done N, /commit move N DATE, /commit drop N.",
        ]

        def news_of(delivered: Sequence[Delivered]) -> str:
            (told,) = [d for d in delivered if d.message.visible_to is None]
            assert told.message.target.channel_id == "general"
            return told.text

        answer, delivered = await convene.only_reply(
            "alice", f"/commit update {rota} blocked: waiting for IT"
        )
        assert answer.startswith("Marked blocked: waiting for IT.")
        news = news_of(delivered)
        assert news.startswith("Blocked: alice's *Check Bob's rota*")
        assert news.endswith("waiting for IT.")
        listed, _ = await convene.only_reply("alice", "/commit list")
        assert f"{rota} · Check Bob's rota · due Friday 4 December · blocked: waiting for IT" in (
            listed
        )

        _, delivered = await convene.only_reply("alice", f"/commit update {rota} unblocked")
        assert news_of(delivered).startswith("Unblocked: alice's *Check Bob's rota*")
        listed, _ = await convene.only_reply("alice", "/commit list")
        assert "blocked" not in listed

        _, delivered = await convene.only_reply(
            "alice", f"/commit update {rota} Spoke to Sam's team about nights"
        )
        news = news_of(delivered)
        assert news.startswith("Update on alice's *Check Bob's rota*")
        assert news.endswith("Spoke to Sam's team about nights")

        answer, delivered = await convene.only_reply("alice", f"/commit move {rota} next friday")
        assert answer.startswith("Moved: *Check Bob's rota*")
        news = news_of(delivered)
        assert news.startswith("Moved: alice's *Check Bob's rota*")
        assert "due Friday 11 December" in news
        assert "Friday 4 December" in news

        answer, delivered = await convene.only_reply("alice", f"/commit done {rota}")
        assert answer.startswith("Marked done: *Check Bob's rota*")
        assert news_of(delivered).startswith("Done: alice finished *Check Bob's rota*")

        answer, delivered = await convene.only_reply("alice", f"/commit drop {report}")
        assert answer.startswith("Dropped *Write up the ward's audit*")
        assert news_of(delivered).startswith("Dropped: alice let go of *Write up the ward's audit*")

        listed, _ = await convene.only_reply("alice", "/commit list")
        assert listed.splitlines()[:2] == [
            "Your commitments (1):",
            f"{drive} · Tidy the shared drive · no due date",
        ]
        statuses = {c.id: (c.status, c.due_on) for c in await commitments_stored(convene)}
        assert statuses == {
            rota: ("done", "2026-12-11"),
            report: ("dropped", "2026-12-14"),
            drive: ("open", None),
        }

        # Refusals change nothing and say why.
        again, _ = await convene.only_reply("alice", f"/commit done {rota}")
        assert f"Commitment {rota} is already done" in again
        missing, _ = await convene.only_reply("alice", "/commit done 99")
        assert missing.startswith("There is no commitment 99.")
        assert f"Your open ones: {drive}" in missing
        past, _ = await convene.only_reply("alice", f"/commit move {drive} 2026-11-01")
        assert "has already passed" in past
        assert {c.id: c.status for c in await commitments_stored(convene)}[drive] == "open"


async def test_only_the_owner_can_change_a_commitment(database_url: str) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        number, _ = await commit(convene, "alice", "/commit Check the rota by Friday")
        for line in (
            f"/commit done {number}",
            f"/commit move {number} next friday",
            f"/commit update {number} blocked: no",
            f"/commit drop {number}",
        ):
            refused, delivered = await convene.only_reply("bob", line)
            assert refused.startswith(f"Commitment {number} is alice's, so only they can"), line
            assert [d.message.visible_to for d in delivered] == ["bob"], line
        (mine,) = await commitments_stored(convene)
        assert (mine.status, mine.due_on, mine.note) == ("open", "2026-12-04", None)


# -- the cap -------------------------------------------------------------------------------------


async def test_a_member_at_the_cap_is_kindly_refused_and_nothing_is_stored(
    database_url: str,
) -> None:
    async with running(
        database_url,
        start=MONDAY_MORNING,
        commitments=CommitmentsSection(max_open_per_member=2),
    ) as convene:
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        first, _ = await commit(convene, "alice", "/commit Check the rota by Friday")
        await commit(convene, "alice", "/commit Order the gloves by Friday")

        refused, delivered = await convene.only_reply("alice", "/commit Book the room by tomorrow")
        assert [d.message.visible_to for d in delivered] == ["alice"]
        assert refused.startswith("You have 2 open commitments already")
        assert "Finishing or dropping one first makes room" in refused
        assert len(await commitments_stored(convene)) == 2

        # Asking someone at the cap is refused too.
        await commit(convene, "bob", "/commit Renew the rota by Friday")
        await commit(convene, "bob", "/commit Call pharmacy by Friday")
        refused, _ = await convene.only_reply("alice", "/commit for @bob Sort the linen by Friday")
        assert refused.startswith("bob has 2 open commitments already")
        assert len(await commitments_stored(convene)) == 4

        # Finishing one makes room again.
        await convene.command("alice", f"/commit done {first}")
        made, _ = await commit(convene, "alice", "/commit Book the room by tomorrow")
        assert len(await commitments_stored(convene)) == 5
        assert made > first


async def test_accepting_a_request_over_the_cap_is_refused(database_url: str) -> None:
    async with running(
        database_url,
        start=MONDAY_MORNING,
        commitments=CommitmentsSection(max_open_per_member=2),
    ) as convene:
        convene.adapter.clock = convene.clock
        await add_members(convene, ("alice", LONDON), ("bob", NEW_YORK))
        # Asked while Bob had room; by the time he answers he has filled it himself.
        request, _ = await commit(convene, "alice", "/commit for @bob Sort the linen by Friday")
        await commit(convene, "bob", "/commit Renew the rota by Friday")
        await commit(convene, "bob", "/commit Call pharmacy by Friday")

        refused = await convene.click("bob", "Accept", on="Sort the linen")
        assert [d.message.visible_to for d in refused] == ["bob"]
        assert refused[0].text.startswith("You have 2 open commitments already")
        statuses = {c.id: c.status for c in await commitments_stored(convene)}
        assert statuses[request] == "proposed"
        assert await count_active(convene, "bob") == 2

        await convene.advance(utc(6, month=12))
        assert not any("Sort the linen" in r.text for r in reminders(convene, "bob"))


async def count_active(convene: Harness, member: str) -> int:
    async with convene.app.sessions() as session:
        found = await session.exec(select(Member).where(Member.platform_user_id == member))
        person = found.one()
        assert person.id is not None
        return await commitments_repo.count_active(session, person.id)


# -- the convener's overview -------------------------------------------------------------------


async def test_conveners_see_open_overdue_and_done_on_time_by_owner_and_silo(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as convene:
        for line in (
            "/convene silo add Pharmacy --kind team",
            "/convene silo add Radiotherapy --kind team",
            f"/convene member add alice --silo Pharmacy --tz {LONDON}",
            f"/convene member add bob --silo Radiotherapy --tz {NEW_YORK}",
            f"/convene member add kenji --silo Pharmacy,Radiotherapy --tz {TOKYO}",
        ):
            await convene.command("you", line)
        rota, _ = await commit(convene, "bob", "/commit Renew the rota by Wednesday")
        room, _ = await commit(convene, "bob", "/commit Book the room by tomorrow")
        audit, _ = await commit(convene, "alice", "/commit Audit the drug cupboard by Tuesday")
        random = convene.adapter.channel("random")
        kits, _ = await commit(
            convene, "alice", "/commit Order the spill kits by Friday", place=random
        )
        await commit(convene, "kenji", "/commit Write the handover notes by Friday", place=random)
        printer, _ = await commit(convene, "kenji", "/commit Fix the ward printer")
        await convene.command(
            "kenji", f"/commit update {printer} blocked: waiting for the engineer"
        )
        await convene.command("kenji", "/commit for @alice Check the fridge log")
        dropped, _ = await commit(convene, "kenji", "/commit Sort the linen")
        await convene.command("kenji", f"/commit drop {dropped}")

        await convene.advance(utc(2, 12, month=12))
        await convene.command("alice", f"/commit done {kits}")  # on time
        await convene.advance(utc(3, 12, month=12))
        await convene.command("bob", f"/commit done {room}")  # two days late

        # Thursday noon UTC: Alice's Tuesday and Bob's Wednesday have passed where they are.
        overview = await convene.reply_to("you", "/convene commitments")
        assert overview.splitlines()[0] == (
            "Commitments: 4 open (2 overdue, 1 blocked), 2 done (1 on time), 1 dropped, "
            "1 waiting to be accepted."
        )
        assert table_rows(overview) == [
            "alice Pharmacy 1 1 1 of 1",
            "bob Radiotherapy 1 1 0 of 1",
            "kenji Pharmacy, Radiotherapy 2 0 0 of 0",
        ]
        assert squeezed(overview).splitlines()[1:3] == [
            "```",
            "owner silos open overdue done on time",
        ]

        refused, delivered = await convene.only_reply("alice", "/convene commitments")
        assert refused.startswith("Only conveners can use /convene commitments.")
        assert [d.message.visible_to for d in delivered] == ["alice"]

        mine, _ = await convene.only_reply("alice", "/commit list")
        assert f"{audit} · Audit the drug cupboard · due Tuesday 1 December (overdue)" in mine

        overdue = await convene.reply_to("you", "/convene commitments --overdue")
        assert overdue.splitlines()[0] == "2 overdue commitments, oldest first:"
        assert table_rows(overdue) == [
            f"{audit} alice Audit the drug cupboard Tuesday 1 December 2 days open",
            f"{rota} bob Renew the rota Wednesday 2 December 1 day open",
        ]

        silo = await convene.reply_to("you", "/convene commitments --silo Radiotherapy")
        assert silo.splitlines()[0] == (
            "Commitments (silo Radiotherapy): 3 open (1 overdue, 1 blocked), 1 done "
            "(0 on time), 1 dropped, 0 waiting to be accepted."
        )
        assert [row.split()[0] for row in table_rows(silo)] == ["bob", "kenji"]

        overdue_in_pharmacy = await convene.reply_to(
            "you", "/convene commitments --overdue --silo Pharmacy"
        )
        assert overdue_in_pharmacy.splitlines()[0] == (
            "1 overdue commitment (silo Pharmacy), oldest first:"
        )
        assert [row.split()[0] for row in table_rows(overdue_in_pharmacy)] == [str(audit)]

        channel = await convene.reply_to("you", "/convene commitments --channel #random")
        assert channel.splitlines()[0] == (
            "Commitments (#random): 1 open (0 overdue, 0 blocked), 1 done (1 on time), "
            "0 dropped, 0 waiting to be accepted."
        )
        assert table_rows(channel) == [
            "kenji Pharmacy, Radiotherapy 1 0 0 of 0",
            "alice Pharmacy 0 0 1 of 1",
        ]
        nothing = await convene.reply_to("you", "/convene commitments --overdue --channel #random")
        assert nothing == "Nothing is overdue (#random)."

        unknown = await convene.reply_to("you", "/convene commitments --silo Oncology")
        assert unknown.startswith("There is no silo 'Oncology'. Silos: Pharmacy, Radiotherapy.")


# -- once and only once --------------------------------------------------------------------------


async def test_a_restart_or_a_replayed_sweep_sends_each_reminder_once(database_url: str) -> None:
    friday_nine = at(FRIDAY, 9, 0)
    async with running(database_url, start=MONDAY_MORNING) as first:
        first.adapter.clock = first.clock
        await add_members(first, ("alice", LONDON), ("bob", LONDON))
        await commit(first, "alice", "/commit Draft the discharge checklist by Friday")
        await commit(first, "bob", "/commit Renew the rota by Friday")
        await first.advance(at(THURSDAY, 9, 0))
        before_restart = reminders(first, "alice") + reminders(first, "bob")
        assert [sent_at(r) for r in before_restart] == [at(THURSDAY, 9, 0)] * 2

    # The same database, a new process, started at the very moment of Thursday's sweep.
    async with running(database_url, start=at(THURSDAY, 9, 0)) as second:
        second.adapter.clock = second.clock
        await second.app.settle()
        assert second.adapter.delivered == []

        await second.advance(friday_nine)
        on_the_day = reminders(second, "alice") + reminders(second, "bob")
        assert [sent_at(r) for r in on_the_day] == [friday_nine] * 2

        # Friday's timer fired again, as a replay after a crash or a second instance would.
        async with second.app.sessions.begin() as session:
            await execute(
                session,
                update(Timer)
                .where(col(Timer.job) == REMIND_JOB, col(Timer.due_at) == friday_nine)
                .values(status="pending", fired_at=None),
            )
        await second.app.settle()
        assert len(reminders(second, "alice") + reminders(second, "bob")) == 2

        # Even a sweep that read the commitments before the first one moved them on (their
        # reminder still at Friday 09:00) sends nothing twice.
        async with second.app.sessions.begin() as session:
            await execute(session, update(Commitment).values(remind_at=friday_nine))
            await execute(
                session,
                update(Timer)
                .where(col(Timer.job) == REMIND_JOB, col(Timer.due_at) == friday_nine)
                .values(status="pending", fired_at=None),
            )
        await second.app.settle()
        assert len(reminders(second, "alice") + reminders(second, "bob")) == 2

        # And the week after, each is reminded once more.
        await second.advance(at(FRIDAY + timedelta(days=7), 10, 0))
        weekly = reminders(second, "alice") + reminders(second, "bob")
        assert (
            sorted(sent_at(r) for r in weekly)
            == [friday_nine] * 2 + [at(FRIDAY + timedelta(days=7), 9, 0)] * 2
        )


async def test_a_sweep_that_runs_late_after_downtime_reminds_once_and_then_weekly(
    database_url: str,
) -> None:
    async with running(database_url, start=MONDAY_MORNING) as first:
        await add_members(first, ("alice", LONDON))
        await commit(first, "alice", "/commit Draft the discharge checklist by Friday")
        await first.advance(at(date(2026, 12, 2), 12, 0))
        assert reminders(first, "alice") == []

    # Down from Wednesday until Saturday morning: Thursday's and Friday's 09:00 were missed.
    saturday = at(date(2026, 12, 5), 10, 0)
    async with running(database_url, start=saturday) as second:
        second.adapter.clock = second.clock
        await second.app.settle()
        (late,) = reminders(second, "alice")
        assert sent_at(late) == saturday
        assert "was due Friday 4 December" in late.text
        assert labels(late) == STATUS_BUTTONS

        await second.advance(utc(12, month=12))
        assert [sent_at(r) for r in reminders(second, "alice")] == [
            saturday,
            at(date(2026, 12, 11), 9, 0),
        ]


async def test_a_late_reminder_the_day_after_says_one_day_ago(database_url: str) -> None:
    async with running(database_url, start=MONDAY_MORNING) as first:
        await add_members(first, ("alice", LONDON))
        await commit(first, "alice", "/commit Draft the discharge checklist by Friday")
    async with running(database_url, start=at(date(2026, 12, 5), 10, 0)) as second:
        await second.app.settle()
        (late,) = reminders(second, "alice")
        assert "(1 day ago)" in late.text
