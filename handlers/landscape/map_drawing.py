"""The landscape drawn as a PNG: silos as circles, bridges as lines, what is new in colour.

Drawn with matplotlib's Agg renderer on a ``Figure`` of its own (no pyplot,
no display, no global figure state), imported only when a map is drawn so
that Convene's start-up never pays for it. matplotlib keeps some state of
its own (the font cache, rc settings), so one map is drawn at a time.

What the picture says at a glance: the circle's area is the silo's
members, its colour the kind; a solid line is a bridge where people met
(thicker with more meetings), a dashed line one introduced and not yet met,
and a line in the highlight colour is new since the last map of the same
view. Names are written on every silo of a small map; on a large one only
on the biggest and best-connected (the matrix CSV names them all).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Point = tuple[float, float]

KIND_COLOURS = {
    "team": "#0072B2",
    "department": "#E69F00",
    "organisation": "#009E73",
    "profession": "#56B4E9",
    "site": "#D55E00",
    "community": "#B8A200",
}
"""The standard kinds keep their colour on every map (Okabe and Ito's colour-blind-safe set)."""
MORE_COLOURS = ("#6A3D9A", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#1F3A5F")
"""Colours for kinds a workspace added, in the order of their names."""
MET_COLOUR = "#3B4650"
INTRODUCED_COLOUR = "#8C99A6"
NEW_COLOUR = "#E4007C"
LABEL_EVERY_UP_TO = 30
"""Up to this many silos every one is named; beyond, only the ``LABELLED`` most prominent."""
LABELLED = 40
EACH_KIND = 3
WIDTH_INCHES, HEIGHT_INCHES, DPI = 12.0, 9.6, 120
CROWD = 60
"""Beyond this many lines, lines are drawn fainter and thinner so the silos stay visible."""
DASHED = (0, (4, 3))

_one_at_a_time = threading.Lock()


@dataclass(frozen=True, slots=True)
class MapNode:
    id: int
    name: str
    kind: str
    members: int
    at: Point


@dataclass(frozen=True, slots=True)
class MapLine:
    a: int
    b: int
    met: bool
    meetings: int
    new: bool


@dataclass(frozen=True, slots=True)
class MapPicture:
    """Everything a map shows, already worked out: the drawing only draws it."""

    title: str
    subtitle: str
    nodes: Sequence[MapNode]
    lines: Sequence[MapLine]
    new_label: str = "new since the last map"


def kind_colours(kinds: Sequence[str]) -> dict[str, str]:
    """A colour for each kind: fixed for the standard ones, in turn for the rest."""

    others = sorted(k for k in set(kinds) if k not in KIND_COLOURS)
    colours = {k: KIND_COLOURS[k] for k in kinds if k in KIND_COLOURS}
    for index, kind in enumerate(others):
        colours[kind] = MORE_COLOURS[index % len(MORE_COLOURS)]
    return colours


def prominence(nodes: Sequence[MapNode], lines: Sequence[MapLine]) -> list[MapNode]:
    """The silos from the most to the least prominent: members plus bridges.

    Each counts as a share of the largest, so a small silo that met many
    others is named as readily as a big quiet one; ties go by name.
    """

    degree: dict[int, int] = {}
    for line in lines:
        degree[line.a] = degree.get(line.a, 0) + 1
        degree[line.b] = degree.get(line.b, 0) + 1
    most_members = max((n.members for n in nodes), default=0) or 1
    most_bridges = max(degree.values(), default=0) or 1
    return sorted(
        nodes,
        key=lambda n: (
            -(n.members / most_members + degree.get(n.id, 0) / most_bridges),
            n.name.casefold(),
        ),
    )


def draw_map(picture: MapPicture) -> bytes:
    """The map as PNG bytes."""

    with _one_at_a_time:
        return _draw(picture)


def _draw(picture: MapPicture) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as NewFigure

    figure = NewFigure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    # Names are people's words: "$" must stay a dollar, never start mathematics.
    figure.text(
        0.5,
        0.965,
        picture.title,
        ha="center",
        va="top",
        fontsize=17,
        weight="bold",
        parse_math=False,
    )
    figure.text(
        0.5,
        0.922,
        picture.subtitle,
        ha="center",
        va="top",
        fontsize=11,
        color="#444444",
        parse_math=False,
    )
    axes = figure.add_axes((0.02, 0.1, 0.96, 0.8))
    axes.set_axis_off()
    axes.set_aspect("equal")
    nodes = {n.id: n for n in picture.nodes}
    colours = kind_colours([n.kind for n in picture.nodes])
    _draw_lines(axes, picture.lines, nodes)
    sizes = _draw_nodes(axes, picture.nodes, colours)
    _frame(axes, picture.nodes)
    named = _draw_labels(axes, picture, sizes)
    _legend(figure, colours, picture, named)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _draw_lines(axes: Axes, lines: Sequence[MapLine], nodes: dict[int, MapNode]) -> None:
    """Introduced under met under new; a crowded map's lines fainter and thinner."""

    from matplotlib.collections import LineCollection

    drawn = [line for line in lines if line.a in nodes and line.b in nodes]
    crowd = max(len(drawn), 1)
    fade = 1.0 if crowd <= CROWD else max(0.1, math.sqrt(CROWD / crowd))
    thin = 1.0 if crowd <= CROWD else max(0.4, math.sqrt(CROWD / crowd))
    layers = (
        ([x for x in drawn if not x.met and not x.new], INTRODUCED_COLOUR, DASHED, fade, 1),
        ([x for x in drawn if x.met and not x.new], MET_COLOUR, "solid", fade, 2),
        ([x for x in drawn if x.new and not x.met], NEW_COLOUR, DASHED, min(1.0, 2 * fade), 3),
        ([x for x in drawn if x.new and x.met], NEW_COLOUR, "solid", min(1.0, 2 * fade), 3),
    )
    for group, colour, style, alpha, order in layers:
        if not group:
            continue
        axes.add_collection(
            LineCollection(
                [[nodes[x.a].at, nodes[x.b].at] for x in group],
                colors=colour,
                linewidths=[_width(x) * thin for x in group],
                linestyles=style,
                alpha=alpha,
                zorder=order,
                capstyle="round",
            )
        )


def _width(line: MapLine) -> float:
    """Thicker with more meetings, but never so thick that it hides the silos."""

    return min(1.4 + 1.6 * math.log2(1 + line.meetings), 7.0) if line.met else 1.2


def _draw_nodes(axes: Axes, nodes: Sequence[MapNode], colours: dict[str, str]) -> dict[int, float]:
    """The circles, area by members; returns each one's size in points squared."""

    most = max((n.members for n in nodes), default=0) or 1
    biggest = 1400.0 if len(nodes) <= 40 else max(200.0, 1400.0 * 40 / len(nodes) * 1.5)
    smallest = biggest / 12
    sizes = {
        n.id: smallest + (biggest - smallest) * n.members / most if n.members else smallest
        for n in nodes
    }
    peopled = [n for n in nodes if n.members]
    empty = [n for n in nodes if not n.members]
    if peopled:
        axes.scatter(
            [n.at[0] for n in peopled],
            [n.at[1] for n in peopled],
            s=[sizes[n.id] for n in peopled],
            c=[colours[n.kind] for n in peopled],
            edgecolors="white",
            linewidths=1.5,
            zorder=4,
        )
    if empty:
        axes.scatter(
            [n.at[0] for n in empty],
            [n.at[1] for n in empty],
            s=[sizes[n.id] for n in empty],
            facecolors="white",
            edgecolors=[colours[n.kind] for n in empty],
            linewidths=1.5,
            zorder=4,
        )
    return sizes


def _draw_labels(axes: Axes, picture: MapPicture, sizes: dict[int, float]) -> int:
    """Names under the circles; returns how many were written.

    A small map names every silo. A big one names the most prominent, each
    only where it does not cover a name already written, up to ``LABELLED``.
    """

    from matplotlib import patheffects

    small = len(picture.nodes) <= LABEL_EVERY_UP_TO
    size = 10.0 if small else 8.0
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    axes.apply_aspect()
    to_pixels = axes.transData.transform
    points = DPI / 72
    taken: list[tuple[float, float, float, float]] = []
    written = 0
    for node in _naming_order(picture.nodes, picture.lines):
        if not small and written >= LABELLED:
            break
        name = _short(node.name)
        drop = math.sqrt(sizes[node.id]) / 2 + 3
        x, y = to_pixels(node.at)
        half = len(name) * size * 0.3 * points
        top = y - drop * points
        box = (x - half, top - size * 1.3 * points, x + half, top)
        if not small and any(_overlap(box, other) for other in taken):
            continue
        taken.append(box)
        written += 1
        axes.annotate(
            name,
            node.at,
            xytext=(0, -drop),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=size,
            color="#1A1A1A",
            zorder=5,
            path_effects=halo,
            parse_math=False,
        )
    return written


def _naming_order(nodes: Sequence[MapNode], lines: Sequence[MapLine]) -> list[MapNode]:
    """The most prominent silos of each kind first (``EACH_KIND`` of them), then the rest.

    So a kind of few small silos (professions beside many teams) still has
    names on the map.
    """

    ranked = prominence(nodes, lines)
    first: list[MapNode] = []
    seen: dict[str, int] = {}
    for node in ranked:
        if seen.get(node.kind, 0) < EACH_KIND:
            first.append(node)
            seen[node.kind] = seen.get(node.kind, 0) + 1
    chosen = {n.id for n in first}
    return first + [n for n in ranked if n.id not in chosen]


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _short(name: str, most: int = 28) -> str:
    return name if len(name) <= most else name[: most - 1].rstrip() + "…"


def _frame(axes: Axes, nodes: Sequence[MapNode]) -> None:
    """Room around the outermost silos for their circles and names."""

    if not nodes:
        return
    xs = [n.at[0] for n in nodes]
    ys = [n.at[1] for n in nodes]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.5)
    pad = span * 0.08
    axes.set_xlim(min(xs) - pad, max(xs) + pad)
    axes.set_ylim(min(ys) - pad * 1.6, max(ys) + pad)


def _legend(figure: Figure, colours: dict[str, str], picture: MapPicture, named: int) -> None:
    from matplotlib.lines import Line2D

    handles: list[Line2D] = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=10,
            markerfacecolor=colour,
            markeredgecolor="white",
            label=kind,
        )
        for kind, colour in sorted(colours.items(), key=lambda item: _kind_order(item[0]))
    ]
    handles.append(Line2D([], [], color=MET_COLOUR, linewidth=2.5, label="met"))
    handles.append(
        Line2D(
            [],
            [],
            color=INTRODUCED_COLOUR,
            linewidth=1.4,
            linestyle=DASHED,
            label="introduced, not met yet",
        )
    )
    if any(line.new for line in picture.lines):
        handles.append(Line2D([], [], color=NEW_COLOUR, linewidth=2.5, label=picture.new_label))
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 7),
        frameon=False,
        fontsize=10,
        bbox_to_anchor=(0.5, 0.01),
    )
    notes = ["circle area: members"]
    if named < len(picture.nodes):
        notes.append(
            f"named: {named} of the {len(picture.nodes)} silos, the largest and best-connected"
            " (the matrix CSV names all)"
        )
    if any(not n.members for n in picture.nodes):
        notes.append("hollow: no members yet")
    figure.text(
        0.99, 0.005, " · ".join(notes), ha="right", va="bottom", fontsize=8, color="#666666"
    )


def _kind_order(kind: str) -> tuple[int, str]:
    order = list(KIND_COLOURS)
    return (order.index(kind), kind) if kind in order else (len(order), kind)
