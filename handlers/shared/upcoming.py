"""The next times a weekly schedule runs, for the convener who set it to read.

Every answer that sets or changes a schedule names its next three times, so
the convener sees what Convene understood ("every 2 weeks on Monday 10:00"
from Thursday: Mon 30 Nov, Mon 14 Dec, Mon 28 Dec). Each job says which
local days it runs on (its days of the week and its every-N-weeks anchor, as
its scheduler counts them); this module walks the calendar in the zone it
runs in and turns each day's wall-clock time into a moment, so a time of day
stays the same across a change of the clocks while its UTC moment moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from handlers.shared.schedules import LONGEST_INTERVAL_WEEKS

RunsOn = Callable[[date], bool]
"""Whether a schedule runs on a local date: the job's own days and every-N-weeks rule."""

SHOWN = 3
"""How many of the next times an answer names."""


def wall_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` by the clocks of ``zone``, in UTC.

    A time the clocks skip (01:30 on the morning they go forward in London)
    is read with the offset before the change (02:30 summer time), as the
    schedulers read it; a time they pass twice is its first passing.
    """

    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_times(
    runs_on: RunsOn, at: time, zone: ZoneInfo, after: datetime, count: int = SHOWN
) -> list[datetime]:
    """The first ``count`` moments strictly after ``after`` at ``at`` on the days ``runs_on`` takes.

    The walk looks far enough ahead for the longest interval a schedule may
    have; fewer than ``count`` come back only when ``runs_on`` takes no days.
    """

    found: list[datetime] = []
    first = after.astimezone(zone).date()
    for offset in range(7 * LONGEST_INTERVAL_WEEKS * (count + 1)):
        day = first + timedelta(days=offset)
        if not runs_on(day):
            continue
        moment = wall_moment(day, at, zone)
        if moment > after:
            found.append(moment)
            if len(found) == count:
                break
    return found


def moment_text(moment: datetime, zone: ZoneInfo, *, year_of: datetime) -> str:
    """ "Mon 30 Nov 09:00"; with the year when it is not the year of ``year_of``."""

    local = moment.astimezone(zone)
    year = "" if local.year == year_of.astimezone(zone).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def clock_changes(moments: Sequence[datetime], zone: ZoneInfo) -> list[str]:
    """Where the clocks change between the moments: ["the clocks go forward on Sun 29 Mar"]."""

    changes: list[str] = []
    for earlier, later in pairwise(moments):
        before, after = earlier.astimezone(zone).utcoffset(), later.astimezone(zone).utcoffset()
        if before is None or after is None or before == after:
            continue
        changed = _first_hour_at(after, earlier, later, zone)
        way = "forward" if after > before else "back"
        local = changed.astimezone(zone)
        changes.append(f"the clocks go {way} on {local:%a} {local.day} {local:%b}")
    return changes


def listed(moments: Sequence[datetime], zone: ZoneInfo, *, now: datetime) -> str:
    """ "Mon 30 Nov 09:00, Mon 7 Dec 09:00, Mon 14 Dec 09:00", noting a change of the clocks."""

    dates = ", ".join(moment_text(moment, zone, year_of=now) for moment in moments)
    changes = clock_changes(moments, zone)
    return dates + (f" ({'; '.join(changes)})" if changes else "")


def _first_hour_at(offset: timedelta, start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """The first hour after ``start`` (and by ``end``) whose offset in ``zone`` is ``offset``."""

    moment = start
    while moment < end:
        moment += timedelta(hours=1)
        if moment.astimezone(zone).utcoffset() == offset:
            return moment
    return end
