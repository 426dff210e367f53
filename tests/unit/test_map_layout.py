"""The map's layout stays put from one map to the next; its drawing and matrix are safe.

A convener compares this month's map with last month's: a silo that jumps
across the picture because one bridge was added would make that comparison
meaningless.
"""

from __future__ import annotations

import io
import math
import random
from datetime import UTC, datetime, timedelta

from PIL import Image

from handlers.landscape.map_drawing import (
    LABELLED,
    MapLine,
    MapNode,
    MapPicture,
    draw_map,
    prominence,
)
from handlers.landscape.map_layout import MAX_MOVE, Link, lay_out
from handlers.landscape.map_view import Previous, View, message, new_bridges
from handlers.landscape.matrix import file_name, safe_cell
from handlers.shared.landscape import Bridge, Landscape, SiloNode

KINDS = {silo: ("team" if silo % 3 else "organisation") for silo in range(1, 21)}


def some_links(count: int, seed: int = 1) -> list[Link]:
    chance = random.Random(seed)
    found: dict[tuple[int, int], Link] = {}
    while len(found) < count:
        a, b = sorted(chance.sample(sorted(KINDS), 2))
        if KINDS[a] == KINDS[b]:
            found[(a, b)] = Link(a, b, 1.0)
    return list(found.values())


def test_the_same_landscape_is_laid_out_the_same_way_every_time() -> None:
    links = some_links(15)
    first = lay_out(list(KINDS), links, {}, KINDS)
    again = lay_out(list(reversed(list(KINDS))), list(reversed(links)), {}, KINDS)
    assert first == again


def test_every_silo_has_a_place_even_with_no_bridge_at_all() -> None:
    placed = lay_out(list(KINDS), [], {}, KINDS)
    assert set(placed) == set(KINDS)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in placed.values())
    assert all(abs(x) <= 1.5 and abs(y) <= 1.5 for x, y in placed.values())
    points = list(placed.values())
    assert min(math.dist(p, q) for p in points for q in points if p is not q) > 0.05


def test_one_new_bridge_moves_no_silo_more_than_a_small_step() -> None:
    links = some_links(15)
    before = lay_out(list(KINDS), links, {}, KINDS)
    unbridged = next(
        (a, b)
        for a in sorted(KINDS)
        for b in sorted(KINDS)
        if a < b and KINDS[a] == KINDS[b] and all({a, b} != {x.a, x.b} for x in links)
    )
    after = lay_out(list(KINDS), [*links, Link(*unbridged, 1.0)], before, KINDS)
    moves = {silo: math.dist(before[silo], after[silo]) for silo in KINDS}
    assert max(moves.values()) <= MAX_MOVE + 1e-9
    a, b = unbridged
    assert math.dist(after[a], after[b]) < math.dist(before[a], before[b])


def test_the_same_landscape_laid_out_again_moves_only_a_small_step() -> None:
    links = some_links(15)
    before = lay_out(list(KINDS), links, {}, KINDS)
    again = lay_out(list(KINDS), links, before, KINDS)
    assert max(math.dist(before[s], again[s]) for s in KINDS) <= MAX_MOVE + 1e-9


def test_a_new_silo_starts_beside_the_silo_it_was_bridged_to() -> None:
    known = {silo: KINDS[silo] for silo in range(1, 20)}
    links = [x for x in some_links(15) if 20 not in (x.a, x.b)]
    before = lay_out(list(known), links, {}, known)
    after = lay_out(list(KINDS), [*links, Link(1, 20, 1.0)], before, KINDS)
    distances = sorted(math.dist(after[20], after[s]) for s in known)
    assert math.dist(after[20], after[1]) <= distances[len(distances) // 3]


def test_names_people_typed_are_drawn_as_written_and_the_picture_is_a_png() -> None:
    nodes = [
        MapNode(1, "Cost $ centre $", "team", 4, (0.0, 0.0)),
        MapNode(2, "=HYPERLINK(x)", "team", 1, (1.0, 0.0)),
        MapNode(3, "A silo whose name goes on and on and on for ever", "ward", 0, (0.0, 1.0)),
    ]
    lines = [MapLine(1, 2, True, 3, True), MapLine(2, 3, False, 0, False)]
    png = draw_map(MapPicture("1 of 2 silo pairs met (50%)", "a view", nodes, lines))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == (1440, 1152)


def test_on_a_big_map_the_largest_and_best_connected_silos_are_named_first() -> None:
    nodes = [MapNode(i, f"Silo {i}", "team", i % 7, (0.0, 0.0)) for i in range(1, 201)]
    lines = [MapLine(1, b, True, 1, False) for b in range(2, 60)]
    ranked = prominence(nodes, lines)
    assert ranked[0].id == 1  # few members, bridged to 58 others
    biggest = [n.id for n in nodes if n.members == 6]
    assert len(biggest) < LABELLED
    assert sorted(n.id for n in ranked[1 : 1 + len(biggest)]) == biggest


def test_a_silo_name_that_looks_like_a_formula_is_kept_as_text() -> None:
    assert [safe_cell(n) for n in ("=1+1", "+Nights", "-x", "@Home", "Wards")] == [
        "'=1+1",
        "'+Nights",
        "'-x",
        "'@Home",
        "Wards",
    ]
    assert file_name("team") == "matrix-team.csv"
    assert file_name("../etc") == "matrix-etc.csv"


def test_the_words_under_a_big_map_fit_in_one_discord_message() -> None:
    long = "A department whose name is as long as a silo name may be, eighty characters in a"
    silos = tuple(SiloNode(i, f"{long[:76]} {i:03d}", "team", 5) for i in range(1, 201))
    pairs = frozenset((a, b) for a in range(1, 201) for b in range(a + 1, 201))
    bridges = {(a, a + 1): Bridge((a, a + 1), introductions=1) for a in range(1, 200, 2)}
    landscape = Landscape(silos, bridges, pairs, frozenset())
    view = View("team", None, None, None, "since the beginning")
    now = datetime(2026, 12, 7, tzinfo=UTC)
    previous = Previous(now - timedelta(days=30), {}, {})
    new = new_bridges(landscape, previous)
    text = message(landscape, view, previous, new, ["map.png", "matrix-team.csv"], now)
    assert len(new) == 100
    assert "100 bridges new since the last map on 7 Nov" in text
    assert "Silos no one has met yet (200): " in text and " more." in text
    assert len(text) <= 2000
