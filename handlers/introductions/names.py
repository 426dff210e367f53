"""Members' names as a sentence says them: "alice", "alice and bob", "alice, bob and 3 others"."""

from __future__ import annotations

from collections.abc import Sequence

from bot.markup import plain

MOST_NAMED = 10
"""Past this many, a list says "and N others": a convener's answer stays readable."""


def listed(names: Sequence[str], most: int = MOST_NAMED) -> str:
    """Names joined with commas and a final "and", each escaped for the markup."""

    shown = [plain(name) for name in names[:most]]
    hidden = len(names) - len(shown)
    if hidden:
        shown.append(f"{hidden} other{'s' if hidden != 1 else ''}")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]
