"""The landscape as data: silos and their people, and the introductions across them.

Maps, reports, exports and the dashboard all read the landscape through
these few set-based queries (two or three statements, whatever the size),
and ``handlers/shared/landscape.py`` turns the rows into a picture of which
silos have met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType, TypeEngine
from sqlmodel import col
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    LandscapeMap,
    Member,
    MemberSilo,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Programme,
    Silo,
    SiloBridge,
)
from storage.repositories.core import table_of


@dataclass(frozen=True, slots=True)
class SiloRow:
    id: int
    name: str
    kind: str
    member_ids: tuple[int, ...]


async def silos(session: AsyncSession, workspace_id: int) -> list[SiloRow]:
    """Every silo of the workspace with the ids of its members."""

    found = await (await session.connection()).execute(
        select(col(Silo.id), col(Silo.name), col(Silo.kind), col(MemberSilo.member_id))
        .outerjoin(MemberSilo, col(MemberSilo.silo_id) == col(Silo.id))
        .where(col(Silo.workspace_id) == workspace_id)
        .order_by(col(Silo.kind), col(Silo.name_key))
    )
    rows: dict[int, tuple[str, str, list[int]]] = {}
    for silo_id, name, kind, member_id in found.all():
        entry = rows.setdefault(int(silo_id or 0), (name, kind, []))
        if member_id is not None:
            entry[2].append(int(member_id))
    return [SiloRow(i, n, k, tuple(sorted(m))) for i, (n, k, m) in rows.items()]


async def programme_mixes(session: AsyncSession, workspace_id: int) -> dict[int, str]:
    """Each programme's ``mix_kinds``, by programme id."""

    found = await (await session.connection()).execute(
        select(col(Programme.id), col(Programme.mix_kinds)).where(
            col(Programme.workspace_id) == workspace_id
        )
    )
    return {int(i or 0): str(m) for i, m in found.all()}


async def last_map(session: AsyncSession, workspace_id: int, scope: str) -> LandscapeMap | None:
    found = await session.exec(
        sqlmodel_select(LandscapeMap).where(
            col(LandscapeMap.workspace_id) == workspace_id, col(LandscapeMap.scope) == scope
        )
    )
    return found.first()


async def keep_map(
    session: AsyncSession,
    workspace_id: int,
    scope: str,
    made_at: datetime,
    positions: dict[str, list[float]],
    bridge_states: dict[str, str],
) -> None:
    """Remember this map's layout and bridges for the next one of the same view."""

    row = await last_map(session, workspace_id, scope)
    if row is None:
        row = LandscapeMap(workspace_id=workspace_id, scope=scope, made_at=made_at)
    row.made_at = made_at
    row.positions = dict(positions)
    row.bridges = dict(bridge_states)
    session.add(row)
    await session.flush()


@dataclass(frozen=True, slots=True)
class StoryRow:
    """What one member took away from one introduction, and how they let it be used."""

    member_id: int
    display_name: str
    text: str
    consent: str
    answered_at: datetime | None
    round_number: int
    slot_at: datetime
    programme_id: int | None
    """None for an introduction made outside the rounds (see ``origin``)."""
    channel_name: str | None
    origin: str


async def stories(
    session: AsyncSession,
    workspace_id: int,
    *,
    consents: tuple[str, ...] | None = None,
    programme_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[StoryRow]:
    """Learning stories, oldest round first; only those of ``consents`` when given.

    Introductions made outside the rounds are read too (no programme, no channel),
    except in one programme's view."""

    query = (
        select(
            col(PairingGroupMember.member_id),
            col(Member.display_name),
            col(PairingGroupMember.learning),
            col(PairingGroupMember.learning_consent),
            col(PairingGroupMember.answered_at),
            col(PairingRound.number),
            col(PairingRound.slot_at),
            col(PairingRound.programme_id),
            col(Programme.channel_name),
            col(PairingRound.origin),
        )
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .outerjoin(Programme, col(Programme.id) == col(PairingRound.programme_id))
        .join(Member, col(Member.id) == col(PairingGroupMember.member_id))
        .where(
            col(PairingRound.workspace_id) == workspace_id,
            col(PairingGroupMember.learning).is_not(None),
            col(PairingGroupMember.learning) != "",
        )
        .order_by(col(PairingRound.slot_at), col(PairingGroupMember.group_id))
    )
    if consents is not None:
        query = query.where(col(PairingGroupMember.learning_consent).in_(list(consents)))
    if programme_id is not None:
        query = query.where(col(PairingRound.programme_id) == programme_id)
    if since is not None:
        query = query.where(col(PairingRound.slot_at) >= since)
    if until is not None:
        query = query.where(col(PairingRound.slot_at) < until)
    found = await (await session.connection()).execute(query)
    return [
        StoryRow(
            int(m),
            str(n),
            str(t),
            str(c),
            a,
            int(r),
            s,
            None if p is None else int(p),
            None if ch is None else str(ch),
            str(o),
        )
        for m, n, t, c, a, r, s, p, ch, o in found.all()
    ]


async def members_in_silos(session: AsyncSession, silo_ids: list[int]) -> int:
    """How many people stand in these silos, each counted once (a map's "2,000 members")."""

    if not silo_ids:
        return 0
    found = await (await session.connection()).execute(
        select(func.count(func.distinct(col(MemberSilo.member_id)))).where(
            col(MemberSilo.silo_id).in_(silo_ids)
        )
    )
    return int(found.scalar_one())


class BridgeTotal(NamedTuple):
    """What the groups of one programme did across one pair of silos (``silo_a < silo_b``).

    ``programme_id`` is None for the introductions made outside the rounds, all
    summed together. A named tuple rather than a frozen dataclass: a year gives
    some 16,000 of them, made three times faster this way.
    """

    programme_id: int | None
    silo_a: int
    silo_b: int
    groups: int
    met_groups: int
    first_at: datetime
    first_met_at: datetime | None
    round_ids: frozenset[int]
    """The rounds whose groups spanned the pair; empty unless asked for (``with_rounds``)."""


def rounds_in_view(
    workspace_id: int,
    *,
    programme_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """The ids of a workspace's rounds held in a period (of one programme, when given).

    Without a programme, the introductions made outside the rounds are in view
    too (each is a round of its own with no programme); with one, they are not.
    """

    query = select(col(PairingRound.id)).where(col(PairingRound.workspace_id) == workspace_id)
    if programme_id is not None:
        query = query.where(col(PairingRound.programme_id) == programme_id)
    if since is not None:
        query = query.where(col(PairingRound.slot_at) >= since)
    if until is not None:
        query = query.where(col(PairingRound.slot_at) < until)
    return query


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class KindFilter:
    """Which pairs of silos a reading keeps, by their kinds: two silos of one kind (of
    ``only``, when given), or of two kinds in ``crossings``.

    The bridge rule (``handlers/shared/bridges.py``) is finer, per programme,
    and is applied to what comes back; the database only leaves out the pairs
    no programme could count, before it sorts them: a group's team with a
    department, say, which were more than half of a year's rows.
    """

    only: str | None = None
    crossings: frozenset[frozenset[str]] = frozenset()

    def keep(self, query: AnySelect) -> AnySelect:
        """``query`` (on ``silo_bridges``) with only the rows this filter keeps."""

        first, second = aliased(Silo), aliased(Silo)
        if self.only is not None:
            kept = and_(col(first.kind) == self.only, col(second.kind) == self.only)
        else:
            crossings = [
                and_(col(first.kind) == a, col(second.kind) == b)
                for pair in self.crossings
                for a, b in (sorted(pair), sorted(pair, reverse=True))
            ]
            kept = or_(col(first.kind) == col(second.kind), *crossings)
        return (
            query.join(first, col(first.id) == col(SiloBridge.silo_a))
            .join(second, col(second.id) == col(SiloBridge.silo_b))
            .where(kept)
        )


def met_groups_of(rounds: Select[Any]) -> Subquery:
    """The groups of these rounds where at least one member answered (or was marked) met."""

    return (
        select(col(PairingGroupMember.group_id).label("group_id"))
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .where(col(PairingGroup.round_id).in_(rounds), col(PairingGroupMember.outcome) == "met")
        .distinct()
        .subquery()
    )


async def bridge_totals(
    session: AsyncSession,
    workspace_id: int,
    *,
    programme_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    with_rounds: bool = True,
    kinds: KindFilter | None = None,
) -> list[BridgeTotal]:
    """``bridges`` summed in the database, one row per programme and pair of silos.

    A year of a big workspace is some 170,000 group-and-pair rows but only
    16,000 pairs; reading the sums is several times faster than reading
    every row (``bench/map.py``). A group met when at least one of its
    members answered (or was marked) met. With ``kinds``, only the pairs of
    silos it keeps.

    What a year's read costs is the database sorting those rows into pairs
    (``bench/report.py``), so: the rows are reached from the period's rounds
    through their groups, by indexes that hold what the sum needs
    (``pairing_groups`` by round, ``silo_bridges`` by group: on SQLite no
    row of either table is read); ``kinds`` leaves out the pairs that can be
    no bridge before the sort; the first moments come back as stored and
    are converted once per round rather than once per pair; and each pair's
    list of rounds, which only the pairing stats and the dashboard show, is
    made only ``with_rounds``.
    """

    connection = await session.connection()
    rounds = rounds_in_view(workspace_id, programme_id=programme_id, since=since, until=until)
    met_groups = met_groups_of(rounds)
    slot = col(PairingRound.slot_at)
    met_slot = case((met_groups.c.group_id.is_not(None), slot), else_=None)
    columns: list[Any] = [
        col(PairingRound.programme_id),
        col(SiloBridge.silo_a),
        col(SiloBridge.silo_b),
        func.count(),
        func.count(met_groups.c.group_id),
        type_coerce(func.min(slot), NullType()),
        type_coerce(func.min(met_slot), NullType()),
    ]
    if with_rounds:
        columns.append(
            func.string_agg(func.distinct(cast(col(PairingGroup.round_id), Text)), ",")
            if connection.dialect.name == "postgresql"
            else func.group_concat(func.distinct(col(PairingGroup.round_id)))
        )
    query = (
        select(*columns)
        .select_from(PairingRound)
        .join(PairingGroup, col(PairingGroup.round_id) == col(PairingRound.id))
        .join(SiloBridge, col(SiloBridge.group_id) == col(PairingGroup.id))
        .outerjoin(met_groups, met_groups.c.group_id == col(PairingGroup.id))
        .where(col(PairingRound.id).in_(rounds))
        .group_by(col(SiloBridge.silo_a), col(SiloBridge.silo_b), col(PairingRound.programme_id))
    )
    if kinds is not None:
        query = kinds.keep(query)
    found = await connection.execute(query)
    moment = _moments(table_of(PairingRound).c.slot_at.type, connection.dialect)
    if not with_rounds:
        return [
            BridgeTotal(p, a, b, n, m, moment(first), moment(met_at), frozenset())
            for p, a, b, n, m, first, met_at in found.all()
        ]
    return [
        BridgeTotal(
            p, a, b, n, m, moment(first), moment(met_at), frozenset(map(int, joined.split(",")))
        )
        for p, a, b, n, m, first, met_at, joined in found.all()
    ]


def _moments(stored: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """A reader of stored moments that converts each distinct value once (None stays None).

    A year's pairs share a few dozen round moments; converting each pair's
    two minima as they come back was a tenth of the landscape read.
    """

    process = stored.dialect_impl(dialect).result_processor(dialect, None)
    seen: dict[Any, Any] = {None: None}

    def moment(raw: Any) -> Any:
        try:
            return seen[raw]
        except KeyError:
            found = seen[raw] = process(raw) if process is not None else raw
            return found

    return moment
