"""Reading due dates and closing times in plain words, in the speaker's own time zone.

"Draft the checklist by Friday" is a commitment and a due date; so are
"... in 2 weeks" and "... by 2026-12-15". A retro closes "friday 17:00" or
"in 2 hours". Each reader refuses what it cannot read, says what it did
understand, and lists the forms that work.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.checkins.phrases import _clock, _day

DUE_EXAMPLE = "by Friday, by tomorrow, in 2 weeks, by 15 December or by 2026-12-15"
CLOSE_EXAMPLE = '"friday 17:00", "tomorrow 9am", "17:00" or "in 2 hours"'
FARTHEST_DUE = timedelta(days=2 * 366)
FARTHEST_CLOSE = timedelta(days=60)

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_IN = re.compile(r"^in\s+(?P<n>\d+|[a-z]+)\s+(?P<unit>days?|weeks?|months?|hours?|minutes?|mins?)$")
_DAY_MONTH = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]+)(?:\s+(?P<year>\d{4}))?$"
)
_MONTH_DAY = re.compile(
    r"^(?P<month>[a-z]+)\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$"
)
_TRAILING_IN = re.compile(
    r"\s+(?P<phrase>in\s+(?:\d+|[a-z]+)\s+(?:days?|weeks?|months?))\s*$", re.I
)
_TIME_AT_END = re.compile(
    r"^(?P<day>.*?)\s*(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?$"
)


@dataclass(frozen=True, slots=True)
class Said:
    """A commitment as typed: what, and the due-date words (None when there were none)."""

    what: str
    due_words: str | None


def split_due(text: str) -> Said:
    """Split "Draft the checklist by Friday" into what and when.

    The date is what follows the last "by" (or "due", "before"), or a closing
    "in 2 weeks". Text with neither has no due date.
    """

    words = " " + " ".join(text.split())  # a leading space: "by Friday" alone has no what
    trailing_in = _TRAILING_IN.search(words)
    if trailing_in is not None:
        return Said(words[: trailing_in.start()].strip(), trailing_in["phrase"])
    last_by = None
    for found in re.finditer(r"\s+(?:by|due|before)(?=\s|$)", words, re.I):
        last_by = found
    if last_by is not None:
        return Said(words[: last_by.start()].strip(), words[last_by.end() :].strip())
    return Said(words.strip(), None)


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def read_day(words: str, today: date) -> date | None:
    """A local date from words like "friday", "next friday", "in 2 weeks", "15 dec", or None."""

    words = " ".join(words.strip().lower().replace(",", " ").split())
    words = words.removeprefix("the ")
    if words in ("today", "tonight", "end of day", "end of today", "eod"):
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    if words in ("end of week", "end of the week", "eow", "this week"):
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if words == "next week":
        return today + timedelta(days=7 - today.weekday() + 4)
    if words in ("end of month", "end of the month", "eom", "this month"):
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if words.startswith("next ") and _day(words[5:]) is not None:
        day = _day(words[5:])
        assert day is not None
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=day)
    if words.startswith("this "):
        words = words[5:]
    if " " not in words and _day(words) is not None:
        day = _day(words)
        assert day is not None
        return today + timedelta(days=(day - today.weekday()) % 7)
    within = _IN.match(words)
    if within is not None:
        amount = _number(within["n"])
        unit = within["unit"]
        if amount is None or unit.startswith(("hour", "min")):
            return None
        if unit.startswith("day"):
            return today + timedelta(days=amount)
        if unit.startswith("week"):
            return today + timedelta(weeks=amount)
        return _add_months(today, amount)
    return _calendar_date(words, today)


def _calendar_date(words: str, today: date) -> date | None:
    first, _, rest = words.partition(" ")
    if rest and _day(first) is not None:  # "monday 7 december", as the bot writes dates
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


def parse_closing(words: str, now: datetime, zone: ZoneInfo, usage: str) -> datetime:
    """When a retro closes, from words read on the speaker's wall clock, as an aware datetime."""

    text = " ".join(words.strip().lower().split())
    local_now = now.astimezone(zone)
    within = _IN.match(text)
    moment: datetime | None = None
    if within is not None and _number(within["n"]) is not None:
        amount = _number(within["n"]) or 0
        unit = within["unit"]
        if unit.startswith(("hour", "min")):
            moment = now + timedelta(
                hours=amount if unit.startswith("hour") else 0,
                minutes=amount if unit.startswith("min") else 0,
            )
    if moment is None:
        day = read_day(text, local_now.date())
        if day is not None:  # a day alone closes at the end of its working day
            moment = datetime.combine(day, time(17, 0)).replace(tzinfo=zone)
        elif within is None:
            moment = _day_and_time(text, local_now, zone, usage)
    if moment is None:
        raise UsageError(
            f"I could not read {words!r} as a closing time; say {CLOSE_EXAMPLE}.", usage=usage
        )
    if moment <= now:
        shown = moment.astimezone(zone)
        year = f" {shown.year}" if shown.year != local_now.year else ""
        raise UsageError(
            f"{shown:%A} {shown.day} {shown:%B}{year} {shown:%H:%M} has already passed; "
            "give a later time.",
            usage=usage,
        )
    if moment - now > FARTHEST_CLOSE:
        raise UsageError(
            "A retro can stay open for up to 60 days; give a nearer time.", usage=usage
        )
    return moment


def _day_and_time(text: str, local_now: datetime, zone: ZoneInfo, usage: str) -> datetime | None:
    found = _TIME_AT_END.match(text)
    if found is None:
        day = read_day(text, local_now.date())
        if day is None:
            return None
        return datetime.combine(day, time(17, 0)).replace(tzinfo=zone)
    hour, minute = _clock(found["hour"], found["minute"], found["ampm"], usage)
    day_words = found["day"].strip()
    if day_words:
        day = read_day(day_words, local_now.date())
        if day is None:
            return None
        return datetime.combine(day, time(hour, minute)).replace(tzinfo=zone)
    today_at = datetime.combine(local_now.date(), time(hour, minute)).replace(tzinfo=zone)
    return today_at if today_at > local_now else today_at + timedelta(days=1)


def due_text(day: date | None, today: date | None = None) -> str:
    """ "Friday 27 November" (with the year when it is not this one), or "no due date"."""

    if day is None:
        return "no due date"
    year = "" if today is None or day.year == today.year else f" {day.year}"
    return f"{day:%A} {day.day} {day:%B}{year}"
