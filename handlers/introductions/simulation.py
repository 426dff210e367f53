"""What a programme of introductions would do to an organisation, round by round.

``convene simulate --org FILE.csv`` reads an organisation from a CSV file
(``member,silos,timezone``; silos as ``kind:name`` separated by ``;``), runs
rounds of the default programme (pairs, mixing every kind of silo) as if
everyone met, and reports each round's groups and the share of silo pairs
connected so far. Conveners use it before they launch a programme; it shares
the matching engine with the real rounds, so what it shows is what they get.
"""

from __future__ import annotations

import csv
import difflib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from handlers.introductions.matching import (
    MemberGroup,
    RoundInput,
    RoundMember,
    RoundRules,
    SiloPair,
    match_round,
)
from handlers.shared.text import plural

HEADER = ("member", "silos", "timezone")
FIRST_ROUND = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ROUND_INTERVAL = timedelta(weeks=2)
MAX_ROUNDS = 1000

Progress = Callable[[int, int], None]


class OrganisationError(ValueError):
    """A problem with the organisation file, worded for the person who wrote it."""


@dataclass(frozen=True)
class Person:
    name: str
    silos: frozenset[int]
    timezone: str


@dataclass(frozen=True)
class Organisation:
    """Members (by row) and silos (by first appearance), as read from the file."""

    people: tuple[Person, ...]
    silo_names: tuple[str, ...]
    silo_kinds: Mapping[int, str]

    @property
    def silo_pairs(self) -> int:
        count = len(self.silo_names)
        return count * (count - 1) // 2


@dataclass(frozen=True)
class RoundSummary:
    round: int
    groups: int
    new_bridges: int
    connected: int
    coverage: float


@dataclass(frozen=True)
class SimulationReport:
    organisation: Organisation
    seed: int
    rounds: tuple[RoundSummary, ...]

    def as_json(self) -> dict[str, list[dict[str, float | int]]]:
        return {
            "rounds": [
                {"round": r.round, "groups": r.groups, "coverage": round(r.coverage, 4)}
                for r in self.rounds
            ]
        }


# -- reading -------------------------------------------------------------------


def read_organisation(path: Path) -> Organisation:
    """The organisation in ``path``, or an ``OrganisationError`` naming the file and line."""

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OrganisationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise OrganisationError(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise OrganisationError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as problem:
        raise OrganisationError(f"{path}: cannot be read ({problem.strerror})") from None
    return parse_organisation(text.splitlines(), str(path))


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
    key = (kind.lower(), " ".join(name.split()))
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


# -- simulating ----------------------------------------------------------------


def simulate(
    organisation: Organisation, rounds: int, seed: int, progress: Progress | None = None
) -> SimulationReport:
    """Run ``rounds`` rounds of pairs as if everyone met each time."""

    if not 1 <= rounds <= MAX_ROUNDS:
        raise OrganisationError(f"--rounds must be between 1 and {MAX_ROUNDS:,}, not {rounds}")
    history: list[tuple[MemberGroup, ...]] = []
    connections: dict[SiloPair, int] = {}
    summaries: list[RoundSummary] = []
    for number in range(1, rounds + 1):
        spec = RoundInput(
            members=_members_at(organisation, FIRST_ROUND + (number - 1) * ROUND_INTERVAL),
            silo_kinds=organisation.silo_kinds,
            rules=RoundRules(seed=seed * 1_000_003 + number),
            history=tuple(history),
            connections=dict(connections),
        )
        result = match_round(spec)
        new: set[SiloPair] = set()
        for group in result.groups:
            new.update(group.new_bridges)
            for pair in (*group.new_bridges, *(b.silos for b in group.known_bridges)):
                connections[pair] = connections.get(pair, 0) + 1
        history.append(tuple(group.members for group in result.groups))
        summaries.append(_summary(organisation, number, len(result.groups), len(new), connections))
        if progress is not None:
            progress(number, rounds)
    return SimulationReport(organisation, seed, tuple(summaries))


def _members_at(organisation: Organisation, when: datetime) -> tuple[RoundMember, ...]:
    return tuple(
        RoundMember(index, person.silos, _offset_minutes(person.timezone, when))
        for index, person in enumerate(organisation.people)
    )


def _offset_minutes(zone: str, when: datetime) -> int:
    offset = when.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def _summary(
    organisation: Organisation,
    number: int,
    groups: int,
    new_bridges: int,
    connections: Mapping[SiloPair, int],
) -> RoundSummary:
    connected = sum(1 for count in connections.values() if count > 0)
    share = connected / organisation.silo_pairs if organisation.silo_pairs else 0.0
    return RoundSummary(number, groups, new_bridges, connected, share)


# -- reporting -----------------------------------------------------------------


def format_report(report: SimulationReport) -> str:
    """The report as a small table, one line per round."""

    org = report.organisation
    lines = [
        f"Simulated {plural(len(report.rounds), 'round')} of pairs for "
        f"{plural(len(org.people), 'member')} in {plural(len(org.silo_names), 'silo')} "
        f"({plural(org.silo_pairs, 'silo pair')}), seed {report.seed}.",
        "round  groups  new bridges  silo pairs connected",
    ]
    for r in report.rounds:
        lines.append(
            f"{r.round:>5}  {r.groups:>6}  {r.new_bridges:>11}  "
            f"{r.connected} of {org.silo_pairs} ({r.coverage:.1%})"
        )
    if len(org.people) < 2:
        lines.append("Fewer than two members: nobody can be introduced.")
    return "\n".join(lines)
