"""Date phrases as people type them, and what Convene reads them as, in London and New York.

``python -m tests.support.date_table`` prints the table (Markdown) by calling
the real reader, the one every due date and "until" date goes through
(``handlers.shared.dates.parse_due``), at one fixed moment: Friday 27
November 2026, 03:00 UTC, which is already Friday 03:00 in London but still
Thursday 22:00 in New York, so "tomorrow" is a different day in each. Each
phrase is read in London with a day-first workspace (dmy) and in New York
with a month-first one (mdy). ``tests/unit/test_date_phrases.py`` checks
every row against the reading written here by hand.
"""

from __future__ import annotations

import time as timer
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.shared.date_choice import AmbiguousDate
from handlers.shared.date_order import DateOrder
from handlers.shared.dates import parse_due

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
"""Friday 03:00 in London, Thursday 22:00 in New York."""
LONDON = ("Europe/London", "dmy")
NEW_YORK = ("America/New_York", "mdy")
USAGE = "/commit WHAT YOU WILL DO [by DATE]"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase, who writes it so, and what it should read as in London and in New York."""

    words: str
    form: str
    london: str
    new_york: str


def read(words: str, zone_name: str, order: DateOrder, now: datetime = NOW) -> str:
    """What the due-date reader makes of ``words`` for a member in ``zone_name``, as a cell."""

    local = now.astimezone(ZoneInfo(zone_name))
    try:
        day = parse_due(words, local.date(), USAGE, order=order, clock=local.time())
    except AmbiguousDate as ambiguous:
        first, second = ambiguous.readings
        return f"asks: {shown(first)} or {shown(second)}"
    except UsageError as refused:
        return f"refused: {refusal_reason(refused.message)}"
    return shown(day)


def shown(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def refusal_reason(message: str) -> str:
    if "has already passed" in message:
        return "already passed"
    if "more than two years away" in message:
        return "more than two years away"
    if "(" in message and ")" in message:
        return "not a date (" + message.split("(", 1)[1].split(")", 1)[0] + ")"
    return "not a date"


BOTH = "both"
UK = "British"
US = "American"
NUMBER_ALONE = "refused: not a date (a number alone is not a date: say the 3rd or 3 December)"
# fmt: off
PHRASES = (
    # Dates in numbers: day first in London, month first in New York; one way round is read
    # as the only date it can be, either way round is asked about.
    Phrase("31/12", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("31/12/2026", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("31/12/26", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("24/12", UK, "Thu 24 Dec 2026", "Thu 24 Dec 2026"),
    Phrase("31.12.2026", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("12/31", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("12/31/2026", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("12-31-2026", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("12/24", US, "Thu 24 Dec 2026", "Thu 24 Dec 2026"),
    Phrase("1/15", US, "Fri 15 Jan 2027", "Fri 15 Jan 2027"),
    Phrase("3/12", BOTH, "asks: Thu 3 Dec 2026 or Fri 12 Mar 2027",
           "asks: Fri 12 Mar 2027 or Thu 3 Dec 2026"),
    Phrase("12/3", BOTH, "asks: Fri 12 Mar 2027 or Thu 3 Dec 2026",
           "asks: Thu 3 Dec 2026 or Fri 12 Mar 2027"),
    Phrase("3/12/2026", BOTH, "Thu 3 Dec 2026", "Thu 3 Dec 2026"),
    Phrase("1/1", BOTH, "Fri 1 Jan 2027", "Fri 1 Jan 2027"),
    Phrase("29/2", UK, "Tue 29 Feb 2028", "Tue 29 Feb 2028"),
    Phrase("26/11", UK, "refused: already passed", "Thu 26 Nov 2026"),
    Phrase("11/26", US, "refused: already passed", "Thu 26 Nov 2026"),
    Phrase("2026-12-15", BOTH, "Tue 15 Dec 2026", "Tue 15 Dec 2026"),
    Phrase("2026/12/31", BOTH, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    # Days and months in words.
    Phrase("31st December", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("31st of December", UK, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("15 December", UK, "Tue 15 Dec 2026", "Tue 15 Dec 2026"),
    Phrase("24 Dec", UK, "Thu 24 Dec 2026", "Thu 24 Dec 2026"),
    Phrase("Dec 31st", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("December 31", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("December 31, 2026", US, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("January 15th", US, "Fri 15 Jan 2027", "Fri 15 Jan 2027"),
    Phrase("1 March", UK, "Mon 1 Mar 2027", "Mon 1 Mar 2027"),
    Phrase("the 3rd", BOTH, "Thu 3 Dec 2026", "Thu 3 Dec 2026"),
    Phrase("the 26th", BOTH, "Sat 26 Dec 2026", "Thu 26 Nov 2026"),
    Phrase("the 31st", BOTH, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("end of December", BOTH, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("christmas eve", BOTH, "Thu 24 Dec 2026", "Thu 24 Dec 2026"),
    Phrase("boxing day", UK, "Sat 26 Dec 2026", "Sat 26 Dec 2026"),
    Phrase("new year's day", BOTH, "Fri 1 Jan 2027", "Fri 1 Jan 2027"),
    # Days of the week, and days counted from today (London's Friday, New York's Thursday).
    Phrase("today", BOTH, "Fri 27 Nov 2026", "Thu 26 Nov 2026"),
    Phrase("tomorrow", BOTH, "Sat 28 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("tmrw", BOTH, "Sat 28 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("tomorrow 3pm", BOTH, "Sat 28 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("tomorrow at noon", US, "Sat 28 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("tomorrow morning", BOTH, "Sat 28 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("the day after tomorrow", BOTH, "Sun 29 Nov 2026", "Sat 28 Nov 2026"),
    Phrase("5pm", BOTH, "Fri 27 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("friday", BOTH, "Fri 27 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("Fri", BOTH, "Fri 27 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("thurs", UK, "Thu 3 Dec 2026", "Thu 26 Nov 2026"),
    Phrase("this friday", BOTH, "Fri 27 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("next friday", BOTH, "Fri 4 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("next tuesday", BOTH, "Tue 1 Dec 2026", "Tue 1 Dec 2026"),
    Phrase("Monday next week", BOTH, "Mon 30 Nov 2026", "Mon 30 Nov 2026"),
    Phrase("friday week", UK, "Fri 4 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("a week on friday", UK, "Fri 4 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("a week from Friday", US, "Fri 4 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("friday fortnight", UK, "Fri 11 Dec 2026", "Fri 11 Dec 2026"),
    Phrase("a week today", UK, "Fri 4 Dec 2026", "Thu 3 Dec 2026"),
    Phrase("a week tomorrow", UK, "Sat 5 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("in a fortnight", UK, "Fri 11 Dec 2026", "Thu 10 Dec 2026"),
    Phrase("in 2 weeks", BOTH, "Fri 11 Dec 2026", "Thu 10 Dec 2026"),
    Phrase("two weeks from now", US, "Fri 11 Dec 2026", "Thu 10 Dec 2026"),
    Phrase("in 3 days", BOTH, "Mon 30 Nov 2026", "Sun 29 Nov 2026"),
    Phrase("in ten days", BOTH, "Mon 7 Dec 2026", "Sun 6 Dec 2026"),
    Phrase("10 days from today", BOTH, "Mon 7 Dec 2026", "Sun 6 Dec 2026"),
    Phrase("in 2 weeks' time", UK, "Fri 11 Dec 2026", "Thu 10 Dec 2026"),
    Phrase("in a month", BOTH, "Sun 27 Dec 2026", "Sat 26 Dec 2026"),
    Phrase("in 18 months", BOTH, "Sat 27 May 2028", "Fri 26 May 2028"),
    Phrase("end of the week", BOTH, "Fri 27 Nov 2026", "Fri 27 Nov 2026"),
    Phrase("next week", BOTH, "Fri 4 Dec 2026", "Fri 4 Dec 2026"),
    Phrase("end of the month", BOTH, "Mon 30 Nov 2026", "Mon 30 Nov 2026"),
    Phrase("end of next month", BOTH, "Thu 31 Dec 2026", "Thu 31 Dec 2026"),
    Phrase("eod", BOTH, "Fri 27 Nov 2026", "Thu 26 Nov 2026"),
    # Refused: gone, too far, or no date at all (a hint where one helps).
    Phrase("yesterday", BOTH, "refused: already passed", "refused: already passed"),
    Phrase("last friday", BOTH, "refused: already passed", "refused: already passed"),
    Phrase("01/01/2020", BOTH, "refused: already passed", "refused: already passed"),
    Phrase("in 3 years", BOTH, "refused: more than two years away",
           "refused: more than two years away"),
    Phrase("31/11", UK, "refused: not a date (November has 30 days)",
           "refused: not a date (November has 30 days)"),
    Phrase("13/13", BOTH, "refused: not a date (neither number can be a month)",
           "refused: not a date (neither number can be a month)"),
    Phrase("32 December", BOTH, "refused: not a date (December has 31 days)",
           "refused: not a date (December has 31 days)"),
    Phrase("Fridya", BOTH, "refused: not a date (did you mean Friday?)",
           "refused: not a date (did you mean Friday?)"),
    Phrase("3", BOTH, NUMBER_ALONE, NUMBER_ALONE),
    Phrase("May", BOTH, "refused: not a date (say which day of May, like 15 May or end of May)",
           "refused: not a date (say which day of May, like 15 May or end of May)"),
    Phrase("whenever", BOTH, "refused: not a date", "refused: not a date"),
    Phrase("in 2 hours", BOTH, "refused: not a date (that is a length of time, not a day)",
           "refused: not a date (that is a length of time, not a day)"),
)
# fmt: on


def table(now: datetime = NOW) -> str:
    """Every phrase as read in London (dmy) and New York (mdy), as a Markdown table."""

    london_now = now.astimezone(ZoneInfo(LONDON[0]))
    new_york_now = now.astimezone(ZoneInfo(NEW_YORK[0]))
    lines = [
        f"Read at {now:%Y-%m-%d %H:%M} UTC: {london_now:%A %H:%M} in London (day first, dmy), "
        f"{new_york_now:%A %H:%M} in New York (month first, mdy).",
        "",
        "| # | typed | written by | Europe/London, dmy | America/New_York, mdy |",
        "|---|---|---|---|---|",
    ]
    for number, phrase in enumerate(PHRASES, start=1):
        london = read(phrase.words, LONDON[0], "dmy", now)
        new_york = read(phrase.words, NEW_YORK[0], "mdy", now)
        lines.append(f"| {number} | `{phrase.words}` | {phrase.form} | {london} | {new_york} |")
    return "\n".join(lines)


def first_reading_cost() -> tuple[float, float]:
    """Seconds the library's first reading takes in this process (import and English data),
    and a later one's; meaningful only before anything else read a date."""

    from handlers.shared.date_library import library_reading

    started = timer.perf_counter()
    library_reading("Dec 31st", NOW.replace(tzinfo=None), "dmy")
    first = timer.perf_counter() - started
    started = timer.perf_counter()
    for _ in range(100):
        library_reading("in ten days", NOW.replace(tzinfo=None), "dmy")
    return first, (timer.perf_counter() - started) / 100


def main() -> None:
    first, later = first_reading_cost()
    print(table())
    print()
    print(
        f"{len(PHRASES)} phrases. The date library's first reading in a process took "
        f"{first:.2f} s (import and English data); later ones {later * 1000:.1f} ms each."
    )


if __name__ == "__main__":
    main()
