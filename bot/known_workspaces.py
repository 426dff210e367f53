"""The workspace an event comes from, read from the database once per process.

Every event names its workspace by the platform's id, and the row behind it
changes almost never, so the dispatcher keeps the rows it has read instead of
reading one per event. What may change under a kept row, with several
instances on one database or in this one:

- Convene is uninstalled (``uninstalled_at`` set): no event handler reads it
  except the uninstall's own, which reads the row afresh; that event also
  takes the row out of this cache here.
- The grace period ends and the row is deleted (on any instance); the
  workspace may install again and get a new row. Then every member row of
  the old one is gone too (``ON DELETE CASCADE``), so an event whose member
  is not found under a kept workspace looks the workspace up afresh before
  it creates the member (``refresh``): a member's first event is rare, and
  costs one read more; every other event costs none.

Only rows committed before the transaction that reads them are kept (a row
created by the transaction could still be rolled back), and never an
uninstalled one (it is about to change, and later to go).

A kept row is handed to events as it is, outside their sessions (no read,
no merge): a row to read. Nothing changes a workspace through an event's
context; the one change there is (the uninstall) reads the row afresh in its
own transaction (``workspaces.mark_uninstalled``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Workspace
from storage.repositories import workspaces as workspaces_repo

Key = tuple[str, str]
"""(platform, the platform's workspace id)."""


class KnownWorkspaces:
    """Workspace rows by platform and platform id, for one process."""

    def __init__(self) -> None:
        self._rows: dict[Key, Workspace] = {}

    def forget(self, key: Key) -> None:
        self._rows.pop(key, None)

    async def get(
        self, session: AsyncSession, key: Key, now: datetime, *, keep: bool = True
    ) -> tuple[Workspace, bool]:
        """The workspace, and whether it came from what this process kept (then it is
        outside ``session``: a row to read).

        ``keep=False`` for an event that changes the row (the uninstall): read
        afresh, and no longer kept.
        """

        known = self._rows.get(key) if keep else None
        if known is not None:
            return known, True
        return await self.refresh(session, key, now, keep=keep), False

    async def refresh(
        self, session: AsyncSession, key: Key, now: datetime, *, keep: bool = True
    ) -> Workspace:
        """The workspace read afresh (created the first time), kept when it may be."""

        self.forget(key)
        platform, external_id = key
        found = await workspaces_repo.find(session, platform, external_id)
        if found is None:
            return await workspaces_repo.get_or_create(
                session, platform, external_id, external_id, now
            )
        if keep and found.uninstalled_at is None:
            kept = Workspace(**found.model_dump())
            make_transient_to_detached(kept)
            self._rows[key] = kept
        return found
