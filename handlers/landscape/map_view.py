"""What one map of the landscape says: its headline, what is new, its picture and its words.

Pure: a ``Landscape`` and the previous map of the same view go in; the
picture to draw and the message to send come out. ``map_command`` does the
reading, the drawing off the event loop and the remembering.

A bridge is **new** when it was not on the last map of the same view, or
was only introduced there and has met since: what a convener looks for when
comparing this month with last month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.landscape.map_drawing import MapLine, MapNode, MapPicture, draw_map
from handlers.landscape.map_layout import Link, Point, lay_out
from handlers.shared.bridges import SiloPair
from handlers.shared.landscape import INTRODUCED, MET, Landscape
from handlers.shared.text import listed, plural

MET_PULL, INTRODUCED_PULL = 1.0, 0.4
"""How hard a bridge pulls its silos together on the map: meeting counts more."""
NAMES_BUDGET = 450
"""Characters of silo names a list in the message may take (Discord allows 2,000 in all)."""


@dataclass(frozen=True, slots=True)
class View:
    """Which part of the landscape a map shows, as the convener asked for it."""

    kind: str | None
    programme_id: int | None
    programme_name: str | None
    since_typed: str | None
    since_words: str

    @property
    def scope(self) -> str:
        """The key the last map of this view is kept under: ``kind=team;programme=3;since=3mo``."""

        since = " ".join((self.since_typed or "").lower().split()) or "all"
        programme = "all" if self.programme_id is None else str(self.programme_id)
        return f"kind={self.kind or 'all'};programme={programme};since={since}"

    @property
    def described(self) -> str:
        """ "team silos, #general, since 1 Sep 2026", for the message and the picture."""

        kind = f"{self.kind} silos" if self.kind else "every kind of silo"
        where = f"#{self.programme_name}" if self.programme_name else "every programme"
        return f"{kind}, {where}, {self.since_words}"


@dataclass(frozen=True, slots=True)
class Previous:
    """The last map of the same view: when it was drawn, where silos were, which bridges."""

    made_at: datetime
    positions: Mapping[int, Point]
    states: Mapping[SiloPair, str]


def pair_key(pair: SiloPair) -> str:
    return f"{pair[0]}-{pair[1]}"


def read_previous(
    made_at: datetime, positions: Mapping[str, object], states: Mapping[str, object]
) -> Previous:
    """A kept map as stored (JSON), skipping anything that is not what it should be."""

    points: dict[int, Point] = {}
    for key, value in positions.items():
        if key.isdigit() and isinstance(value, list) and len(value) == 2:
            x, y = value
            if isinstance(x, int | float) and isinstance(y, int | float):
                points[int(key)] = (float(x), float(y))
    pairs: dict[SiloPair, str] = {}
    for key, state in states.items():
        a, _, b = key.partition("-")
        if a.isdigit() and b.isdigit() and isinstance(state, str):
            pairs[(int(a), int(b))] = state
    return Previous(made_at, points, pairs)


def new_bridges(landscape: Landscape, previous: Previous | None) -> dict[SiloPair, str]:
    """Bridges not on the last map, or met since it showed them introduced (none on a first map)."""

    if previous is None:
        return {}
    return {
        pair: bridge.state
        for pair, bridge in landscape.bridges.items()
        if previous.states.get(pair) is None
        or (previous.states.get(pair) == INTRODUCED and bridge.state == MET)
    }


def headline(landscape: Landscape) -> str:
    """ "3 of 10 silo pairs met (30%), 6 introduced (60%)"."""

    possible = len(landscape.possible)
    if not possible:
        return "No two silos here can be bridged yet"
    met, introduced = len(landscape.met_pairs), len(landscape.introduced_pairs)
    pairs = "silo pair" if possible == 1 else "silo pairs"
    return (
        f"{met:,} of {possible:,} {pairs} met ({_percent(landscape.met_share)}), "
        f"{introduced:,} introduced ({_percent(landscape.introduced_share)})"
    )


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def day_of(moment: datetime, now: datetime) -> str:
    """ "6 Nov", or "6 Nov 2025" when it was another year."""

    shown = f"{moment.day} {moment:%b}"
    return shown if moment.year == now.year else f"{shown} {moment.year}"


def render(
    landscape: Landscape,
    previous: Previous | None,
    new: Mapping[SiloPair, str],
    view: View,
    people: int,
    now: datetime,
) -> tuple[bytes, dict[int, Point]]:
    """The map's layout and PNG: CPU work, run off the event loop."""

    kinds = {s.id: s.kind for s in landscape.silos}
    links = [
        Link(a, b, MET_PULL if bridge.meetings else INTRODUCED_PULL)
        for (a, b), bridge in landscape.bridges.items()
    ]
    ids = [s.id for s in landscape.silos]
    if previous and not new and set(ids) == set(previous.positions):
        # Nothing changed: the same picture, not one nudged by the springs.
        positions = {silo: previous.positions[silo] for silo in ids}
    else:
        positions = lay_out(ids, links, previous.positions if previous else {}, kinds)
    lines = [
        MapLine(a, b, bridge.meetings > 0, bridge.meetings, (a, b) in new)
        for (a, b), bridge in sorted(landscape.bridges.items(), key=lambda item: item[0])
    ]
    nodes = [MapNode(s.id, s.name, s.kind, s.members, positions[s.id]) for s in landscape.silos]
    subtitle = (
        f"{view.described} · {len(nodes):,} {'silo' if len(nodes) == 1 else 'silos'}, "
        f"{people:,} {'member' if people == 1 else 'members'}"
        f" · drawn {day_of(now, now)} {now.year}"
    )
    new_label = (
        f"new since the last map on {day_of(previous.made_at, now)}"
        if previous
        else "new since the last map"
    )
    picture = MapPicture(headline(landscape), subtitle, nodes, lines, new_label)
    return draw_map(picture), positions


def message(
    landscape: Landscape,
    view: View,
    previous: Previous | None,
    new: Mapping[SiloPair, str],
    files: Sequence[str],
    now: datetime,
) -> str:
    """The words under the picture: the headline, what is new, who is waiting, what is next."""

    names = landscape.by_id
    lines = [f"*The landscape*: {view.described}."]
    if not landscape.bridges:
        lines.append(
            f"Nothing met yet: no introductions across these silos so far "
            f"({plural(len(landscape.possible), 'silo pair')} could be bridged)."
        )
    else:
        lines.append(headline(landscape) + ".")
    lines.append(_news(landscape, previous, new, now))
    unmet = [s.name for s in landscape.unmet_silos()]
    if unmet:
        lines.append(f"Silos no one has met yet ({len(unmet)}): {_some(unmet)}.")
    elif landscape.possible:
        lines.append("Every silo has met at least one other.")
    upcoming = [f"{names[a].name} and {names[b].name}" for a, b in landscape.next_to_bridge(3)]
    if upcoming:
        lines.append(f"The next round would most like to bridge: {'; '.join(upcoming)}.")
    elif landscape.possible:
        lines.append("Every pair that can be bridged has been introduced.")
    lines.append(f"Attached: {listed(list(files))}.")
    return "\n".join(lines)


def _news(
    landscape: Landscape, previous: Previous | None, new: Mapping[SiloPair, str], now: datetime
) -> str:
    if previous is None:
        return "This is the first map of this view; the next one will highlight what is new."
    since = day_of(previous.made_at, now)
    if not new:
        return f"Nothing new since the last map on {since}."
    names = landscape.by_id
    shown = [
        f"{names[a].name} and {names[b].name} ({state})"
        for (a, b), state in sorted(
            new.items(), key=lambda item: (item[1] != MET, names[item[0][0]].name.casefold())
        )
    ]
    return f"{plural(len(new), 'bridge')} new since the last map on {since}: {_some(shown)}."


def _some(names: Sequence[str]) -> str:
    """As many names as fit ``NAMES_BUDGET``, then how many more."""

    shown: list[str] = []
    used = 0
    for name in names:
        if shown and used + len(name) + 2 > NAMES_BUDGET:
            break
        shown.append(name)
        used += len(name) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def positions_to_keep(positions: Mapping[int, Point]) -> dict[str, list[float]]:
    return {str(silo): [round(x, 5), round(y, 5)] for silo, (x, y) in positions.items()}


def states_to_keep(landscape: Landscape) -> dict[str, str]:
    return {pair_key(pair): bridge.state for pair, bridge in landscape.bridges.items()}
