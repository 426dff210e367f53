"""Silos: the parts of the landscape that Convene connects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import MemberSilo, Silo


@dataclass(frozen=True, slots=True)
class SiloWithCount:
    silo: Silo
    member_count: int


def name_key(name: str) -> str:
    """The form under which two silo names count as the same."""

    return " ".join(name.casefold().split())


async def find(session: AsyncSession, workspace_id: int, name: str) -> Silo | None:
    found = await session.exec(
        select(Silo).where(Silo.workspace_id == workspace_id, Silo.name_key == name_key(name))
    )
    return found.first()


async def add(
    session: AsyncSession, workspace_id: int, name: str, kind: str, now: datetime
) -> Silo:
    silo = Silo(
        workspace_id=workspace_id, name=name, name_key=name_key(name), kind=kind, created_at=now
    )
    session.add(silo)
    await session.flush()
    return silo


async def rename(session: AsyncSession, silo: Silo, new_name: str) -> None:
    silo.name = new_name
    silo.name_key = name_key(new_name)
    session.add(silo)
    await session.flush()


async def set_kind(session: AsyncSession, silo: Silo, kind: str) -> None:
    silo.kind = kind
    session.add(silo)
    await session.flush()


async def remove(session: AsyncSession, silo: Silo) -> None:
    await session.delete(silo)
    await session.flush()


async def all_names(session: AsyncSession, workspace_id: int) -> Sequence[str]:
    found = await session.exec(
        select(Silo.name).where(Silo.workspace_id == workspace_id).order_by(func.lower(Silo.name))
    )
    return found.all()


async def list_with_counts(session: AsyncSession, workspace_id: int) -> list[SiloWithCount]:
    counts = (
        select(MemberSilo.silo_id, func.count().label("n"))
        .group_by(col(MemberSilo.silo_id))
        .subquery()
    )
    found = await session.exec(
        select(Silo, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.silo_id == col(Silo.id))
        .where(Silo.workspace_id == workspace_id)
        .order_by(col(Silo.kind), func.lower(Silo.name))
    )
    return [SiloWithCount(silo=s, member_count=int(n)) for s, n in found.all()]
