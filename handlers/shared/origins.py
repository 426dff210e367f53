"""How an introduction came about, in the words every view uses for it.

Most introductions are made by a programme's rounds (``round``). One made
outside them is a round of its own with no programme (``PairingRound.origin``):
a convener accepted a suggestion, or a member asked to meet someone they
found. Stats, reports, exports, stories and ``/convene pairing met`` name
those the same way, from here.
"""

from __future__ import annotations

from datetime import datetime

from handlers.shared.introduction_hooks import ASKED, SUGGESTION

ROUND = "round"
OUTSIDE = "outside the rounds"
"""Where a per-round table lists the introductions no round made."""

MADE = {
    SUGGESTION: "suggested by a convener",
    ASKED: "asked for by a member",
}


def made(origin: str) -> str:
    """ "suggested by a convener", for a table's cell or a sentence."""

    return MADE.get(origin, OUTSIDE)


def introduction(origin: str) -> str:
    """ "an introduction suggested by a convener", where a round would be named."""

    return f"an introduction {made(origin)}"


def day(moment: datetime) -> str:
    """ "7 Dec 2026" (in UTC, as the rounds' dates are shown)."""

    return f"{moment.day} {moment:%b %Y}"


def the_introduction(origin: str, slot_at: datetime) -> str:
    """ "the introduction suggested by a convener on 7 Dec 2026": which one, by its day."""

    return f"the introduction {made(origin)} on {day(slot_at)}"
