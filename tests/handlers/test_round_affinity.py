"""Rounds that weigh topic affinity: a convener turns ``--affinity on``, and members whose
check-in answers match (one's need, another's offer) meet, told what each wrote.

Four members in four teams, so every pairing builds as many bridges and only
what they wrote tells the pairings apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from storage.models import Member, PairingGroup, Programme
from tests.support.harness import Harness, running
from tests.support.times import THURSDAY_NOON

CHECKIN_TIME = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)  # Monday 09:05 London
FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London
START = "/convene pairing start #general every Monday 10:00 --tz Europe/London"

LANDSCAPE = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind team',
    "/convene silo add Data --kind team",
    "/convene silo add Wards --kind team",
    "/convene member add alice --silo Radiotherapy --tz Europe/London",
    '/convene member add bob --silo "Public Health" --tz Europe/London',
    "/convene member add carol --silo Data --tz Europe/London",
    "/convene member add dan --silo Wards --tz Europe/London",
]

ALICE_NEEDS = "Discharge coordination with social care for patients finishing radiotherapy"
DAN_OFFERS = "A daily huddle with social care that solved our discharge coordination"
ANSWERS = {
    # The exchange template: offer, need, offer.
    "alice": ["Planning for head and neck cancers", ALICE_NEEDS, "-"],
    "bob": ["Smoking cessation leaflets", "Finding a room for the flu clinic", "-"],
    "carol": ["A dashboard of bed occupancy", "Access to the theatre booking system", "-"],
    "dan": [DAN_OFFERS, "Nothing at the moment", "-"],
}


async def set_up(convene: Harness, start: str = START) -> None:
    for line in LANDSCAPE:
        await convene.command("you", line)
    convene.adapter.channel_members["general"] = [
        ChannelMember(name, name, "Europe/London") for name in ANSWERS
    ]
    created = await convene.reply_to(
        "you", "/convene checkin create Exchange #general every Monday 09:00 --template exchange"
    )
    assert created.startswith("Created the check-in"), created
    started = await convene.reply_to("you", start)
    assert "Introductions are starting in #general" in started, started
    for name in ANSWERS:
        joined = await convene.reply_to(name, "/pairing join")
        assert "You're in the introductions in #general" in joined


async def answer_the_checkin(convene: Harness, answers: dict[str, list[str]]) -> None:
    await convene.advance(CHECKIN_TIME)
    for name, theirs in answers.items():
        await convene.click(name, "Answer")
        done = await convene.answer_form(name, theirs)
        assert "Thank you!" in done[-1].text, done[-1].text


def intros(delivered: Sequence[Delivered]) -> dict[tuple[str, ...], str]:
    return {
        d.message.target.member_ids: d.text
        for d in delivered
        if d.text.startswith("*Introductions, round")
    }


TOPIC_LINE = f'Something to talk about: alice wrote "{ALICE_NEEDS}", and dan wrote "{DAN_OFFERS}".'


@pytest.mark.parametrize("turned_on", ["at the start", "in the settings"])
async def test_a_member_stuck_on_something_meets_the_one_who_wrote_about_solving_it(
    sqlite_url: str, turned_on: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        if turned_on == "at the start":
            await set_up(convene, START + " --affinity on")
        else:
            await set_up(convene)
            settings = await convene.reply_to("you", "/convene pairing settings --affinity on")
            assert "; topic affinity on; " in settings
            assert "is more likely to meet someone from another silo" in settings
        await answer_the_checkin(convene, ANSWERS)

        groups = intros(await convene.advance(FIRST_ROUND))

        assert sorted(groups) == [("alice", "dan"), ("bob", "carol")]
        lines = groups[("alice", "dan")].split("\n")
        why = next(k for k, line in enumerate(lines) if line.startswith("Why you: "))
        assert lines[why + 1] == TOPIC_LINE
        assert "Something to talk about" not in groups[("bob", "carol")]
        rows = await convene.rows(PairingGroup, order_by=PairingGroup.id)
        assert [("affinity" in row.reasons) for row in rows].count(True) == 1


async def test_with_affinity_off_what_members_wrote_plays_no_part(sqlite_url: str) -> None:
    """The seed of this programme's first round pairs alice with someone else."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await answer_the_checkin(convene, ANSWERS)
        groups = intros(await convene.advance(FIRST_ROUND))

    assert ("alice", "dan") not in groups
    assert len(groups) == 2
    assert all("Something to talk about" not in text for text in groups.values())


async def test_a_member_who_opted_out_of_suggestions_is_not_matched_by_what_they_wrote(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene, START + " --affinity on")
        await answer_the_checkin(convene, ANSWERS)
        await opt_out(convene, "dan")
        groups = intros(await convene.advance(FIRST_ROUND))

    assert all("Something to talk about" not in text for text in groups.values())


async def test_a_take_away_meant_for_conveners_only_matches_but_is_never_quoted(
    sqlite_url: str,
) -> None:
    """Dan learned it in an introduction and kept it for conveners: alice hears only that
    dan has worked on something like her need."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await answer_the_checkin(convene, {"dan": ["Ward rounds", "-", "-"]})
        first = intros(await convene.advance(FIRST_ROUND))
        (dans,) = [members for members in first if "dan" in members]
        await convene.advance(FIRST_ROUND + timedelta(days=3))
        await convene.click("dan", "We met")
        _event, form = convene.adapter.forms_opened[-1]
        await convene.adapter.submit(
            "dan", form, {"learning": DAN_OFFERS, "consent": "Conveners only"}
        )
        await convene.app.settle()
        assert "alice" not in dans, "alice and dan have not met yet"

        await convene.command("you", "/convene pairing settings --affinity on")
        await convene.advance(CHECKIN_TIME + timedelta(weeks=1))
        await convene.click("alice", "Answer")
        await convene.answer_form("alice", ["-", ALICE_NEEDS, "-"])
        groups = intros(await convene.advance(FIRST_ROUND + timedelta(weeks=1)))

    assert ("alice", "dan") in groups
    text = groups[("alice", "dan")]
    assert (
        f'Something to talk about: alice wrote "{ALICE_NEEDS}", and dan has worked on '
        "something like it." in text
    )
    assert DAN_OFFERS not in text


async def test_affinity_on_or_off_only_and_nothing_changes_on_a_mistake(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        refused = await convene.reply_to(
            "you", "/convene pairing settings --size 3 --affinity maybe"
        )
        assert refused.startswith("--affinity maybe: say on (rounds also weigh what members")
        settings = await convene.reply_to("you", "/convene pairing settings")
        assert "in pairs;" in settings and "; topic affinity off; " in settings
        (programme,) = await convene.rows(Programme)
        assert (programme.group_size, programme.affinity) == (2, False)

        bad_start = await convene.reply_to(
            "you", "/convene pairing start #random every Monday 10:00 --affinity yes"
        )
        assert bad_start.startswith("--affinity yes: say on")
        assert len(await convene.rows(Programme)) == 1

        status = await convene.reply_to("you", "/convene pairing status")
        assert "topic affinity" not in status
        turned = await convene.reply_to("you", "/convene pairing settings --affinity ON")
        assert turned.startswith("Updated. ") and "; topic affinity on; " in turned
        status = await convene.reply_to("you", "/convene pairing status")
        assert "between a member's introductions; topic affinity on." in status
        again = await convene.reply_to("you", "/convene pairing settings --affinity on")
        assert "more likely to meet" not in again, "said once, when it is turned on"
        off = await convene.reply_to("you", "/convene pairing settings --affinity off")
        assert "; topic affinity off; " in off


async def opt_out(convene: Harness, name: str) -> None:
    """As ``/pairing suggest off`` leaves the member (the opportunities job's command)."""

    async with convene.app.sessions() as session:
        member = (await session.exec(select(Member).where(Member.display_name == name))).one()
        member.suggestions_off_at = convene.clock.now()
        session.add(member)
        await session.commit()
