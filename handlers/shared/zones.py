"""Time zones by name: typed by a member (checked, with suggestions) or stored (kept loaded).

A zone is kept by the name of a place (Europe/London), whose rules follow its
clocks going forward and back. A name of a clock that is not a place ("GMT",
"EST", "UTC+1": ``clock_names``) is refused even where the zone database
knows it, and so is a typo; the answer offers the zones meant, as buttons
that finish what the member was doing where ``Retry`` can make them (a
command too long to ride in its button is kept for it: ``bot.command_buttons``),
and always as a corrected command to type. UTC itself is a zone like any other.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.command_buttons import CommandChoice, Offered, command_button
from bot.commands import Args
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.markup import plain
from handlers.shared.clock_names import ABBREVIATIONS, changes_clocks, clock_named
from handlers.shared.text import listed

Retry = Callable[[str], tuple[str, Offered | None]]
"""For a zone the member may have meant: the command to type with it, and the
button that does it (None where it cannot be one)."""

_NOT_PLACES = frozenset({"factory", "localtime"})
"""Names in the zone database that are no one's zone."""
AREAS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)
"""The areas of today's zone names: suggestions come from these, not from older names
kept for old systems (Canada/Atlantic, US/Eastern)."""
SUGGESTED = 3
PLACE_CUTOFF = 0.75
"""How alike a place typed alone must be to a zone's place to be suggested:
"Londn" is London, not Lindeman."""


@lru_cache(maxsize=512)
def zone_named(name: str) -> ZoneInfo:
    """A time zone by name, kept: ``ZoneInfo`` itself keeps only the last 8 used,
    and a run across 12 zones would read a zone file for every member."""

    return ZoneInfo(name)


def local_day(moment: datetime, zone: str | None, *, year: bool = False) -> str:
    """The day of ``moment`` in a member's zone, as messages write it: "3 Dec" (or
    "3 Dec 2026"); UTC where the member has no zone, or one no longer known."""

    try:
        local = moment.astimezone(zone_named(zone or "UTC"))
    except (ValueError, KeyError):
        local = moment
    return f"{local.day} {local:%b %Y}" if year else f"{local.day} {local:%b}"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {
        zone.lower(): zone
        for zone in zoneinfo.available_timezones()
        if zone.lower() not in _NOT_PLACES
    }


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[str, ...]]:
    """Today's zones by their place in lower case with spaces ("new york": America/New_York)."""

    found: dict[str, list[str]] = {}
    for zone in sorted(_zones().values()):
        if zone.split("/", 1)[0] not in AREAS or "/" not in zone:
            continue
        place = zone.rsplit("/", 1)[1].replace("_", " ").lower()
        found.setdefault(place, []).append(zone)
    return {place: tuple(zones) for place, zones in found.items()}


def check_timezone(
    value: str, usage: str, *, retry: Retry | None = None, now: datetime | None = None
) -> str:
    """The canonical name of a zone typed in any case, or a refusal offering the zones meant.

    ``retry`` makes the corrected command and its button for each zone
    offered; without it the refusal names the zones and shows ``usage``.
    ``now`` decides which zones a fixed offset likely means (those whose
    clocks show it now come first).
    """

    typed = " ".join(value.split())
    at = now or datetime.now(UTC)
    clock = clock_named(typed, at)
    found = _zones().get(typed.lower().replace(" ", "_"))  # "America/New York" is meant
    if clock is not None:
        why = f"{plain(typed)!r} is {_described(typed, clock.meaning)}, a clock rather than a place"
        fixed = found is None or not changes_clocks((found,), at)  # CET has rules of its own
        if fixed and changes_clocks(clock.zones, at):
            why += ": as a fixed offset it would not go forward or back with the clocks"
        raise _offering(f"{why}.", clock.zones, usage, retry)
    if found is not None:
        return found
    close = _close_to(typed)
    if not close:
        raise UsageError(
            f"{plain(typed)!r} is not a time zone I know. Use an IANA name like Europe/London, "
            "America/New_York or Asia/Tokyo.",
            usage=usage,
        )
    raise _offering(f"{plain(typed)!r} is not a time zone I know.", close, usage, retry)


def zone_option(context: Context, args: Args, usage: str) -> str:
    """The zone given to a command's ``--tz``, or a refusal whose buttons run the command
    again with the zone chosen."""

    def retry(zone: str) -> tuple[str, Offered | None]:
        if not args.path:
            return f"--tz {zone}", None
        line = args.retyped({"tz": zone})
        return line, command_button(zone, line)

    return check_timezone(args["tz"], usage, retry=retry, now=context.now)


def _described(typed: str, meaning: str) -> str:
    return f"short for {meaning}" if typed.upper() in ABBREVIATIONS else meaning


def _offering(why: str, zones: Sequence[str], usage: str, retry: Retry | None) -> UserError:
    """The refusal that offers ``zones``: as buttons, and as a corrected command to type.

    Buttons where every zone makes one (a command, not a bare ``--tz``);
    otherwise the command to copy, with the first zone in place.
    """

    question = f"{why} Did you mean {listed(list(zones), 'or')}?"
    if retry is None:
        return UsageError(question, usage=usage)
    made = [retry(zone) for zone in zones]
    buttons = [button for _, button in made if button is not None]
    first = plain(made[0][0])
    if len(buttons) == len(made):
        return CommandChoice(f"{question} Choose below, or type: {first}", buttons)
    if len(made) == 1:
        return UserError(f"{question} Type the command again with it: {first}")
    return UserError(f"{question} Type the command again with the one you mean, like: {first}")


def _close_to(typed: str) -> tuple[str, ...]:
    """Zones a typo or a place name likely means: "london", "Europe/Londn", "New York"."""

    words = typed.lower().replace("_", " ")
    named = _places().get(words)
    if named:
        return named[:SUGGESTED]
    if "/" in typed:
        regions = {zone.lower(): zone for place in _places().values() for zone in place}
        close = difflib.get_close_matches(typed.lower(), sorted(regions), n=SUGGESTED - 1)
        return tuple(regions[name] for name in close)
    places = difflib.get_close_matches(words, list(_places()), n=SUGGESTED - 1, cutoff=PLACE_CUTOFF)
    return tuple(zone for place in places for zone in _places()[place])[:SUGGESTED]
