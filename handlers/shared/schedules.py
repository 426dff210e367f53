"""Recurring weekly schedules as people type them.

"every Monday 09:00", "Monday 9am", "every weekday at 9:30", "every Mon, Wed
and Fri 9am", "every week on Monday 10:00", "every 2 weeks on Monday 10:00",
"every other Monday 10:00", "fortnightly on Tuesday 2pm", and the time first
("9:30 every weekday"). Check-ins and introduction rounds read their
schedules here; each job passes its own example and name for refusals, and
says what it makes of several days. What a schedule comes to (its next
dates) is worked out in ``upcoming``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UsageError
from handlers.shared.days import days_named
from handlers.shared.times import CLOCK, DEFAULT_EXAMPLE_HOUR, clock_time

LONGEST_INTERVAL_WEEKS = 12

_SCHEDULE = re.compile(
    r"^(?:every\s+(?:(?:(?P<n>\d+)\s+)?weeks?\s+on\s+|(?P<other>other)\s+(?:week\s+on\s+)?)?"
    r"|weekly\s+on\s+|fortnightly\s+(?:on\s+)?)?"
    rf"(?P<days>[a-z ,]+?)\s+(?:at\s+)?{CLOCK}$"
)
_TIME_FIRST = re.compile(rf"^(?:at\s+)?(?P<at>{CLOCK})\s*,?\s+(?P<rest>[a-z].*)$")
"""A schedule that says its time first: "9:30 every weekday"."""


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
    time_first = _TIME_FIRST.match(words)
    if time_first is not None:
        words = f"{time_first['rest']} {time_first['at']}"
    found = _SCHEDULE.match(words)
    if found is None:
        if _only_days(words):
            raise UsageError(
                f"At what time? {text!r} names the days but no time of day; say it like {example}.",
                usage=usage,
            )
        raise UsageError(
            f"I could not read the schedule {text!r}; say it like {example}.", usage=usage
        )
    weekdays = days_named(found["days"], usage, example=example)
    at = clock_time(found, usage, example_hour=example_hour)
    fortnightly = words.startswith("fortnightly") or found["other"] is not None
    every = 2 if fortnightly else int(found["n"] or 1)
    if not 1 <= every <= LONGEST_INTERVAL_WEEKS:
        raise UsageError(
            f"{what} can be every 1 to {LONGEST_INTERVAL_WEEKS} weeks, not every {every}.",
            usage=usage,
        )
    return WeeklySchedule(weekdays, at.hour, at.minute, every)


def _only_days(words: str) -> bool:
    """Whether the words name days and nothing else ("mondays", "every weekday")."""

    days = re.sub(r"^(?:every\s+(?:other\s+)?|weekly\s+on\s+|fortnightly\s+(?:on\s+)?)", "", words)
    try:
        days_named(days, "", example="")
    except UsageError:
        return False
    return True
