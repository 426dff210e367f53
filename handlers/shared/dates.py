"""Dates and moments as people type them, read on the speaker's own calendar and clock.

"friday", "next friday", "tomorrow", "end of month", "in 2 weeks",
"15 December", "2026-12-15" are days; "friday 17:00", "tomorrow 9am",
"17:00" and "in 2 hours" are moments. Due dates are read here for every job
that sets them (commitments, a retro's actions), with one refusal wording.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.shared.days import day_named
from handlers.shared.durations import CLOCK_UNITS, Unit, read_in
from handlers.shared.times import CLOCK, clock_time

DUE_EXAMPLE = "by Friday, by tomorrow, in 2 weeks, by 15 December or by 2026-12-15"
FARTHEST_DUE = timedelta(days=2 * 366)
END_OF_WORKING_DAY = time(17, 0)
"""The moment a day named alone stands for ("closes friday")."""
FRIDAY = 4

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_DAY_MONTH = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]+)(?:\s+(?P<year>\d{4}))?$"
)
_MONTH_DAY = re.compile(
    r"^(?P<month>[a-z]+)\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$"
)
_TIME_AT_END = re.compile(rf"^(?P<day>.*?)\s*(?:at\s+)?{CLOCK}$")


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


def read_day(words: str, today: date) -> date | None:
    """A local date from words like "friday", "next friday", "in 2 weeks", "15 dec", or None.

    A day named alone is the next one from today on (today when it is that
    day); "next friday" is the Friday of next week.
    """

    words = " ".join(words.strip().lower().replace(",", " ").split())
    words = words.removeprefix("the ")
    if words in ("today", "tonight", "end of day", "end of today", "eod"):
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    if words in ("end of week", "end of the week", "eow", "this week"):
        return weekday_on_or_after(today, FRIDAY)
    if words == "next week":
        return today + timedelta(days=7 - today.weekday() + FRIDAY)
    if words in ("end of month", "end of the month", "eom", "this month"):
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if words.startswith("next "):
        day = day_named(words.removeprefix("next "))
        if day is not None:
            next_monday = today + timedelta(days=7 - today.weekday())
            return next_monday + timedelta(days=day)
    words = words.removeprefix("this ")
    if " " not in words:
        day = day_named(words)
        if day is not None:
            return weekday_on_or_after(today, day)
    ahead = read_in(words)
    if ahead is not None:
        return _days_ahead(today, ahead.count, ahead.unit)
    return _calendar_date(words, today)


def _days_ahead(today: date, count: int, unit: Unit) -> date | None:
    try:
        if unit is Unit.MONTH:
            return add_months(today, count)
        if unit in CLOCK_UNITS:
            return None
        return today + timedelta(days=count * (7 if unit is Unit.WEEK else 1))
    except (OverflowError, ValueError):  # past the year 9999
        return None


def _calendar_date(words: str, today: date) -> date | None:
    first, _, rest = words.partition(" ")
    if rest and day_named(first) is not None:  # "monday 7 december", as the bot writes dates
        return _calendar_date(rest, today)
    try:
        return date.fromisoformat(words)
    except ValueError:
        pass
    found = _DAY_MONTH.match(words) or _MONTH_DAY.match(words)
    if found is None:
        return None
    month = _MONTHS.get(found["month"])
    if month is None:
        return None
    year = int(found["year"]) if found["year"] else today.year
    try:
        day = date(year, month, int(found["day"]))
    except ValueError:
        return None
    if not found["year"] and day < today:
        try:
            day = date(year + 1, month, int(found["day"]))
        except ValueError:
            return None
    return day


def parse_due(
    words: str,
    today: date,
    usage: str,
    *,
    understood: str | None = None,
    optional: bool = True,
) -> date:
    """A due date that is today or later (the member's local date), or a refusal.

    ``understood`` is the commitment as read, for the refusal to repeat;
    ``optional`` says whether the refusal may suggest leaving the date out.
    """

    day = read_day(words, today) if words.strip() else None
    if day is None:
        before = f"I understood the commitment as {understood!r}, but " if understood else ""
        what = f"I could not read {words!r} as a date" if words.strip() else "the date is missing"
        if not before:
            what = what[0].upper() + what[1:]
        leave_out = ", or leave the date out" if optional else ""
        raise UsageError(f"{before}{what}. Say {DUE_EXAMPLE}{leave_out}.", usage=usage)
    if day < today:
        raise UsageError(
            f"{day:%A} {day.day} {day:%B %Y} has already passed (today is {today:%A} "
            f"{today.day} {today:%B} where you are); give today or a later date.",
            usage=usage,
        )
    if day - today > FARTHEST_DUE:
        raise UsageError(
            "That is more than two years away; give a nearer date, or break it into steps.",
            usage=usage,
        )
    return day


def read_moment(words: str, now: datetime, zone: ZoneInfo, usage: str) -> datetime | None:
    """A moment from words read on the speaker's wall clock in ``zone``, or None.

    "in 2 hours" counts from now; a day alone ("friday") is the end of its
    working day; a day and a time ("friday 17:00") is that time that day; a
    time alone is the next time the clock shows it. A time that is no time of
    day ("25:00") is refused.
    """

    text = " ".join(words.strip().lower().split())
    ahead = read_in(text)
    if ahead is not None and ahead.unit in CLOCK_UNITS:
        try:
            return now + ahead.length()
        except OverflowError:  # past the year 9999
            return None
    local_now = now.astimezone(zone)
    day = read_day(text, local_now.date())
    if day is not None:
        return datetime.combine(day, END_OF_WORKING_DAY).replace(tzinfo=zone)
    found = _TIME_AT_END.match(text)
    if found is None:
        return None
    at = clock_time(found, usage)
    day_words = found["day"].strip()
    if day_words:
        day = read_day(day_words, local_now.date())
        if day is None:
            return None
        return datetime.combine(day, at).replace(tzinfo=zone)
    today_at = datetime.combine(local_now.date(), at).replace(tzinfo=zone)
    return today_at if today_at > local_now else today_at + timedelta(days=1)


def due_text(day: date | None, today: date | None = None) -> str:
    """ "Friday 27 November" (with the year when it is not this one), or "no due date"."""

    if day is None:
        return "no due date"
    year = "" if today is None or day.year == today.year else f" {day.year}"
    return f"{day:%A} {day.day} {day:%B}{year}"
