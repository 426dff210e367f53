"""The one place that knows every concrete handler.

``bot`` imports no handler or adapter anywhere else; adding a job to Convene
means adding its module here.
"""

from __future__ import annotations

from bot.registry import Registry
from handlers import convener, landscape, profile


def build_registry() -> Registry:
    registry = Registry()
    for module in (convener, landscape, profile):
        module.register(registry)
    return registry
