"""``examples/opportunities.txt``: a need in one silo, an offer in another, an introduction.

The transcript is replayed by ``convene run --script`` and must print what it
says, line for line: the learning check-in closes, the convener is suggested
that Carys (stuck on discharge) and Ben (who solved it) meet, presses
``[Introduce them]``, both answer ``[We met]`` three days later, and the team
map's second drawing shows the new bridge. A PNG's size in bytes depends on
the fonts, so only that number is set aside. ``CONVENE_REWRITE_TRANSCRIPTS=1``
writes the transcript again after a deliberate change (read the diff).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_conversation_transcripts import replayed
from tests.support.cli import ConveneCommand

REPO = Path(__file__).resolve().parents[2]
TRANSCRIPT = REPO / "examples" / "opportunities.txt"
PNG_SIZE = re.compile(r"(file: \S+\.png) \([^)]*\)")


def _sizes_aside(text: str) -> list[str]:
    return [PNG_SIZE.sub(r"\1 (size)", line) for line in text.splitlines()]


def test_a_need_and_an_offer_become_an_introduction_and_a_bridge_on_the_map(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    written = TRANSCRIPT.read_text(encoding="utf-8")
    printed = replayed(TRANSCRIPT, tmp_path, convene_command)
    if printed is None:
        return
    assert _sizes_aside(printed) == _sizes_aside(written)
    lines = printed.splitlines()
    suggestion = lines.index("bot → you (DM): *A suggestion: carys and ben could meet*")
    assert (
        "Bridge: Radiotherapy and Public Health (team): never introduced." in lines[suggestion + 3]
    )
    assert not any("dev and carys could meet" in line for line in lines)
    assert (
        "bot →   1 bridge new since the last map on 26 Nov: Radiotherapy and Public Health (met)."
        in lines
    )
