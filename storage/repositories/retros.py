"""Retros, their items and votes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Retro, RetroItem, RetroVote
from storage.repositories.core import execute, table_of

OPEN = "open"
CLOSED = "closed"
POSTED = "posted"
WITHDRAWN = "withdrawn"

items_table = table_of(RetroItem)


def _rows(result: Any) -> list[Any]:
    """A Core result's rows as plain tuples (typed loosely: their shape is the query's)."""

    return [tuple(row) for row in result.all()]


async def add(session: AsyncSession, retro: Retro) -> Retro:
    session.add(retro)
    await session.flush()
    return retro


async def get(session: AsyncSession, retro_id: int) -> Retro | None:
    return await session.get(Retro, retro_id)


async def by_name(session: AsyncSession, workspace_id: int, name: str) -> Retro | None:
    found = await session.exec(
        select(Retro).where(Retro.workspace_id == workspace_id, Retro.name_key == name.casefold())
    )
    return found.first()


async def of_workspace(session: AsyncSession, workspace_id: int) -> Sequence[Retro]:
    found = await session.exec(
        select(Retro).where(Retro.workspace_id == workspace_id).order_by(col(Retro.id))
    )
    return found.all()


async def in_channel(
    session: AsyncSession, workspace_id: int, channel_id: str, *, status: str | None = None
) -> Sequence[Retro]:
    """A channel's retros, newest first."""

    query = select(Retro).where(Retro.workspace_id == workspace_id, Retro.channel_id == channel_id)
    if status is not None:
        query = query.where(Retro.status == status)
    found = await session.exec(query.order_by(col(Retro.id).desc()))
    return found.all()


async def save(session: AsyncSession, *rows: Retro | RetroItem) -> None:
    for row in rows:
        session.add(row)
    await session.flush()


# -- items ------------------------------------------------------------------------------


async def add_item(session: AsyncSession, item: RetroItem) -> RetroItem:
    session.add(item)
    await session.flush()
    return item


async def next_number(session: AsyncSession, retro_id: int) -> int:
    found = await execute(
        session,
        select_columns(func.coalesce(func.max(items_table.c.number), 0)).where(
            items_table.c.retro_id == retro_id
        ),
    )
    return int(found.scalar_one()) + 1


async def item_count(session: AsyncSession, retro_id: int) -> int:
    found = await execute(
        session,
        select_columns(func.count()).where(
            items_table.c.retro_id == retro_id, items_table.c.status == POSTED
        ),
    )
    return int(found.scalar_one())


async def item(
    session: AsyncSession, item_id: int, *, for_update: bool = False
) -> RetroItem | None:
    """An item; ``for_update`` locks its row (PostgreSQL) so that votes on it count in turn."""

    query = select(RetroItem).where(RetroItem.id == item_id)
    if for_update:
        query = query.with_for_update()
    found = await session.exec(query)
    return found.first()


async def items(session: AsyncSession, retro_id: int) -> Sequence[RetroItem]:
    found = await session.exec(
        select(RetroItem)
        .where(RetroItem.retro_id == retro_id, RetroItem.status == POSTED)
        .order_by(col(RetroItem.number))
    )
    return found.all()


async def forget_authors(session: AsyncSession, retro: Retro) -> None:
    """Drop what could tie an anonymous retro's items to their authors, for good."""

    await execute(
        session,
        update(items_table).where(items_table.c.retro_id == retro.id).values(author_tag=None),
    )
    retro.author_salt = None
    session.add(retro)


# -- votes ------------------------------------------------------------------------------


async def has_vote(session: AsyncSession, item_id: int, member_id: int) -> bool:
    return await session.get(RetroVote, (item_id, member_id)) is not None


async def add_vote(session: AsyncSession, retro_id: int, item_id: int, member_id: int) -> None:
    session.add(RetroVote(item_id=item_id, member_id=member_id, retro_id=retro_id))
    await session.flush()


async def remove_vote(session: AsyncSession, item_id: int, member_id: int) -> None:
    await execute(
        session,
        delete(table_of(RetroVote)).where(
            table_of(RetroVote).c.item_id == item_id, table_of(RetroVote).c.member_id == member_id
        ),
    )


async def votes_used(session: AsyncSession, retro_id: int, member_id: int) -> int:
    votes = table_of(RetroVote)
    found = await execute(
        session,
        select_columns(func.count()).where(
            votes.c.retro_id == retro_id, votes.c.member_id == member_id
        ),
    )
    return int(found.scalar_one())


async def vote_counts(session: AsyncSession, retro_id: int) -> dict[int, int]:
    """Votes per item of a retro (items with none are absent)."""

    votes = table_of(RetroVote)
    found = await execute(
        session,
        select_columns(votes.c.item_id, func.count())
        .where(votes.c.retro_id == retro_id)
        .group_by(votes.c.item_id),
    )
    return {int(item_id): int(count) for item_id, count in _rows(found)}


async def votes_on(session: AsyncSession, item_id: int) -> int:
    votes = table_of(RetroVote)
    found = await execute(session, select_columns(func.count()).where(votes.c.item_id == item_id))
    return int(found.scalar_one())


async def voters(session: AsyncSession, retro_id: int) -> int:
    votes = table_of(RetroVote)
    found = await execute(
        session,
        select_columns(func.count(func.distinct(votes.c.member_id))).where(
            votes.c.retro_id == retro_id
        ),
    )
    return int(found.scalar_one())


async def remove_votes_on(session: AsyncSession, item_id: int) -> None:
    votes = table_of(RetroVote)
    await execute(session, delete(votes).where(votes.c.item_id == item_id))
