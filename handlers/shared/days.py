"""Days of the week as people type them: "Monday", "mon", "Mondays", "weekdays".

Every job reads day names here, so "mondays" means Monday in a check-in's
schedule, an introduction round's and a due date alike.
"""

from __future__ import annotations

import re

from bot.errors import UsageError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Index 0 is Monday, as ``date.weekday()`` counts."""
WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = tuple(range(7))
SHORTEST_NAME = 3
"""Fewer letters than this name no day: "mo" could be a typo for anything."""

_FILLER = ("and", "on", "every")


def day_named(word: str) -> int | None:
    """The weekday (Monday 0) a word names, or None.

    A day is named in full or by its first three letters or more ("wed",
    "thurs"), in any case, with or without a plural "s" ("mondays", "weds").
    """

    word = word.strip().lower()
    word = word.removesuffix("s") if len(word) > SHORTEST_NAME else word
    if len(word) < SHORTEST_NAME:
        return None
    for index, day in enumerate(DAYS):
        if day.startswith(word):
            return index
    return None


def days_named(text: str, usage: str, *, example: str) -> tuple[int, ...]:
    """The weekdays a list of day words names, in week order, or a refusal.

    Reads "mon, wed and fri", "monday and every thursday", "weekdays",
    "every day" and "daily". A refusal names the word that is not a day and
    shows ``example``, the job's own way of saying a schedule.
    """

    words = [w for w in re.split(r"[\s,]+", text.lower()) if w and w not in _FILLER]
    if words in (["day"], ["days"], ["daily"]):
        return EVERY_DAY
    if words in (["weekday"], ["weekdays"]):
        return WEEKDAYS
    found: set[int] = set()
    for word in words:
        day = day_named(word)
        if day is None:
            raise UsageError(
                f"{word!r} is not a day of the week; say it like {example}.", usage=usage
            )
        found.add(day)
    if not found:
        raise UsageError(f"Which days? Say it like {example}.", usage=usage)
    return tuple(sorted(found))


def day_title(weekday: int) -> str:
    """ "Monday" for 0."""

    return DAYS[weekday].title()


def days_listed(weekdays: tuple[int, ...]) -> str:
    """ "Monday", "Monday and Friday", "Monday, Wednesday and Friday"."""

    names = [day_title(day) for day in weekdays]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
