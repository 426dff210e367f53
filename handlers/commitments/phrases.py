"""Splitting a commitment as typed into what will be done and by when.

"Draft the checklist by Friday" is a commitment and a due date; so are
"... in 2 weeks", "... by 31/12" and, without "by", a date that closes the
text: "Call the ward manager next tuesday". The date words themselves are
read by ``handlers.shared.dates``.

What follows "by" is a date only when it reads as one or was plainly meant
as one: "by Fridya" is refused with a hint, while "Review the notes sent by
Dr Smith" is a commitment with no due date (the answer says so). A closing
phrase without "by" is taken as a date only in the shapes people use for
one ("tomorrow", "next tuesday", "friday week", "in a fortnight", "on the
3rd", "15 December", "31/12"), never a bare number or month: "Read chapter
3", "Meet the 2 leads" and "Fix the May rota" keep their words. A closing
weekday alone counts unless the word before it starts with a capital
("Plan Good Friday", "Call Bob Friday": a name, not a deadline), and nothing
is taken after a word that ties it to the thing ("Book the room for 15
December": the room is for that day, not due then).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from handlers.shared.date_order import DateOrder
from handlers.shared.date_phrases import MONTHS
from handlers.shared.date_words import WEEKDAY_WORDS, looks_like_a_date
from handlers.shared.dates import FARTHEST_DUE, LONGEST_DATE_PHRASE, parse_due, read_reading

_TRAILING_IN = re.compile(
    r"\s+(?P<phrase>in\s+(?:\d+|[a-z]+)\s+(?:days?|weeks?|fortnights?|months?|years?))\s*$",
    re.I,
)
_MARKERS = ("by", "due", "before")
RECENTLY = timedelta(days=31)
_TYING_WORDS = frozenset(
    [
        "for", "from", "since", "of", "after", "until", "till", "than", "about", "the", "a",
        "an", "every", "each", "to", "with", "per", "at", "last", "this", "that",
    ]
)  # fmt: skip
"""Words that make a date part of the thing ("the room for 15 December"), not its deadline."""
_NEAR_WORDS = ("today", "tonight", "tomorrow", "tmrw", "tmw")
_OPENING_WORDS = ("next", "this", "in", "within", "end", "eod", "eow", "eom")
_SPELT_DATE = re.compile(
    r"^\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<after>[a-z]+)\.?(?:\s+\d{4})?$"
    r"|^(?P<before>[a-z]+)\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:\s+\d{4})?$"
)
"""A day and a month's name, either way round: "15 December", "Dec 15th", "15th of Dec 2027"."""
_NUMBERED_DATE = re.compile(r"^\d{1,2}/\d{1,2}(?:/\d{2}|/\d{4})?$|^\d{4}-\d{2}-\d{2}$")
"""Slashes or ISO: "31/12", "12/31/2026", "2026-12-31" (not "3.12", a version number)."""


@dataclass(frozen=True, slots=True)
class Said:
    """A commitment as typed: what, and the due-date words (None when there were none)."""

    what: str
    due_words: str | None


@dataclass(frozen=True, slots=True)
class Promise:
    """A commitment read: what, its due date, and words after "by" kept as part of it."""

    what: str
    due: date | None
    kept: str | None = None
    """ "by Dr Smith": after "by", but no date, so part of what will be done."""


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


def read_promise(
    text: str,
    today: date,
    usage: str,
    *,
    order: DateOrder,
    clock: time | None = None,
) -> Promise:
    """What will be done and by when, or a refusal of a date that was meant and is wrong.

    Numbers that make two dates raise ``AmbiguousDate`` (the member chooses).
    """

    said = split_due(text)
    due_words = said.due_words or ""
    if due_words and read_reading(due_words, today, order, clock=clock, usage=usage):
        due = parse_due(due_words, today, usage, understood=said.what, order=order, clock=clock)
        return Promise(said.what, due)
    closing = closing_date(text, today, order, clock)
    if closing is not None:
        return closing
    whole = " ".join(text.split())
    if said.due_words is None:
        return Promise(whole, None)
    marker = whole[len(said.what) :].split()[0]
    if (said.due_words == "" and marker.lower() == "by") or looks_like_a_date(said.due_words):
        parse_due(said.due_words, today, usage, understood=said.what, order=order, clock=clock)
    if said.due_words == "":
        return Promise(whole, None)  # "Check what is due": no date was begun
    return Promise(whole, None, kept=f"{marker} {said.due_words}")


def closing_date(
    text: str, today: date, order: DateOrder, clock: time | None = None
) -> Promise | None:
    """ "Call the ward manager next tuesday": the text and the date that closes it, or None.

    Only a phrase shaped like a deadline, read as a day from today to two
    years ahead; the "by", "due", "before" or "on" in front of it goes too.
    """

    words = text.split()
    for count in range(min(len(words) - 1, LONGEST_DATE_PHRASE), 0, -1):
        phrase = words[-count:]
        before = words[-count - 1]
        first_of_text = len(words) == count + 1
        if not _deadline_shaped(phrase, before, first_of_text):
            continue
        reading = read_reading(" ".join(phrase), today, order, clock=clock)
        if reading is None or not today <= reading.day <= today + FARTHEST_DUE:
            continue
        if _just_gone(reading.day, today):
            continue  # "the incident on 24/11", said on the 26th: that day, not next year's
        rest = words[:-count]
        if rest[-1].lower() in (*_MARKERS, "on"):
            rest = rest[:-1]
        if rest:
            return Promise(" ".join(rest), reading.day)
    return None


def _just_gone(day: date, today: date) -> bool:
    """Whether ``day`` is next year's only because this year's was a few days ago."""

    if day.year == today.year:
        return False
    try:
        this_years = day.replace(year=today.year)
    except ValueError:  # 29 February
        return False
    return this_years < today and today - this_years <= RECENTLY


def _deadline_shaped(phrase: list[str], before: str, first_of_text: bool) -> bool:
    lowered = [word.lower() for word in phrase]
    if before.lower() in _TYING_WORDS:
        return False
    if before.lower() == "on":
        return True  # "... on the 3rd", "... on friday"
    text = " ".join(lowered)
    if any(word in _NEAR_WORDS for word in lowered) or lowered[0] in _OPENING_WORDS:
        return True
    if " from now" in text or text.endswith(" time"):
        return True  # "two weeks from now", "2 weeks' time"
    if lowered[0] in WEEKDAY_WORDS:
        alone = len(lowered) == 1
        named = before[:1].isupper() and not first_of_text
        return not (alone and named)
    if len(lowered) > 1 and lowered[-1] in WEEKDAY_WORDS:
        return True  # "a week on friday"
    spelt = _SPELT_DATE.match(text)
    if spelt is not None:
        return (spelt["after"] or spelt["before"]) in MONTHS
    return _NUMBERED_DATE.match(text) is not None
