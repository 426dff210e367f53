"""Members, their time zones, convener flags and silos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberSilo, Silo, Workspace
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of


@dataclass(frozen=True, slots=True)
class MemberWithSilos:
    member: Member
    silos: tuple[Silo, ...]


_BY_PLATFORM_ID = select(Member).where(
    Member.workspace_id == bindparam("workspace_id"),
    Member.platform_user_id == bindparam("platform_user_id"),
)
"""Built once: every event reads its actor with it (a forgotten member's row carries a
tombstone id, so it is never found by the platform's id)."""


async def get_or_create(
    session: AsyncSession,
    workspace_id: int,
    platform_user_id: str,
    display_name: str,
    now: datetime,
    timezone: str | None = None,
) -> tuple[Member, bool]:
    """The member with this platform id, created on first sight (then True).

    A read alone when the member exists (every event but their first), unless
    the platform now tells a time zone the member never had.
    """

    existing = await of_platform_id(session, workspace_id, platform_user_id)
    if existing is not None:
        await update_from_platform(session, existing, display_name, timezone)
        return existing, False
    return await create(session, workspace_id, platform_user_id, display_name, now, timezone)


async def of_platform_id(
    session: AsyncSession, workspace_id: int, platform_user_id: str
) -> Member | None:
    """The member with this platform id, read afresh (an event's actor)."""

    found = await session.exec(
        _BY_PLATFORM_ID,
        params={"workspace_id": workspace_id, "platform_user_id": platform_user_id},
    )
    return found.first()


async def update_from_platform(
    session: AsyncSession, member: Member, display_name: str, timezone: str | None
) -> None:
    """What the platform now tells of a known member: a time zone they never had, and
    their name where Convene knew only their id."""

    changed = False
    if member.timezone is None and timezone is not None:
        member.timezone = timezone
        changed = True
    if member.display_name == member.platform_user_id and display_name != member.platform_user_id:
        # Added by id (a convener named them before Convene met them): now their name.
        member.display_name = display_name[:80]
        changed = True
    if changed:
        session.add(member)
        await session.flush()


async def create(
    session: AsyncSession,
    workspace_id: int,
    platform_user_id: str,
    display_name: str,
    now: datetime,
    timezone: str | None = None,
) -> tuple[Member, bool]:
    """A member seen for the first time; True unless another transaction created them
    first (then theirs is returned)."""

    bind = session.get_bind()
    table = table_of(Member)
    inserted = await execute(
        session,
        insert_ignoring_conflicts(
            bind.dialect,
            table,
            ("workspace_id", "platform_user_id"),
        )
        .returning(table.c.id)
        .values(
            workspace_id=workspace_id,
            platform_user_id=platform_user_id,
            display_name=display_name,
            timezone=timezone,
            is_convener=False,
            created_at=now,
        ),
    )
    found = await of_platform_id(session, workspace_id, platform_user_id)
    assert found is not None
    return found, inserted.first() is not None


async def get(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


def stage(session: AsyncSession, member: Member) -> None:
    """Have a member changed in place (zone, convener flag) written at the next flush or commit.

    Unlike ``add`` this does not flush now; the event's changes are written
    together when its session commits.
    """

    session.add(member)


async def by_platform_id(
    session: AsyncSession, workspace_id: int, platform_user_id: str
) -> Member | None:
    found = await session.exec(
        select(Member).where(
            Member.workspace_id == workspace_id,
            Member.platform_user_id == platform_user_id,
            col(Member.erased_at).is_(None),
        )
    )
    return found.first()


async def find(session: AsyncSession, workspace_id: int, reference: str) -> Member | None:
    """A member by platform id or, failing that, by display name (any case); a forgotten
    member ("a former member") is nobody's to find."""

    member = await by_platform_id(session, workspace_id, reference)
    if member is not None:
        return member
    found = await session.exec(
        select(Member)
        .where(
            Member.workspace_id == workspace_id,
            func.lower(Member.display_name) == reference.lower(),
            col(Member.erased_at).is_(None),
        )
        .order_by(col(Member.id))
    )
    return found.first()


async def add(
    session: AsyncSession,
    workspace_id: int,
    platform_user_id: str,
    display_name: str,
    timezone: str | None,
    now: datetime,
) -> Member:
    member = Member(
        workspace_id=workspace_id,
        platform_user_id=platform_user_id,
        display_name=display_name,
        timezone=timezone,
        created_at=now,
    )
    session.add(member)
    await session.flush()
    return member


async def remove(session: AsyncSession, member: Member) -> None:
    await session.exec(delete(MemberSilo).where(col(MemberSilo.member_id) == member.id))
    await session.delete(member)
    await session.flush()


async def conveners(session: AsyncSession, workspace_id: int) -> Sequence[Member]:
    found = await session.exec(
        select(Member)
        .where(
            Member.workspace_id == workspace_id,
            col(Member.is_convener).is_(True),
            col(Member.erased_at).is_(None),
        )
        .order_by(func.lower(Member.display_name))
    )
    return found.all()


async def count(session: AsyncSession, workspace_id: int) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(Member)
        .where(Member.workspace_id == workspace_id, col(Member.erased_at).is_(None))
    )
    return int(found.one())


async def list_with_silos(
    session: AsyncSession, workspace_id: int, silo: Silo | None = None
) -> list[MemberWithSilos]:
    """Every member (or every member of one silo) with their silos, by name."""

    query = select(Member).where(
        Member.workspace_id == workspace_id, col(Member.erased_at).is_(None)
    )
    if silo is not None:
        query = query.join(MemberSilo, col(MemberSilo.member_id) == col(Member.id)).where(
            MemberSilo.silo_id == silo.id
        )
    members = (await session.exec(query.order_by(func.lower(Member.display_name)))).all()
    links = await session.exec(
        select(MemberSilo.member_id, Silo)
        .join(Silo, col(Silo.id) == col(MemberSilo.silo_id))
        .where(Silo.workspace_id == workspace_id)
        .order_by(func.lower(Silo.name))
    )
    by_member: dict[int, list[Silo]] = {}
    for member_id, linked in links.all():
        by_member.setdefault(member_id, []).append(linked)
    return [MemberWithSilos(member=m, silos=tuple(by_member.get(m.id or 0, ()))) for m in members]


async def silos_of(session: AsyncSession, member: Member) -> list[Silo]:
    found = await session.exec(
        select(Silo)
        .join(MemberSilo, col(MemberSilo.silo_id) == col(Silo.id))
        .where(MemberSilo.member_id == member.id)
        .order_by(func.lower(Silo.name))
    )
    return list(found.all())


async def link_silo(session: AsyncSession, member: Member, silo: Silo) -> bool:
    """Put a member in a silo; False when they were already in it."""

    bind = session.get_bind()
    table = table_of(MemberSilo)
    result = await execute(
        session,
        insert_ignoring_conflicts(
            bind.dialect,
            table,
            ("member_id", "silo_id"),
        )
        .values(member_id=member.id, silo_id=silo.id)
        .returning(table.c.member_id),
    )
    return result.first() is not None


async def unlink_silo(session: AsyncSession, member: Member, silo: Silo) -> bool:
    """Take a member out of a silo; False when they were not in it."""

    result = await execute(
        session,
        delete(MemberSilo).where(
            col(MemberSilo.member_id) == member.id, col(MemberSilo.silo_id) == silo.id
        ),
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class Seen:
    """A person a platform listed (in a channel), to be known as a member."""

    platform_user_id: str
    display_name: str
    timezone: str | None = None


_CHUNK = 500


async def ensure_many(
    session: AsyncSession, workspace_id: int, people: Sequence[Seen], now: datetime
) -> dict[str, Member]:
    """Make every listed person a member (in bulk), and return them by platform id.

    A member seen for the first time takes the platform's name and time zone;
    an existing member keeps their own.
    """

    table = table_of(Member)
    statement = insert_ignoring_conflicts(
        session.get_bind().dialect, table, ("workspace_id", "platform_user_id")
    )
    found: dict[str, Member] = {}
    for start in range(0, len(people), _CHUNK):
        chunk = people[start : start + _CHUNK]
        await execute(
            session,
            statement,
            [
                {
                    "workspace_id": workspace_id,
                    "platform_user_id": p.platform_user_id,
                    "display_name": p.display_name[:80] or p.platform_user_id,
                    "timezone": p.timezone,
                    "is_convener": False,
                    "created_at": now,
                }
                for p in chunk
            ],
        )
        rows = await session.exec(
            select(Member).where(
                Member.workspace_id == workspace_id,
                col(Member.platform_user_id).in_([p.platform_user_id for p in chunk]),
            )
        )
        found.update((m.platform_user_id, m) for m in rows.all())
    return found


async def silo_names(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each member's silo names, by member id (for labels on many answers at once)."""

    names: dict[int, list[str]] = {}
    for start in range(0, len(member_ids), _CHUNK):
        rows = await session.exec(
            select(MemberSilo.member_id, Silo.name)
            .join(Silo, col(Silo.id) == col(MemberSilo.silo_id))
            .where(col(MemberSilo.member_id).in_(member_ids[start : start + _CHUNK]))
            .order_by(func.lower(Silo.name))
        )
        for member_id, name in rows.all():
            names.setdefault(member_id, []).append(name)
    return names


async def of_workspace(session: AsyncSession, workspace_id: int) -> Sequence[Member]:
    """Every member of the workspace (a forgotten member is not one)."""

    found = await session.exec(
        select(Member)
        .where(Member.workspace_id == workspace_id, col(Member.erased_at).is_(None))
        .order_by(col(Member.id))
    )
    return found.all()


async def set_dms_closed(
    session: AsyncSession,
    platform: str,
    workspace_external_id: str,
    platform_user_id: str,
    at: datetime | None,
) -> None:
    """Note (``at``) or clear (None) that a member's DMs are closed to the bot."""

    workspace = (
        select(Workspace.id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace_external_id)
        .scalar_subquery()
    )
    await execute(
        session,
        update(table_of(Member))
        .where(
            table_of(Member).c.workspace_id == workspace,
            table_of(Member).c.platform_user_id == platform_user_id,
        )
        .values(dms_closed_at=at),
    )


async def with_dms_closed(session: AsyncSession, platform: str) -> set[tuple[str, str]]:
    """(workspace, member) platform ids of everyone whose DMs were last found closed."""

    found = await session.exec(
        select(Workspace.external_id, Member.platform_user_id)
        .join(Workspace, col(Workspace.id) == col(Member.workspace_id))
        .where(Workspace.platform == platform, col(Member.dms_closed_at).is_not(None))
    )
    return {(str(w), str(m)) for w, m in found.all()}


# -- importing a members file (set-based: 10,000 rows in a few statements) --------------


@dataclass(frozen=True, slots=True)
class KnownMember:
    """What an import matches a row against, without loading whole rows."""

    id: int
    platform_user_id: str
    display_name: str
    email: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True)
class NewMember:
    platform_user_id: str
    display_name: str
    timezone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class MemberChange:
    """New values for one member; None leaves a value as it is."""

    member_id: int
    timezone: str | None = None
    email: str | None = None
    platform_user_id: str | None = None
    display_name: str | None = None


async def known_members(session: AsyncSession, workspace_id: int) -> list[KnownMember]:
    """Every member of the workspace, oldest first, as an import matches them."""

    table = table_of(Member)
    rows = await execute(
        session,
        core_select(
            table.c.id,
            table.c.platform_user_id,
            table.c.display_name,
            table.c.email,
            table.c.timezone,
        )
        .where(table.c.workspace_id == workspace_id, table.c.erased_at.is_(None))
        .order_by(table.c.id),
    )
    return [
        KnownMember(row.id, row.platform_user_id, row.display_name, row.email, row.timezone)
        for row in rows.all()
    ]


async def silo_links(session: AsyncSession, workspace_id: int) -> set[tuple[int, int]]:
    """Every (member id, silo id) of the workspace."""

    links = table_of(MemberSilo)
    silos = table_of(Silo)
    rows = await execute(
        session,
        core_select(links.c.member_id, links.c.silo_id)
        .join(silos, silos.c.id == links.c.silo_id)
        .where(silos.c.workspace_id == workspace_id),
    )
    return {(int(row.member_id), int(row.silo_id)) for row in rows.all()}


async def add_many(
    session: AsyncSession, workspace_id: int, people: Sequence[NewMember], now: datetime
) -> dict[str, int]:
    """Add members in bulk (not yet welcomed); their ids by platform id."""

    table = table_of(Member)
    ids: dict[str, int] = {}
    for start in range(0, len(people), _CHUNK):
        chunk = people[start : start + _CHUNK]
        await execute(
            session,
            table.insert(),
            [
                {
                    "workspace_id": workspace_id,
                    "platform_user_id": p.platform_user_id,
                    "display_name": p.display_name,
                    "timezone": p.timezone,
                    "email": p.email,
                    "is_convener": False,
                    "created_at": now,
                }
                for p in chunk
            ],
        )
        rows = await execute(
            session,
            core_select(table.c.platform_user_id, table.c.id).where(
                table.c.workspace_id == workspace_id,
                table.c.platform_user_id.in_([p.platform_user_id for p in chunk]),
            ),
        )
        ids.update((str(row.platform_user_id), int(row.id)) for row in rows.all())
    return ids


async def change_many(session: AsyncSession, changes: Sequence[MemberChange]) -> None:
    """Write each member's new values, one statement per column changed."""

    table = table_of(Member)
    for column in ("timezone", "email", "platform_user_id", "display_name"):
        values = [
            {"member": c.member_id, "value": getattr(c, column)}
            for c in changes
            if getattr(c, column) is not None
        ]
        if values:
            await execute(
                session,
                update(table)
                .where(table.c.id == bindparam("member"))
                .values({column: bindparam("value")}),
                values,
            )


async def link_many(session: AsyncSession, links: Sequence[tuple[int, int]]) -> None:
    """Put members in silos in bulk: (member id, silo id) pairs; existing links stay."""

    if not links:
        return
    table = table_of(MemberSilo)
    await execute(
        session,
        insert_ignoring_conflicts(session.get_bind().dialect, table, ("member_id", "silo_id")),
        [{"member_id": member, "silo_id": silo} for member, silo in links],
    )


async def reloaded(session: AsyncSession, member_ids: Sequence[int]) -> list[Member]:
    """Members as the database now holds them (after a bulk change), refreshing any the
    session already had."""

    found: list[Member] = []
    for start in range(0, len(member_ids), _CHUNK):
        rows = await session.exec(
            select(Member)
            .where(col(Member.id).in_(member_ids[start : start + _CHUNK]))
            .execution_options(populate_existing=True)
        )
        found.extend(rows.all())
    return found


async def mark_welcomed(session: AsyncSession, member: Member, at: datetime) -> None:
    """Note that the member had their welcome (written with the event's other changes)."""

    member.welcomed_at = at
    session.add(member)
