"""Times that fall inside everyone's working hours, for an introduction to suggest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=30)
WORK_START_HOUR = 9
WORK_END_HOUR = 17


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def _working(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.weekday() < 5 and WORK_START_HOUR <= local.hour < WORK_END_HOUR


def shared_windows(
    zones: Sequence[str | None], after: datetime, *, days: int = 7, most: int = 3
) -> list[Window]:
    """Up to ``most`` windows, on different days, inside everyone's 09:00-17:00 on weekdays.

    Members without a time zone count as UTC. Walks half-hour steps over the
    coming ``days``: cheap, and right across daylight-saving changes.
    """

    tz = [ZoneInfo(zone or "UTC") for zone in zones]
    cursor = (after + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    end = cursor + timedelta(days=days)
    windows: list[Window] = []
    start: datetime | None = None
    while cursor < end and len(windows) < most:
        if all(_working(cursor, zone) for zone in tz):
            start = start or cursor
        elif start is not None:
            windows.append(Window(start, cursor))
            start = None
        cursor += STEP
    if start is not None and len(windows) < most:
        windows.append(Window(start, cursor))
    by_day: dict[str, Window] = {}
    for window in windows:
        by_day.setdefault(window.start.astimezone(UTC).strftime("%Y-%m-%d"), window)
    return list(by_day.values())


def describe_window(window: Window, zones: Sequence[str | None]) -> str:
    """``Tue 1 Dec 14:00-16:00 Europe/London, 09:00-11:00 America/New_York``."""

    seen: list[str] = []
    for zone in zones:
        name = zone or "UTC"
        if name not in seen:
            seen.append(name)
    first = ZoneInfo(seen[0])
    head = window.start.astimezone(first).strftime("%a %d %b").replace(" 0", " ")
    parts = []
    for name in seen:
        local = ZoneInfo(name)
        parts.append(
            f"{window.start.astimezone(local):%H:%M}-{window.end.astimezone(local):%H:%M} {name}"
        )
    return f"{head}: " + ", ".join(parts)


def utc_offset_minutes(zone: str | None, at: datetime) -> int:
    offset = at.astimezone(ZoneInfo(zone or "UTC")).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0
