"""Workspaces: found or created the first time a platform speaks for one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HandlerFailure, OutboxMessage, Workspace
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of


async def get_or_create(
    session: AsyncSession, platform: str, external_id: str, name: str, now: datetime
) -> Workspace:
    """The workspace, created the first time (a read alone when it exists, the usual case)."""

    query = select(Workspace).where(
        Workspace.platform == platform, Workspace.external_id == external_id
    )
    existing = (await session.exec(query)).first()
    if existing is not None:
        return existing
    bind = session.get_bind()
    await execute(
        session,
        insert_ignoring_conflicts(
            bind.dialect,
            table_of(Workspace),
            ("platform", "external_id"),
        ).values(platform=platform, external_id=external_id, name=name, created_at=now),
    )
    found = await session.exec(query)
    return found.one()


async def find(session: AsyncSession, platform: str, external_id: str) -> Workspace | None:
    found = await session.exec(
        select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
    )
    return found.first()


async def get(session: AsyncSession, workspace_id: int) -> Workspace | None:
    return await session.get(Workspace, workspace_id)


async def every(session: AsyncSession) -> list[Workspace]:
    """Every workspace the database holds, oldest first (the command line chooses one)."""

    found = await session.exec(select(Workspace).order_by(col(Workspace.id)))
    return list(found.all())


async def mark_uninstalled(
    session: AsyncSession, platform: str, external_id: str, now: datetime
) -> Workspace | None:
    """Note that the platform uninstalled Convene here (the first time only: a repeated
    notice keeps the first moment, from which the grace period counts)."""

    workspace = await find(session, platform, external_id)
    if workspace is None:
        return None
    if workspace.uninstalled_at is None:
        workspace.uninstalled_at = now
        session.add(workspace)
        await session.flush()
    return workspace


async def mark_installed(session: AsyncSession, platform: str, external_id: str) -> bool:
    """Convene is installed here again: its schedules and timers run again. True when the
    workspace had been uninstalled."""

    workspaces = table_of(Workspace)
    result = await execute(
        session,
        update(workspaces)
        .where(
            workspaces.c.platform == platform,
            workspaces.c.external_id == external_id,
            workspaces.c.uninstalled_at.is_not(None),
        )
        .values(uninstalled_at=None),
    )
    return bool(result.rowcount)


async def uninstalled_before(session: AsyncSession, moment: datetime) -> list[Workspace]:
    """Workspaces uninstalled before ``moment`` (and not installed again since)."""

    found = await session.exec(
        select(Workspace)
        .where(col(Workspace.uninstalled_at).is_not(None), col(Workspace.uninstalled_at) < moment)
        .order_by(col(Workspace.id))
    )
    return list(found.all())


async def delete_everything(session: AsyncSession, workspace: Workspace) -> None:
    """Delete the workspace and every row of it: its own tables go with it (``ON DELETE
    CASCADE``); the outbox (keyed by the platform's id) and the failure log are deleted here."""

    outbox = table_of(OutboxMessage)
    failures = table_of(HandlerFailure)
    await execute(
        session,
        delete(outbox).where(
            outbox.c.platform == workspace.platform,
            outbox.c.workspace_external_id == workspace.external_id,
        ),
    )
    await execute(session, delete(failures).where(failures.c.workspace_id == workspace.id))
    await execute(
        session, delete(table_of(Workspace)).where(table_of(Workspace).c.id == workspace.id)
    )


async def cancel_pending_messages(
    session: AsyncSession, platform: str, external_id: str, reason: str
) -> int:
    """Give up the messages not yet sent to the workspace (``dead``, with ``reason``):
    nothing can reach a workspace that removed Convene. How many there were."""

    outbox = table_of(OutboxMessage)
    result = await execute(
        session,
        update(outbox)
        .where(
            outbox.c.platform == platform,
            outbox.c.workspace_external_id == external_id,
            outbox.c.status == "pending",
        )
        .values(status="dead", lease_until=None, last_error=reason),
    )
    return int(result.rowcount or 0)
