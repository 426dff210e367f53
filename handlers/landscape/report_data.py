"""The figures of a report for one period: read once, shown as a summary, a file and tables.

``/convene report`` and the monthly digest both call ``gather``, so the
digest's numbers for a month are the report's numbers for that month. What
goes in, and how it is counted:

* check-ins: per run opened in the period, members asked (asked, answered or
  missed, as ``/checkin report`` counts) and members who answered;
* introductions: per round held in the period, groups sent and groups where
  at least one member said they met; silo pairs introduced and met among the
  pairs that are bridges (``handlers/shared/landscape.py``), met first; the
  introductions made outside the rounds (a convener's suggestion, a member's
  ask) are counted with them and listed apart, except in a programme's report;
* new bridges: pairs whose first meeting (first introduction) ever falls in
  the period;
* learning stories: only those their authors shared (``load_stories`` with
  the ``shared`` audience: no conveners-only story, no anonymous author's name);
* commitments made in the period (accepted ones), done, done on time, open,
  overdue, dropped;
* retros opened in the period, their items, the commitments made from them
  (their actions) and how many of those are done.

With a programme, introductions and stories are that programme's, and the
check-ins, retros and commitments are those held in its channel: a programme
is the community of its channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.bridges import EVERY_KIND, SiloPair, read_mix
from handlers.shared.landscape import Bridge, Landscape, SiloNode, kinds_kept, load_landscape
from handlers.shared.stories import Story, load_stories
from storage.repositories import commitments as commitments_repo
from storage.repositories import landscape as landscape_repo
from storage.repositories import reports as reports_repo
from storage.repositories.reports import ProgrammeRow, RetroFigures, RoundFigures, RunFigures


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: from ``since`` (None: the beginning) up to ``until``, and
    one programme or all of them."""

    since: datetime | None
    until: datetime
    programme: ProgrammeRow | None = None

    def describe(self) -> str:
        """ "1 Sep 2026 to 30 Nov 2026, #general" for a heading."""

        last = self.until - timedelta(microseconds=1)
        start = "the beginning" if self.since is None else day_text(self.since.date())
        where = f", #{self.programme.channel_name}" if self.programme else ""
        return f"{start} to {day_text(last.date())}{where}"


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def rate(part: int, whole: int) -> str:
    """ "80%", or "-" when there was nothing to count."""

    return f"{round(100 * part / whole)}%" if whole else "-"


@dataclass(frozen=True, slots=True)
class NewBridge:
    """Two silos connected for the first time in the period."""

    first: SiloNode
    second: SiloNode
    at: datetime
    bridge: Bridge


@dataclass(frozen=True, slots=True)
class CommitmentFigures:
    made: int = 0
    done: int = 0
    done_on_time: int = 0
    done_late: int = 0
    still_open: int = 0
    overdue: int = 0
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    workspace: str
    scope: Scope
    made_at: datetime
    runs: list[RunFigures]
    rounds: list[RoundFigures]
    landscape: Landscape
    """The silo pairs introduced and met by rounds held in the period."""
    first_met: list[NewBridge]
    first_introduced: list[NewBridge]
    stories: list[Story]
    commitments: CommitmentFigures
    retros: list[RetroFigures]

    @property
    def asked(self) -> int:
        return sum(r.asked for r in self.runs)

    @property
    def answered(self) -> int:
        return sum(r.answered for r in self.runs)

    @property
    def regular_rounds(self) -> list[RoundFigures]:
        """The programmes' rounds, without the introductions made outside them."""

        return [r for r in self.rounds if not r.outside]

    @property
    def outside(self) -> list[RoundFigures]:
        """The introductions made outside the rounds, one group each."""

        return [r for r in self.rounds if r.outside]

    @property
    def groups(self) -> int:
        return sum(r.groups for r in self.rounds)

    @property
    def groups_met(self) -> int:
        return sum(r.met for r in self.rounds)

    @property
    def retro_actions(self) -> int:
        return sum(r.actions for r in self.retros)

    @property
    def retro_actions_done(self) -> int:
        return sum(r.actions_done for r in self.retros)

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period (no run, round, commitment, retro or story)."""

        return not (
            self.runs or self.rounds or self.commitments.made or self.retros or self.stories
        )


async def gather(
    session: AsyncSession, workspace_id: int, workspace_name: str, scope: Scope, now: datetime
) -> Report:
    """Every figure of the report for ``scope``, in a handful of grouped statements."""

    programme_id = scope.programme.id if scope.programme else None
    channel_id = scope.programme.channel_id if scope.programme else None
    since, until = scope.since, scope.until
    runs = await reports_repo.checkin_runs(
        session, workspace_id, since=since, until=until, channel_id=channel_id
    )
    rounds = await reports_repo.pairing_rounds(
        session, workspace_id, since=since, until=until, programme_id=programme_id
    )
    in_period = await load_landscape(
        session,
        workspace_id,
        programme_id=programme_id,
        since=since,
        until=until,
        with_rounds=False,
    )
    seen = await _seen_before(session, workspace_id, in_period, since, programme_id)
    stories = await load_stories(
        session,
        workspace_id,
        audience="shared",
        programme_id=programme_id,
        since=since,
        until=until,
    )
    counts = await reports_repo.commitment_counts(
        session,
        workspace_id,
        since=since,
        until=until,
        today=(until - timedelta(microseconds=1)).date().isoformat(),
        channel_id=channel_id,
    )
    retros = await reports_repo.retro_figures(
        session, workspace_id, since=since, until=until, channel_id=channel_id
    )
    return Report(
        workspace=workspace_name,
        scope=scope,
        made_at=now,
        runs=runs,
        rounds=rounds,
        landscape=in_period,
        first_met=_new_bridges(in_period, seen.met, met=True),
        first_introduced=_new_bridges(in_period, seen.introduced, met=False),
        stories=stories,
        commitments=_commitment_figures(counts),
        retros=retros,
    )


@dataclass(frozen=True, slots=True)
class Seen:
    """Pairs of silos introduced (and met) before the period: their bridges are not new."""

    introduced: frozenset[SiloPair] = frozenset()
    met: frozenset[SiloPair] = frozenset()


async def _seen_before(
    session: AsyncSession,
    workspace_id: int,
    in_period: Landscape,
    since: datetime | None,
    programme_id: int | None,
) -> Seen:
    """What rounds before ``since`` connected, counted as ``load_landscape`` counts: a row
    counts only where its programme's mix makes the pair a bridge.

    Only the period's landscape is read in full; for the time before it the
    database says which pairs it saw, which is all a new bridge needs (a second
    full read of the history would double the report's time).
    """

    if since is None:
        return Seen()
    kinds = {silo.id: silo.kind for silo in in_period.silos}
    mixes = {
        programme: read_mix(stored)
        for programme, stored in (
            await landscape_repo.programme_mixes(session, workspace_id)
        ).items()
    }
    introduced, met = set(), set()
    for row in await reports_repo.pairs_before(
        session,
        workspace_id,
        before=since,
        programme_id=programme_id,
        kinds=kinds_kept(mixes, programme_id),
    ):
        pair = (row.silo_a, row.silo_b)
        if pair not in in_period.bridges:
            continue
        mix = EVERY_KIND if row.programme_id is None else mixes.get(row.programme_id, EVERY_KIND)
        if not mix.bridges(kinds.get(row.silo_a, ""), kinds.get(row.silo_b, "")):
            continue
        introduced.add(pair)
        if row.met:
            met.add(pair)
    return Seen(frozenset(introduced), frozenset(met))


def _new_bridges(land: Landscape, seen: frozenset[SiloPair], *, met: bool) -> list[NewBridge]:
    """The period's bridges met (or introduced) in it and never before it."""

    nodes = land.by_id
    folded = {silo.id: silo.name.casefold() for silo in land.silos}
    found = []
    for pair, bridge in land.bridges.items():
        if pair not in land.possible or pair in seen:
            continue
        at = bridge.first_met if met else bridge.first_introduced
        if at is None:
            continue
        found.append(NewBridge(nodes[pair[0]], nodes[pair[1]], at, bridge))
    found.sort(key=lambda b: (b.at, folded[b.first.id], folded[b.second.id]))
    return found


def _commitment_figures(counts: list[reports_repo.CommitmentCount]) -> CommitmentFigures:
    made = done = on_time = late = still_open = overdue = dropped = 0
    for row in counts:
        made += row.count
        if row.status == commitments_repo.DONE:
            done += row.count
            if row.done_on_time is False:
                late += row.count
            else:
                on_time += row.count
        elif row.status in commitments_repo.ACTIVE:
            still_open += row.count
            if row.overdue:
                overdue += row.count
        elif row.status == commitments_repo.DROPPED:
            dropped += row.count
    return CommitmentFigures(made, done, on_time, late, still_open, overdue, dropped)
