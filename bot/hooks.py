"""How one job lets the others take part in what it does, without importing them.

Jobs never import each other (``.ci/run`` checks it). Where one job's action
concerns another's data, the first calls a hook through its context and the
second has registered a handler for it (``bot.registry``): a member's time
zone changed (``context.zone_changed``: check-ins and commitment reminders
follow it), a retro opened (``context.announce``: open commitments are
reviewed in its thread). Handlers run in the order the jobs registered them,
in the caller's transaction, so what they send is queued in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Payload = TypeVar("Payload")


@dataclass(frozen=True, slots=True)
class Hook(Generic[Payload]):
    """A named point in one job's work where other jobs may add theirs.

    Declared once where both jobs can see it (``handlers.shared``); the type
    parameter is what the announcing job hands to each listener.
    """

    name: str
