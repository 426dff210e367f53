"""Each workspace's topic index, kept between searches while nothing it read has changed.

Why a cache: ``/pairing find`` must answer in under 300 ms with 20,000
answers stored, and building the TF-IDF index of that many answers (reading
them, stemming every word, fitting the vocabulary) takes a second or more,
while searching a built one takes milliseconds. So each process keeps the
index it built for each workspace and builds again only when what the index
was built from may have changed.

How it knows, cheaply, on every search (read in the search's own
transaction, so what it sees is what an index would be built from):

* the answers: one aggregate over the workspace's answered prompts of the
  runs in the window (``opportunities_repo.answers_version``): how many runs,
  how many answers, the latest answer's time and the sum of their edits. An
  answer given adds one; an edit adds one to the edits (an edit keeps its
  ``answered_at``); a member removed takes their answers with them; a run
  that leaves the window (it opened more than N weeks ago) takes its answers
  out of the count. What the counts cannot see, an answer changed without an
  edit being counted, Convene never does;
* the ``/pairing about`` lines and the take-aways, read whole each time and
  compared: they are short lists (one line a member, one take-away an
  introduction that had one), an about line is changed in place with no
  date that moves, and a take-away's consent can change after it was
  written, so counting them would miss both;
* who opted out (``/pairing suggest off``): their words are left out of the
  index altogether, never only hidden, so that opting out also takes them
  out of how rare each word is;
* the weeks the workspace reads (``opportunity_weeks``).

New answers without a rebuild: while a check-in run is open, answers arrive
every few seconds, and a rebuild after each would make most searches of a
busy morning slow. So when the only change is answers added after the kept
index's latest one (the count grew by exactly the answers found after it;
no edit, no about line, take-away or opt-out changed), those answers get a
small index of their own, built in milliseconds, searched beside the kept
one, the better score per member winning. Their words weigh as in a small
index (every word equally rare), which matters little for a few of them;
past ``FRESH_AT_MOST`` a full rebuild folds them in.

Anything else that decides who a search may list (silos, conveners, who was
introduced to whom, members removed) is read fresh by the search itself,
never kept here.

Bounded: at most ``KEPT`` workspaces, the one least recently searched let go
first. Kept per database engine (a weak reference to it), so two databases in
one process (the tests, the command line) never share an index, and an
engine's indexes go with it. One process's cache knows nothing of another's;
each reads the version itself, so several instances of Convene on one
PostgreSQL database each stay current.

A full build runs in a worker thread (``asyncio.to_thread``), and with no
transaction open (``_build_kept``): the search waits for it, but the bot
keeps answering everyone else meanwhile, SQLite's write lock free.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform_reads import before_transaction
from handlers.shared.passages import answer_passages, load_passages
from handlers.shared.stories import CONVENERS_ONLY, NAMED
from handlers.shared.topics import FIND_THRESHOLD, Passage, TopicIndex
from storage.repositories import landscape as landscape_repo
from storage.repositories import opportunities as opportunities_repo

KEPT: Final = 8
"""How many workspaces' indexes one process keeps (per database)."""
FRESH_AT_MOST: Final = 1_000
"""How many new passages may wait beside a kept index before it is built again."""


@dataclass(frozen=True, slots=True)
class Version:
    """Everything an index was built from that can change, as read before building."""

    weeks: int
    answers: opportunities_repo.AnswersVersion
    abouts: tuple[tuple[int, str], ...]
    stories: tuple[tuple[int, str, str, Any], ...]
    opted_out: frozenset[int]


@dataclass(frozen=True, slots=True)
class Indexes:
    """The kept index and, beside it, one of the answers given since it was built."""

    base: TopicIndex
    fresh: TopicIndex | None = None

    def search(
        self,
        topic: str,
        *,
        limit: int,
        allowed: Callable[[Passage], bool],
        threshold: float = FIND_THRESHOLD,
    ) -> list[tuple[Passage, float]]:
        """The offers that best answer ``topic`` in either index: one per member, best
        first (each index gives its best ``limit`` members, so together they hold the
        best ``limit`` of both)."""

        found = self.base.search(topic, limit=limit, allowed=allowed, threshold=threshold)
        if self.fresh is None:
            return found
        found += self.fresh.search(topic, limit=limit, allowed=allowed, threshold=threshold)
        best: dict[int, tuple[Passage, float]] = {}
        for passage, score in sorted(found, key=lambda item: -item[1]):
            best.setdefault(passage.member_id, (passage, score))
        return list(best.values())[:limit]


@dataclass(frozen=True, slots=True)
class Kept:
    built: Version
    """What ``indexes.base`` was built from."""
    covers: Version
    """What ``indexes`` hold together (the base and the answers since)."""
    indexes: Indexes


@dataclass(slots=True)
class Counts:
    """How often an index was built, extended by new answers, or reused (tests, bench)."""

    built: int = 0
    extended: int = 0
    reused: int = 0


_kept: weakref.WeakKeyDictionary[Any, OrderedDict[int, Kept]] = weakref.WeakKeyDictionary()
counts = Counts()


async def version_of(
    session: AsyncSession,
    workspace_id: int,
    *,
    weeks: int,
    since: datetime,
    opted_out: frozenset[int],
) -> Version:
    """The workspace's version now: what its index would be built from."""

    answers = await opportunities_repo.answers_version(session, workspace_id, since)
    abouts = tuple(
        (row.member_id, row.about) for row in await opportunities_repo.abouts(session, workspace_id)
    )
    stories = tuple(
        (row.member_id, row.text, row.consent, row.answered_at)
        for row in await landscape_repo.stories(
            session, workspace_id, consents=(CONVENERS_ONLY, NAMED), since=since
        )
    )
    return Version(weeks, answers, abouts, stories, opted_out)


async def topic_indexes(
    session: AsyncSession,
    workspace_id: int,
    *,
    weeks: int,
    since: datetime,
    opted_out: frozenset[int],
) -> Indexes:
    """The workspace's indexes of needs and offers since ``since`` (the start of its
    last ``weeks`` weeks): the kept ones while the workspace's version is the same,
    the kept one and the answers since when only answers were added, else built
    afresh (out of the transaction, see ``_build_kept``). ``opted_out``: who opted out,
    as the caller read it in this transaction."""

    version = await version_of(session, workspace_id, weeks=weeks, since=since, opted_out=opted_out)
    engine = session.bind
    kept = _kept.setdefault(engine, OrderedDict()) if engine is not None else None
    found = kept.get(workspace_id) if kept is not None else None
    if kept is not None and found is not None and found.covers == version:
        counts.reused += 1
        _keep(kept, workspace_id, found)
        return found.indexes
    extended = await _extended(session, workspace_id, found, version, since)
    if kept is not None and extended is not None:
        counts.extended += 1
        _keep(kept, workspace_id, extended)
        return extended.indexes
    passages = await load_passages(session, workspace_id, since=since)
    if kept is None:
        counts.built += 1
        return Indexes(await asyncio.to_thread(TopicIndex, passages))
    stamp = next(_stamps)
    _pending[stamp] = _Pending(kept, workspace_id, version, passages)
    await _build_apart(stamp)
    built = kept.get(workspace_id)
    assert built is not None
    return built.indexes


def _keep(kept: OrderedDict[int, Kept], workspace_id: int, entry: Kept) -> None:
    kept[workspace_id] = entry
    kept.move_to_end(workspace_id)
    while len(kept) > KEPT:
        kept.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _Pending:
    kept: OrderedDict[int, Kept]
    workspace_id: int
    version: Version
    passages: list[Passage]


_pending: dict[int, _Pending] = {}
_stamps = itertools.count(1)


async def _build_kept(stamp: int) -> None:
    """Build an index from the passages read for it, and keep it.

    Called through ``before_transaction`` (``_build_apart``): when the search
    runs inside ``read_first`` (every event does), the first call raises
    instead, the search's transaction rolls back, this runs with no
    transaction open, and the search runs again, now finding the index kept
    and current. Building takes a second or more with 20,000 answers, and
    SQLite's transactions hold its one write lock from their first statement,
    so building inside the transaction would hold up every other event for as
    long; only the read of the passages (a fraction of it) is made inside.
    Outside ``read_first`` it simply builds, in place.
    """

    pending = _pending.pop(stamp, None)
    if pending is None:
        return
    index = await asyncio.to_thread(TopicIndex, pending.passages)
    counts.built += 1
    version = pending.version
    _keep(pending.kept, pending.workspace_id, Kept(version, version, Indexes(index)))


_build_apart = before_transaction("opportunities.topic_index", _build_kept)


async def _extended(
    session: AsyncSession,
    workspace_id: int,
    found: Kept | None,
    version: Version,
    since: datetime,
) -> Kept | None:
    """The kept index with the answers given since it was built beside it, when those
    are the only change; None when it must be built again."""

    if found is None:
        return None
    built = found.built
    same_otherwise = replace(built, answers=version.answers) == version
    if not same_otherwise or version.answers.edits != built.answers.edits:
        return None
    added = version.answers.answered - built.answers.answered
    if added <= 0:
        return None
    runs = await opportunities_repo.runs_since(session, workspace_id, since)
    rows = await opportunities_repo.answers_of_runs(session, list(runs), after=built.answers.latest)
    if len(rows) != added:
        return None  # some went (a run out of the window) as others came: build again
    weights = {"conveners": 1, "summary": 2}  # as ``answers_version`` counts ``private``
    came = sum(weights.get(runs[r.run_id].answers_to, 0) for r in rows if r.run_id in runs)
    if version.answers.private - built.answers.private != came:
        return None  # a check-in's answers became more private: build again
    fresh = tuple(p for p in answer_passages(runs, rows) if p.member_id not in version.opted_out)
    if len(fresh) > FRESH_AT_MOST:
        return None
    indexes = Indexes(found.indexes.base, TopicIndex(fresh) if fresh else None)
    return Kept(built, version, indexes)


def forget() -> None:
    """Let every kept index go, and count afresh (a test that must start cold)."""

    _kept.clear()
    counts.built = counts.extended = counts.reused = 0
