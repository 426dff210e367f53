"""Reading the plain words conveners and members type about time.

"every 2 weeks on Monday 10:00" becomes a weekday, a time and a week
interval; "3w" becomes three weeks. Each reader refuses what it cannot read
with the example to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import UsageError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_EXAMPLE = "every 2 weeks on Monday 10:00"
DURATION_EXAMPLE = "3w (or 10d)"
LONGEST_PAUSE = timedelta(weeks=26)

_EVERY = re.compile(
    r"^(?:every\s+(?:(?P<n>\d+)\s+)?weeks?\s+on|every|weekly\s+on|fortnightly\s+on)\s+"
    r"(?P<day>[a-z]+?)s?\s+(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?$"
)
_DURATION = re.compile(r"^(?P<n>\d+)\s*(?P<unit>d|days?|w|weeks?|m|months?)$")


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    weekday: int
    hour: int
    minute: int
    every_weeks: int

    def cron(self) -> str:
        """A five-field cron line (cron counts Sunday as 0)."""

        return f"{self.minute} {self.hour} * * {(self.weekday + 1) % 7}"

    def describe(self) -> str:
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        return f"{every} on {DAYS[self.weekday].title()} at {self.hour:02d}:{self.minute:02d}"


def parse_schedule(text: str, usage: str) -> WeeklySlot:
    words = " ".join(text.lower().split())
    match = _EVERY.match(words)
    if match is None:
        raise UsageError(
            f"I could not read the schedule {text!r}; say it like {SCHEDULE_EXAMPLE}.", usage=usage
        )
    day = _day(match["day"])
    if day is None:
        raise UsageError(
            f"{match['day']!r} is not a day of the week; say it like {SCHEDULE_EXAMPLE}.",
            usage=usage,
        )
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if match["ampm"] == "pm" and hour < 12:
        hour += 12
    elif match["ampm"] == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or (match["ampm"] and int(match["hour"]) > 12):
        raise UsageError(
            f"{match['hour']}:{match['minute'] or '00'} is not a time of day; "
            "use 24-hour time like 10:00.",
            usage=usage,
        )
    every = 2 if words.startswith("fortnightly") else int(match["n"] or 1)
    if not 1 <= every <= 12:
        raise UsageError(f"Rounds can be every 1 to 12 weeks, not every {every}.", usage=usage)
    return WeeklySlot(day, hour, minute, every)


def _day(word: str) -> int | None:
    for index, day in enumerate(DAYS):
        if len(word) >= 3 and day.startswith(word):
            return index
    return None


def parse_duration(text: str, usage: str) -> timedelta:
    words = text.strip().lower()
    match = _DURATION.match(words)
    if match is None:
        raise UsageError(
            f"For how long? {text!r} is not a length of time I can read; say {DURATION_EXAMPLE}, "
            "up to 26 weeks. To stop altogether: /pairing leave.",
            usage=usage,
        )
    n = int(match["n"])
    unit = match["unit"][0]
    length = (
        timedelta(days=n)
        if unit == "d"
        else timedelta(weeks=n)
        if unit == "w"
        else timedelta(days=30 * n)
    )
    if length <= timedelta() or length > LONGEST_PAUSE:
        raise UsageError(
            f"A pause can last from a day to 26 weeks, not {text}. "
            "To stop altogether: /pairing leave.",
            usage=usage,
        )
    return length
