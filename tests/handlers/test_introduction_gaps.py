"""Introductions that give people time: the minimum gap, members paused automatically,
and ``/pairing status``, as conveners and members live them (memory adapter, manual clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import Delivered
from bot.adapter import Capabilities
from bot.events import HomeOpened
from storage.models import PairingRound, Participant, Programme
from tests.support.harness import Harness, running
from tests.support.times import THURSDAY_NOON

FRIDAY_ROUND = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
"""The first scheduled round of a programme started on Thursday "every Friday 10:00" (London)."""

LANDSCAPE = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind organisation',
    "/convene silo add Radiography --kind profession",
    "/convene silo add Wards --kind team",
    "/convene member add alice --silo Radiotherapy --tz Europe/London",
    '/convene member add bob --silo "Public Health" --tz America/New_York',
    "/convene member add carol --silo Radiography --tz Europe/London",
    "/convene member add dan --silo Wards --tz Europe/Berlin",
    '/convene member add erin --silo "Public Health" --tz Asia/Tokyo',
    "/convene member add fay --silo Radiography --tz Europe/London",
]
FIRST_FOUR = ("alice", "bob", "carol", "dan")


async def set_up(convene: Harness, every: str = "every Friday 10:00") -> None:
    for line in LANDSCAPE:
        await convene.command("you", line)
    started = await convene.reply_to(
        "you", f"/convene pairing start #general {every} --tz Europe/London"
    )
    assert "Introductions are starting in #general" in started


async def join(convene: Harness, *names: str, where: str = "") -> None:
    for name in names:
        reply = await convene.reply_to(name, f"/pairing join {where}".strip())
        assert "You're in the introductions" in reply, reply


def intros(delivered: list[Delivered]) -> list[Delivered]:
    return [d for d in delivered if d.text.startswith("*Introductions, round")]


def introduced(delivered: list[Delivered]) -> set[str]:
    return {m for d in intros(delivered) for m in d.message.target.member_ids}


def channel_summary(delivered: list[Delivered]) -> str:
    (summary,) = [d.text for d in delivered if d.text.startswith("Round ") and " of " in d.text]
    return summary


async def rounds_run(convene: Harness) -> int:
    return len(await convene.rows(PairingRound))


# -- the minimum gap -------------------------------------------------------------------------


async def test_a_round_now_the_day_before_the_scheduled_round_leaves_its_members_out_of_it(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        now = await convene.command("you", "/convene pairing round now")
        assert introduced(now) == set(FIRST_FOUR)
        await join(convene, "erin", "fay")

        friday = await convene.advance(FRIDAY_ROUND)

        assert introduced(friday) == {"erin", "fay"}
        assert channel_summary(friday) == (
            "Round 2 of introductions in #general: 2 people in 1 group; 4 people introduced in "
            "the last 5 days sit this one out. Check your DMs!"
        )
        # Those who sat out are not told: their first introduction is a day old.
        assert not [d for d in friday if d.text.startswith("No introduction for you")]

        # A week later everyone is introduced again: seven days is more than the gap.
        week_later = await convene.advance(FRIDAY_ROUND + timedelta(weeks=1))
        assert introduced(week_later) == {*FIRST_FOUR, "erin", "fay"}


async def test_a_lone_newcomer_is_told_the_others_were_introduced_lately(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        await join(convene, "erin")

        friday = await convene.advance(FRIDAY_ROUND)

        assert intros(friday) == []
        assert [d.text for d in convene.dms("erin", "No introduction")] == [
            "No introduction for you this round in #general: everyone else taking part was "
            "introduced in the last 5 days, so there was nobody to meet. You will be in the next "
            "one."
        ]
        assert channel_summary(friday) == (
            "Round 2 of introductions in #general: no groups this time: 4 people introduced in "
            "the last 5 days sit this one out, which left 1 person, not enough for a group. "
            "Those who sat out are in the next round."
        )


async def test_with_the_gap_turned_off_the_next_days_round_introduces_everyone_again(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        settings = await convene.reply_to("you", "/convene pairing settings --min-gap 0")
        assert settings.endswith("no minimum gap between a member's introductions.")
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")

        friday = await convene.advance(FRIDAY_ROUND)

        assert introduced(friday) == set(FIRST_FOUR)


async def test_a_round_now_within_the_gap_says_who_it_would_leave_out_and_runs_nothing(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        convene.clock.advance(timedelta(hours=1))

        asked = await convene.command("you", "/convene pairing round now")

        (answer,) = asked
        assert answer.text == (
            "Not yet: alice, bob, carol and dan were introduced in round 1 on Thu 26 Nov (free "
            "again from Tue 1 Dec). #general leaves at least 5 days between a member's "
            "introductions, so a round now would leave them out and have nobody to introduce. "
            "To introduce them all the same: [Run it anyway], or /convene pairing round now "
            "#general --anyway"
        )
        assert [b.label for b in answer.message.buttons] == ["Run it anyway"]
        assert await rounds_run(convene) == 1


async def test_the_convener_insists_with_anyway_and_everyone_is_introduced_again(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")

        again = await convene.command("you", "/convene pairing round now --anyway")

        assert introduced(again) == set(FIRST_FOUR)
        assert again[-1].text == (
            "Round 2 is out: 4 taking part, 2 groups, no new bridges. alice, bob, carol and dan "
            "were introduced again within 5 days, as you asked."
        )


async def test_run_it_anyway_runs_one_round_however_often_it_is_pressed(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        asked = await convene.command("you", "/convene pairing round now")

        first = await convene.press("you", asked[0], "Run it anyway")
        second = await convene.press("you", asked[0], "Run it anyway")

        assert introduced(first) == set(FIRST_FOUR)
        assert intros(second) == []
        assert second[-1].text == (
            "Round 2 of #general has run since I asked, so I did not run another. For one more: "
            "/convene pairing round now #general"
        )
        assert await rounds_run(convene) == 2


async def test_run_it_without_them_introduces_only_those_outside_the_gap(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        await join(convene, "erin", "fay")

        asked = await convene.command("you", "/convene pairing round now")
        assert "a round now would leave them out and introduce only erin and fay." in asked[0].text
        assert [b.label for b in asked[0].message.buttons] == [
            "Run it without them",
            "Run it anyway",
        ]
        ran = await convene.press("you", asked[0], "Run it without them")

        assert introduced(ran) == {"erin", "fay"}
        assert ran[-1].text == (
            "Round 2 is out: 2 taking part, 1 group, no new bridges. alice, bob, carol and dan "
            "sat it out, introduced in the last 5 days."
        )


async def test_a_round_now_that_would_leave_one_newcomer_alone_offers_only_to_insist(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        await join(convene, "erin")

        (asked,) = await convene.command("you", "/convene pairing round now")

        assert "a round now would leave them out and leave erin alone, with nobody to meet." in (
            asked.text
        )
        assert [b.label for b in asked.message.buttons] == ["Run it anyway"]


async def test_only_a_convener_may_insist(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, *FIRST_FOUR)
        await convene.command("you", "/convene pairing round now")
        asked = await convene.command("you", "/convene pairing round now")

        typed = await convene.reply_to("alice", "/convene pairing round now --anyway")
        pressed = await convene.press("alice", asked[0], "Run it anyway")

        assert typed.startswith("Only conveners can")
        assert pressed[-1].text.startswith("Only conveners can run a round of introductions.")
        assert await rounds_run(convene) == 1


GAP_SETTINGS = [
    ("--min-gap 5d", 5, "at least 5 days between a member's introductions."),
    ("--min-gap 3", 3, "at least 3 days between a member's introductions."),
    ("--min-gap 1w", 7, "at least 7 days between a member's introductions."),
    ("--min-gap 1 day", 1, "at least 1 day between a member's introductions."),
    ("--min-gap off", 0, "no minimum gap between a member's introductions."),
]


@pytest.mark.parametrize(("typed", "days", "said"), GAP_SETTINGS)
async def test_the_convener_sets_the_gap_in_days_or_weeks(
    sqlite_url: str, typed: str, days: int, said: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        answer = await convene.reply_to("you", f"/convene pairing settings {typed}")
        assert answer.startswith("Updated. #general:")
        assert answer.endswith(said)
        (programme,) = await convene.rows(Programme)
        assert programme.min_gap_days == days
        assert said in await convene.reply_to("you", "/convene pairing status")


BAD_GAPS = [
    (
        "--min-gap 2w",
        "--min-gap 2w: rounds in #general come every week, so a gap of more than 7 days would "
        "keep members out of every other round. Try /convene pairing settings #general "
        "--min-gap 5d.",
    ),
    (
        "--min-gap soon",
        "--min-gap soon: I read the gap in days or weeks, like 5d or 1w. Try /convene pairing "
        "settings #general --min-gap 5d, or --min-gap 0 to turn it off.",
    ),
    ("--min-gap 3 months", "--min-gap 3 months: I read the gap in days or weeks"),
]


@pytest.mark.parametrize(("typed", "said"), BAD_GAPS)
async def test_a_gap_that_cannot_be_used_is_refused_and_nothing_changes(
    sqlite_url: str, typed: str, said: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        refused = await convene.command("you", f"/convene pairing settings --size 3 {typed}")
        (answer,) = refused
        assert answer.text.startswith(said)
        assert "\n" not in answer.text
        (programme,) = await convene.rows(Programme)
        assert (programme.min_gap_days, programme.group_size) == (5, 2)


# -- members paused automatically ------------------------------------------------------------


async def ignore_three_rounds(
    convene: Harness, first_round: datetime, *, answering: tuple[str, ...] = ()
) -> None:
    """Three weekly rounds whose follow-ups only ``answering`` answer."""

    for week in range(3):
        await convene.advance(first_round + timedelta(weeks=week, days=3))
        for name in answering:
            await convene.click(name, "We won't")


async def test_when_a_round_finds_nobody_the_convener_is_shown_who_is_paused_and_can_resume_them(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)

        fourth = await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))

        assert intros(fourth) == []
        (note,) = [d for d in fourth if d.message.target.member_ids == ("you",)]
        assert note.message.target.kind == "dm"
        assert note.text == (
            "Round 4 of introductions in #general made no groups: nobody was taking part.\n"
            "Paused automatically after 3 unanswered follow-ups: dan and erin. Resuming puts "
            "them back in the next round, with a short message to each of them."
        )
        assert [b.label for b in note.message.buttons] == ["Resume them"]

        resumed = await convene.click("you", "Resume them")

        assert resumed[-1].text == (
            "Resumed dan and erin in #general; each has a message saying so. "
            "Next round: Fri 25 Dec 2026 10:00 GMT."
        )
        (back,) = convene.dms("dan", "You are back")
        assert back.text == (
            "You are back in the introductions in #general: a convener resumed you after your "
            "automatic pause. Next round: Fri 25 Dec 2026 11:00 CET. Rather not? Take a break "
            "with /pairing pause 2w, or stop with /pairing leave."
        )
        assert convene.dms("erin", "You are back")
        # Their old unanswered follow-ups do not pause them again at once.
        fifth = await convene.advance(FRIDAY_ROUND + timedelta(weeks=4))
        assert introduced(fifth) == {"dan", "erin"}
        assert not [d for d in fifth if "paused your introductions" in d.text]


async def test_a_member_paused_automatically_who_joins_again_starts_afresh(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)
        await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))
        await join(convene, "dan", "erin")

        fifth = await convene.advance(FRIDAY_ROUND + timedelta(weeks=4))

        assert introduced(fifth) == {"dan", "erin"}


async def test_a_round_that_pairs_everyone_bothers_no_convener(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob", "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND, answering=("alice", "bob"))

        fourth = await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))

        assert introduced(fourth) == {"alice", "bob"}
        assert [d for d in fourth if "paused your introductions" in d.text]  # dan and erin
        assert convene.dms("you") == []


async def test_the_convener_status_names_who_is_paused_automatically_and_who_sits_out_next(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)
        await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))
        await join(convene, "alice", "bob", "carol")
        await convene.command("you", "/convene pairing round now")  # on Friday, after round 4
        await convene.reply_to("fay", "/pairing join")
        await convene.reply_to("fay", "/pairing pause 2w")

        status = await convene.command("you", "/convene pairing status")

        (answer,) = status
        assert answer.text == (
            "#general: running, 5 rounds so far; 3 taking part, 3 paused (2 automatically); "
            "next round Fri 25 Dec 2026 10:00 GMT; at least 5 days between a member's "
            "introductions.\n"
            "Paused automatically after 3 unanswered follow-ups: dan and erin. Resuming puts "
            "them back in the next round, with a short message to each of them."
        )
        assert [b.label for b in answer.message.buttons] == ["Resume them"]


async def test_the_convener_status_says_who_will_sit_the_next_round_out(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob")
        await convene.command("you", "/convene pairing round now")

        status = await convene.reply_to("you", "/convene pairing status")

        assert status == (
            "#general: running, 1 round so far; 2 taking part, 0 paused; next round "
            "Fri 27 Nov 2026 10:00 GMT; at least 5 days between a member's introductions. "
            "alice and bob sit the next round out, introduced less than 5 days before it."
        )


async def test_with_several_programmes_each_has_its_own_resume_button(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await convene.command(
            "you", "/convene pairing start #random every Tuesday 09:00 --tz Europe/London"
        )
        await join(convene, "dan", "erin")
        await join(convene, "dan", "erin", where="#random")
        await convene.advance(datetime(2026, 12, 22, 9, 0, tzinfo=UTC))  # 4 rounds of each

        (status,) = await convene.command("you", "/convene pairing status")
        assert [b.label for b in status.message.buttons] == [
            "Resume them in #general",
            "Resume them in #random",
        ]
        await convene.press("you", status, "Resume them in #random")

        standing = {
            (p.programme_id, p.member_id): p.status for p in await convene.rows(Participant)
        }
        assert sorted(standing.values()) == ["active", "active", "paused", "paused"]
        programmes = {p.id: p.channel_name for p in await convene.rows(Programme)}
        assert {programmes[pid] for (pid, _), st in standing.items() if st == "active"} == {
            "random"
        }


async def test_a_member_cannot_resume_others(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)
        fourth = await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))
        (note,) = [d for d in fourth if d.message.buttons and d.message.target.kind == "dm"]

        refused = await convene.press("dan", note, "Resume them")

        assert refused[-1].text.startswith("Only conveners can resume members' introductions.")
        participants = await convene.rows(Participant)
        assert {p.status for p in participants} == {"paused"}


# -- /pairing status ---------------------------------------------------------------------------


async def test_a_member_sees_where_they_stand_in_every_programme(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        convene.adapter.channels.add("data")
        await convene.command(
            "you", "/convene pairing start #random every Tuesday 09:00 --tz Europe/London"
        )
        await convene.command(
            "you", "/convene pairing start #data every Monday 09:00 --tz Europe/London"
        )
        await join(convene, "dan", "alice")
        await join(convene, "dan", "bob", where="#random")
        await join(convene, "dan", where="#data")
        await convene.reply_to("dan", "/pairing about I run the night wards")
        await convene.reply_to("dan", "/pairing avoid @carol")
        await convene.command("you", "/convene pairing round now #general")
        await convene.reply_to("dan", "/pairing pause 10d #random")
        await convene.reply_to("dan", "/pairing leave #data")

        status = await convene.reply_to("dan", "/pairing status")

        assert status == (
            "Your introductions:\n"
            "- #data: you left. Come back any time with /pairing join #data.\n"
            "- #general: you're in. You sit out the round on Fri 27 Nov, less than 5 days after "
            "your last introduction; your next round: Fri 4 Dec 2026 11:00 CET. Last "
            "introduction: round 1 on Thu 26 Nov, with alice.\n"
            "- #random: paused until Sun 6 Dec 2026 13:00 CET; you come back by yourself then, "
            "or sooner with /pairing join #random. No introduction yet.\n"
            'Your line: "I run the night wards" (change it with /pairing about …).\n'
            "You avoid 1 person: carol (only you can see this; undo with /pairing unavoid "
            "@carol)."
        )


async def test_a_member_paused_automatically_is_told_how_to_come_back(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)
        await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))

        status = await convene.reply_to("erin", "/pairing status #general")

        assert status.startswith(
            "Your introductions:\n"
            "- #general: paused automatically after 3 follow-ups went unanswered. Come back "
            "with /pairing join #general. Last introduction: round 3 on Fri 11 Dec, with dan.\n"
            "No line about you yet: /pairing about I work on …\n"
            "You avoid nobody."
        )


async def test_a_member_in_no_programme_is_told_where_introductions_run(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await convene.command("fay", "/convene me")

        status = await convene.reply_to("fay", "/pairing status")

        assert status == (
            "You are not in any introductions. They run in #general; join with "
            "/pairing join #general"
        )


async def test_pairing_status_is_listed_in_pairing_help(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        help_text = await convene.reply_to("alice", "/pairing help")
        assert "/pairing status" in help_text


async def test_the_home_tab_says_how_a_member_paused_automatically_comes_back(
    sqlite_url: str,
) -> None:
    with_home = Capabilities(group_dm=True, home_tab=True)
    async with running(sqlite_url, start=THURSDAY_NOON, capabilities=with_home) as convene:
        await set_up(convene)
        await join(convene, "dan", "erin")
        await ignore_three_rounds(convene, FRIDAY_ROUND)
        await convene.advance(FRIDAY_ROUND + timedelta(weeks=3))
        adapter = convene.adapter

        opened = HomeOpened(
            platform=adapter.platform,
            workspace_id=adapter.workspace_id,
            actor_id="dan",
            actor_name="dan",
            place=adapter.dm("dan"),
            event_id="dan-opens-home",
        )
        before = len(adapter.delivered)
        await adapter.push(opened)
        await convene.app.settle()
        home = adapter.delivered[before:]

        (shown,) = [d for d in home if d.message.target.kind == "home"]
        assert (
            "- #general: paused automatically after 3 follow-ups went unanswered. Come back with "
            "/pairing join #general." in shown.text
        )


async def test_a_member_in_new_york_who_joins_hears_the_next_round_at_new_york_time(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)  # rounds every Friday 10:00 London time

        bob = await convene.reply_to("bob", "/pairing join")
        alice = await convene.reply_to("alice", "/pairing join")

    assert "Next round: Fri 27 Nov 2026 05:00 EST." in bob
    assert "Next round: Fri 27 Nov 2026 10:00 GMT." in alice
