"""Reading the plain words of check-in schedules, delays, closing times and dates.

"every Monday 09:00", "every weekday at 9:30", "every Mon, Wed and Fri 9am",
"every 2 weeks on Monday 09:00"; "3h" or "off" for a reminder; "17:00" or
"end of day" for a close; "2026-12-24", "tomorrow" or "next friday" for the
last day of a holiday. Each reader refuses what it cannot read with the
example to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UsageError
from handlers.introductions.phrases import DAYS

SCHEDULE_EXAMPLE = "every Monday 09:00 (or every weekday 09:30, every Mon and Thu 9am)"
DELAY_EXAMPLE = "3h, 90m or off"
CLOSE_EXAMPLE = "17:00 or end of day"
DATE_EXAMPLE = "2026-12-24, tomorrow or next friday"
END_OF_DAY = 24 * 60
LONGEST_SKIP = timedelta(days=366)

_SCHEDULE = re.compile(
    r"^(?:every\s+(?:(?P<n>\d+)\s+weeks?\s+on\s+)?|weekly\s+on\s+|fortnightly\s+on\s+)?"
    r"(?P<days>[a-z ,]+?)\s+(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?$"
)
_DELAY = re.compile(r"^(?P<n>\d+)\s*(?P<unit>m|mins?|minutes?|h|hours?)$")
_CLOCK = re.compile(r"^(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?$")


@dataclass(frozen=True, slots=True)
class CheckinSlot:
    weekdays: tuple[int, ...]
    hour: int
    minute: int
    every_weeks: int

    def days_text(self) -> str:
        return ",".join(str(d) for d in self.weekdays)

    def describe(self) -> str:
        return describe_days(self.weekdays, self.every_weeks, self.hour, self.minute)


def describe_days(weekdays: tuple[int, ...], every_weeks: int, hour: int, minute: int) -> str:
    if weekdays == (0, 1, 2, 3, 4):
        days = "every weekday"
    elif len(weekdays) == 7:
        days = "every day"
    else:
        names = [DAYS[d].title() for d in weekdays]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        days = f"every {joined}"
        if every_weeks > 1:
            days = f"every {every_weeks} weeks on {joined}"
    return f"{days} at {hour:02d}:{minute:02d}"


def parse_checkin_schedule(text: str, usage: str) -> CheckinSlot:
    words = " ".join(text.lower().replace(",", " , ").split()).replace(" ,", ",")
    match = _SCHEDULE.match(words)
    if match is None:
        raise UsageError(
            f"I could not read the schedule {text!r}; say it like {SCHEDULE_EXAMPLE}.", usage=usage
        )
    weekdays = _weekdays(match["days"], usage)
    hour, minute = _clock(match["hour"], match["minute"], match["ampm"], usage)
    every = 2 if words.startswith("fortnightly") else int(match["n"] or 1)
    if not 1 <= every <= 12:
        raise UsageError(f"Check-ins can be every 1 to 12 weeks, not every {every}.", usage=usage)
    return CheckinSlot(weekdays, hour, minute, every)


def _weekdays(text: str, usage: str) -> tuple[int, ...]:
    words = [w for w in re.split(r"[\s,]+", text) if w and w not in ("and", "on", "every")]
    if words in (["day"], ["days"], ["daily"]):
        return tuple(range(7))
    if words in (["weekday"], ["weekdays"]):
        return (0, 1, 2, 3, 4)
    found: set[int] = set()
    for word in words:
        day = _day(word)
        if day is None:
            raise UsageError(
                f"{word!r} is not a day of the week; say it like {SCHEDULE_EXAMPLE}.", usage=usage
            )
        found.add(day)
    if not found:
        raise UsageError(f"Which days? Say it like {SCHEDULE_EXAMPLE}.", usage=usage)
    return tuple(sorted(found))


def _day(word: str) -> int | None:
    word = word.removesuffix("s") if len(word) > 3 else word
    for index, day in enumerate(DAYS):
        if len(word) >= 3 and day.startswith(word):
            return index
    return None


def _clock(
    hour_text: str, minute_text: str | None, ampm: str | None, usage: str
) -> tuple[int, int]:
    hour = int(hour_text)
    minute = int(minute_text or 0)
    if ampm and not 1 <= hour <= 12:
        raise UsageError(f"{hour_text}{ampm} is not a time of day; try 9am or 09:00.", usage=usage)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise UsageError(
            f"{hour_text}:{minute_text or '00'} is not a time of day; use 24-hour time like 09:00.",
            usage=usage,
        )
    return hour, minute


def parse_delay(text: str, usage: str) -> int:
    """Minutes before a reminder; 0 for none."""

    words = text.strip().lower()
    if words in ("off", "never", "none", "0"):
        return 0
    match = _DELAY.match(words)
    if match is None:
        raise UsageError(f"I could not read {text!r} as a delay; say {DELAY_EXAMPLE}.", usage=usage)
    minutes = int(match["n"]) * (60 if match["unit"].startswith("h") else 1)
    if not 15 <= minutes <= 23 * 60:
        raise UsageError(
            f"A reminder can come 15 minutes to 23 hours after the question, not {text}.",
            usage=usage,
        )
    return minutes


def parse_close(text: str, usage: str) -> int:
    """Minutes after the run day's midnight at which answers stop being taken."""

    words = " ".join(text.strip().lower().split())
    if words in ("end of day", "end of the day", "midnight", "24:00", "eod"):
        return END_OF_DAY
    match = _CLOCK.match(words)
    if match is None:
        raise UsageError(
            f"I could not read {text!r} as a closing time; say {CLOSE_EXAMPLE}.", usage=usage
        )
    hour, minute = _clock(match["hour"], match["minute"], match["ampm"], usage)
    return hour * 60 + minute


def parse_last_day(text: str, today: date, usage: str) -> date:
    """The last day of a skip, as a member's local date: today or later, within a year."""

    words = " ".join(text.strip().lower().split())
    found: date | None = None
    if words == "today":
        found = today
    elif words == "tomorrow":
        found = today + timedelta(days=1)
    elif words.startswith("next ") or _day(words) is not None:
        day = _day(words.removeprefix("next "))
        if day is not None:
            ahead = (day - today.weekday()) % 7 or 7
            found = today + timedelta(days=ahead)
    else:
        try:
            found = date.fromisoformat(words)
        except ValueError:
            found = None
    if found is None:
        raise UsageError(f"I could not read {text!r} as a date; say {DATE_EXAMPLE}.", usage=usage)
    if found < today:
        raise UsageError(
            f"{found.isoformat()} has already passed; give today or a later date.", usage=usage
        )
    if found - today > LONGEST_SKIP:
        raise UsageError(
            "A skip can last up to a year. To stop check-ins altogether: /checkin leave.",
            usage=usage,
        )
    return found
