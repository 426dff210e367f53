"""(being written)"""

from __future__ import annotations

from bot.registry import Registry


def register(registry: Registry) -> None:
    """(being written)"""
