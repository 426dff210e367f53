"""Which words are date words: what the library may be asked, and what was meant as a date.

The library reads generously ("march on" is 26 March, "3" the 3rd of this
month), so it is asked only about words that are all a date's and name a
day. Words after "by" that are no date at all ("sent by Dr Smith") belong to
the commitment; words that look like a date and are not one ("by Fridya",
"by 31/11") are refused with a hint at what was meant.
"""

from __future__ import annotations

import calendar
import difflib
import re

from handlers.shared.date_phrases import MONTHS, normalised

WEEKDAY_WORDS = frozenset(
    [
        *(name.lower() for name in calendar.day_name),
        *(name.lower() for name in calendar.day_abbr),
        "tues",
        "thur",
        "thurs",
        "weds",
    ]
)
MONTH_WORDS = frozenset(MONTHS)
RELATIVE_WORDS = frozenset(
    ["today", "tonight", "tomorrow", "yesterday", "fortnight", "fortnights", "eod", "eow", "eom"]
)
UNIT_WORDS = frozenset(["day", "days", "week", "weeks", "month", "months", "year", "years"])
_FILLERS = frozenset(
    [
        "a", "an", "the", "on", "at", "of", "in", "by", "and", "from", "after", "before", "next",
        "last", "this", "coming", "following", "previous", "ago", "end", "now", "time",
        "morning", "afternoon", "evening", "night", "noon", "midday", "lunchtime",
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "first", "second", "third", "fourth", "fifth",
    ]
)  # fmt: skip
_NUMBER_TOKEN = re.compile(r"^\d{1,4}$")
_ORDINAL_TOKEN = re.compile(r"^\d{1,2}(?:st|nd|rd|th)$")
_TIME_TOKEN = re.compile(r"^\d{1,2}(?::\d{2})?(?:am|pm)$|^\d{1,2}:\d{2}$")
_NUMERIC_TOKEN = re.compile(r"^\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{1,4})?$")
_NAMES = (
    *(name.lower() for name in calendar.day_name),
    *(name.lower() for name in calendar.month_name[1:]),
    "today",
    "tomorrow",
    "tonight",
    "fortnight",
)
"""The words a misspelt date most likely meant ("Fridya", "tomorow", "Decmber")."""
_CAPITALISED = frozenset(_NAMES) - {"today", "tomorrow", "tonight", "fortnight"}
"""Days' and months' names, written with a capital."""
_NEAR_WORDS = (*_NAMES, "next", "week", "weeks", "month", "months")


def worth_asking_the_library(text: str) -> bool:
    """Whether words are all date words and name a day, so the library may read them.

    Every word must be a date's (a weekday, a month, "tomorrow", "in",
    "weeks", a number, an ordinal, a time of day); a bare number, a bare
    month ("May") or a length of hours is not a day.
    """

    words = text.split()
    if not words:
        return False
    anchors = numbers = months = 0
    for word in words:
        if word in WEEKDAY_WORDS or word in RELATIVE_WORDS or _NUMERIC_TOKEN.match(word):
            anchors += 1
        elif word in MONTH_WORDS:
            months += 1
        elif word in UNIT_WORDS or _ORDINAL_TOKEN.match(word) or _NUMBER_TOKEN.match(word):
            numbers += 1
        elif word in _FILLERS or _TIME_TOKEN.match(word):
            continue
        else:
            return False
    if months:
        return numbers > 0 or anchors > 0
    return anchors > 0 or (numbers > 0 and any(word in UNIT_WORDS for word in words))


def looks_like_a_date(words: str) -> bool:
    """Whether words were meant as a date, read or not ("Fridya", "32/13", "next frday").

    "Dr Smith" and "the night shift" are not: after "by" they are part of
    what someone will do. A word near a day's or month's name, a number, or
    a date word is an attempt at a date that deserves a refusal, not silence.
    """

    text = normalised(words)
    if any(char.isdigit() for char in text):
        return True
    for word in text.split():
        if word in WEEKDAY_WORDS or word in MONTH_WORDS or word in RELATIVE_WORDS:
            return True
        if word in _FILLERS or len(word) < 4:
            continue
        if difflib.get_close_matches(word, _NAMES, n=1, cutoff=0.8):
            return True
    return False


def date_hint(words: str) -> str:
    """A short reason words are no date, to add to a refusal; "" when there is none to give.

    "Fridya" gets "did you mean friday?", a bare number asks for "the 3rd" or
    "3 December", a bare month for a day in it.
    """

    text = normalised(words)
    if _NUMBER_TOKEN.match(text) and 1 <= int(text) <= 31:
        number = int(text)
        suffix = (
            "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        )
        return f"a number alone is not a date: say the {number}{suffix} or {number} December"
    if text in MONTH_WORDS:
        name = calendar.month_name[MONTHS[text]]
        return f"say which day of {name}, like 15 {name} or end of {name}"
    guesses = []
    for word in text.split():
        if word in WEEKDAY_WORDS or word in MONTH_WORDS or word in _FILLERS:
            continue
        close = difflib.get_close_matches(word, _NEAR_WORDS, n=1, cutoff=0.75)
        if close:
            guesses.append((word, close[0]))
    if len(guesses) == 1:
        typed, meant = guesses[0]
        named = meant.title() if meant in _CAPITALISED else meant
        return f"did you mean {text.replace(typed, named)}?"
    return ""
