"""Suggestions while a member types a command option (Discord's autocompletion).

A read of the store and nothing else: the names of silos and check-ins, the
member's own open commitments, and time zones, filtered by what has been
typed so far. Discord gives an autocompletion three seconds and no way to
defer, so each answer is one small query.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories import checkins as checkins_repo
from storage.repositories import commitments as commitments_repo
from storage.repositories import members as members_repo
from storage.repositories import silos as silos_repo
from storage.repositories import workspaces as workspaces_repo

LIMIT = 25
"""Discord shows at most 25 choices."""
COMMON_ZONES = (
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
)

Choice = tuple[str, str]
"""(what the member sees, what the option's value becomes)."""


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z))


def _ranked(names: list[str], typed: str) -> list[str]:
    """Names that start with what was typed first, then those that contain it."""

    wanted = typed.strip().casefold()
    if not wanted:
        return names[:LIMIT]
    starts = [n for n in names if n.casefold().startswith(wanted)]
    inside = [n for n in names if wanted in n.casefold() and n not in starts]
    return (starts + inside)[:LIMIT]


class Suggestions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], platform: str) -> None:
        self._sessions = sessions
        self._platform = platform

    async def __call__(self, kind: str, workspace: str, member: str, typed: str) -> list[Choice]:
        if kind == "zone":
            names = list(COMMON_ZONES) if not typed.strip() else list(_zones())
            return [(n, n) for n in _ranked(names, typed.replace(" ", "_"))]
        async with self._sessions() as session:
            found = await workspaces_repo.find(session, self._platform, workspace)
            if found is None or found.id is None:
                return []
            if kind == "silo":
                names = list(await silos_repo.all_names(session, found.id))
                return [(n, n) for n in _ranked(names, typed)]
            if kind == "checkin":
                names = [c.name for c in await checkins_repo.of_workspace(session, found.id)]
                return [(n, n) for n in _ranked(names, typed)]
            if kind == "commitment":
                me = await members_repo.by_platform_id(session, found.id, member)
                if me is None or me.id is None:
                    return []
                # Requests not yet accepted are not theirs to mark done or move.
                mine = await commitments_repo.of_owner(
                    session, me.id, (commitments_repo.OPEN, commitments_repo.BLOCKED)
                )
                shown = [
                    (f"{c.id} · {c.text}"[:100], str(c.id))
                    for c in mine
                    if typed.strip() in str(c.id) or typed.strip().casefold() in c.text.casefold()
                ]
                return shown[:LIMIT]
        return []
