"""A convener sets schedules and zones: the answer names the next three times, and a
clock's name ("GMT", "EST") is asked about with buttons, writing nothing until chosen.

The next times an answer names are checked against what Convene then really
does: the prompts it sends (check-ins, at each member's own time) and the
slots the round job takes (introductions), across a change of the clocks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.adapter import ChannelMember
from bot.command_buttons import KEPT_COMMAND, KEPT_LINE, RUN_COMMAND
from handlers.introductions.commands import next_rounds
from handlers.introductions.round_dates import next_round
from storage.models import Checkin, FormDraft, Member, Programme
from tests.support.harness import Harness, running
from tests.support.reading import sent_at
from tests.support.times import LONDON, THURSDAY_NOON, TOKYO, at

TABLES = ("members", "checkins", "schedules", "programmes", "timers")
SPRING = datetime(2027, 3, 18, 12, 0, tzinfo=UTC)
"""Thursday 18 March 2027: the clocks go forward in the UK ten days later."""
PROMPT = "Time for *"


def short(moments: list[datetime], zone: str = LONDON) -> str:
    """Moments as an answer lists them: "Mon 30 Nov 09:00, Mon 7 Dec 09:00"."""

    walls = [moment.astimezone(ZoneInfo(zone)) for moment in moments]
    return ", ".join(f"{w:%a} {w.day} {w:%b} {w:%H:%M}" for w in walls)


async def everyone_has_spoken(convene: Harness, *members: str) -> None:
    """Members Convene has met (a refusal still meets its author)."""

    for member in members:
        await convene.command(member, "/convene me")


async def zone_of(convene: Harness, name: str) -> str | None:
    found = [m for m in await convene.rows(Member) if m.display_name == name]
    return found[0].timezone if found else None


# -- a clock's name is asked about, and nothing is written until a zone is chosen -----------


async def test_a_uk_member_typing_gmt_keeps_no_zone_until_she_presses_europe_london(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await everyone_has_spoken(convene, "alice")
        before = await convene.snapshot(TABLES, order_by="1")

        (refused,) = await convene.command("alice", "/convene me tz GMT")

        assert refused.text.startswith("'GMT' is short for Greenwich Mean Time")
        assert refused.message.visible_to == "alice"
        assert refused.message.buttons[0].label == "Europe/London"
        assert await convene.snapshot(TABLES, order_by="1") == before

        (chosen,) = await convene.click("alice", "Europe/London")

        assert chosen.text == "Your time zone is now Europe/London."
        assert await zone_of(convene, "alice") == LONDON


async def test_adding_a_member_on_est_adds_nobody_until_a_zone_is_pressed(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await everyone_has_spoken(convene, "you")
        before = await convene.snapshot(TABLES, order_by="1")

        (refused,) = await convene.command("you", "/convene member add sam --tz EST")

        assert [(b.label, b.action_id) for b in refused.message.buttons] == [
            ("America/New_York", RUN_COMMAND),
            ("America/Toronto", RUN_COMMAND),
            ("America/Detroit", RUN_COMMAND),
        ]
        assert refused.text.endswith("type: /convene member add sam --tz America/New_York")
        assert await convene.snapshot(TABLES, order_by="1") == before

        (added,) = await convene.click("you", "America/Toronto")

        assert added.text == "Added sam: no silo yet; time zone America/Toronto."
        assert await zone_of(convene, "sam") == "America/Toronto"


async def test_a_command_too_long_for_a_button_is_kept_and_its_zone_buttons_finish_it(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await everyone_has_spoken(convene, "you")
        before = await convene.snapshot(TABLES, order_by="1")
        typed = (
            '/convene checkin create "Pacific standup" #general every weekday 9:30 '
            "--template standup --tz PDT"
        )

        (refused,) = await convene.command("you", typed)
        (rounds,) = await convene.command(
            "you", "/convene pairing start #general every 2 weeks on Monday 10:00 --tz BST"
        )

        assert [(b.label, b.action_id) for b in refused.message.buttons] == [
            ("America/Los_Angeles", KEPT_COMMAND),
            ("America/Vancouver", KEPT_COMMAND),
            ("America/Tijuana", KEPT_COMMAND),
        ]
        assert all(len(b.value) <= 20 for b in refused.message.buttons), "a row id and a key"
        assert refused.text.endswith(
            "Choose below, or type: " + typed.replace("--tz PDT", "--tz America/Los_Angeles")
        )
        assert rounds.text.endswith(
            "Did you mean Europe/London? Choose below, or type: /convene pairing "
            "start #general every 2 weeks on Monday 10:00 --tz Europe/London"
        )
        assert await convene.snapshot(TABLES, order_by="1") == before, "only the kept lines"

        (created,) = await convene.press("you", refused, "America/Vancouver")
        (started,) = await convene.press("you", rounds, "Europe/London")

        assert created.text.startswith('Created the check-in "Pacific standup" in #general')
        assert "(America/Vancouver for anyone who has not set one)" in created.text
        assert created.message.target.channel_id == "general"
        assert started.text.startswith("Introductions are starting in #general")
        (programme,) = await convene.rows(Programme)
        assert programme.timezone == "Europe/London"
        assert await convene.rows(FormDraft) == []

        # The other zones went with the one chosen: nothing is made twice.
        (again,) = await convene.press("you", refused, "America/Tijuana")
        assert again.text == KEPT_LINE.answered
        assert len(await convene.rows(Checkin)) == 1


async def test_a_kept_command_pressed_by_another_member_runs_nothing_and_stays_for_its_author(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await everyone_has_spoken(convene, "you", "alice")
        await convene.command("you", "/convene convener add alice")
        (refused,) = await convene.command(
            "you",
            '/convene checkin create "Pacific standup" #general every weekday 9:30 '
            "--template standup --tz PDT",
        )

        (not_hers,) = await convene.press("alice", refused, "America/Vancouver")

        assert not_hers.text == KEPT_LINE.not_yours
        assert await convene.rows(Checkin) == []
        (created,) = await convene.press("you", refused, "America/Vancouver")
        assert created.text.startswith('Created the check-in "Pacific standup"')


async def test_a_check_ins_zone_changed_with_a_pressed_button_runs_at_its_new_time(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await convene.command(
            "you", '/convene checkin create "Standup" #general every weekday 9:30 --tz UTC'
        )
        before = await convene.snapshot(TABLES, order_by="1")

        (refused,) = await convene.command("you", '/convene checkin settings "Standup" --tz PST')
        assert await convene.snapshot(TABLES, order_by="1") == before
        (updated,) = await convene.click("you", "America/Los_Angeles")

        assert refused.message.buttons[0].value == (
            "convene checkin settings Standup --tz America/Los_Angeles"
        )
        assert "(America/Los_Angeles for anyone who has not set one)" in updated.text
        assert (
            "Next in America/Los_Angeles: Thu 26 Nov 09:30, Fri 27 Nov 09:30, Mon 30 Nov 09:30."
            in updated.text
        )


async def test_a_button_that_runs_a_conveners_command_does_nothing_for_a_member(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await everyone_has_spoken(convene, "you", "alice")
        (refused,) = await convene.command("you", "/convene member add sam --tz GMT")
        before = await convene.snapshot(TABLES, order_by="1")

        (answer,) = await convene.press("alice", refused, "Europe/London")

        assert answer.text.startswith("Only conveners can use /convene member add.")
        assert await convene.snapshot(TABLES, order_by="1") == before


# -- the next three times are the times Convene really runs --------------------------------


async def test_a_check_in_every_two_weeks_asks_london_and_tokyo_on_the_three_mondays_it_named(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = [
            ChannelMember("alice", "Alice", LONDON),
            ChannelMember("kenji", "Kenji", TOKYO),
        ]

        created = await convene.reply_to(
            "you",
            '/convene checkin create "Fortnightly" #general every 2 weeks on Monday 09:00 '
            f"--tz {LONDON}",
        )
        await convene.advance(datetime(2027, 1, 5, 12, 0, tzinfo=UTC))

        # Set on a Thursday, it counts that week as its first: the next Monday is skipped.
        mondays = [date(2026, 12, 7), date(2026, 12, 21), date(2027, 1, 4)]
        assert (
            "Next in Europe/London: Mon 7 Dec 09:00, Mon 21 Dec 09:00, Mon 4 Jan 2027 09:00."
            in created
        )
        assert [sent_at(d) for d in convene.dms("alice", PROMPT)] == [at(day, 9) for day in mondays]
        assert [sent_at(d) for d in convene.dms("kenji", PROMPT)] == [
            at(day, 9, zone=TOKYO) for day in mondays
        ]


async def test_a_weekly_check_in_set_before_the_clocks_go_forward_asks_at_nine_as_it_said(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SPRING) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", LONDON)]

        created = await convene.reply_to(
            "you", f'/convene checkin create "Pulse" #general every Monday 09:00 --tz {LONDON}'
        )
        await convene.advance(SPRING + timedelta(days=19))

        asked = [sent_at(d) for d in convene.dms("alice", PROMPT)]
        assert asked == [
            datetime(2027, 3, 22, 9, 0, tzinfo=UTC),
            datetime(2027, 3, 29, 8, 0, tzinfo=UTC),  # 09:00 British Summer Time
            datetime(2027, 4, 5, 8, 0, tzinfo=UTC),
        ]
        assert (
            f"Next in Europe/London: {short(asked)} (the clocks go forward on Sun 28 Mar)."
            in created
        )


async def test_introductions_every_two_weeks_name_the_rounds_the_round_job_will_take(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        started = await convene.reply_to(
            "you", f"/convene pairing start #general every 2 weeks on Monday 10:00 --tz {LONDON}"
        )
        (programme,) = await convene.rows(Programme)

        assert (
            "Next rounds in Europe/London: Mon 30 Nov 10:00, Mon 14 Dec 10:00, Mon 28 Dec 10:00."
            in started
        )
        assert next_rounds(programme, THURSDAY_NOON) == rounds_by_the_trigger(programme)


def test_rounds_across_the_late_march_and_late_october_changes_agree_with_the_trigger() -> None:
    for zone, start in (
        (LONDON, SPRING),
        (LONDON, datetime(2027, 10, 21, 12, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2027, 3, 4, 12, 0, tzinfo=UTC)),
        ("Australia/Sydney", SPRING),
    ):
        for every in (1, 2, 3):
            programme = Programme(
                workspace_id=1,
                channel_id="general",
                channel_name="general",
                every_weeks=every,
                weekday=0,
                hour=10,
                minute=0,
                timezone=zone,
                anchor_at=start,
                created_at=start,
            )
            found = next_rounds(programme, start)
            assert found == rounds_by_the_trigger(programme), (zone, every)
            assert all(m.astimezone(ZoneInfo(zone)).hour == 10 for m in found)


def rounds_by_the_trigger(programme: Programme, count: int = 3) -> list[datetime]:
    """The rounds as the job finds them: APScheduler's slots, every N weeks from the start."""

    found: list[datetime] = []
    after = programme.anchor_at
    while len(found) < count:
        moment = next_round(programme, after)
        assert moment is not None
        found.append(moment)
        after = moment
    return found
