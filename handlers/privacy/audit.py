"""(being written for issue 18)"""

from __future__ import annotations

from bot.registry import Registry


def register(registry: Registry) -> None:
    """Nothing yet."""
