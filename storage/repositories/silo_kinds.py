"""Kinds of silo a convener added on purpose, and the kinds silos already have.

The standard list (team, department…) is the landscape's own vocabulary and
lives with it; this module only stores and reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Silo, SiloKind


async def added(session: AsyncSession, workspace_id: int) -> Sequence[SiloKind]:
    """The kinds conveners added on purpose, oldest first."""

    found = await session.exec(
        select(SiloKind)
        .where(SiloKind.workspace_id == workspace_id)
        .order_by(col(SiloKind.created_at), col(SiloKind.name))
    )
    return found.all()


async def add(session: AsyncSession, workspace_id: int, name: str, now: datetime) -> SiloKind:
    kind = SiloKind(workspace_id=workspace_id, name=name, created_at=now)
    session.add(kind)
    await session.flush()
    return kind


async def remove(session: AsyncSession, kind: SiloKind) -> None:
    await session.delete(kind)
    await session.flush()


async def in_use(session: AsyncSession, workspace_id: int) -> dict[str, int]:
    """Every kind the workspace's silos have, as stored, with how many silos have it."""

    found = await session.exec(
        select(Silo.kind, func.count())
        .where(Silo.workspace_id == workspace_id)
        .group_by(col(Silo.kind))
        .order_by(col(Silo.kind))
    )
    return {kind: int(count) for kind, count in found.all()}
