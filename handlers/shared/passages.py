"""What members wrote, read as needs and offers, and who may be suggested to whom.

Every reader of needs and offers comes through here (the suggestions after a
check-in run, ``/pairing find``, ``/convene who knows``, topic affinity in
rounds), so they all honour the same consent and the same rules:

* check-in answers to questions marked need or offer
  (``handlers/shared/intents.py``), of the last N weeks, as the check-in
  sends them (``Checkin.answers_to``): posted with the member's name in the
  check-in's thread, they may be quoted to the two members an introduction
  concerns; sent to conveners only, they are read by conveners but never
  quoted to members (like a take-away kept for conveners); given for a
  summary that names nobody, they are never used (a suggestion would name
  the author);
* ``/pairing about`` lines, offers, shown in every introduction already;
* introductions' take-aways, offers, as their authors allowed
  (``handlers/shared/stories.py``): shared with their name, quoted; for
  conveners only, read by conveners but never quoted to members; shared
  without a name, never used (a suggestion would name the author);
* nothing of a member who opted out (``/pairing suggest off``).

Two members may be suggested to each other when they share no silo of the
kinds the convener picked (any kind by default), were not introduced in the
last N weeks, neither asked never to meet the other, and no convener has the
pair waiting, turned it down for now, or said "Never these two".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.bridges import EVERY_KIND, SiloPair, is_bridge, ordered, shared_pairs
from handlers.shared.intents import OFFER, intent_of
from handlers.shared.kinds import kind_key
from handlers.shared.stories import CONVENERS_ONLY, NAMED
from handlers.shared.topics import Passage
from storage.models import Member, Silo
from storage.repositories import checkins as checkins_repo
from storage.repositories import landscape as landscape_repo
from storage.repositories import members as members_repo
from storage.repositories import opportunities as opportunities_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories import workspace_settings as settings_repo

SKIPPED_ANSWERS = frozenset({"", "-", "skip"})
DEFAULT_WEEKS = 8


def answer_passages(
    runs: Mapping[int, opportunities_repo.RunQuestions],
    answers: Iterable[opportunities_repo.AnswerRow],
) -> list[Passage]:
    """Each answer to a need or offer question as a passage (skipped ones left out, and
    every answer given for a summary)."""

    found: list[Passage] = []
    for row in answers:
        run = runs.get(row.run_id)
        if run is None or run.answers_to == checkins_repo.SUMMARY:
            continue
        for index, question in enumerate(run.questions):
            intent = intent_of(question)
            if intent is None or index >= len(row.answers):
                continue
            text = str(row.answers[index] or "").strip()
            if text.casefold() in SKIPPED_ANSWERS:
                continue
            found.append(
                Passage(
                    row.member_id,
                    intent,
                    text,
                    source="answer",
                    at=row.answered_at,
                    quotable=run.answers_to == checkins_repo.THREAD,
                    ref=f"run:{row.run_id}:q:{index}",
                )
            )
    return found


async def load_passages(
    session: AsyncSession, workspace_id: int, *, since: datetime
) -> list[Passage]:
    """Every need and offer of the workspace written since ``since`` (about lines whenever),
    of members who did not opt out."""

    out = await opportunities_repo.opted_out(session, workspace_id)
    runs = await opportunities_repo.runs_since(session, workspace_id, since)
    answers = await opportunities_repo.answers_of_runs(session, list(runs))
    passages = answer_passages(runs, answers)
    passages += [
        Passage(row.member_id, OFFER, row.about, source="about", at=row.joined_at, quotable=True)
        for row in await opportunities_repo.abouts(session, workspace_id)
    ]
    passages += [
        Passage(
            row.member_id,
            OFFER,
            row.text,
            source="story",
            at=row.answered_at,
            quotable=row.consent == NAMED,
        )
        for row in await landscape_repo.stories(
            session, workspace_id, consents=(CONVENERS_ONLY, NAMED), since=since
        )
    ]
    return [p for p in passages if p.member_id not in out]


@dataclass(frozen=True, slots=True)
class PairRules:
    """Who may be suggested to whom in one workspace, now (see the module's docstring)."""

    silos: Mapping[int, frozenset[int]]
    """Each member's silos."""
    kinds: Mapping[int, str]
    """Each silo's kind, in its one spelling (``kind_key``)."""
    apart: frozenset[str] | None
    """The kinds two members must not share a silo of; None: any kind."""
    introduced: frozenset[frozenset[int]]
    avoided: frozenset[frozenset[int]]
    held: frozenset[frozenset[int]]
    opted_out: frozenset[int]
    shared: frozenset[SiloPair] = frozenset()
    """Silo pairs some member stands in together: never a bridge."""
    outcomes: Mapping[SiloPair, tuple[int, int]] = field(default_factory=dict)
    """What introductions did across each silo pair so far: (introduced, met)."""

    def share_a_silo(self, a: int, b: int) -> bool:
        common = self.silos.get(a, frozenset()) & self.silos.get(b, frozenset())
        if self.apart is None:
            return bool(common)
        return any(self.kinds.get(silo, "") in self.apart for silo in common)

    def allowed(self, a: int, b: int) -> bool:
        """Whether members ``a`` and ``b`` may be suggested to each other."""

        if a == b or a in self.opted_out or b in self.opted_out:
            return False
        if not self.silos.get(a) or not self.silos.get(b):
            return False  # a member in no silo crosses nothing
        pair = frozenset((a, b))
        if pair in self.introduced or pair in self.avoided or pair in self.held:
            return False
        return not self.share_a_silo(a, b)

    def bridge(self, a: int, b: int) -> SiloPair | None:
        """The bridge a meeting of ``a`` and ``b`` would build: two silos of one kind
        (never silos someone stands in together), the least met first."""

        candidates = [
            ordered(x, y)
            for x in self.silos.get(a, ())
            for y in self.silos.get(b, ())
            if is_bridge(x, y, self.kinds, EVERY_KIND, self.shared)
        ]
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda pair: (
                self.outcomes.get(pair, (0, 0))[1],
                self.outcomes.get(pair, (0, 0))[0],
                pair,
            ),
        )


def window(now: datetime, weeks: int) -> datetime:
    """The start of the last ``weeks`` weeks."""

    return now - timedelta(weeks=weeks)


async def load_rules(session: AsyncSession, workspace_id: int, now: datetime) -> PairRules:
    """The workspace's rules for suggestions now, with its settings (kinds kept apart, weeks)."""

    settings = await settings_repo.get(session, workspace_id)
    weeks = settings.opportunity_weeks or DEFAULT_WEEKS
    since = window(now, weeks)
    people = await members_repo.list_with_silos(session, workspace_id)
    silos = {
        row.member.id: frozenset(s.id for s in row.silos if s.id is not None)
        for row in people
        if row.member.id is not None
    }
    kinds = {s.id: kind_key(s.kind) for row in people for s in row.silos if s.id is not None}
    apart = (
        frozenset(kind_key(k) for k in settings.opportunity_kinds.split(",") if k.strip()) or None
    )
    return PairRules(
        silos=silos,
        kinds=kinds,
        apart=apart,
        introduced=frozenset(
            await opportunities_repo.introduced_since(session, workspace_id, since)
        ),
        avoided=frozenset(await opportunities_repo.avoidances(session, workspace_id)),
        held=frozenset(await opportunities_repo.held_back(session, workspace_id, since)),
        opted_out=frozenset(await opportunities_repo.opted_out(session, workspace_id)),
        shared=shared_pairs(silos.values()),
        outcomes=await pairings_repo.connection_outcomes(session, workspace_id),
    )


def members_by_id(rows: Iterable[members_repo.MemberWithSilos]) -> dict[int, Member]:
    return {row.member.id: row.member for row in rows if row.member.id is not None}


def silo_names(rows: Iterable[members_repo.MemberWithSilos]) -> dict[int, Silo]:
    return {s.id: s for row in rows for s in row.silos if s.id is not None}
