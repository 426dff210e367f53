"""The silo-by-silo matrix: for each kind, which pairs met, were introduced, or never.

A board member opens it in a spreadsheet, so it is one CSV per kind in view
(``matrix-team.csv``), silos sorted by name along both edges, and in each
cell ``met``, ``introduced``, ``never``, ``shared`` (the two silos share a
member, so they are never a bridge to build) or ``-`` on the diagonal.
Bridges across kinds (a programme's ``team+profession``) are on the map,
not in these per-kind tables.

Silo names are typed by people, and a spreadsheet runs a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula; such names get a leading
apostrophe, so the file shows them and runs nothing.
"""

from __future__ import annotations

import csv
import io
import re

from handlers.shared.bridges import ordered
from handlers.shared.landscape import Landscape, SiloNode

SHARED = "shared"
DIAGONAL = "-"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def matrix_csvs(landscape: Landscape) -> dict[str, str]:
    """Each kind in view and its matrix as CSV text, kinds in order of name."""

    kinds = sorted({silo.kind for silo in landscape.silos})
    return {kind: matrix_csv(landscape, kind) for kind in kinds}


def matrix_csv(landscape: Landscape, kind: str) -> str:
    silos = sorted(
        (s for s in landscape.silos if s.kind == kind), key=lambda s: (s.name.casefold(), s.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["silo", *(safe_cell(s.name) for s in silos)])
    for row in silos:
        writer.writerow([safe_cell(row.name), *(cell(landscape, row, col) for col in silos)])
    return out.getvalue()


def cell(landscape: Landscape, row: SiloNode, column: SiloNode) -> str:
    if row.id == column.id:
        return DIAGONAL
    pair = ordered(row.id, column.id)
    if pair in landscape.shared:
        return SHARED
    return landscape.state(pair)


def safe_cell(text: str) -> str:
    """The text as a spreadsheet shows it without running it as a formula."""

    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def file_name(kind: str) -> str:
    """``matrix-team.csv``. Kinds are one word of letters and hyphens, but an older
    database may hold any word, and a file name must not hold a path."""

    return "matrix-" + (re.sub(r"[^\w-]+", "-", kind).strip("-") or "silos") + ".csv"
