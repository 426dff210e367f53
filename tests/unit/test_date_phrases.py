"""Dates as people write them, British and American, read in the member's own zone.

The table (``tests.support.date_table``) is the closing note's: every phrase
read at one moment that is Friday in London and still Thursday in New York,
London with a day-first workspace and New York with a month-first one, each
checked against what it was written down to mean. The scenarios after it
are the decisions behind the table: numbers read both ways round are asked
about, "friday week" is British, a commitment's closing date is taken only
when it is shaped like one, and the library is loaded only when needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time

import pytest

from bot.errors import UsageError
from handlers.commitments.phrases import Promise, read_promise
from handlers.shared.date_choice import AmbiguousDate, button_label, with_date
from handlers.shared.date_order import date_order_named
from handlers.shared.date_words import looks_like_a_date
from handlers.shared.dates import leading_date_words, parse_due, read_day, read_moment
from tests.support.date_table import LONDON, NEW_YORK, PHRASES, Phrase, read, table

USAGE = "/commit WHAT YOU WILL DO [by DATE]"
THURSDAY = date(2026, 11, 26)
NOON = time(12, 0)


def phrase_id(phrase: Phrase) -> str:
    return phrase.words


# -- the table -----------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", PHRASES, ids=phrase_id)
def test_a_member_in_london_with_a_day_first_workspace_reads_the_phrase_as_written_down(
    phrase: Phrase,
) -> None:
    assert read(phrase.words, LONDON[0], "dmy") == phrase.london


@pytest.mark.parametrize("phrase", PHRASES, ids=phrase_id)
def test_a_member_in_new_york_with_a_month_first_workspace_reads_the_phrase_as_written_down(
    phrase: Phrase,
) -> None:
    assert read(phrase.words, NEW_YORK[0], "mdy") == phrase.new_york


def test_the_table_has_at_least_sixty_phrases_in_british_and_american_forms() -> None:
    assert len(PHRASES) >= 60
    assert {"British", "American", "both"} == {phrase.form for phrase in PHRASES}
    printed = table()
    assert printed.count("\n| ") == len(PHRASES) + 1  # a row each, and the header
    assert "Friday 03:00 in London" in printed and "Thursday 22:00 in New York" in printed


# -- numbers both ways round ---------------------------------------------------------------------


def test_numbers_that_make_two_dates_are_asked_about_the_workspaces_reading_first() -> None:
    with pytest.raises(AmbiguousDate) as day_first:
        read_day("3/12", THURSDAY, "dmy")
    assert day_first.value.readings == (date(2026, 12, 3), date(2027, 3, 12))
    with pytest.raises(AmbiguousDate) as month_first:
        read_day("3/12", THURSDAY, "mdy")
    assert month_first.value.readings == (date(2027, 3, 12), date(2026, 12, 3))


def test_the_question_is_worded_for_a_form_as_well_as_for_buttons() -> None:
    with pytest.raises(AmbiguousDate) as asked:
        parse_due("3/12", THURSDAY, USAGE)
    assert asked.value.message == (
        "3/12 could be Thursday 3 December or Friday 12 March 2027; write the month as a "
        "word, like 3 Dec or 12 Mar."
    )
    assert [button_label(day, THURSDAY) for day in asked.value.readings] == [
        "Thu 3 December",
        "Fri 12 March 2027",
    ]


@pytest.mark.parametrize("words", ["31/12", "12/31", "5/5", "3/12/2026", "2026-12-03"])
def test_numbers_only_one_date_can_be_are_not_asked_about_in_either_order(words: str) -> None:
    assert read_day(words, THURSDAY, "dmy") == read_day(words, THURSDAY, "mdy")


def test_a_year_already_gone_gives_way_to_the_reading_still_to_come() -> None:
    # 12 March 2026 has gone; 3 December 2026 has not.
    assert read_day("3/12/2026", THURSDAY, "mdy") == date(2026, 12, 3)


def test_the_chosen_date_replaces_the_numbers_in_the_command_and_nothing_else() -> None:
    line = "Send the 3/12 report by 3/12, please"
    assert with_date(line, "3/12", date(2026, 12, 3)) == (
        "Send the 3/12 report by 2026-12-03, please"
    )
    assert with_date("move 3 3/12", "3/12", date(2027, 3, 12)) == "move 3 2027-03-12"
    assert with_date("move 3 13/12", "3/12", date(2027, 3, 12)) is None


@pytest.mark.parametrize(
    ("typed", "order"),
    [("dmy", "dmy"), ("DMY", "dmy"), ("d/m/y", "dmy"), ("mdy", "mdy"), ("us", "mdy")],
)
def test_a_date_order_is_named_in_any_case_and_spelling(typed: str, order: str) -> None:
    assert date_order_named(typed) == order


def test_an_unknown_date_order_is_none() -> None:
    assert date_order_named("ymd") is None


# -- British phrases ------------------------------------------------------------------------------


def test_friday_week_is_a_week_after_the_coming_friday_whatever_day_it_is_said() -> None:
    assert read_day("friday week", date(2026, 11, 25)) == date(2026, 12, 4)  # Wednesday
    assert read_day("friday week", date(2026, 11, 27)) == date(2026, 12, 4)  # on the Friday
    assert read_day("friday week", date(2026, 11, 28)) == date(2026, 12, 11)  # Saturday
    # "next friday" stays Convene's: the Friday of next week. On a weekday that is the same
    # Friday as "friday week"; on a Saturday, "friday week" is a week later.
    assert read_day("next friday", date(2026, 11, 25)) == date(2026, 12, 4)
    assert read_day("next friday", date(2026, 11, 28)) == date(2026, 12, 4)


def test_the_3rd_is_the_next_3rd_from_today_and_the_31st_skips_short_months() -> None:
    assert read_day("the 3rd", date(2026, 12, 3)) == date(2026, 12, 3)
    assert read_day("the 3rd", date(2026, 12, 4)) == date(2027, 1, 3)
    assert read_day("the 31st", date(2027, 2, 1)) == date(2027, 3, 31)


def test_a_closing_time_reads_the_new_forms_with_a_time_of_day() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert read_moment("31/12 9am", now, london, USAGE) == datetime(2026, 12, 31, 9, tzinfo=london)
    assert read_moment("friday week", now, london, USAGE) == datetime(
        2026, 12, 4, 17, tzinfo=london
    )
    assert read_moment("tomorrow morning", now, london, USAGE) == datetime(
        2026, 11, 27, 9, tzinfo=london
    )


def test_a_skip_until_takes_as_many_words_as_make_the_date_and_leaves_the_name() -> None:
    assert leading_date_words(["24", "December", "Daily", "standup"], THURSDAY) == 2
    assert leading_date_words(["friday", "week", "Standup"], THURSDAY) == 2
    assert leading_date_words(["24/12"], THURSDAY) == 1
    assert leading_date_words(["someday"], THURSDAY) == 0


# -- a commitment's own date ----------------------------------------------------------------------


def promise(text: str, today: date = THURSDAY) -> Promise:
    return read_promise(text, today, USAGE, order="dmy", clock=NOON)


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("Call the ward manager next tuesday", Promise("Call the ward manager", date(2026, 12, 1))),
        ("Send the minutes friday", Promise("Send the minutes", date(2026, 11, 27))),
        ("Write up the audit friday week", Promise("Write up the audit", date(2026, 12, 4))),
        ("Ring the pharmacy tomorrow 3pm", Promise("Ring the pharmacy", date(2026, 11, 27))),
        ("Send the audit on the 3rd", Promise("Send the audit", date(2026, 12, 3))),
        ("Draft the checklist 31/12", Promise("Draft the checklist", date(2026, 12, 31))),
        ("Draft the plan due 15 December", Promise("Draft the plan", date(2026, 12, 15))),
        ("Chase the invoices end of month", Promise("Chase the invoices", date(2026, 11, 30))),
        ("Plan the party on christmas eve", Promise("Plan the party", date(2026, 12, 24))),
        (
            "Review the notes sent by Dr Smith next tuesday",
            Promise("Review the notes sent by Dr Smith", date(2026, 12, 1)),
        ),
    ],
)
def test_a_date_closing_a_commitment_without_by_is_its_due_date(
    typed: str, read_as: Promise
) -> None:
    assert promise(typed) == read_as


@pytest.mark.parametrize(
    "typed",
    [
        "Read chapter 3",
        "Meet the 2 leads",
        "Fix the May rota",
        "Upgrade to 3.12",
        "Book the room for 15 December",  # the room is for that day
        "Plan Good Friday",
        "Call Bob Friday",  # a name before a weekday: not sure enough
        "Send the audit the 3rd",  # "the 3rd" alone could be a third of anything
        "Buy presents for christmas",
        "Check what is due",
        "Fix the bug found on 24/11",  # a day gone is a reference, not a deadline
    ],
)
def test_words_that_are_no_deadline_stay_in_the_commitment(typed: str) -> None:
    assert promise(typed) == Promise(typed, None)


def test_words_after_by_that_are_no_date_are_kept_and_said_to_be_kept() -> None:
    assert promise("Review the notes sent by Dr Smith") == Promise(
        "Review the notes sent by Dr Smith", None, kept="by Dr Smith"
    )
    assert promise("Read the notes left by the night shift").kept == "by the night shift"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Fix the rota by Fridya", "could not read 'Fridya' as a date (did you mean Friday?)"),
        ("Fix the rota by 31/11", "could not read '31/11' as a date (November has 30 days)"),
        ("Do the audit by May", "(say which day of May, like 15 May or end of May)"),
        ("Draft the plan by", "the date is missing"),
        ("Book it by 2020-01-01", "Wednesday 1 January 2020 has already passed"),
    ],
)
def test_a_date_meant_after_by_and_not_readable_is_refused_with_a_hint(
    typed: str, says: str
) -> None:
    with pytest.raises(UsageError) as refused:
        promise(typed)
    assert says in refused.value.message
    assert refused.value.usage == USAGE


def test_a_closing_date_that_could_be_two_dates_is_asked_about() -> None:
    with pytest.raises(AmbiguousDate):
        promise("Draft the checklist 3/12")


@pytest.mark.parametrize("words", ["Fridya", "next tuseday", "tomorow", "31/11", "May", "the 3"])
def test_a_misspelt_or_impossible_date_looks_like_one(words: str) -> None:
    assert looks_like_a_date(words)


@pytest.mark.parametrize("words", ["Dr Smith", "the night shift", "type", "email", "hand"])
def test_names_and_nouns_after_by_do_not_look_like_a_date(words: str) -> None:
    assert not looks_like_a_date(words)


# -- the library, loaded when needed -------------------------------------------------------------

PROBE = """
import json, sys
from datetime import date
import bot.wiring
bot.wiring.build_registry()
from handlers.shared.dates import read_day
seen = ["dateparser" in sys.modules]
read_day("next friday", date(2026, 11, 26))
seen.append("dateparser" in sys.modules)
read_day("Dec 31st", date(2026, 11, 26))
read_day("tomorrow morning", date(2026, 11, 26))
seen.append("dateparser" in sys.modules)
print(json.dumps(seen))
"""


def test_the_date_library_is_loaded_only_by_the_first_phrase_convene_does_not_read_itself() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [False, False, True]
