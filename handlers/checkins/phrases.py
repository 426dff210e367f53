"""What check-ins make of schedules, delays, closing times and the last day of a skip.

The words are read by the shared readers (``handlers.shared``); this module
holds what only check-ins mean by them: a schedule may name several days,
"3h" or "off" is a reminder's delay, "17:00" or "end of day" is when answers
stop being taken, and "friday" is the last day of a holiday. Each refuses
what it cannot take with the example to type instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UsageError
from handlers.shared.date_order import DEFAULT_ORDER, DateOrder
from handlers.shared.date_words import date_hint
from handlers.shared.dates import read_day, weekday_after
from handlers.shared.days import EVERY_DAY, WEEKDAYS, day_named, days_listed
from handlers.shared.durations import CLOCK_UNITS, Unit, read_amount
from handlers.shared.schedules import WeeklySchedule, parse_weekly
from handlers.shared.times import read_time

SCHEDULE_EXAMPLE = "every Monday 09:00 (or every weekday 09:30, every Mon and Thu 9am)"
DELAY_EXAMPLE = "3h, 90m or off"
CLOSE_EXAMPLE = "17:00 or end of day"
DATE_EXAMPLE = "24/12, tomorrow, next friday or 2026-12-24"
END_OF_DAY = 24 * 60
SHORTEST_DELAY_MINUTES = 15
LONGEST_DELAY_MINUTES = 23 * 60
LONGEST_SKIP = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class CheckinSlot(WeeklySchedule):
    """When a check-in asks: its days, its time of day, every how many weeks."""

    def days_text(self) -> str:
        """The days as stored: "0,2,4"."""

        return ",".join(str(d) for d in self.weekdays)

    def describe(self) -> str:
        return describe_days(self.weekdays, self.every_weeks, self.hour, self.minute)


def describe_days(weekdays: tuple[int, ...], every_weeks: int, hour: int, minute: int) -> str:
    """ "every weekday at 09:00", "every 2 weeks on Monday and Thursday at 09:30"."""

    if weekdays == WEEKDAYS:
        days = "every weekday"
    elif len(weekdays) == len(EVERY_DAY):
        days = "every day"
    elif every_weeks > 1:
        days = f"every {every_weeks} weeks on {days_listed(weekdays)}"
    else:
        days = f"every {days_listed(weekdays)}"
    return f"{days} at {hour:02d}:{minute:02d}"


def parse_checkin_schedule(text: str, usage: str) -> CheckinSlot:
    found = parse_weekly(text, usage, example=SCHEDULE_EXAMPLE, what="Check-ins")
    return CheckinSlot(found.weekdays, found.hour, found.minute, found.every_weeks)


def parse_delay(text: str, usage: str) -> int:
    """Minutes before a reminder; 0 for none."""

    words = text.strip().lower()
    if words in ("off", "never", "none", "0"):
        return 0
    delay = read_amount(words, CLOCK_UNITS)
    if delay is None:
        raise UsageError(f"I could not read {text!r} as a delay; say {DELAY_EXAMPLE}.", usage=usage)
    minutes = delay.count * (60 if delay.unit is Unit.HOUR else 1)
    if not SHORTEST_DELAY_MINUTES <= minutes <= LONGEST_DELAY_MINUTES:
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
    at = read_time(words, usage)
    if at is None:
        raise UsageError(
            f"I could not read {text!r} as a closing time; say {CLOSE_EXAMPLE}.", usage=usage
        )
    return at.hour * 60 + at.minute


def parse_last_day(text: str, today: date, usage: str, order: DateOrder = DEFAULT_ORDER) -> date:
    """The last day of a skip, as a member's local date: today or later, within a year.

    A day of the week, with or without "next", is the first one after today:
    a skip "until friday" said on a Friday lasts a week. Other dates are read
    as every job reads them ("24/12", "friday week", "in a fortnight"), in
    the workspace's date ``order``; "3/12" is asked about.
    """

    words = " ".join(text.strip().lower().split())
    weekday = day_named(words.removeprefix("next "))
    found = (
        weekday_after(today, weekday)
        if weekday is not None
        else read_day(words, today, order, usage=usage)
    )
    if found is None:
        hint = date_hint(text)
        because = f" ({hint})" if hint else ""
        raise UsageError(
            f"I could not read {text!r} as a date{because}; say {DATE_EXAMPLE}.", usage=usage
        )
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
