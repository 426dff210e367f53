"""What introductions make of a round's schedule and a pause's length.

The words are read by the shared readers (``handlers.shared``); this module
holds what only introductions mean by them: rounds come on one day of the
week ("every 2 weeks on Monday 10:00"), a member pauses for days, weeks
or months ("3w", up to 26 weeks), and a programme leaves a minimum gap
between a member's introductions ("5d", "1w", 0 for none). Each refuses what
it cannot take with the example to type instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.errors import UsageError
from handlers.shared.days import day_title
from handlers.shared.durations import CALENDAR_UNITS, Unit, read_amount
from handlers.shared.schedules import parse_weekly

SCHEDULE_EXAMPLE = "every 2 weeks on Monday 10:00"
SCHEDULE_EXAMPLE_HOUR = 10
DURATION_EXAMPLE = "3w (or 10d)"
LONGEST_PAUSE = timedelta(weeks=26)


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    """When rounds come: one day of the week, a time of day, every how many weeks."""

    weekday: int
    hour: int
    minute: int
    every_weeks: int

    def cron(self) -> str:
        """A five-field cron line (cron counts Sunday as 0)."""

        return f"{self.minute} {self.hour} * * {(self.weekday + 1) % 7}"

    def describe(self) -> str:
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        return f"{every} on {day_title(self.weekday)} at {self.hour:02d}:{self.minute:02d}"


def parse_schedule(text: str, usage: str) -> WeeklySlot:
    found = parse_weekly(
        text, usage, example=SCHEDULE_EXAMPLE, what="Rounds", example_hour=SCHEDULE_EXAMPLE_HOUR
    )
    if len(found.weekdays) != 1:  # a round is planned once per interval, on one day
        raise UsageError(
            f"I could not read the schedule {text!r}; say it like {SCHEDULE_EXAMPLE}.", usage=usage
        )
    return WeeklySlot(found.weekdays[0], found.hour, found.minute, found.every_weeks)


def parse_duration(text: str, usage: str) -> timedelta:
    """How long a member pauses: a day to 26 weeks."""

    amount = read_amount(text, CALENDAR_UNITS)
    if amount is None:
        raise UsageError(
            f"For how long? {text!r} is not a length of time I can read; say {DURATION_EXAMPLE}, "
            "up to 26 weeks. To stop altogether: /pairing leave.",
            usage=usage,
        )
    length = amount.length()
    if length <= timedelta() or length > LONGEST_PAUSE:
        raise UsageError(
            f"A pause can last from a day to 26 weeks, not {text}. "
            "To stop altogether: /pairing leave.",
            usage=usage,
        )
    return length


GAP_UNITS = (Unit.DAY, Unit.WEEK)
NO_GAP = frozenset({"0", "0d", "off", "none", "no"})


def parse_gap(text: str, usage: str, *, channel: str, every_weeks: int) -> int:
    """The minimum gap between a member's introductions, in days: "5d", "5", "1w"; 0 for none.

    At most the time between two rounds: a longer gap would keep everyone out
    of every other round.
    """

    words = " ".join(text.strip().lower().split())
    longest = every_weeks * 7
    example = f"/convene pairing settings #{channel} --min-gap 5d"
    if words in NO_GAP:
        return 0
    if words.isdecimal():
        days = int(words)
    else:
        amount = read_amount(words, GAP_UNITS)
        if amount is None:
            raise UsageError(
                f"--min-gap {text}: I read the gap in days or weeks, like 5d or 1w. "
                f"Try {example}, or --min-gap 0 to turn it off.",
                usage=usage,
            )
        days = amount.count * (7 if amount.unit is Unit.WEEK else 1)
    if days > longest:
        every = "every week" if every_weeks == 1 else f"every {every_weeks} weeks"
        raise UsageError(
            f"--min-gap {text}: rounds in #{channel} come {every}, so a gap of more than "
            f"{longest} days would keep members out of every other round. "
            f"Try /convene pairing settings #{channel} --min-gap {min(5, longest)}d.",
            usage=usage,
        )
    return days
