"""Times of day as people type them: "09:00", "9", "9am", "5:30pm", "12am".

``CLOCK`` is the pattern other phrases embed (a schedule's "every Monday
9am", a retro's "friday 17:00"); ``clock_time`` turns what it matched into a
``time`` or a refusal that shows the job's own example hour.
"""

from __future__ import annotations

import re
from datetime import time

from bot.errors import UsageError

CLOCK = r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?"
"""A time of day, with the named groups ``hour``, ``minute`` and ``ampm``."""
DEFAULT_EXAMPLE_HOUR = 9

_CLOCK_ALONE = re.compile(rf"^{CLOCK}$")


def clock_time(
    found: re.Match[str], usage: str, *, example_hour: int = DEFAULT_EXAMPLE_HOUR
) -> time:
    """The time of day a match of ``CLOCK`` holds, or a refusal.

    With am or pm the hour runs from 0 to 12 ("12am" is midnight, "0pm"
    noon); without, it is 24-hour time. ``example_hour`` (1 to 12) is the
    hour a refusal suggests, so each job's examples stay its own.
    """

    hour_text, minute_text, ampm = found["hour"], found["minute"], found["ampm"]
    hour = int(hour_text)
    minute = int(minute_text or 0)
    if ampm and hour > 12:
        raise UsageError(
            f"{hour_text}{ampm} is not a time of day; "
            f"try {example_hour}am or {example_hour:02d}:00.",
            usage=usage,
        )
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise UsageError(
            f"{hour_text}:{minute_text or '00'} is not a time of day; "
            f"use 24-hour time like {example_hour:02d}:00.",
            usage=usage,
        )
    return time(hour, minute)


def read_time(text: str, usage: str, *, example_hour: int = DEFAULT_EXAMPLE_HOUR) -> time | None:
    """A time of day typed alone ("17:00", "5pm"); None when the words are not one.

    Words shaped like a time that is not one ("25:00", "13pm") are refused.
    """

    found = _CLOCK_ALONE.match(" ".join(text.strip().lower().split()))
    return None if found is None else clock_time(found, usage, example_hour=example_hour)
