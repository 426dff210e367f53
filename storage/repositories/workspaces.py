"""Workspaces: found or created the first time a platform speaks for one."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Workspace
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
