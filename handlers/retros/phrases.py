"""When a retro closes, from the convener's words, read on their own wall clock.

"friday 17:00", "tomorrow 9am", "31/12 12:00", "17:00" or "in 2 hours" (the
shared ``read_moment`` reads them, in the workspace's date order); a retro
closes after now and within 60 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.shared.date_order import DEFAULT_ORDER, DateOrder
from handlers.shared.dates import read_moment

CLOSE_EXAMPLE = '"friday 17:00", "tomorrow 9am", "17:00" or "in 2 hours"'
FARTHEST_CLOSE = timedelta(days=60)


def parse_closing(
    words: str, now: datetime, zone: ZoneInfo, usage: str, order: DateOrder = DEFAULT_ORDER
) -> datetime:
    """When a retro closes, as an aware datetime, or a refusal with the forms that work."""

    moment = read_moment(words, now, zone, usage, order)
    if moment is None:
        raise UsageError(
            f"I could not read {words!r} as a closing time; say {CLOSE_EXAMPLE}.", usage=usage
        )
    if moment <= now:
        shown = moment.astimezone(zone)
        year = f" {shown.year}" if shown.year != now.astimezone(zone).year else ""
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
