"""Recurring weekly schedules as people type them.

"every Monday 09:00", "Monday 9am", "every weekday at 9:30", "every Mon, Wed
and Fri 9am", "every week on Monday 10:00", "every 2 weeks on Monday 10:00",
"fortnightly on Tuesday 2pm". Check-ins and introduction rounds read their
schedules here; each job passes its own example and name for refusals, and
says what it makes of several days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UsageError
from handlers.shared.days import days_named
from handlers.shared.times import CLOCK, DEFAULT_EXAMPLE_HOUR, clock_time

LONGEST_INTERVAL_WEEKS = 12

_SCHEDULE = re.compile(
    r"^(?:every\s+(?:(?:(?P<n>\d+)\s+)?weeks?\s+on\s+)?|weekly\s+on\s+|fortnightly\s+on\s+)?"
    rf"(?P<days>[a-z ,]+?)\s+(?:at\s+)?{CLOCK}$"
)


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Days of the week (Monday 0, in order), a time of day, and every how many weeks."""

    weekdays: tuple[int, ...]
    hour: int
    minute: int
    every_weeks: int


def parse_weekly(
    text: str,
    usage: str,
    *,
    example: str,
    what: str,
    example_hour: int = DEFAULT_EXAMPLE_HOUR,
) -> WeeklySchedule:
    """A weekly schedule, or a refusal that shows ``example``.

    ``what`` names what recurs in the refusal of an interval out of range
    ("Check-ins can be every 1 to 12 weeks"); ``example_hour`` is the hour a
    refusal of the time of day suggests.
    """

    words = " ".join(text.lower().replace(",", " , ").split()).replace(" ,", ",")
    found = _SCHEDULE.match(words)
    if found is None:
        raise UsageError(
            f"I could not read the schedule {text!r}; say it like {example}.", usage=usage
        )
    weekdays = days_named(found["days"], usage, example=example)
    at = clock_time(found, usage, example_hour=example_hour)
    every = 2 if words.startswith("fortnightly") else int(found["n"] or 1)
    if not 1 <= every <= LONGEST_INTERVAL_WEEKS:
        raise UsageError(
            f"{what} can be every 1 to {LONGEST_INTERVAL_WEEKS} weeks, not every {every}.",
            usage=usage,
        )
    return WeeklySchedule(weekdays, at.hour, at.minute, every)
