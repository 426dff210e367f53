"""Time zones by name: typed by a member (checked, with a suggestion) or stored (kept loaded)."""

from __future__ import annotations

import difflib
import zoneinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.errors import UsageError


@lru_cache(maxsize=512)
def zone_named(name: str) -> ZoneInfo:
    """A time zone by name, kept: ``ZoneInfo`` itself keeps only the last 8 used,
    and a run across 12 zones would read a zone file for every member."""

    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


def check_timezone(value: str, usage: str) -> str:
    """The canonical IANA name for a zone typed in any case, or a helpful refusal."""

    found = _zones().get(value.strip().lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(value, sorted(_zones().values()), n=2)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    raise UsageError(
        f"{value!r} is not a time zone I know.{hint} Use an IANA name like Europe/London, "
        "America/New_York or Asia/Tokyo.",
        usage=usage,
    )
