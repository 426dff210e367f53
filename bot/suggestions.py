"""Suggestions while a member types a command option (Discord's autocompletion).

A read of the store and nothing else. Each job registers where the choices
for its kinds of option come from (``registry.suggestions``: silos, check-ins,
the member's own commitments); this module only routes a request to its
source, and answers time zones itself, since several jobs take a zone and
the list needs no store. Discord gives an autocompletion three seconds and
no way to defer, so each source should be one small query.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories import workspaces as workspaces_repo

LIMIT = 25
"""Discord shows at most 25 choices."""
ZONE = "zone"
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


@dataclass(frozen=True, slots=True)
class SuggestionQuery:
    """What a source may read to suggest: the store, in the workspace, for one member."""

    session: AsyncSession
    workspace_id: int
    member: str
    """The platform's id of the member typing."""
    typed: str


SuggestionSource = Callable[[SuggestionQuery], Awaitable[list[Choice]]]


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z))


def ranked(names: list[str], typed: str) -> list[str]:
    """Names that start with what was typed first, then those that contain it."""

    wanted = typed.strip().casefold()
    if not wanted:
        return names[:LIMIT]
    starts = [n for n in names if n.casefold().startswith(wanted)]
    inside = [n for n in names if wanted in n.casefold() and n not in starts]
    return (starts + inside)[:LIMIT]


def named_choices(names: list[str], typed: str) -> list[Choice]:
    """Choices whose value is the name shown, best matches first."""

    return [(n, n) for n in ranked(names, typed)]


def zone_choices(typed: str) -> list[Choice]:
    names = list(COMMON_ZONES) if not typed.strip() else list(_zones())
    return named_choices(names, typed.replace(" ", "_"))


class Suggestions:
    """The adapter's one callable: ``(kind, workspace, member, typed)`` to choices."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        platform: str,
        sources: Mapping[str, SuggestionSource],
    ) -> None:
        self._sessions = sessions
        self._platform = platform
        self._sources = sources

    async def __call__(self, kind: str, workspace: str, member: str, typed: str) -> list[Choice]:
        if kind == ZONE:
            return zone_choices(typed)
        source = self._sources.get(kind)
        if source is None:
            return []
        async with self._sessions() as session:
            found = await workspaces_repo.find(session, self._platform, workspace)
            if found is None or found.id is None:
                return []
            return await source(SuggestionQuery(session, found.id, member, typed))
