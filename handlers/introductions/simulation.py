"""What a programme of introductions would do to an organisation, round by round.

``convene simulate --org FILE.csv`` reads an organisation from a CSV file
(``member,silos,timezone``; silos as ``kind:name`` separated by ``;``) and
runs rounds of a programme on it: groups of ``--size`` people, mixing the
kinds ``--mix`` names, as ``/convene pairing start`` takes them. Conveners
use it before they launch a programme; it shares the matching engine with
the real rounds, so what it shows is what they get.

Not every group meets: each one does with probability ``--meet-rate``
(0.6 unless told), drawn from the seed, so the same command prints the same
report. The report gives both measures the landscape gives: the share of
bridges **introduced** (a group spanned them) and the share **met** (a group
across them met), met being the headline. Bridges follow the one rule
(``handlers/shared/bridges.py``): silos of the same kind among those mixed,
or of two kinds crossed on purpose, never two silos someone in the file
stands in together; the share's denominator is every such pair. Between
rounds the engine is fed what real rounds feed it: each pair's
introductions and meetings (``matching.Connection``).

``--answers FILE.csv`` (``member,silos,question,answer``, as
``convene opportunities`` reads it: ``handlers/shared/answers_file.py``)
shows what topic affinity (a programme's ``--affinity on``) would change:
the pairs whose need and offer match are read from the file as a round
reads them from check-ins (``handlers.shared.topics.affinity``), and the
programme is run twice with the same seed, without affinity and with it,
each with its own history. The report counts, round by round, the groups
that joined a member's need to another's offer (two members whose affinity
reaches the suggestion threshold) and the bridges met, both ways.
"""

from __future__ import annotations

import csv
import difflib
import random
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from handlers.introductions.matching import (
    AFFINITY,
    Connection,
    Group,
    MemberGroup,
    RoundInput,
    RoundMember,
    RoundRules,
    SiloPair,
    match_round,
)
from handlers.introductions.mixes import MixWritingError, mix_of, mix_words, mixing
from handlers.shared.answers_file import AnswersFileError, read_answers
from handlers.shared.bridges import EVERY_KIND, Mix, bridgeable_pairs, shared_pairs
from handlers.shared.csv_files import csv_lines
from handlers.shared.kinds import kind_in_file, kind_key
from handlers.shared.text import plural
from handlers.shared.topics import THRESHOLD, affinity

HEADER = ("member", "silos", "timezone")
FIRST_ROUND = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ROUND_INTERVAL = timedelta(weeks=2)
MAX_ROUNDS = 1000
MEET_RATE = 0.6

Progress = Callable[[int, int], None]


class OrganisationError(ValueError):
    """A problem with the organisation file or an option, worded for the person who typed it."""


@dataclass(frozen=True)
class Person:
    name: str
    silos: frozenset[int]
    timezone: str


@dataclass(frozen=True)
class Organisation:
    """Members (by row) and silos (by first appearance), as read from the file.

    A silo's kind is kept in the one spelling kinds have everywhere
    (``kind_key``: ``Teams`` is ``team``).
    """

    people: tuple[Person, ...]
    silo_names: tuple[str, ...]
    silo_kinds: Mapping[int, str]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.silo_kinds.values())))

    @property
    def shared(self) -> frozenset[SiloPair]:
        """Silo pairs someone stands in together: never a bridge."""

        return shared_pairs(person.silos for person in self.people)

    def bridges(self, mix: Mix) -> frozenset[SiloPair]:
        """Every bridge to build under ``mix``: the denominator of both measures."""

        return bridgeable_pairs(range(len(self.silo_names)), self.silo_kinds, mix, self.shared)


@dataclass(frozen=True)
class SimulatedProgramme:
    """The programme being tried: group size, mix and how often a group meets."""

    size: int = 2
    mix: Mix = EVERY_KIND
    meet_rate: float = MEET_RATE

    def __post_init__(self) -> None:
        if self.size not in (2, 3, 4):
            raise OrganisationError(f"--size takes 2, 3 or 4, not {self.size}")
        if not 0.0 <= self.meet_rate <= 1.0:
            raise OrganisationError(f"--meet-rate takes a share from 0 to 1, not {self.meet_rate}")

    @property
    def groups(self) -> str:
        return "pairs" if self.size == 2 else f"groups of {self.size}"


@dataclass(frozen=True)
class SimulatedGroup:
    """One group of a round: who, whether they met, and the bridges it was to build."""

    members: tuple[str, ...]
    met: bool
    new_bridges: tuple[tuple[str, str], ...]
    need_to_offer: bool = False
    """Whether two of them wrote a need and an offer that match (``--answers``)."""


@dataclass(frozen=True)
class RoundSummary:
    """One round: groups made and met, and the bridges introduced and met so far."""

    round: int
    groups: int
    groups_met: int
    new_bridges: int
    """Bridges met for the first time this round."""
    introduced: int
    met: int
    bridges: int
    """Every bridge to build (the denominator)."""
    introductions: tuple[SimulatedGroup, ...] = field(default=(), compare=False)
    """The round's groups, kept only when asked for (``--groups``)."""
    need_to_offer: int = 0
    """Groups that joined a need to an offer (two members whose answers match, ``--answers``)."""

    @property
    def introduced_share(self) -> float:
        return self.introduced / self.bridges if self.bridges else 0.0

    @property
    def met_share(self) -> float:
        return self.met / self.bridges if self.bridges else 0.0

    @property
    def coverage(self) -> float:
        """The headline: the share of bridges met."""

        return self.met_share


@dataclass(frozen=True)
class TopicAnswers:
    """An answers file read against the organisation: whose need matches whose offer."""

    source: str
    answers: int
    """Needs and offers read (rows of neither kind, and skipped answers, left out)."""
    members: int
    """Members with at least one need or offer."""
    affinity: Mapping[frozenset[int], float]
    """Pairs of members (by row of the organisation file) whose need and offer match."""


@dataclass(frozen=True)
class SimulationReport:
    organisation: Organisation
    programme: SimulatedProgramme
    seed: int
    bridges: int
    rounds: tuple[RoundSummary, ...]
    answers: TopicAnswers | None = None
    with_affinity: tuple[RoundSummary, ...] = ()
    """The same rounds with topic affinity on (``--answers``); ``rounds`` are without."""

    def as_json(self) -> dict[str, object]:
        """One object: ``bridges_to_build``, and per round both measures.

        ``coverage`` is the headline, the share of bridges **met** (the same
        as ``met``); ``introduced`` is the share introduced. Each is a
        fraction of ``bridges_to_build``. With ``--groups`` each round also
        lists its ``introductions``. With ``--answers``, ``rounds`` are the
        programme without topic affinity and ``with_affinity.rounds`` the same
        with it; each round also counts ``need_to_offer`` (groups that joined a
        need to an offer), and ``answers`` says what the file held.
        """

        found: dict[str, object] = {
            "bridges_to_build": self.bridges,
            "rounds": self._rounds_json(self.rounds),
        }
        if self.answers is not None:
            found["answers"] = {
                "file": self.answers.source,
                "answers": self.answers.answers,
                "members": self.answers.members,
                "matching_pairs": len(self.answers.affinity),
                "threshold": THRESHOLD,
            }
            found["with_affinity"] = {"rounds": self._rounds_json(self.with_affinity)}
        return found

    def _rounds_json(self, summaries: Iterable[RoundSummary]) -> list[dict[str, object]]:
        rounds: list[dict[str, object]] = []
        for r in summaries:
            entry: dict[str, object] = {
                "round": r.round,
                "groups": r.groups,
                "groups_met": r.groups_met,
                "new_bridges": r.new_bridges,
                "coverage": round(r.met_share, 4),
                "met": round(r.met_share, 4),
                "introduced": round(r.introduced_share, 4),
            }
            if self.answers is not None:
                entry["need_to_offer"] = r.need_to_offer
            if r.introductions:
                entry["introductions"] = [
                    {
                        "members": list(group.members),
                        "met": group.met,
                        "new_bridges": [list(pair) for pair in group.new_bridges],
                        **({"need_to_offer": group.need_to_offer} if self.answers else {}),
                    }
                    for group in r.introductions
                ]
            rounds.append(entry)
        return rounds


# -- reading -------------------------------------------------------------------


def read_organisation(path: Path) -> Organisation:
    """The organisation in ``path``, or an ``OrganisationError`` naming the file and line."""

    return parse_organisation(csv_lines(path, OrganisationError), str(path))


def parse_organisation(lines: Iterable[str], source: str) -> Organisation:
    rows = csv.reader(lines)
    header = next(rows, None)
    if header is None:
        raise OrganisationError(f"{source}: the file is empty; its first line must be {_header()}")
    if tuple(cell.strip().lower() for cell in header) != HEADER:
        raise OrganisationError(
            f"{source}:1: the header must be {_header()}, not {','.join(header)}"
        )
    silos: dict[tuple[str, str], int] = {}
    people: list[Person] = []
    seen: set[str] = set()
    for row in rows:
        where = f"{source}:{rows.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        person = _person(row, where, silos)
        if person.name.lower() in seen:
            raise OrganisationError(f"{where}: {person.name} appears twice")
        seen.add(person.name.lower())
        people.append(person)
    names = tuple(name for _kind, name in silos)
    kinds = {index: kind for (kind, _name), index in silos.items()}
    return Organisation(tuple(people), names, kinds)


def _header() -> str:
    return ",".join(HEADER)


def _person(row: list[str], where: str, silos: dict[tuple[str, str], int]) -> Person:
    if len(row) != len(HEADER):
        raise OrganisationError(
            f"{where}: expected 3 fields ({_header()}), found {len(row)}; "
            'quote a field that holds a comma, e.g. "team:Data, Analytics"'
        )
    name, silo_field, zone = (cell.strip() for cell in row)
    if not name:
        raise OrganisationError(f"{where}: the member's name is empty")
    ids = frozenset(_silo_id(item, where, silos) for item in silo_field.split(";") if item.strip())
    return Person(name, ids, _timezone(zone, where))


def _silo_id(item: str, where: str, silos: dict[tuple[str, str], int]) -> int:
    kind, colon, name = (part.strip() for part in item.partition(":"))
    if not colon or not kind or not name:
        raise OrganisationError(
            f"{where}: the silo {item.strip()!r} needs a kind; write kind:name, "
            "e.g. team:Radiotherapy or organisation:NHS Trust A"
        )
    key = (kind_key(kind), " ".join(name.split()))
    return silos.setdefault(key, len(silos))


def _timezone(value: str, where: str) -> str:
    found = _zones().get(value.lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(value, sorted(_zones().values()), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise OrganisationError(
        f"{where}: {value!r} is not a time zone I know{hint}; use an IANA name like Europe/London"
    )


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


def read_answers_file(path: Path, organisation: Organisation) -> TopicAnswers:
    """``--answers``: the needs and offers in ``path``, each pair's affinity worked out.

    Every member named must be one of the organisation file's (any case); the
    first who is not is named, with how many more there are.
    """

    try:
        found = read_answers(path)
    except AnswersFileError as problem:
        raise OrganisationError(str(problem)) from None
    strangers = found.unknown(person.name for person in organisation.people)
    if strangers:
        first = strangers[0]
        more = f" (and {plural(len(strangers) - 1, 'other')})" if len(strangers) > 1 else ""
        raise OrganisationError(
            f"{path}:{first.line}: {first.name}{more} is not in the organisation file; "
            "write each member as its member column does"
        )
    ids = {person.name: index for index, person in enumerate(organisation.people)}
    passages = found.passages(ids)
    return TopicAnswers(
        source=str(path),
        answers=len(passages),
        members=len({p.member_id for p in passages}),
        affinity=affinity(passages, range(len(organisation.people))) if passages else {},
    )


# -- the programme's options -----------------------------------------------------


def read_size(value: str) -> int:
    """``--size``: people in a group, as a programme takes it."""

    if value.strip() not in ("2", "3", "4"):
        raise OrganisationError(
            f"--size takes 2, 3 or 4 (people in a group), not {value!r}; e.g. --size 3"
        )
    return int(value)


def read_meet_rate(value: str) -> float:
    """``--meet-rate``: the share of groups that meet, as 0.6 or 60%."""

    text = value.strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise OrganisationError(
            f"--meet-rate takes the share of groups that meet, from 0 to 1, not {value!r}; "
            f"e.g. --meet-rate {MEET_RATE}"
        )
    return rate


def read_mix_option(value: str | None, organisation: Organisation) -> Mix:
    """``--mix`` as a programme takes it, its kinds read among the kinds in the file."""

    try:
        words = mix_words(value) if value is not None else None
    except MixWritingError as problem:
        raise OrganisationError(f"--mix: {problem}") from None
    if words is None:
        return EVERY_KIND
    meant = {word: _file_kind(word, organisation) for word in words.every_word}
    try:
        return mix_of(
            [meant[word] for word in words.kinds],
            [(meant[first], meant[second]) for first, second in words.crossings],
        )
    except MixWritingError as problem:
        raise OrganisationError(f"--mix: {problem}") from None


def _file_kind(word: str, organisation: Organisation) -> str:
    return kind_in_file(word, organisation.kinds, "--mix", OrganisationError)


# -- simulating ----------------------------------------------------------------


def simulate(
    organisation: Organisation,
    rounds: int,
    seed: int,
    progress: Progress | None = None,
    *,
    programme: SimulatedProgramme | None = None,
    with_groups: bool = False,
    answers: TopicAnswers | None = None,
) -> SimulationReport:
    """Run ``rounds`` rounds of ``programme`` (pairs of every kind, 60% meeting, by default).

    With ``answers`` the rounds run twice, without topic affinity and with it
    (the same seed, each with its own history); ``with_groups`` then keeps
    the groups made with it.
    """

    if not 1 <= rounds <= MAX_ROUNDS:
        raise OrganisationError(f"--rounds must be between 1 and {MAX_ROUNDS:,}, not {rounds}")
    programme = programme or SimulatedProgramme()
    bridges = len(organisation.bridges(programme.mix))
    if answers is None:
        found = _rounds(organisation, rounds, seed, programme, progress, with_groups)
        return SimulationReport(organisation, programme, seed, bridges, found)
    total = 2 * rounds

    def first_half(done: int, _total: int) -> None:
        if progress is not None:
            progress(done, total)

    def second_half(done: int, _total: int) -> None:
        if progress is not None:
            progress(rounds + done, total)

    without = _rounds(
        organisation, rounds, seed, programme, first_half, False, answers.affinity, weight=0
    )
    with_it = _rounds(
        organisation, rounds, seed, programme, second_half, with_groups, answers.affinity, AFFINITY
    )
    return SimulationReport(organisation, programme, seed, bridges, without, answers, with_it)


def _rounds(
    organisation: Organisation,
    rounds: int,
    seed: int,
    programme: SimulatedProgramme,
    progress: Progress | None,
    with_groups: bool,
    topics: Mapping[frozenset[int], float] | None = None,
    weight: int = 0,
) -> tuple[RoundSummary, ...]:
    """One run of ``rounds`` rounds; ``topics`` is the affinity the engine is given, which
    counts when ``weight`` is above 0 (and tells which groups join a need to an offer)."""

    bridges = organisation.bridges(programme.mix)
    shared = organisation.shared
    history: list[tuple[MemberGroup, ...]] = []
    introduced: dict[SiloPair, int] = {}
    met: dict[SiloPair, int] = {}
    summaries: list[RoundSummary] = []
    for number in range(1, rounds + 1):
        spec = RoundInput(
            members=_members_at(organisation, FIRST_ROUND + (number - 1) * ROUND_INTERVAL),
            silo_kinds=organisation.silo_kinds,
            rules=RoundRules(
                group_size=programme.size,
                mix_kinds=programme.mix.kinds,
                crossings=programme.mix.crossings,
                affinity_weight=weight,
                seed=seed * 1_000_003 + number,
            ),
            history=tuple(history),
            connections={
                pair: Connection(count, met.get(pair, 0)) for pair, count in introduced.items()
            },
            shared=shared,
            affinity=topics or {},
        )
        result = match_round(spec)
        luck = random.Random(f"meetings:{seed}:{number}")
        outcomes = [luck.random() < programme.meet_rate for _ in result.groups]
        met_before = {pair for pair, count in met.items() if count}
        for group, happened in zip(result.groups, outcomes, strict=True):
            for pair in _bridges_of(group):
                introduced[pair] = introduced.get(pair, 0) + 1
                met[pair] = met.get(pair, 0) + happened
        history.append(tuple(group.members for group in result.groups))
        met_now = {pair for pair, count in met.items() if count and pair in bridges}
        summaries.append(
            RoundSummary(
                round=number,
                groups=len(result.groups),
                groups_met=sum(outcomes),
                new_bridges=len(met_now - met_before),
                introduced=sum(1 for pair in introduced if pair in bridges),
                met=len(met_now),
                bridges=len(bridges),
                introductions=_described(organisation, result.groups, outcomes)
                if with_groups
                else (),
                need_to_offer=sum(1 for group in result.groups if group.affinity > 0),
            )
        )
        if progress is not None:
            progress(number, rounds)
    return tuple(summaries)


def _bridges_of(group: Group) -> tuple[SiloPair, ...]:
    return (*group.new_bridges, *(known.silos for known in group.known_bridges))


def _described(
    organisation: Organisation, groups: Iterable[Group], outcomes: Iterable[bool]
) -> tuple[SimulatedGroup, ...]:
    names = organisation.silo_names
    return tuple(
        SimulatedGroup(
            members=tuple(organisation.people[m].name for m in group.members),
            met=happened,
            new_bridges=tuple((names[a], names[b]) for a, b in group.new_bridges),
            need_to_offer=group.affinity > 0,
        )
        for group, happened in zip(groups, outcomes, strict=True)
    )


def _members_at(organisation: Organisation, when: datetime) -> tuple[RoundMember, ...]:
    return tuple(
        RoundMember(index, person.silos, _offset_minutes(person.timezone, when))
        for index, person in enumerate(organisation.people)
    )


def _offset_minutes(zone: str, when: datetime) -> int:
    offset = when.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


# -- reporting -----------------------------------------------------------------


def format_report(report: SimulationReport) -> str:
    """The report: a line saying what was tried, each round's groups if kept, then a table
    (with ``--answers``, the comparison of the rounds without topic affinity and with it)."""

    org, programme = report.organisation, report.programme
    lines = [
        f"Simulated {plural(len(report.rounds), 'round')} of {programme.groups} for "
        f"{plural(len(org.people), 'member')} in {plural(len(org.silo_names), 'silo')} "
        f"({plural(report.bridges, 'bridge')} to build, mixing {mixing(programme.mix)}), "
        f"seed {report.seed}, each group meeting with probability {programme.meet_rate:.0%}."
    ]
    if report.answers is not None:
        lines.extend(_affinity_lines(report, report.answers))
        lines.extend(_closing_lines(report))
        return "\n".join(lines)
    for r in report.rounds:
        if r.introductions:
            lines.append(f"Round {r.round}:")
            lines.extend(f"  {_group_line(group)}" for group in r.introductions)
    width = len(f"{report.bridges} of {report.bridges} (100.0%)")
    lines.append(
        f"round  groups  groups met  new bridges  {'bridges met':<{width}}  bridges introduced"
    )
    for r in report.rounds:
        met = f"{r.met} of {r.bridges} ({r.met_share:.1%})"
        introduced = f"{r.introduced} of {r.bridges} ({r.introduced_share:.1%})"
        lines.append(
            f"{r.round:>5}  {r.groups:>6}  {r.groups_met:>10}  {r.new_bridges:>11}  "
            f"{met:<{width}}  {introduced}"
        )
    lines.extend(_closing_lines(report))
    return "\n".join(lines)


def _closing_lines(report: SimulationReport) -> list[str]:
    if len(report.organisation.people) < 2:
        return ["Fewer than two members: nobody can be introduced."]
    if not report.bridges:
        return [
            "No bridges to build: no two silos of a kind this mix bridges are free of "
            "shared members. Try --mix with another kind, or a crossing like team+profession."
        ]
    return []


def _affinity_lines(report: SimulationReport, answers: TopicAnswers) -> list[str]:
    """What the answers file held, the groups made with affinity if kept, and the comparison."""

    pairs = len(answers.affinity)
    read = plural(answers.answers, "need or offer", "needs and offers")
    lines = [
        f"Topic affinity from {answers.source}: {read} of {plural(answers.members, 'member')}; "
        f"{plural(pairs, 'pair')} of members whose need and offer match "
        f"(affinity {THRESHOLD} or more). Each round ran twice with the same seed: without "
        "topic affinity, and with it (/convene pairing settings --affinity on)."
    ]
    for r in report.with_affinity:
        if r.introductions:
            lines.append(f"Round {r.round}, with topic affinity:")
            lines.extend(f"  {_group_line(group)}" for group in r.introductions)
    heads = ("need to offer, without", "need to offer, with", "bridges met, without")
    width = max(len(f"{report.bridges} of {report.bridges} (100.0%)"), len(heads[2]))
    lines.append(f"round  groups  {heads[0]}  {heads[1]}  {heads[2]:<{width}}  bridges met, with")
    for off, on in zip(report.rounds, report.with_affinity, strict=True):
        met_off = f"{off.met} of {off.bridges} ({off.met_share:.1%})"
        met_on = f"{on.met} of {on.bridges} ({on.met_share:.1%})"
        lines.append(
            f"{off.round:>5}  {off.groups:>6}  {off.need_to_offer:>{len(heads[0])}}  "
            f"{on.need_to_offer:>{len(heads[1])}}  {met_off:<{width}}  {met_on}"
        )
    if report.rounds:
        off, on = report.rounds[-1], report.with_affinity[-1]
        joined_off = sum(r.need_to_offer for r in report.rounds)
        joined_on = sum(r.need_to_offer for r in report.with_affinity)
        lines.append(
            f"In all, {plural(joined_off, 'group')} joined a need to an offer without topic "
            f"affinity and {joined_on} with it; after round {off.round}, bridges met: "
            f"{off.met} of {off.bridges} without, {on.met} of {on.bridges} with."
        )
    if answers.answers and not pairs:
        lines.append(
            "No need in the file matches an offer of someone else, so topic affinity changes "
            "nothing here."
        )
    return lines


def _group_line(group: SimulatedGroup) -> str:
    outcome = "met" if group.met else "did not meet"
    topic = "; need and offer match" if group.need_to_offer else ""
    if not group.new_bridges:
        return f"{', '.join(group.members)}: {outcome}; no new bridge{topic}"
    made = "; ".join(f"{a} and {b}" for a, b in group.new_bridges)
    word = "bridge" if len(group.new_bridges) == 1 else "bridges"
    return f"{', '.join(group.members)}: {outcome}; new {word} {made}{topic}"
