"""Where another job asks for an introduction outside the regular rounds.

The opportunities job finds who should meet (a convener's ``[Introduce
them]``, a member's ``[Introduce us]``); the introductions job makes the
introduction: it keeps it as a round of its own (``PairingRound.origin``,
no programme, number 0) with one group and the silo pairs it spans, sends it
the way its rounds are sent (a group DM, a private thread or one DM each),
with the reason quoted, and follows it up like any other, so it counts on the
landscape map as a bridge. Neither job imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.hooks import Hook
from storage.models import Member, Workspace

SUGGESTION = "suggestion"
"""A convener accepted a suggestion (``[Introduce them]``)."""
ASKED = "asked"
"""A member asked to meet someone they found (``[Introduce us]``)."""


@dataclass(slots=True)
class IntroductionAsked:
    """Introduce these members now; the listener fills in ``round_id`` once it is made."""

    workspace: Workspace
    members: tuple[Member, ...]
    origin: str
    """``SUGGESTION`` or ``ASKED``."""
    reason: str
    """Why they should meet, in the neutral markup, already escaped: quoted only from
    what the members allowed to be quoted to each other."""
    key: str
    """A unique, stable key for the introduction's messages (a replay sends nothing twice)."""
    asked_by: Member | None = None
    """The convener who accepted it, or the member who asked."""
    round_id: int | None = field(default=None)
    """Set by the introductions job: the introduction's own round."""


INTRODUCTION_ASKED: Hook[IntroductionAsked] = Hook("introductions.asked")
