"""The one reader of days, times of day, lengths of time, dates and weekly schedules.

``handlers.shared`` reads these words for every job; the jobs' own phrase
modules only say what they make of them. Check-ins and introductions used to
read days and times each their own way and disagreed ("every week on Monday"
was a round's schedule but not a check-in's, "Monday 09:00" the other way
round, "mondays" a day for one reader and not the other); now both take the
union, with each job's examples in its refusals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from handlers.checkins import phrases as checkins
from handlers.introductions import phrases as introductions
from handlers.shared.dates import read_day, read_moment, weekday_after, weekday_on_or_after
from handlers.shared.days import day_named, days_listed, days_named
from handlers.shared.durations import (
    ALL_UNITS,
    CALENDAR_UNITS,
    CLOCK_UNITS,
    Amount,
    Unit,
    read_amount,
    read_in,
)
from handlers.shared.schedules import WeeklySchedule, parse_weekly
from handlers.shared.times import CLOCK, clock_time, read_time

USAGE = "/usage"
MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)
NEW_YORK = ZoneInfo("America/New_York")


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The message of the refusal ``call`` makes, checked to carry the usage line."""

    with pytest.raises(UsageError) as refusal:
        call(*args, **kwargs)
    assert refusal.value.usage == USAGE
    return refusal.value.message


# -- days of the week ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("monday", 0),
        ("Monday", 0),
        ("mon", 0),
        ("mondays", 0),  # the plural that only check-ins used to read
        ("Mondays", 0),
        ("tue", 1),
        ("tues", 1),
        ("wed", 2),
        ("weds", 2),
        ("thurs", 3),
        ("thursdays", 3),
        ("fri", 4),
        ("sat", 5),
        ("sundays", 6),
    ],
)
def test_a_day_is_named_in_full_by_three_letters_or_more_or_in_the_plural(
    word: str, day: int
) -> None:
    assert day_named(word) == day


@pytest.mark.parametrize("word", ["mo", "m", "", "funday", "week", "day", "today"])
def test_what_names_no_single_day_is_none(word: str) -> None:
    assert day_named(word) is None


def test_a_list_of_days_comes_back_in_week_order() -> None:
    assert days_named("fri, mon and wed", USAGE, example="EX") == (0, 2, 4)
    assert days_named("monday and every thursday", USAGE, example="EX") == (0, 3)
    assert days_named("mondays", USAGE, example="EX") == (0,)
    assert days_named("weekdays", USAGE, example="EX") == (0, 1, 2, 3, 4)
    assert days_named("daily", USAGE, example="EX") == tuple(range(7))


def test_a_list_with_a_word_that_is_no_day_is_refused_naming_it_with_the_jobs_example() -> None:
    assert refused(days_named, "mon and funday", USAGE, example="EX") == (
        "'funday' is not a day of the week; say it like EX."
    )
    assert refused(days_named, "and", USAGE, example="EX") == "Which days? Say it like EX."


def test_days_are_listed_as_a_sentence() -> None:
    assert days_listed((0,)) == "Monday"
    assert days_listed((0, 4)) == "Monday and Friday"
    assert days_listed((0, 2, 4)) == "Monday, Wednesday and Friday"


# -- times of day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "at"),
    [
        ("09:00", time(9, 0)),
        ("9", time(9, 0)),
        ("9am", time(9, 0)),
        ("9 am", time(9, 0)),
        ("5:30pm", time(17, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("0am", time(0, 0)),  # introductions read it, check-ins did not: now both do
        ("23:59", time(23, 59)),
    ],
)
def test_a_time_of_day_is_read_in_24_hour_or_12_hour_time(words: str, at: time) -> None:
    assert read_time(words, USAGE) == at


def test_words_that_are_not_shaped_like_a_time_are_none() -> None:
    assert read_time("end of day", USAGE) is None
    assert read_time("9:5", USAGE) is None


def test_a_time_that_is_no_time_of_day_is_refused_with_the_jobs_example_hour() -> None:
    assert refused(read_time, "13pm", USAGE) == "13pm is not a time of day; try 9am or 09:00."
    assert refused(read_time, "13pm", USAGE, example_hour=10) == (
        "13pm is not a time of day; try 10am or 10:00."
    )
    assert refused(read_time, "25:00", USAGE) == (
        "25:00 is not a time of day; use 24-hour time like 09:00."
    )
    assert refused(read_time, "9:75", USAGE, example_hour=10) == (
        "9:75 is not a time of day; use 24-hour time like 10:00."
    )


def test_the_clock_pattern_reads_a_time_inside_a_longer_phrase() -> None:
    found = re.match(rf"^friday at {CLOCK}$", "friday at 5pm")
    assert found is not None
    assert clock_time(found, USAGE) == time(17, 0)


# -- lengths of time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "units", "amount"),
    [
        ("3h", CLOCK_UNITS, Amount(3, Unit.HOUR)),
        ("90 mins", CLOCK_UNITS, Amount(90, Unit.MINUTE)),
        ("an hour", CLOCK_UNITS, Amount(1, Unit.HOUR)),
        ("two hours", CLOCK_UNITS, Amount(2, Unit.HOUR)),
        ("3w", CALENDAR_UNITS, Amount(3, Unit.WEEK)),
        ("10 days", CALENDAR_UNITS, Amount(10, Unit.DAY)),
        ("a month", CALENDAR_UNITS, Amount(1, Unit.MONTH)),
        # One letter is read as the one unit among those allowed that it starts.
        ("90m", CLOCK_UNITS, Amount(90, Unit.MINUTE)),
        ("2m", CALENDAR_UNITS, Amount(2, Unit.MONTH)),
        ("2 weeks", ALL_UNITS, Amount(2, Unit.WEEK)),
    ],
)
def test_a_length_is_a_count_and_a_unit_the_job_allows(
    words: str, units: tuple[Unit, ...], amount: Amount
) -> None:
    assert read_amount(words, units) == amount


@pytest.mark.parametrize(
    ("words", "units"),
    [
        ("2m", ALL_UNITS),  # minutes or months: not read
        ("3h", CALENDAR_UNITS),
        ("3w", CLOCK_UNITS),
        ("some weeks", ALL_UNITS),
        ("3 fortnights", ALL_UNITS),
        ("weeks", ALL_UNITS),
    ],
)
def test_a_length_in_a_unit_not_allowed_or_ambiguous_is_none(
    words: str, units: tuple[Unit, ...]
) -> None:
    assert read_amount(words, units) is None


def test_a_month_as_a_length_is_30_days_and_a_huge_count_does_not_overflow() -> None:
    assert Amount(2, Unit.MONTH).length() == timedelta(days=60)
    assert Amount(90, Unit.MINUTE).length() == timedelta(minutes=90)
    assert Amount(99_999_999_999, Unit.WEEK).length() == timedelta.max


def test_in_a_length_is_how_far_ahead() -> None:
    assert read_in("in 2 weeks") == Amount(2, Unit.WEEK)
    assert read_in("in an hour") == Amount(1, Unit.HOUR)
    assert read_in("2 weeks") is None


def test_each_job_reads_a_lone_m_its_own_way() -> None:
    assert checkins.parse_delay("90m", USAGE) == 90  # a reminder's delay: minutes
    assert checkins.parse_delay("an hour", USAGE) == 60
    assert introductions.parse_duration("2m", USAGE) == timedelta(days=60)  # a pause: months
    assert "26 weeks, not 99999999999w" in refused(
        introductions.parse_duration, "99999999999w", USAGE
    )


# -- dates -----------------------------------------------------------------------------------


def test_a_weekday_on_or_after_today_may_be_today_and_after_today_may_not() -> None:
    assert weekday_on_or_after(FRIDAY, 4) == FRIDAY
    assert weekday_after(FRIDAY, 4) == date(2026, 12, 11)
    assert weekday_on_or_after(MONDAY, 4) == weekday_after(MONDAY, 4) == FRIDAY


def test_a_date_reads_plural_day_names_and_short_lengths() -> None:
    assert read_day("mondays", FRIDAY) == date(2026, 12, 7)
    assert read_day("in 2w", MONDAY) == date(2026, 12, 14)
    assert read_day("in 2m", MONDAY) is None  # minutes or months: not read
    assert read_day("in 99999999999 days", MONDAY) is None


def test_a_moment_counts_hours_from_now_and_reads_a_day_and_time_on_the_wall_clock() -> None:
    now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert read_moment("in 2h", now, NEW_YORK, USAGE) == now + timedelta(hours=2)
    assert read_moment("fri 5pm", now, NEW_YORK, USAGE) == datetime(
        2026, 12, 4, 17, 0, tzinfo=NEW_YORK
    )
    assert read_moment("in 99999999999 hours", now, NEW_YORK, USAGE) is None
    assert read_moment("whenever", now, NEW_YORK, USAGE) is None


def test_a_skip_until_a_weekday_is_the_first_after_today_and_reads_any_date() -> None:
    assert checkins.parse_last_day("friday", FRIDAY, USAGE) == date(2026, 12, 11)
    assert checkins.parse_last_day("next friday", MONDAY, USAGE) == FRIDAY
    assert checkins.parse_last_day("fridays", MONDAY, USAGE) == FRIDAY
    assert (
        checkins.parse_last_day("eom", MONDAY, USAGE) == MONDAY
    )  # 30 November is the month's last day
    assert checkins.parse_last_day("2026-12-24", MONDAY, USAGE) == date(2026, 12, 24)


# -- weekly schedules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "schedule"),
    [
        ("every Monday 09:00", WeeklySchedule((0,), 9, 0, 1)),
        ("Monday 9am", WeeklySchedule((0,), 9, 0, 1)),
        ("every weekday at 9:30", WeeklySchedule((0, 1, 2, 3, 4), 9, 30, 1)),
        ("every Mon, Wed and Fri 9am", WeeklySchedule((0, 2, 4), 9, 0, 1)),
        ("every week on Monday 10:00", WeeklySchedule((0,), 10, 0, 1)),
        ("every 2 weeks on Mondays 10:00", WeeklySchedule((0,), 10, 0, 2)),
        ("fortnightly on tue 2pm", WeeklySchedule((1,), 14, 0, 2)),
        ("weekly on thurs at 8:15am", WeeklySchedule((3,), 8, 15, 1)),
    ],
)
def test_a_weekly_schedule_is_days_a_time_and_an_interval(
    words: str, schedule: WeeklySchedule
) -> None:
    assert parse_weekly(words, USAGE, example="EX", what="Things") == schedule


def test_a_schedule_refusal_shows_the_jobs_example_and_name() -> None:
    assert refused(parse_weekly, "every blue moon", USAGE, example="EX", what="Things") == (
        "I could not read the schedule 'every blue moon'; say it like EX."
    )
    assert refused(
        parse_weekly, "every 13 weeks on monday 9:00", USAGE, example="EX", what="Things"
    ) == ("Things can be every 1 to 12 weeks, not every 13.")


@pytest.mark.parametrize(
    "words",
    [
        "every mondays 10:00",
        "mondays 10:00",  # check-ins read it; rounds did not
        "Monday 10:00",
        "every week on Monday 10:00",  # rounds read it; check-ins did not
        "every 2 weeks on mondays 10:00",
        "every monday 0am",  # rounds read it; check-ins did not
    ],
)
def test_check_ins_and_rounds_read_the_same_schedules(words: str) -> None:
    checkin = checkins.parse_checkin_schedule(words, USAGE)
    rounds = introductions.parse_schedule(words, USAGE)
    assert checkin.weekdays == (rounds.weekday,) == (0,)
    assert (checkin.hour, checkin.minute, checkin.every_weeks) == (
        rounds.hour,
        rounds.minute,
        rounds.every_weeks,
    )


def test_each_job_keeps_its_own_wording() -> None:
    checkin = checkins.parse_checkin_schedule("every 2 weeks on mon and thu 9am", USAGE)
    assert checkin.describe() == "every 2 weeks on Monday and Thursday at 09:00"
    assert introductions.parse_schedule("every 2 weeks on Monday 10:00", USAGE).describe() == (
        "every 2 weeks on Monday at 10:00"
    )
    assert checkins.SCHEDULE_EXAMPLE in refused(
        checkins.parse_checkin_schedule, "every funday 9:00", USAGE
    )
    assert introductions.SCHEDULE_EXAMPLE in refused(
        introductions.parse_schedule, "every funday 9:00", USAGE
    )
    assert refused(introductions.parse_schedule, "every monday 13pm", USAGE) == (
        "13pm is not a time of day; try 10am or 10:00."
    )
    assert refused(checkins.parse_checkin_schedule, "every 13 weeks on monday 9:00", USAGE) == (
        "Check-ins can be every 1 to 12 weeks, not every 13."
    )
    assert refused(introductions.parse_schedule, "every 13 weeks on monday 9:00", USAGE) == (
        "Rounds can be every 1 to 12 weeks, not every 13."
    )


def test_rounds_come_on_one_day_of_the_week() -> None:
    assert refused(introductions.parse_schedule, "every mon and thu 10:00", USAGE) == (
        "I could not read the schedule 'every mon and thu 10:00'; "
        f"say it like {introductions.SCHEDULE_EXAMPLE}."
    )
    assert checkins.parse_checkin_schedule("every mon and thu 10:00", USAGE).weekdays == (0, 3)
