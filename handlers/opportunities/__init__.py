"""Opportunities: who should meet, read from what members wrote.

After each check-in run closes, conveners get the best suggestions (one
member's need, another's offer, across silos) to accept or turn down
(``suggestions``, ``decisions``); members and conveners ask who knows about a
topic (``asking``). Accepted ones become introductions outside the rounds,
made by the introductions job through ``handlers.shared.introduction_hooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare this job's commands, buttons and hooks (imported here: see landscape's)."""

    from handlers.opportunities import asking, suggestions

    suggestions.register(registry)
    asking.register(registry)
