"""Learning stories as their authors allowed: the one gate every output goes through.

After ``[We met]`` a member says how their take-away may be used:

* ``conveners`` (the default): only conveners read it, in Convene's own
  convener commands (``/convene pairing stories``); no report, map, export or
  dashboard page ever holds it, nor its author's name;
* ``named``: shared with their name;
* ``anonymous``: shared without it ("a member of Radiotherapy" is not said
  either: the text alone).

Reports, exports and the dashboard ask for ``SHARED`` stories only and show
``Story.author`` (None for anonymous ones); nothing else reads the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.origins import ROUND, introduction
from storage.repositories import landscape as landscape_repo

CONVENERS_ONLY = "conveners"
NAMED = "named"
ANONYMOUS = "anonymous"
CONSENTS = (CONVENERS_ONLY, NAMED, ANONYMOUS)
CONSENT_LABELS = {
    CONVENERS_ONLY: "Conveners only",
    NAMED: "Shared with my name",
    ANONYMOUS: "Shared without my name",
}
Audience = Literal["conveners", "shared"]


@dataclass(frozen=True, slots=True)
class Story:
    text: str
    author: str | None
    """The author's name where they allowed it (or a convener reads it); else None."""
    consent: str
    round_number: int
    programme: str
    """The programme's channel name, without ``#``; empty for an introduction made
    outside the rounds (``origin`` says how it came)."""
    at: datetime
    origin: str = ROUND

    @property
    def outside(self) -> bool:
        return self.origin != ROUND

    @property
    def where(self) -> str:
        """ "round 2 in #general", or "an introduction suggested by a convener"."""

        if self.outside:
            return introduction(self.origin)
        return f"round {self.round_number} in #{self.programme}"


async def load_stories(
    session: AsyncSession,
    workspace_id: int,
    *,
    audience: Audience,
    programme_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Story]:
    """The stories ``audience`` may read: every one for ``conveners`` (named, with the
    consent shown beside it), only shared ones for ``shared`` (anonymous without a name)."""

    consents = None if audience == "conveners" else (NAMED, ANONYMOUS)
    rows = await landscape_repo.stories(
        session,
        workspace_id,
        consents=consents,
        programme_id=programme_id,
        since=since,
        until=until,
    )
    return [
        Story(
            text=row.text,
            author=(row.display_name if audience == "conveners" or row.consent == NAMED else None),
            consent=row.consent,
            round_number=row.round_number,
            programme=row.channel_name or "",
            at=row.answered_at or row.slot_at,
            origin=row.origin,
        )
        for row in rows
    ]
