"""How far back a convener looks: ``--since 3mo``, ``--since 6w``, ``--since 2026-01-01``.

Maps, reports, exports and the dashboard take the same ``--since``: a length
back from now ("3mo", "6 weeks", "a year", "90d") or a date it starts on
("2026-01-01", "1 March 2026"). Nothing given, or ``all``, means from the beginning.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from bot.errors import UsageError
from bot.markup import plain
from handlers.shared.durations import CALENDAR_UNITS, Unit, read_amount

_YEARS = re.compile(r"^(?:(?P<digits>\d+)\s*|(?P<word>a|an|one|two|three)\s+)(?:y|yr|yrs|years?)$")
_MONTHS = re.compile(r"^(?P<digits>\d+)\s*mo(?:s|nths?)?$")
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}
MAX_BACK = timedelta(days=366 * 20)
EVERYTHING = frozenset(("all", "everything", "ever", "beginning", "the beginning", "start"))
"""Words for "from the beginning", as if ``--since`` had not been given."""
EXAMPLES = "--since 3mo, --since 6w, --since 90d, --since 1y or --since 2026-01-01"


def read_since(value: str | None, now: datetime, usage: str) -> datetime | None:
    """The moment ``--since`` means (UTC), or None for "from the beginning"."""

    if value is None or not value.strip():
        return None
    text = " ".join(value.strip().lower().split())
    if text in EVERYTHING:
        return None
    back = _length(text)
    if back is not None:
        if back <= timedelta(0) or back > MAX_BACK:
            raise UsageError(
                f"--since {plain(value)} is not a period I can look back over; try {EXAMPLES}.",
                usage=usage,
            )
        return now - back
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None:
        day = _written_date(text)
    if day is None:
        raise UsageError(f"I could not read --since {plain(value)}. Try {EXAMPLES}.", usage=usage)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if start > now:
        raise UsageError(
            f"--since {plain(value)} is in the future; give a date that has passed "
            f"or a period like --since 3mo.",
            usage=usage,
        )
    return start


def describe_since(since: datetime | None, now: datetime) -> str:
    """ "since 6 Sep 2026" or "since the beginning", for a heading."""

    if since is None:
        return "since the beginning"
    return f"since {since.day} {since:%b %Y}"


def _length(text: str) -> timedelta | None:
    years = _YEARS.match(text)
    if years:
        count = int(years["digits"]) if years["digits"] else _WORDS[years["word"]]
        return timedelta(days=365 * count)
    months = _MONTHS.match(text)
    if months:
        return timedelta(days=30 * int(months["digits"]))
    amount = read_amount(text, CALENDAR_UNITS)
    if amount is None:
        return None
    if amount.unit is Unit.MONTH:
        return timedelta(days=30 * amount.count)
    return amount.length()


def _written_date(text: str) -> date | None:
    for pattern in ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.replace(",", ""), pattern).date()
        except ValueError:
            continue
    return None
