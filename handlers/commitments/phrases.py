"""Splitting a commitment as typed into what will be done and by when.

"Draft the checklist by Friday" is a commitment and a due date; so are
"... in 2 weeks" and "... by 2026-12-15". The date words themselves are read
by ``handlers.shared.dates``, which refuses what it cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRAILING_IN = re.compile(
    r"\s+(?P<phrase>in\s+(?:\d+|[a-z]+)\s+(?:days?|weeks?|months?))\s*$", re.I
)


@dataclass(frozen=True, slots=True)
class Said:
    """A commitment as typed: what, and the due-date words (None when there were none)."""

    what: str
    due_words: str | None


def split_due(text: str) -> Said:
    """Split "Draft the checklist by Friday" into what and when.

    The date is what follows the last "by" (or "due", "before"), or a closing
    "in 2 weeks". Text with neither has no due date.
    """

    words = " " + " ".join(text.split())  # a leading space: "by Friday" alone has no what
    trailing_in = _TRAILING_IN.search(words)
    if trailing_in is not None:
        return Said(words[: trailing_in.start()].strip(), trailing_in["phrase"])
    last_by = None
    for found in re.finditer(r"\s+(?:by|due|before)(?=\s|$)", words, re.I):
        last_by = found
    if last_by is not None:
        return Said(words[: last_by.start()].strip(), words[last_by.end() :].strip())
    return Said(words.strip(), None)
