"""The zones and moments scenarios are told in, so each test names them the same way.

Scenarios start on Monday 30 November 2026 (``harness.DEFAULT_START``, 08:00
UTC); a moment is either a wall-clock time somewhere (``at``) or a UTC one
(``utc``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"

MONDAY = date(2026, 11, 30)
"""The Monday the scenarios start on."""
THURSDAY_NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""The Thursday before, at noon UTC: a week's schedules are still ahead."""
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
"""The weekend before: no weekday check-in owes a run yet."""
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
"""The day before the Monday, at noon UTC: before anyone anywhere is asked on Monday."""


def at(day: date, hour: int, minute: int = 0, zone: str = LONDON) -> datetime:
    """A wall-clock moment in a zone, in UTC."""

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc(day: int, hour: int = 0, minute: int = 0, *, month: int = 11, year: int = 2026) -> datetime:
    """A moment in UTC, in November 2026 unless another month is named."""

    return datetime(year, month, day, hour, minute, tzinfo=UTC)
