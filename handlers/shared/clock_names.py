"""Names of clocks that are not places: abbreviations, fixed offsets, and the zones meant.

"GMT", "EST" and "Etc/GMT+5" name a clock, not a place: kept as a zone, a
UK member on GMT would be an hour out all summer, and an abbreviation like
"IST" or "CST" names several clocks at once. Convene keeps zones by place
(Europe/London), whose rules follow the clocks going forward and back. This
module reads such a name as what it likely means: a few real zones, in the
order a member is likely to want them, for the answer to offer as buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MOST_OFFERED = 5
"""Zones offered at most for one name: one row of buttons on every platform."""


@dataclass(frozen=True, slots=True)
class ClockName:
    """What a name that is not a place says: in words, and the zones it likely means."""

    meaning: str
    zones: tuple[str, ...]


_US_EASTERN = ("America/New_York", "America/Toronto", "America/Detroit")
_US_CENTRAL = ("America/Chicago", "America/Winnipeg", "America/Mexico_City")
_US_MOUNTAIN = ("America/Denver", "America/Phoenix", "America/Edmonton")
_US_PACIFIC = ("America/Los_Angeles", "America/Vancouver", "America/Tijuana")
_CENTRAL_EUROPE = (
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
)
_EASTERN_EUROPE = ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest", "Europe/Kyiv")
_WESTERN_EUROPE = ("Europe/Lisbon", "Atlantic/Canary", "Atlantic/Madeira")
_AUSTRALIA_EAST = ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane")
_AUSTRALIA_CENTRAL = ("Australia/Adelaide", "Australia/Darwin")
_GREENWICH = ("Europe/London", "Europe/Dublin", "Africa/Accra", "Atlantic/Reykjavik", "UTC")

ABBREVIATIONS: dict[str, ClockName] = {
    "GMT": ClockName("Greenwich Mean Time", _GREENWICH),
    "BST": ClockName("British Summer Time", ("Europe/London",)),
    "IST": ClockName(
        "India, Irish or Israel Standard Time", ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem")
    ),
    "WET": ClockName("Western European Time", _WESTERN_EUROPE),
    "WEST": ClockName("Western European Summer Time", _WESTERN_EUROPE),
    "CET": ClockName("Central European Time", _CENTRAL_EUROPE),
    "CEST": ClockName("Central European Summer Time", _CENTRAL_EUROPE),
    "MET": ClockName("Middle European Time", _CENTRAL_EUROPE),
    "MEST": ClockName("Middle European Summer Time", _CENTRAL_EUROPE),
    "EET": ClockName("Eastern European Time", _EASTERN_EUROPE),
    "EEST": ClockName("Eastern European Summer Time", _EASTERN_EUROPE),
    "MSK": ClockName("Moscow Time", ("Europe/Moscow",)),
    "EST": ClockName("Eastern Standard Time", _US_EASTERN),
    "EDT": ClockName("Eastern Daylight Time", _US_EASTERN),
    "ET": ClockName("Eastern Time", _US_EASTERN),
    "CST": ClockName(
        "Central Standard Time (or China Standard Time)", (*_US_CENTRAL, "Asia/Shanghai")
    ),
    "CDT": ClockName("Central Daylight Time", _US_CENTRAL[:2]),
    "CT": ClockName("Central Time", _US_CENTRAL),
    "MST": ClockName("Mountain Standard Time", _US_MOUNTAIN),
    "MDT": ClockName("Mountain Daylight Time", ("America/Denver", "America/Edmonton")),
    "MT": ClockName("Mountain Time", _US_MOUNTAIN),
    "PST": ClockName("Pacific Standard Time", _US_PACIFIC),
    "PDT": ClockName("Pacific Daylight Time", _US_PACIFIC),
    "PT": ClockName("Pacific Time", _US_PACIFIC),
    "AKST": ClockName("Alaska Standard Time", ("America/Anchorage",)),
    "AKDT": ClockName("Alaska Daylight Time", ("America/Anchorage",)),
    "HST": ClockName("Hawaii Standard Time", ("Pacific/Honolulu",)),
    "AST": ClockName(
        "Atlantic Standard Time (or Arabia Standard Time)",
        ("America/Halifax", "America/Puerto_Rico", "Asia/Riyadh"),
    ),
    "ADT": ClockName("Atlantic Daylight Time", ("America/Halifax",)),
    "NST": ClockName("Newfoundland Standard Time", ("America/St_Johns",)),
    "NDT": ClockName("Newfoundland Daylight Time", ("America/St_Johns",)),
    "BRT": ClockName("Brasilia Time", ("America/Sao_Paulo",)),
    "ART": ClockName("Argentina Time", ("America/Argentina/Buenos_Aires",)),
    "AEST": ClockName("Australian Eastern Standard Time", _AUSTRALIA_EAST),
    "AEDT": ClockName("Australian Eastern Daylight Time", _AUSTRALIA_EAST[:2]),
    "ACST": ClockName("Australian Central Standard Time", _AUSTRALIA_CENTRAL),
    "ACDT": ClockName("Australian Central Daylight Time", _AUSTRALIA_CENTRAL[:1]),
    "AWST": ClockName("Australian Western Standard Time", ("Australia/Perth",)),
    "NZST": ClockName("New Zealand Standard Time", ("Pacific/Auckland",)),
    "NZDT": ClockName("New Zealand Daylight Time", ("Pacific/Auckland",)),
    "JST": ClockName("Japan Standard Time", ("Asia/Tokyo",)),
    "KST": ClockName("Korea Standard Time", ("Asia/Seoul",)),
    "HKT": ClockName("Hong Kong Time", ("Asia/Hong_Kong",)),
    "SGT": ClockName("Singapore Time", ("Asia/Singapore",)),
    "WIB": ClockName("Western Indonesia Time", ("Asia/Jakarta",)),
    "ICT": ClockName("Indochina Time", ("Asia/Bangkok", "Asia/Ho_Chi_Minh")),
    "PKT": ClockName("Pakistan Standard Time", ("Asia/Karachi",)),
    "GST": ClockName("Gulf Standard Time", ("Asia/Dubai", "Asia/Muscat")),
    "SAST": ClockName("South African Standard Time", ("Africa/Johannesburg",)),
    "CAT": ClockName("Central Africa Time", ("Africa/Maputo", "Africa/Harare", "Africa/Lusaka")),
    "EAT": ClockName("East Africa Time", ("Africa/Nairobi", "Africa/Addis_Ababa")),
    "WAT": ClockName("West Africa Time", ("Africa/Lagos", "Africa/Kinshasa")),
}
"""Abbreviations people type for their zone, with the zones they likely mean (1 to 5)."""

OLD_RULE_NAMES: dict[str, ClockName] = {
    "EST5EDT": ClockName("an old name for the rules of US Eastern Time", _US_EASTERN),
    "CST6CDT": ClockName("an old name for the rules of US Central Time", _US_CENTRAL),
    "MST7MDT": ClockName("an old name for the rules of US Mountain Time", _US_MOUNTAIN),
    "PST8PDT": ClockName("an old name for the rules of US Pacific Time", _US_PACIFIC),
}
"""Rules named after US clocks, kept in the zone database for old systems."""

GREENWICH_NAMES = frozenset(
    name.lower()
    for name in (
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Greenwich",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
    )
)
"""The zone database's other names for Greenwich Mean Time: a fixed UTC+0 each."""

COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Africa/Accra",
    "Atlantic/Azores",
    "Atlantic/Cape_Verde",
    "Asia/Dubai",
    "Asia/Tehran",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Australia/Perth",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Sydney",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Auckland",
    "Pacific/Fiji",
    "Pacific/Tongatapu",
    "Pacific/Kiritimati",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Mexico_City",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Pacific/Pago_Pago",
    "America/Halifax",
    "America/St_Johns",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Noronha",
    "Atlantic/South_Georgia",
)
"""Zones offered for a fixed offset, most people's first: the first ones with the offset win."""

_OFFSET = re.compile(
    r"^(?P<base>utc|gmt|etc/gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)


def clock_named(name: str, now: datetime) -> ClockName | None:
    """The zones a name that is not a place likely means, or None for any other name.

    Reads abbreviations ("GMT", "bst", "EST5EDT"), the database's names for
    Greenwich ("Etc/GMT"), and fixed offsets: "UTC+1", "GMT-5", "+05:30", and
    "Etc/GMT+5", whose sign is turned round (it is UTC-5). An offset is read
    as the zones whose clocks show it at ``now``, then those that show it in
    the other half of the year.
    """

    word = " ".join(name.strip().split())
    known = ABBREVIATIONS.get(word.upper()) or OLD_RULE_NAMES.get(word.upper())
    if known is not None:
        return known
    lowered = word.lower()
    if lowered in GREENWICH_NAMES:
        return ClockName("another name for Greenwich Mean Time", _GREENWICH)
    found = _OFFSET.match(lowered)
    if found is None:
        return None
    minutes = int(found["hours"]) * 60 + int(found["minutes"] or 0)
    if minutes > 14 * 60 or int(found["minutes"] or 0) >= 60:
        return None
    if found["sign"] == "-":
        minutes = -minutes
    if found["base"] == "etc/gmt":  # POSIX: Etc/GMT+5 is five hours behind
        minutes = -minutes
        meaning = f"a fixed offset, UTC{_offset_text(minutes)} (these names turn the sign round)"
    else:
        meaning = "a fixed offset from UTC"
    zones = zones_at_offset(timedelta(minutes=minutes), now)
    if minutes == 0:
        zones = (*zones[: MOST_OFFERED - 1], "UTC")
    return ClockName(meaning, zones) if zones else None


def zones_at_offset(offset: timedelta, now: datetime) -> tuple[str, ...]:
    """Up to five common zones at ``offset``: those showing it at ``now``, then those
    showing it in another season of the year."""

    showing_now = [z for z in COMMON_ZONES if _offset_of(z, now) == offset]
    showing_later = [
        z
        for z in COMMON_ZONES
        if z not in showing_now and any(_offset_of(z, m) == offset for m in _seasons(now))
    ]
    return tuple((showing_now + showing_later)[:MOST_OFFERED])


def changes_clocks(zones: tuple[str, ...], now: datetime) -> bool:
    """Whether any of the zones puts its clocks forward or back in the year of ``now``."""

    winter, summer = _seasons(now)
    return any(_offset_of(z, winter) != _offset_of(z, summer) for z in zones)


def _seasons(now: datetime) -> tuple[datetime, datetime]:
    """Mid-January and mid-July of the year of ``now``: one in each season, on either
    side of the equator."""

    return now.replace(month=1, day=15), now.replace(month=7, day=15)


def _offset_of(zone: str, moment: datetime) -> timedelta | None:
    return moment.astimezone(_zone(zone)).utcoffset()


@lru_cache(maxsize=128)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")
