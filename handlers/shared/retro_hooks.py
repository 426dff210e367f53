"""Where a retro lets other jobs in: what the retros and commitments jobs agree on.

A retro's actions become commitments, and open commitments come back at the
channel's next retro. Neither job imports the other: the retros job posts a
"Make it a commitment" button under each top item and announces each opening;
the commitments job answers the button and its form, and listens to the
opening to review what was promised last time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.hooks import Hook
from bot.messages import Target
from storage.models import Retro

MAKE_COMMITMENT = "retro.commit"
"""The action id of the button under a closed retro's top items, and of the form it opens.

The button's value, and the form's context, is the retro item's id.
"""


def thread_key(retro_id: int) -> str:
    """The outbox key of a retro's first message, whose thread holds the retro."""

    return f"retro:{retro_id}:root"


@dataclass(frozen=True, slots=True)
class RetroOpened:
    """A retro was just opened; its first message is queued, nothing else yet."""

    retro: Retro
    previous: Retro | None
    """The channel's retro before this one, if it had any."""
    thread: Target
    """Where to post in the new retro's thread."""


RETRO_OPENED: Hook[RetroOpened] = Hook("retro.opened")
