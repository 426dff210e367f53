"""Which silos have met: the landscape a convener looks at, read once for every view.

The map, the report, the exports, the dashboard and ``/convene pairing
stats`` all show this one reading, so they never disagree:

* a pair of silos is **introduced** when a group spanning them was sent, and
  **met** when at least one member of such a group answered ``[We met]`` (or a
  convener marked it met for them);
* only pairs that are a bridge count (``handlers/shared/bridges.py``: same
  kind, or a crossing a programme mixes; never silos that share a member), so
  a member in both Radiotherapy and Trust A never makes a bridge of them;
* coverage is met (the headline) and introduced pairs over the pairs of
  populated silos that could be bridged;
* introductions made outside the rounds (a convener's suggestion, a member's
  ask: no programme) count in the workspace's views under the every-kind rule
  (two silos of one kind), never in one programme's view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.bridges import (
    EVERY_KIND,
    Mix,
    SiloPair,
    bridgeable_pairs,
    read_mix,
    shared_pairs,
)
from storage.repositories import landscape as landscape_repo

MET = "met"
INTRODUCED = "introduced"
NEVER = "never"


@dataclass(frozen=True, slots=True)
class SiloNode:
    id: int
    name: str
    kind: str
    members: int


@dataclass(slots=True)
class Bridge:
    """Two silos and what introductions did across them."""

    pair: SiloPair
    introductions: int = 0
    meetings: int = 0
    first_introduced: datetime | None = None
    first_met: datetime | None = None
    rounds: set[int] = field(default_factory=set)

    @property
    def state(self) -> str:
        return MET if self.meetings else INTRODUCED


@dataclass(frozen=True, slots=True)
class Landscape:
    """The silos in view, the bridges introductions built, and what could still be built."""

    silos: tuple[SiloNode, ...]
    bridges: Mapping[SiloPair, Bridge]
    possible: frozenset[SiloPair]
    """Pairs of populated silos in view that are bridges to build."""
    shared: frozenset[SiloPair]
    """Pairs of silos that share a member (never bridges)."""
    introduced_pairs: frozenset[SiloPair] = field(init=False, repr=False, compare=False)
    """The bridges to build that were introduced."""
    met_pairs: frozenset[SiloPair] = field(init=False, repr=False, compare=False)
    """The bridges to build that met."""

    def __post_init__(self) -> None:
        # Worked out once: a report reads them a dozen times, over thousands of bridges.
        introduced = frozenset(p for p in self.bridges if p in self.possible)
        object.__setattr__(self, "introduced_pairs", introduced)
        met = frozenset(p for p in introduced if self.bridges[p].meetings)
        object.__setattr__(self, "met_pairs", met)

    @property
    def by_id(self) -> dict[int, SiloNode]:
        return {s.id: s for s in self.silos}

    def state(self, pair: SiloPair) -> str:
        bridge = self.bridges.get(pair)
        return NEVER if bridge is None else bridge.state

    @property
    def met_share(self) -> float:
        return len(self.met_pairs) / len(self.possible) if self.possible else 0.0

    @property
    def introduced_share(self) -> float:
        return len(self.introduced_pairs) / len(self.possible) if self.possible else 0.0

    def unmet_silos(self) -> list[SiloNode]:
        """Populated silos in view that have not met any other silo yet (by name)."""

        touched = {silo for pair in self.met_pairs for silo in pair}
        could = {silo for pair in self.possible for silo in pair}
        return sorted(
            (s for s in self.silos if s.members and s.id in could and s.id not in touched),
            key=lambda s: s.name.casefold(),
        )

    def never_introduced_silos(self) -> list[SiloNode]:
        touched = {silo for pair in self.introduced_pairs for silo in pair}
        could = {silo for pair in self.possible for silo in pair}
        return sorted(
            (s for s in self.silos if s.members and s.id in could and s.id not in touched),
            key=lambda s: s.name.casefold(),
        )

    def next_to_bridge(self, count: int = 3) -> list[SiloPair]:
        """The pairs the next round would most like to bridge.

        The engine's bridge bonus is highest where two silos have no
        connection yet, and a round can only bridge silos with people in
        them; among the pairs never introduced, those with the most possible
        meetings (members of one times members of the other) come first,
        then by name so the answer is the same every time.
        """

        nodes = self.by_id
        waiting = [p for p in self.possible if p not in self.bridges]
        waiting.sort(
            key=lambda p: (
                -nodes[p[0]].members * nodes[p[1]].members,
                nodes[p[0]].name.casefold(),
                nodes[p[1]].name.casefold(),
            )
        )
        return waiting[:count]


async def load_landscape(
    session: AsyncSession,
    workspace_id: int,
    *,
    kind: str | None = None,
    programme_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    with_rounds: bool = True,
) -> Landscape:
    """The landscape of a workspace, or of one kind of silo, one programme, one period.

    ``with_rounds=False`` leaves each bridge's ``rounds`` empty: only the
    pairing stats and the dashboard show them, and listing them adds about a
    tenth to a year's read (``bench/report.py``).
    """

    silo_rows = await landscape_repo.silos(session, workspace_id)
    mixes = await landscape_repo.programme_mixes(session, workspace_id)
    read_mixes = {programme: read_mix(stored) for programme, stored in mixes.items()}
    totals = await landscape_repo.bridge_totals(
        session,
        workspace_id,
        programme_id=programme_id,
        since=since,
        until=until,
        with_rounds=with_rounds,
        kinds=kinds_kept(read_mixes, programme_id, kind),
    )
    members_silos: dict[int, list[int]] = {}
    for silo in silo_rows:
        for member in silo.member_ids:
            members_silos.setdefault(member, []).append(silo.id)
    shared = shared_pairs(members_silos.values())
    kinds = {s.id: s.kind for s in silo_rows}
    in_view = [s for s in silo_rows if kind is None or s.kind == kind]
    ids = {s.id for s in in_view}
    mix = _view_mix(mixes, programme_id)
    possible = bridgeable_pairs((s.id for s in in_view if s.member_ids), kinds, mix, shared)
    bridges: dict[SiloPair, Bridge] = {}
    # Whether a programme's mix bridges two kinds, worked out once per programme and pair
    # of kinds rather than once per row (a year is thousands of rows over a few kinds).
    # An introduction made outside the rounds has no programme (None): every kind is
    # bridged within itself, and no crossing of kinds, as where no programme mixes.
    verdicts: dict[tuple[int | None, str, str], bool] = {}
    # One row per programme and pair, summed by the database (a group and a pair
    # make one row of silo_bridges, so its count is the groups): bench/map.py.
    for total in totals:
        a, b = total.silo_a, total.silo_b
        if a not in ids or b not in ids:
            continue
        pair = (a, b)
        if pair in shared:
            continue
        key = (total.programme_id, kinds.get(a, ""), kinds.get(b, ""))
        allowed = verdicts.get(key)
        if allowed is None:
            row_mix = (
                EVERY_KIND
                if total.programme_id is None
                else read_mixes.get(total.programme_id, EVERY_KIND)
            )
            allowed = verdicts[key] = row_mix.bridges(key[1], key[2])
        if not allowed:
            continue
        bridge = bridges.get(pair)
        if bridge is None:
            bridge = bridges[pair] = Bridge(pair, first_introduced=total.first_at)
        elif bridge.first_introduced is None or total.first_at < bridge.first_introduced:
            bridge.first_introduced = total.first_at
        bridge.introductions += total.groups
        if total.round_ids:
            bridge.rounds.update(total.round_ids)
        if total.met_groups:
            bridge.meetings += total.met_groups
            met_at = total.first_met_at
            if met_at is not None and (bridge.first_met is None or met_at < bridge.first_met):
                bridge.first_met = met_at
    nodes = tuple(SiloNode(s.id, s.name, s.kind, len(s.member_ids)) for s in in_view)
    return Landscape(nodes, bridges, possible | frozenset(bridges), shared)


def kinds_kept(
    mixes: Mapping[int, Mix], programme_id: int | None, kind: str | None = None
) -> landscape_repo.KindFilter:
    """The pairs of kinds the database need return for a view: one kind, or any kind with
    itself and the crossings the programmes in view mix (the rule is applied in full after)."""

    if programme_id is None:
        in_view = list(mixes.values())
    else:
        in_view = [mixes[programme_id]] if programme_id in mixes else []
    crossings = frozenset(pair for mix in in_view for pair in mix.crossings)
    return landscape_repo.KindFilter(kind, crossings)


def _view_mix(mixes: Mapping[int, str], programme_id: int | None) -> Mix:
    """What may be bridged in this view: one programme's mix, or what any programme mixes.

    With no programme yet every kind is bridged within itself.
    """

    if programme_id is not None:
        return read_mix(mixes.get(programme_id, ""))
    if not mixes:
        return EVERY_KIND
    read = [read_mix(m) for m in mixes.values()]
    if any(m.kinds is None for m in read):
        kinds = None
    else:
        kinds = frozenset(k for m in read for k in (m.kinds or ()))
    return Mix(kinds, frozenset(c for m in read for c in m.crossings))
