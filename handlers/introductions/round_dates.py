"""When a programme's rounds come, and how a moment reads in the reader's own time zone.

Conveners, members, the home tab and the round itself all ask "when is the
next round?"; they share one answer here so that none of them can disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.scheduler import next_fire_after, trigger_for
from storage.models import Programme

LOOK_AHEAD_WEEKS = 14
"""How many weekly slots to try when rounds come every N weeks (N is at most a dozen or so)."""


def week_index(programme: Programme, slot: datetime) -> int:
    """How many weeks ``slot`` is after the programme started, in its own zone."""

    zone = ZoneInfo(programme.timezone)
    start = programme.anchor_at.astimezone(zone).date()
    return (slot.astimezone(zone).date() - start).days // 7


def next_round(programme: Programme, after: datetime) -> datetime | None:
    """The next slot on which a round will really run (every N weeks)."""

    trigger = trigger_for(
        f"{programme.minute} {programme.hour} * * {(programme.weekday + 1) % 7}",
        programme.timezone,
    )
    moment: datetime | None = after
    for _ in range(LOOK_AHEAD_WEEKS):
        assert moment is not None
        moment = next_fire_after(trigger, moment)
        if moment is None or week_index(programme, moment) % programme.every_weeks == 0:
            return moment
    return moment


def when(moment: datetime | None, zone: str) -> str:
    """ "Mon 30 Nov 2026 10:00 GMT", in the reader's zone."""

    if moment is None:
        return "not scheduled"
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M %Z}"


def day_of(moment: datetime, zone: str) -> str:
    """ "Mon 30 Nov", in the reader's zone: enough to place a recent or coming day."""

    return short_day(moment.astimezone(ZoneInfo(zone)).date())


def short_day(day: date) -> str:
    """ "Tue 1 Dec"."""

    return f"{day:%a} {day.day} {day:%b}"
