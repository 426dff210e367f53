"""Convene's own reading of the dates people type, before any library is asked.

These are the phrases Convene has always read ("friday", "next friday", "end
of month", "in 2 weeks", "15 December", "2026-12-15") and the ones
``dateparser`` reads wrongly or not at all, each decided here on purpose:

- "friday week" (British) is a week after the coming Friday: ``friday`` + 7
  days; "a week on friday", "a week from friday" and "friday fortnight" alike.
- "next friday" is the Friday of next week (as before), whatever day it is said.
- "the 3rd" is the next 3rd of a month from today on (the library gives this
  month's, even when it has gone); "the 31st" skips months without one.
- "31/12", "12/31", "3.12.2026": numbers are read both ways round; a date
  only one way round can be is that date, whatever the workspace's order; one
  that could be either (``3/12``) is asked about (``AmbiguousDate``), the
  workspace's reading first. The library would read "12/31" in a day-first
  workspace as 12 November 2031.
- "10 days from today", "a week today" (the library counts them from the
  wrong end), "in a fortnight", "christmas eve", "end of december".
- A bare number ("3"), a bare month ("May") and words that are no date are
  not read at all: "Read chapter 3" and "Fix the May rota" keep their words.
"""

from __future__ import annotations

import calendar
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.shared.date_choice import AmbiguousDate
from handlers.shared.date_order import DateOrder
from handlers.shared.days import day_named
from handlers.shared.durations import CALENDAR_UNITS, CLOCK_UNITS, Unit, read_amount, read_in

FRIDAY = 4
LATEST_YEAR = 9998
"""Beyond it a date "next year" cannot be made; nobody is due then."""

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
_HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas": (12, 25),
    "christmas day": (12, 25),
    "xmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "nye": (12, 31),
    "new year's day": (1, 1),
    "new years day": (1, 1),
}
_TODAY = ("today", "tonight", "end of day", "end of today", "eod", "end of play", "eop")
_TOMORROW = ("tomorrow", "tmrw", "tmw", "tmr", "tomorrow night")
_END_OF_WEEK = ("end of week", "end of the week", "eow", "this week")
_END_OF_MONTH = ("end of month", "end of the month", "eom", "this month")
_END_OF_YEAR = ("end of year", "end of the year", "eoy", "this year")

_DAY_MONTH = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]+)\.?(?:\s+(?P<year>\d{4}))?$"
)
_MONTH_DAY = re.compile(
    r"^(?P<month>[a-z]+)\.?\s+(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s+(?P<year>\d{4}))?$"
)
_NUMERIC = re.compile(
    r"^(?P<first>\d{1,2})(?P<sep>[/.\-])(?P<second>\d{1,2})(?:(?P=sep)(?P<year>\d{4}|\d{2}))?$"
)
_YEAR_FIRST = re.compile(
    r"^(?P<year>\d{4})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})$"
)
_ORDINAL = re.compile(r"^(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)(?:\s+of\s+the\s+month)?$")
_END_OF_NAMED_MONTH = re.compile(r"^(?:the\s+)?end\s+of\s+(?P<month>[a-z]+)$")
_AHEAD_OF_DAY = re.compile(
    r"^(?P<amount>.+?)\s+(?:(?:from|on|after)\s+)?(?P<base>today|tomorrow|now|[a-z]+day|[a-z]{3,5})$"
)
_DAY_AHEAD = re.compile(r"^(?P<base>today|tomorrow|[a-z]+)\s+(?P<amount>week|fortnight)$")
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-|-(?=[a-z])")
_IN_TIME = re.compile(r"^(?P<ahead>in\s+.+?)(?:'s|s'|')?\s+time$")


@dataclass(frozen=True, slots=True)
class NoSuchDate:
    """Words shaped like a date that is not one ("31/11", "32 December"), and why."""

    reason: str


Found = date | NoSuchDate | None
"""A date; or the words are a date's shape but no date; or they are not this shape at all."""


def normalised(words: str) -> str:
    """Lower case, one space between words, no commas, straight apostrophes."""

    text = words.strip().lower().replace("’", "'").replace("‘", "'").replace(",", " ")
    text = _WORD_HYPHEN.sub(" ", text)  # "31-Dec-2026", "new-year's eve"
    return " ".join(text.split()).rstrip(".")


def weekday_on_or_after(today: date, weekday: int) -> date:
    """The first ``weekday`` (Monday 0) from today on: today itself when it is one."""

    return today + timedelta(days=(weekday - today.weekday()) % 7)


def weekday_after(today: date, weekday: int) -> date:
    """The first ``weekday`` after today: a week ahead when today is one."""

    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day when it is shorter."""

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


RECENTLY_PASSED = timedelta(days=45)
"""A day and month without a year that passed less than this long ago is that day, gone:
"by 26/11" typed on 27 November is a late entry, not a date a year ahead."""


def next_on_or_after(today: date, month: int, day: int) -> date | None:
    """The first ``day`` of ``month`` from today on (29 February waits for a leap year),
    or this year's, already passed, when that was only days ago (``RECENTLY_PASSED``)."""

    with suppress(ValueError):
        this_year = date(today.year, month, day)
        if today - RECENTLY_PASSED <= this_year < today:
            return this_year

    for year in range(today.year, min(today.year + 8, LATEST_YEAR) + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


# -- the phrases Convene reads itself --------------------------------------------------------


def own_reading(text: str, today: date, order: DateOrder) -> Found:
    """A date from Convene's own phrases (``text`` already ``normalised``)."""

    text = text.removeprefix("on ").removeprefix("the ").removeprefix("by ")
    for read in (_named_day, _weekday_phrase, _ahead, _counted_from_a_day):
        found = read(text, today)
        if found is not None:
            return found
    for shaped in (_ordinal, _end_of_named_month, _holiday, _calendar_date):
        found = shaped(text, today)
        if found is not None:
            return found
    return numeric_date(text, today, order)


def _named_day(text: str, today: date) -> Found:
    if text in _TODAY:
        return today
    if text in _TOMORROW:
        return today + timedelta(days=1)
    if text in ("day after tomorrow", "the day after tomorrow"):
        return today + timedelta(days=2)
    if text in ("this time next week", "same time next week", "a week today", "today week"):
        return today + timedelta(days=7)
    if text in _END_OF_WEEK:
        return weekday_on_or_after(today, FRIDAY)
    if text in ("next week", "end of next week"):
        return today + timedelta(days=7 - today.weekday() + FRIDAY)
    if text in _END_OF_MONTH:
        return month_end(today.year, today.month)
    if text in ("end of next month", "next month end"):
        ahead = add_months(today.replace(day=1), 1)
        return month_end(ahead.year, ahead.month)
    if text in _END_OF_YEAR:
        return date(today.year, 12, 31)
    return None


def _weekday_phrase(text: str, today: date) -> Found:
    """ "friday", "this friday", "next friday", "friday next week", "next week friday"."""

    next_monday = today + timedelta(days=7 - today.weekday())
    for prefix in ("next week on ", "next week "):
        if text.startswith(prefix):
            day = day_named(text.removeprefix(prefix))
            if day is not None:
                return next_monday + timedelta(days=day)
    if text.endswith(" next week"):
        day = day_named(text.removesuffix(" next week"))
        if day is not None:
            return next_monday + timedelta(days=day)
    if text.startswith("next "):
        day = day_named(text.removeprefix("next "))
        if day is not None:
            return next_monday + timedelta(days=day)
    for prefix in ("this ", "this coming ", "coming "):
        if text.startswith(prefix):
            day = day_named(text.removeprefix(prefix))
            if day is not None:
                return weekday_on_or_after(today, day)
    if " " not in text:
        day = day_named(text)
        if day is not None:
            return weekday_on_or_after(today, day)
    return None


def _ahead(text: str, today: date) -> Found:
    """ "in 2 weeks", "within 3 days", "in a fortnight", "in 2 weeks' time", "10 days from now"."""

    in_time = _IN_TIME.match(text)
    if in_time is not None:
        text = in_time["ahead"]
    text = text.replace("within ", "in ", 1) if text.startswith("within ") else text
    for suffix in (" from now", " from today", " time"):
        if text.endswith(suffix) and not text.startswith("in "):
            text = "in " + text.removesuffix(suffix)
    fortnights = _fortnights(text.removeprefix("in "))
    if fortnights is not None and (text.startswith("in ") or text in ("fortnight", "a fortnight")):
        return today + timedelta(days=14 * fortnights)
    ahead = read_in(text)
    if ahead is None:
        return None
    if ahead.unit in CLOCK_UNITS:
        return NoSuchDate("that is a length of time, not a day")
    return days_ahead(today, ahead.count, ahead.unit)


def _fortnights(text: str) -> int | None:
    words = text.split()
    if len(words) == 1 and words[0] == "fortnight":
        return 1
    if len(words) == 2 and words[1] in ("fortnight", "fortnights"):
        amount = read_amount(f"{words[0]} days", (Unit.DAY,))
        return amount.count if amount is not None else None
    return None


def _counted_from_a_day(text: str, today: date) -> Found:
    """ "friday week", "a week on friday", "a week today", "2 weeks from tomorrow"."""

    base_words, weeks = "", 0
    one_word = _DAY_AHEAD.match(text)
    if one_word is not None:
        base_words, weeks = one_word["base"], 1 if one_word["amount"] == "week" else 2
    else:
        counted = _AHEAD_OF_DAY.match(text)
        if counted is None or counted["base"] == "now":
            return None
        fortnights = _fortnights(counted["amount"])
        amount = read_amount(counted["amount"], CALENDAR_UNITS)
        if fortnights is not None:
            weeks = 2 * fortnights
        elif amount is not None and amount.unit is Unit.WEEK:
            weeks = amount.count
        elif amount is not None and amount.unit is Unit.DAY:
            base = _base_day(counted["base"], today)
            return None if base is None else _plus_days(base, amount.count)
        else:
            return None
        base_words = counted["base"]
    base = _base_day(base_words, today)
    return None if base is None else _plus_days(base, 7 * weeks)


def _base_day(words: str, today: date) -> date | None:
    if words == "today":
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    day = day_named(words)
    return None if day is None else weekday_on_or_after(today, day)


def _plus_days(day: date, count: int) -> Found:
    try:
        return day + timedelta(days=count)
    except OverflowError:
        return NoSuchDate("that is too far ahead")


def days_ahead(today: date, count: int, unit: Unit) -> Found:
    try:
        if unit is Unit.MONTH:
            return add_months(today, count)
        return today + timedelta(days=count * (7 if unit is Unit.WEEK else 1))
    except (OverflowError, ValueError):  # past the year 9999
        return NoSuchDate("that is too far ahead")


def _ordinal(text: str, today: date) -> Found:
    """ "the 3rd": the next 3rd of a month, from today on."""

    found = _ORDINAL.match(text)
    if found is None:
        return None
    day = int(found["day"])
    if not 1 <= day <= 31:
        return NoSuchDate(f"no month has {day} days" if day else "there is no day 0")
    month = date(today.year, today.month, 1)
    for _ in range(13):
        if day <= calendar.monthrange(month.year, month.month)[1]:
            candidate = month.replace(day=day)
            if candidate >= today:
                return candidate
        month = add_months(month, 1)
    return None  # pragma: no cover - every month has a 1st to 28th and one of 12 a 31st


def _end_of_named_month(text: str, today: date) -> Found:
    found = _END_OF_NAMED_MONTH.match(text)
    month = MONTHS.get(found["month"]) if found is not None else None
    if month is None:
        return None
    year = today.year if month >= today.month else today.year + 1
    return month_end(year, month)


def _holiday(text: str, today: date) -> Found:
    named = _HOLIDAYS.get(text)
    return None if named is None else next_on_or_after(today, *named)


def _calendar_date(text: str, today: date) -> Found:
    """ "15 December", "Dec 15th", "December 15 2027", "2026-12-15", "Monday 7 December"."""

    first, _, rest = text.partition(" ")
    if rest and day_named(first) is not None:  # "monday 7 december", as the bot writes dates
        return _calendar_date(rest.removeprefix("the "), today)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _DAY_MONTH.match(text) or _MONTH_DAY.match(text)
    if found is None:
        return None
    month = MONTHS.get(found["month"])
    if month is None:
        return None
    day = int(found["day"])
    name = calendar.month_name[month]
    longest = 29 if month == 2 else calendar.monthrange(2026, month)[1]
    if not 1 <= day <= longest:
        return NoSuchDate(f"{name} has {longest} days")
    if found["year"]:
        try:
            return date(int(found["year"]), month, day)
        except ValueError:
            return NoSuchDate(
                f"{name} {found['year']} has {month_end(int(found['year']), month).day} days"
            )
    return next_on_or_after(today, month, day)


# -- dates in numbers ------------------------------------------------------------------------


def numeric_date(text: str, today: date, order: DateOrder) -> Found:
    """ "31/12", "12/31", "3.12.2026", "2026/12/31": read both ways round, asked when both fit.

    Without a year a date is the next one from today on. A reading with a
    year that has already gone gives way to one that has not. When two
    different dates remain, the member is asked (``AmbiguousDate``), the
    workspace's own order first.
    """

    year_first = _YEAR_FIRST.match(text)
    if year_first is not None:
        try:
            return date(int(year_first["year"]), int(year_first["month"]), int(year_first["day"]))
        except ValueError:
            return NoSuchDate("there is no such day in the calendar")
    found = _NUMERIC.match(text)
    if found is None:
        return None
    first, second = int(found["first"]), int(found["second"])
    year = found["year"]
    as_written = (first, second) if order == "dmy" else (second, first)
    swapped = (as_written[1], as_written[0])
    readings: list[date] = []
    for day, month in (as_written, swapped):
        reading = _day_and_month(day, month, year, today)
        if reading is not None and reading not in readings:
            readings.append(reading)
    if year is not None and len(readings) == 2:
        coming = [reading for reading in readings if reading >= today]
        readings = coming or readings[:1]
    if not readings:
        return NoSuchDate(_why_not(first, second))
    if len(readings) == 2:
        raise AmbiguousDate(found.group(0), (readings[0], readings[1]), today)
    return readings[0]


def _day_and_month(day: int, month: int, year: str | None, today: date) -> date | None:
    if not 1 <= month <= 12:
        return None
    if year is None:
        return next_on_or_after(today, month, day)
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, month, day)
    except ValueError:
        return None


def _why_not(first: int, second: int) -> str:
    if first > 12 and second > 12:
        return "neither number can be a month"
    day, month = (first, second) if second <= 12 else (second, first)
    if month < 1:
        return "there is no month 0"
    if day < 1:
        return "there is no day 0"
    longest = 29 if month == 2 else calendar.monthrange(2026, month)[1]
    return f"{calendar.month_name[month]} has {longest} days"
