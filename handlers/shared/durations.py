"""Lengths of time as people type them: "3h", "90 minutes", "3w", "two weeks", "a month".

A job says which units make sense for what it asks (a reminder's delay is
minutes or hours, a pause days to months); a one-letter unit is read only
where it names one of those units and no other, so "2m" is two minutes for a
delay, two months for a pause, and not read at all where it could be both.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Unit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


CLOCK_UNITS = (Unit.MINUTE, Unit.HOUR)
CALENDAR_UNITS = (Unit.DAY, Unit.WEEK, Unit.MONTH)
ALL_UNITS = tuple(Unit)
DAYS_IN_A_MONTH = 30
"""A month as a length (a pause of "2m"); a date "in 2 months" counts calendar months."""

_SPELLINGS = {
    Unit.MINUTE: ("minute", "minutes", "min", "mins"),
    Unit.HOUR: ("hour", "hours"),
    Unit.DAY: ("day", "days"),
    Unit.WEEK: ("week", "weeks"),
    Unit.MONTH: ("month", "months"),
}
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
_LENGTHS = {
    Unit.MINUTE: timedelta(minutes=1),
    Unit.HOUR: timedelta(hours=1),
    Unit.DAY: timedelta(days=1),
    Unit.WEEK: timedelta(weeks=1),
    Unit.MONTH: timedelta(days=DAYS_IN_A_MONTH),
}
_AMOUNT = re.compile(r"^(?:(?P<digits>\d+)\s*|(?P<word>[a-z]+)\s+)(?P<unit>[a-z]+)$")


@dataclass(frozen=True, slots=True)
class Amount:
    """A count of one unit: "3 weeks"."""

    count: int
    unit: Unit

    def length(self) -> timedelta:
        """How long; ``timedelta.max`` for a count too large to hold, which any bound refuses."""

        try:
            return self.count * _LENGTHS[self.unit]
        except OverflowError:
            return timedelta.max


def number(word: str) -> int | None:
    """A count in digits or in words, one to twelve ("a week", "two weeks"), or None."""

    if word.isdecimal():
        return int(word)
    return _NUMBER_WORDS.get(word.lower())


def unit_named(word: str, units: Collection[Unit]) -> Unit | None:
    """Which of ``units`` a word spells, or None; a single letter only when unambiguous."""

    word = word.lower()
    for unit in units:
        if word in _SPELLINGS[unit]:
            return unit
    if len(word) == 1:
        initial = [unit for unit in units if unit.value.startswith(word)]
        if len(initial) == 1:
            return initial[0]
    return None


def read_amount(text: str, units: Collection[Unit]) -> Amount | None:
    """ "3h", "90 mins", "two weeks", "a month", in one of ``units``; None otherwise."""

    found = _AMOUNT.match(" ".join(text.strip().lower().split()))
    if found is None:
        return None
    count = number(found["digits"] or found["word"])
    unit = unit_named(found["unit"], units)
    if count is None or unit is None:
        return None
    return Amount(count, unit)


def read_in(text: str, units: Collection[Unit] = ALL_UNITS) -> Amount | None:
    """ "in 2 weeks", "in an hour": how far ahead, in one of ``units``; None otherwise."""

    words = " ".join(text.strip().lower().split())
    if not words.startswith("in "):
        return None
    return read_amount(words.removeprefix("in "), units)
