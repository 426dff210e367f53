"""``examples/landscape.txt``: import the organisation, three rounds, the map and the report.

The transcript is replayed by ``convene run --script`` from a folder laid out
like the repository (``examples/org.csv`` beside it) and must print what it
says, line for line. A PNG's size in bytes depends on the fonts and the
matplotlib build, so only that number is left out of the comparison; the
pictures themselves are checked to be PNGs. ``CONVENE_REWRITE_TRANSCRIPTS=1``
writes the transcript again after a deliberate change (read the diff).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.e2e.test_conversation_transcripts import replayed
from tests.support.cli import ConveneCommand

REPO = Path(__file__).resolve().parents[2]
TRANSCRIPT = REPO / "examples" / "landscape.txt"
PNG_SIZE = re.compile(r"(file: \S+\.png) \([^)]*\)")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _sizes_aside(text: str) -> list[str]:
    return [PNG_SIZE.sub(r"\1 (size)", line) for line in text.splitlines()]


def test_the_landscape_transcript_imports_meets_maps_and_reports_as_written(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    written = TRANSCRIPT.read_text(encoding="utf-8")
    (tmp_path / "examples").mkdir()
    shutil.copy(REPO / "examples" / "org.csv", tmp_path / "examples" / "org.csv")
    printed = replayed(TRANSCRIPT, tmp_path, convene_command)
    if printed is None:
        return
    assert _sizes_aside(printed) == _sizes_aside(written)
    maps = sorted((tmp_path / "convene-files").glob("map*.png"))
    assert [m.name for m in maps] == ["map-2.png", "map-3.png", "map.png"]
    assert all(m.read_bytes().startswith(PNG_MAGIC) for m in maps)
    report = next((tmp_path / "convene-files").glob("convene-report-*.md")).read_text("utf-8")
    assert report.startswith("# Convene report for Convene")
