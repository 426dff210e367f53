"""Who a check-in run asks, read as plain rows rather than ORM objects.

A run for a channel of 10,000 people makes the unknown ones members, then
plans a prompt for each: what it needs of a member is their id, platform id
and time zone. Reading those three columns, not 10,000 ``Member`` objects,
is most of what made a ``run now`` for 10,000 members fit in a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckinMember, Member
from storage.repositories import bulk
from storage.repositories.core import execute, table_of

members = table_of(Member)
choices = table_of(CheckinMember)
_IN_LIST = 500
"""Listed people looked up by platform id at most this many at a time; a longer list
reads the workspace's members once and keeps those listed."""


@dataclass(frozen=True, slots=True)
class Person:
    """A member as a run needs them."""

    id: int
    platform_user_id: str
    timezone: str | None


class Listed(Protocol):
    """Someone the platform lists in a channel (``bot.adapter.ChannelMember``)."""

    @property
    def platform_user_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def timezone(self) -> str | None: ...


_COLUMNS = ("workspace_id", "platform_user_id", "display_name", "timezone", "is_convener")


async def ensure_listed(
    session: AsyncSession, workspace_id: int, people: Sequence[Listed], now: datetime
) -> list[Person]:
    """Make every listed person a member (in bulk) and return them, in the listed order.

    A member seen for the first time takes the platform's name and time zone;
    an existing member keeps their own (as ``members.ensure_many``).
    """

    created = bulk.Stamps(session.get_bind().dialect, members.c.created_at.type)(now)
    await bulk.insert_ignoring(
        session,
        members,
        (*_COLUMNS, "created_at"),
        (
            (
                workspace_id,
                p.platform_user_id,
                p.display_name[:80] or p.platform_user_id,
                p.timezone,
                False,
                created,
            )
            for p in people
        ),
        ("workspace_id", "platform_user_id"),
    )
    wanted = [p.platform_user_id for p in people]
    found: dict[str, Person] = {}
    query = select(members.c.id, members.c.platform_user_id, members.c.timezone).where(
        members.c.workspace_id == workspace_id
    )
    if len(wanted) > _IN_LIST:
        found = _by_platform_id(await execute(session, query))
    else:
        found = _by_platform_id(
            await execute(session, query.where(members.c.platform_user_id.in_(wanted)))
        )
    return [found.pop(user) for user in wanted if user in found]  # once each, as listed


def _people(result: Any) -> list[Person]:
    return [Person(*row) for row in result.all()]


def _by_platform_id(result: Any) -> dict[str, Person]:
    return {row[1]: Person(row[0], row[1], row[2]) for row in result.all()}


async def of_workspace(session: AsyncSession, workspace_id: int) -> list[Person]:
    """Every member of the workspace (a forgotten member is not one), oldest first."""

    found = await execute(
        session,
        select(members.c.id, members.c.platform_user_id, members.c.timezone)
        .where(members.c.workspace_id == workspace_id, members.c.erased_at.is_(None))
        .order_by(members.c.id),
    )
    return _people(found)


async def with_choice(session: AsyncSession, checkin_id: int, choice: str) -> list[Person]:
    """The members whose choice for the check-in is ``choice`` (joined, left)."""

    found = await execute(
        session,
        select(members.c.id, members.c.platform_user_id, members.c.timezone)
        .join_from(members, choices, choices.c.member_id == members.c.id)
        .where(choices.c.checkin_id == checkin_id, choices.c.choice == choice)
        .order_by(members.c.id),
    )
    return _people(found)


async def ids_with_choice(session: AsyncSession, checkin_id: int, choice: str) -> set[int]:
    found = await execute(
        session,
        select(choices.c.member_id).where(
            choices.c.checkin_id == checkin_id, choices.c.choice == choice
        ),
    )
    return {int(row[0]) for row in found.all()}
