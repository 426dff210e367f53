"""The next three times a weekly schedule runs, as a convener reads them after setting it.

Pure computation (``handlers.shared.upcoming``): the days a job takes, a
time of day on the zone's own clock, and a note where the clocks change in
between. The jobs' own truth (what is really sent) is in the handler tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from bot.scheduler import next_fire_after, trigger_for
from handlers.shared.schedules import WeeklySchedule, parse_weekly
from handlers.shared.upcoming import listed, next_times

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
THURSDAY_26_NOVEMBER = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
THURSDAY_18_MARCH = datetime(2027, 3, 18, 12, 0, tzinfo=UTC)
"""Ten days before the clocks go forward in the UK (Sunday 28 March 2027)."""
THURSDAY_28_OCTOBER = datetime(2027, 10, 28, 12, 0, tzinfo=UTC)
"""Three days before they go back (Sunday 31 October 2027)."""


def mondays(day: date) -> bool:
    return day.weekday() == 0


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_every_monday_at_nine_set_on_a_thursday_names_the_next_three_mondays() -> None:
    found = next_times(mondays, time(9), LONDON, THURSDAY_26_NOVEMBER)

    assert found == [utc(2026, 11, 30, 9), utc(2026, 12, 7, 9), utc(2026, 12, 14, 9)]
    assert listed(found, LONDON, now=THURSDAY_26_NOVEMBER) == (
        "Mon 30 Nov 09:00, Mon 7 Dec 09:00, Mon 14 Dec 09:00"
    )


def test_across_the_late_march_change_nine_stays_nine_in_london_and_an_hour_earlier_in_utc() -> (
    None
):
    found = next_times(mondays, time(9), LONDON, THURSDAY_18_MARCH)

    assert found == [utc(2027, 3, 22, 9), utc(2027, 3, 29, 8), utc(2027, 4, 5, 8)]
    assert listed(found, LONDON, now=THURSDAY_18_MARCH) == (
        "Mon 22 Mar 09:00, Mon 29 Mar 09:00, Mon 5 Apr 09:00 (the clocks go forward on Sun 28 Mar)"
    )


def test_across_the_late_october_change_half_past_nine_stays_half_past_nine_in_london() -> None:
    found = next_times(weekdays, time(9, 30), LONDON, THURSDAY_28_OCTOBER)

    assert found == [utc(2027, 10, 29, 8, 30), utc(2027, 11, 1, 9, 30), utc(2027, 11, 2, 9, 30)]
    assert listed(found, LONDON, now=THURSDAY_28_OCTOBER) == (
        "Fri 29 Oct 09:30, Mon 1 Nov 09:30, Tue 2 Nov 09:30 (the clocks go back on Sun 31 Oct)"
    )


def test_in_sydney_the_clocks_go_back_in_april_and_ten_stays_ten() -> None:
    found = next_times(mondays, time(10), SYDNEY, THURSDAY_18_MARCH)

    assert [moment.astimezone(SYDNEY).hour for moment in found] == [10, 10, 10]
    assert [moment.hour for moment in found] == [23, 23, 0]  # UTC+11, then UTC+10
    assert listed(found, SYDNEY, now=THURSDAY_18_MARCH).endswith(
        "(the clocks go back on Sun 4 Apr)"
    )


def test_a_time_the_clocks_skip_is_read_as_the_scheduler_fires_it() -> None:
    sundays_at_half_past_one = next_times(
        lambda day: day.weekday() == 6, time(1, 30), LONDON, THURSDAY_18_MARCH, count=2
    )
    trigger = trigger_for("30 1 * * 0", "Europe/London")
    first = next_fire_after(trigger, THURSDAY_18_MARCH)
    assert first is not None

    assert sundays_at_half_past_one == [first, next_fire_after(trigger, first)]
    assert sundays_at_half_past_one[1] == utc(2027, 3, 28, 1, 30)  # 02:30 summer time


def test_a_date_in_another_year_than_today_says_its_year() -> None:
    december = datetime(2026, 12, 17, 12, 0, tzinfo=UTC)

    found = next_times(mondays, time(9), LONDON, december)

    assert listed(found, LONDON, now=december) == (
        "Mon 21 Dec 09:00, Mon 28 Dec 09:00, Mon 4 Jan 2027 09:00"
    )


def test_a_schedule_that_runs_every_twelve_weeks_still_finds_three_times() -> None:
    start = date(2026, 11, 30)

    def every_twelve_weeks(day: date) -> bool:
        return mondays(day) and (day - start).days // 7 % 12 == 0

    found = next_times(every_twelve_weeks, time(9), LONDON, THURSDAY_26_NOVEMBER)

    assert [moment.date() for moment in found] == [
        date(2026, 11, 30),
        date(2027, 2, 22),
        date(2027, 5, 17),
    ]


def test_a_time_passed_today_is_not_named_but_one_still_ahead_is() -> None:
    at_noon_on_a_monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    later = next_times(mondays, time(16), LONDON, at_noon_on_a_monday, count=1)
    earlier = next_times(mondays, time(9), LONDON, at_noon_on_a_monday, count=1)

    assert later == [utc(2026, 11, 30, 16)]
    assert earlier == [utc(2026, 12, 7, 9)]


@pytest.mark.parametrize(
    ("words", "schedule"),
    [
        ("every other Monday 10:00", WeeklySchedule((0,), 10, 0, 2)),
        ("every other week on Thursday 18:00", WeeklySchedule((3,), 18, 0, 2)),
        ("fortnightly tuesday 2pm", WeeklySchedule((1,), 14, 0, 2)),
        ("9:30 every weekday", WeeklySchedule((0, 1, 2, 3, 4), 9, 30, 1)),
        ("at 10am, every other monday", WeeklySchedule((0,), 10, 0, 2)),
        ("mondays 16:00", WeeklySchedule((0,), 16, 0, 1)),
    ],
)
def test_more_ways_of_saying_a_schedule_are_read(words: str, schedule: WeeklySchedule) -> None:
    assert parse_weekly(words, "USAGE", example="EX", what="Things") == schedule


@pytest.mark.parametrize("words", ["mondays", "every weekday", "every other Friday"])
def test_days_without_a_time_are_asked_for_the_time(words: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_weekly(words, "USAGE", example="EX", what="Things")

    assert refused.value.message == (
        f"At what time? {words!r} names the days but no time of day; say it like EX."
    )
