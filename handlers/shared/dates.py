"""Dates and moments as people type them, read on the speaker's own calendar and clock.

Every job that takes a date reads it here: a commitment's due date, a
check-in skip's last day, a retro's closing time. Convene's own phrases come
first (``date_phrases``: "friday", "next friday", "end of month", "in 2
weeks", "15 December", "2026-12-15", "friday week", "the 3rd", "31/12");
what they leave over goes to the date library (``date_library``: "Dec 31st",
"tomorrow morning", "in ten days"), preferring the future, with the
workspace's date order, from the member's own today. A time of day after a
day ("tomorrow 3pm", "31/12 at 9:30") is read as well: a due date keeps the
day, a closing time both. Numbers that make two dates ("3/12") are asked
about (``date_choice``), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.shared.date_choice import AmbiguousDate
from handlers.shared.date_library import library_reading
from handlers.shared.date_order import DEFAULT_ORDER, DateOrder
from handlers.shared.date_phrases import (
    NoSuchDate,
    add_months,
    normalised,
    own_reading,
    weekday_after,
    weekday_on_or_after,
)
from handlers.shared.date_words import date_hint, worth_asking_the_library
from handlers.shared.durations import CLOCK_UNITS, read_in
from handlers.shared.times import CLOCK, clock_time

__all__ = [
    "DUE_EXAMPLE",
    "AmbiguousDate",
    "Reading",
    "add_months",
    "due_text",
    "leading_date_words",
    "parse_due",
    "read_day",
    "read_moment",
    "read_reading",
    "weekday_after",
    "weekday_on_or_after",
]

DUE_EXAMPLE = "by Friday, by tomorrow, by 31/12, in a fortnight or next tuesday"
FARTHEST_DUE = timedelta(days=2 * 366)
END_OF_WORKING_DAY = time(17, 0)
"""The moment a day named alone stands for ("closes friday")."""
NOON = time(12, 0)
LONGEST_DATE_PHRASE = 6
"""Words; "a week on friday at 5pm" is the longest phrase worth trying."""

_AT_CLOCK = re.compile(rf"^(?:(?P<day>.+?)\s+)?(?P<at>at\s+)?{CLOCK}$")
_AT_NOON = re.compile(r"^(?:(?P<day>.+?)\s+)?(?:at\s+)?(?P<noon>noon|midday|lunchtime)$")
_TIME_WORDS = frozenset(["morning", "afternoon", "evening", "night", "tonight"])


@dataclass(frozen=True, slots=True)
class Reading:
    """A day, and the time of day when the words named one ("tomorrow 3pm")."""

    day: date
    at: time | None = None


def read_reading(
    words: str,
    today: date,
    order: DateOrder = DEFAULT_ORDER,
    *,
    clock: time | None = None,
    usage: str = "",
) -> Reading | None:
    """A day (and time) from the words, on the speaker's calendar, or None.

    ``clock`` is the speaker's wall-clock time now: a time alone ("5pm") is
    today's while it is still to come, else tomorrow's. A time that is no
    time of day ("25:00") is refused with ``usage``; numbers that make two
    dates raise ``AmbiguousDate``.
    """

    found = _read(words, today, order, clock, usage)
    return found if isinstance(found, Reading) else None


def read_day(
    words: str,
    today: date,
    order: DateOrder = DEFAULT_ORDER,
    *,
    clock: time | None = None,
    usage: str = "",
) -> date | None:
    """A local date from words like "friday", "next friday", "31/12", "in a fortnight", or None.

    A day named alone is the next one from today on (today when it is that
    day); "next friday" is the Friday of next week; "friday week" a week
    after the coming Friday.
    """

    reading = read_reading(words, today, order, clock=clock, usage=usage)
    return None if reading is None else reading.day


def _read(
    words: str, today: date, order: DateOrder, clock: time | None, usage: str
) -> Reading | NoSuchDate | None:
    text = normalised(words)
    if not text:
        return None
    timed: Reading | NoSuchDate | None = None
    at_clock = _AT_CLOCK.match(text)
    at_noon = _AT_NOON.match(text)
    if at_clock is not None and (at_clock["minute"] or at_clock["ampm"] or at_clock["at"]):
        timed = _with_time(at_clock["day"], clock_time(at_clock, usage), today, order, clock)
    elif at_noon is not None:
        timed = _with_time(at_noon["day"], NOON, today, order, clock)
    if isinstance(timed, Reading):
        return timed
    whole = _read_date(text, today, order, clock)
    if isinstance(whole, date):
        return Reading(whole, None)
    return whole or timed


def _with_time(
    day_words: str | None, at: time, today: date, order: DateOrder, clock: time | None
) -> Reading | NoSuchDate | None:
    if day_words is None:
        later_today = clock is None or at > clock
        return Reading(today if later_today else today + timedelta(days=1), at)
    day = _read_date(day_words, today, order, clock)
    return Reading(day, at) if isinstance(day, date) else day


def _read_date(
    text: str, today: date, order: DateOrder, clock: time | None
) -> date | NoSuchDate | None:
    text = text.removeprefix("on ").removeprefix("by ")
    own = own_reading(text, today, order)
    if own is not None:
        return own
    if not worth_asking_the_library(text):
        return None
    found = library_reading(text, datetime.combine(today, clock or NOON), order)
    return None if found is None else found.date()


def leading_date_words(words: Sequence[str], today: date, order: DateOrder = DEFAULT_ORDER) -> int:
    """How many of the first words make a date ("24 December Standup" → 2); 0 if none do."""

    for count in range(min(len(words), LONGEST_DATE_PHRASE), 0, -1):
        if read_reading(" ".join(words[:count]), today, order) is not None:
            return count
    return 0


def parse_due(
    words: str,
    today: date,
    usage: str,
    *,
    understood: str | None = None,
    optional: bool = True,
    order: DateOrder = DEFAULT_ORDER,
    clock: time | None = None,
) -> date:
    """A due date that is today or later (the member's local date), or a refusal.

    ``understood`` is the commitment as read, for the refusal to repeat;
    ``optional`` says whether the refusal may suggest leaving the date out.
    """

    found = _read(words, today, order, clock, usage) if words.strip() else None
    if not isinstance(found, Reading):
        before = f"I understood the commitment as {understood!r}, but " if understood else ""
        what = (
            f"I could not read {words.strip()!r} as a date"
            if words.strip()
            else "the date is missing"
        )
        if not before:
            what = what[0].upper() + what[1:]
        why = found.reason if isinstance(found, NoSuchDate) else date_hint(words)
        because = f" ({why})" if why else ""
        leave_out = ", or leave the date out" if optional else ""
        raise UsageError(f"{before}{what}{because}. Say {DUE_EXAMPLE}{leave_out}.", usage=usage)
    day = found.day
    if day < today:
        raise UsageError(
            f"{day:%A} {day.day} {day:%B %Y} has already passed (today is {today:%A} "
            f"{today.day} {today:%B} where you are); give today or a later date.",
            usage=usage,
        )
    if day - today > FARTHEST_DUE:
        raise UsageError(
            f"{day:%A} {day.day} {day:%B %Y} is more than two years away; give a nearer date, "
            "or break it into steps.",
            usage=usage,
        )
    return day


def read_moment(
    words: str, now: datetime, zone: ZoneInfo, usage: str, order: DateOrder = DEFAULT_ORDER
) -> datetime | None:
    """A moment from words read on the speaker's wall clock in ``zone``, or None.

    "in 2 hours" counts from now; a day alone ("friday") is the end of its
    working day; a day and a time ("friday 17:00", "31/12 9am") is that time
    that day; a time alone is the next time the clock shows it. A time that
    is no time of day ("25:00") is refused.
    """

    text = normalised(words)
    ahead = read_in(text)
    if ahead is not None and ahead.unit in CLOCK_UNITS:
        try:
            return now + ahead.length()
        except OverflowError:  # past the year 9999
            return None
    local_now = now.astimezone(zone)
    reading = read_reading(
        text, local_now.date(), order, clock=local_now.time().replace(tzinfo=None), usage=usage
    )
    if reading is None:
        return None
    at = reading.at
    if at is None and _TIME_WORDS.intersection(text.split()):
        at = _library_time(text, local_now, order)
    return datetime.combine(reading.day, at or END_OF_WORKING_DAY).replace(tzinfo=zone)


def _library_time(text: str, local_now: datetime, order: DateOrder) -> time | None:
    """The time the library gives "tomorrow morning" (09:00) or "friday evening" (18:00)."""

    found = library_reading(text, local_now.replace(tzinfo=None), order)
    return None if found is None else found.time()


def due_text(day: date | None, today: date | None = None) -> str:
    """ "Friday 27 November" (with the year when it is not this one), or "no due date"."""

    if day is None:
        return "no due date"
    year = "" if today is None or day.year == today.year else f" {day.year}"
    return f"{day:%A} {day.day} {day:%B}{year}"
