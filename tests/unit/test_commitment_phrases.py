"""Reading due dates and closing times in plain words.

``handlers.commitments.phrases`` splits a commitment from its date,
``handlers.shared.dates`` reads the date, ``handlers.retros.phrases`` a
retro's closing time.

"Draft the checklist by Friday" is a commitment and a date, read on the
speaker's own calendar. What cannot be read is refused with what was
understood and the forms that work; a date already gone, or more than two
years off, is refused too. A retro's closing time is read on the speaker's
wall clock and comes back as an aware moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from handlers.commitments.phrases import Said, split_due
from handlers.retros.phrases import CLOSE_EXAMPLE, parse_closing
from handlers.shared.dates import DUE_EXAMPLE, due_text, parse_due, read_day

USAGE = "/commit WHAT YOU WILL DO [by DATE] [--private]"
CLOSE_USAGE = "/convene retro open TITLE --closes WHEN"

MONDAY = date(2026, 11, 30)  # Monday 30 November 2026
WEDNESDAY = date(2026, 12, 2)
SATURDAY = date(2026, 12, 5)
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
TEN_IN_NEW_YORK = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def refusal(words: str, today: date = MONDAY, understood: str | None = None) -> UsageError:
    with pytest.raises(UsageError) as refused:
        parse_due(words, today, USAGE, understood=understood)
    return refused.value


def closing_refusal(words: str, now: datetime = TEN_IN_NEW_YORK) -> UsageError:
    with pytest.raises(UsageError) as refused:
        parse_closing(words, now, NEW_YORK, CLOSE_USAGE)
    return refused.value


# -- splitting what from when -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "Draft the discharge checklist by Friday",
            Said("Draft the discharge checklist", "Friday"),
        ),
        ("Check Bob's rota by Friday", Said("Check Bob's rota", "Friday")),
        ("Write up the audit in 2 weeks", Said("Write up the audit", "in 2 weeks")),
        ("Write up the audit in two weeks", Said("Write up the audit", "in two weeks")),
        ("Settle the new starters in a week", Said("Settle the new starters", "in a week")),
        ("Pay the locum invoices due 15 December", Said("Pay the locum invoices", "15 December")),
        ("Book the room before tomorrow", Said("Book the room", "tomorrow")),
        ("Tidy the shared drive", Said("Tidy the shared drive", None)),
        ("  Tidy   the shared\ndrive  ", Said("Tidy the shared drive", None)),
        # "by" earlier in the text belongs to the commitment; the date follows the last one.
        (
            "Read the notes left by the night shift by Friday",
            Said("Read the notes left by the night shift", "Friday"),
        ),
        ("Sign off the rota by next friday", Said("Sign off the rota", "next friday")),
    ],
)
def test_split_due_separates_the_commitment_from_its_date(typed: str, said: Said) -> None:
    assert split_due(typed) == said


def test_due_followed_by_by_still_reads_the_date() -> None:
    assert split_due("Check what is due by Friday") == Said("Check what is due", "Friday")


# -- reading a day -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("today", MONDAY),
        ("tomorrow", date(2026, 12, 1)),
        ("Tomorrow", date(2026, 12, 1)),
        ("friday", date(2026, 12, 4)),
        ("Friday", date(2026, 12, 4)),
        ("fri", date(2026, 12, 4)),
        ("this friday", date(2026, 12, 4)),
        ("monday", MONDAY),  # said on a Monday: today
        ("sunday", date(2026, 12, 6)),
        ("next friday", date(2026, 12, 11)),  # the Friday of next week
        ("next monday", date(2026, 12, 7)),
        ("next week", date(2026, 12, 11)),
        ("end of week", date(2026, 12, 4)),
        ("end of month", MONDAY),  # 30 November is the month's last day
        ("end of the month", MONDAY),
        ("in 3 days", date(2026, 12, 3)),
        ("in a week", date(2026, 12, 7)),
        ("in 2 weeks", date(2026, 12, 14)),
        ("in three weeks", date(2026, 12, 21)),
        ("in 2 months", date(2027, 1, 30)),
        ("15 December", date(2026, 12, 15)),
        ("15th of December", date(2026, 12, 15)),
        ("the 15th of december", date(2026, 12, 15)),
        ("Dec 15", date(2026, 12, 15)),
        ("December 15, 2027", date(2027, 12, 15)),
        ("2026-12-15", date(2026, 12, 15)),
        ("1 Sept", date(2027, 9, 1)),
        # A day and month without a year that has gone this year means next year's.
        ("1 March", date(2027, 3, 1)),
    ],
)
def test_read_day_reads_days_on_the_speakers_calendar(words: str, day: date) -> None:
    assert read_day(words, MONDAY) == day


def test_next_friday_is_the_friday_of_next_week_whatever_day_it_is_said() -> None:
    assert read_day("next friday", WEDNESDAY) == date(2026, 12, 11)
    assert read_day("next friday", date(2026, 12, 4)) == date(2026, 12, 11)  # on a Friday
    assert read_day("next friday", SATURDAY) == date(2026, 12, 11)
    assert read_day("friday", SATURDAY) == date(2026, 12, 11)
    assert read_day("end of month", date(2027, 2, 3)) == date(2027, 2, 28)
    assert read_day("in 1 month", date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    "words", ["whenever", "soon", "in 2 hours", "in some weeks", "32 December", "Smarch 3", ""]
)
def test_read_day_gives_none_for_what_is_not_a_day(words: str) -> None:
    assert read_day(words, MONDAY) is None


def test_read_day_reads_dates_as_the_bot_writes_them() -> None:
    assert read_day(due_text(date(2026, 12, 7)), MONDAY) == date(2026, 12, 7)


# -- due dates: accepted and refused --------------------------------------------------------------


def test_parse_due_accepts_today_and_later() -> None:
    assert parse_due("today", MONDAY, USAGE) == MONDAY
    assert parse_due("Friday", MONDAY, USAGE) == date(2026, 12, 4)
    assert parse_due("2026-12-15", MONDAY, USAGE) == date(2026, 12, 15)
    # Two years ahead is still allowed.
    assert parse_due("2028-11-30", MONDAY, USAGE) == date(2028, 11, 30)


@pytest.mark.parametrize("words", ["2026-11-01", "1 November 2026", "29 Nov 2026", "2025-12-31"])
def test_a_date_already_passed_is_refused_saying_so(words: str) -> None:
    refused = refusal(words)
    assert "has already passed" in refused.message
    assert "(today is Monday 30 November where you are)" in refused.message
    assert "give today or a later date" in refused.message
    assert refused.usage == USAGE


def test_the_refusal_of_a_past_date_names_that_date() -> None:
    assert refusal("2026-11-01").message.startswith("Sunday 1 November 2026 has already passed")


def test_an_unreadable_date_is_refused_with_what_was_understood_and_the_forms_that_work() -> None:
    refused = refusal("whenever suits", understood="Draft the discharge checklist")
    assert refused.message == (
        "I understood the commitment as 'Draft the discharge checklist', but I could not read "
        f"'whenever suits' as a date. Say {DUE_EXAMPLE}, or leave the date out."
    )
    assert refused.usage == USAGE
    for shown in ("by Friday", "by 31/12", "in a fortnight", "next tuesday"):
        assert shown in DUE_EXAMPLE
    # Every form the refusal shows is one that works.
    for example in DUE_EXAMPLE.replace(" or ", ", ").split(", "):
        assert read_day(example.removeprefix("by "), MONDAY) is not None, example


def test_an_unreadable_date_without_a_commitment_is_refused_without_one() -> None:
    refused = refusal("someday")
    assert refused.message.startswith("I could not read 'someday' as a date.")


@pytest.mark.parametrize("words", ["2029-01-01", "in 30 months", "1 January 2030"])
def test_a_date_more_than_two_years_away_is_refused(words: str) -> None:
    refused = refusal(words)
    assert "more than two years away" in refused.message
    assert refused.usage == USAGE


# -- closing times -----------------------------------------------------------------------------


def test_parse_closing_reads_a_day_and_a_time_on_the_speakers_wall_clock() -> None:
    now = TEN_IN_NEW_YORK
    assert parse_closing("friday 17:00", now, NEW_YORK, CLOSE_USAGE) == ny(date(2026, 12, 4), 17)
    assert parse_closing("Friday at 5pm", now, NEW_YORK, CLOSE_USAGE) == ny(date(2026, 12, 4), 17)
    assert parse_closing("tomorrow 9am", now, NEW_YORK, CLOSE_USAGE) == ny(date(2026, 12, 1), 9)
    assert parse_closing("tomorrow 9am", now, NEW_YORK, CLOSE_USAGE).astimezone(UTC) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )
    assert parse_closing("tomorrow", now, NEW_YORK, CLOSE_USAGE) == ny(date(2026, 12, 1), 17)


def test_a_time_alone_is_the_next_time_the_clock_shows_it() -> None:
    now = TEN_IN_NEW_YORK
    assert parse_closing("17:00", now, NEW_YORK, CLOSE_USAGE) == ny(MONDAY, 17)
    assert parse_closing("08:00", now, NEW_YORK, CLOSE_USAGE) == ny(date(2026, 12, 1), 8)


def test_in_hours_or_minutes_counts_from_now() -> None:
    now = TEN_IN_NEW_YORK
    assert parse_closing("in 2 hours", now, NEW_YORK, CLOSE_USAGE) == now + timedelta(hours=2)
    assert parse_closing("in 90 minutes", now, NEW_YORK, CLOSE_USAGE) == now + timedelta(minutes=90)
    assert parse_closing("in an hour", now, NEW_YORK, CLOSE_USAGE) == now + timedelta(hours=1)


def test_a_closing_time_on_the_morning_the_clocks_go_back_is_read_in_the_new_offset() -> None:
    # London leaves summer time on Sunday 25 October 2026: 09:00 that day is 09:00 UTC.
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    closes = parse_closing("tomorrow 9am", saturday, LONDON, CLOSE_USAGE)
    assert closes.astimezone(UTC) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


def test_a_closing_time_already_passed_is_refused() -> None:
    refused = closing_refusal("today 9am")
    assert refused.message == ("Monday 30 November 09:00 has already passed; give a later time.")
    assert refused.usage == CLOSE_USAGE
    # On Friday evening, "friday 17:00" is today's, and gone.
    friday_evening = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # 18:00 in New York
    assert "has already passed" in closing_refusal("friday 17:00", friday_evening).message


def test_an_unreadable_or_far_closing_time_is_refused_with_the_forms_that_work() -> None:
    refused = closing_refusal("whenever")
    assert refused.message == (
        f"I could not read 'whenever' as a closing time; say {CLOSE_EXAMPLE}."
    )
    assert "up to 60 days" in closing_refusal("2027-03-01 17:00").message
    assert "not a time of day" in closing_refusal("tomorrow 25:00").message


# -- writing a date back -----------------------------------------------------------------------


def test_due_text_gives_the_year_only_when_it_is_not_this_one() -> None:
    assert due_text(date(2026, 12, 4), MONDAY) == "Friday 4 December"
    assert due_text(date(2027, 1, 8), MONDAY) == "Friday 8 January 2027"
    assert due_text(date(2027, 1, 8)) == "Friday 8 January"
    assert due_text(None) == "no due date"
