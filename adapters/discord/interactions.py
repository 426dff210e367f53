"""Discord interactions in flight: answered within 3 s, and the place for private replies.

Discord wants an answer to every interaction within three seconds, and a form
(a modal) can only be that first answer. So an interaction is held open while
Convene handles it: if the handler asks for a form in time, the modal is the
answer; if Convene's reply to the member is ready in time, that is the
answer; otherwise the interaction is deferred (a "thinking…" note for a
command, a silent acknowledgement for a click) before the window closes, and
the reply edits the note or follows up later.

Discord has no other way to show a message to one member in a channel, so
replies meant for one member (``OutgoingMessage.visible_to``) go through the
member's latest interaction in that place for as long as its token lives
(15 minutes); after that, or after a restart, they go to the member's DMs.
"""

from __future__ import annotations

import asyncio
import enum
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock

ACK_WINDOW = 2.0
"""Seconds to wait for a form or a reply before deferring (Discord allows 3)."""
TOKEN_LIFETIME = timedelta(minutes=14)
"""An interaction token works for 15 minutes; a minute is kept in hand."""
KEEP = 5_000
"""Interactions remembered at most (the oldest are forgotten first)."""

# Interaction and callback types from Discord's API.
MODAL_SUBMIT = 5
REPLY, DEFER_REPLY, DEFER_UPDATE, CHOICES, MODAL = 4, 5, 6, 8, 9
EPHEMERAL = 1 << 6


class Answer(enum.Enum):
    NONE = "not answered yet"
    MODAL = "a form was the answer"
    REPLIED = "a reply was the answer"
    THINKING = "deferred with a note the reply will replace"
    ACKNOWLEDGED = "deferred silently (a click)"


@dataclass
class Pending:
    """One interaction Convene may still answer or follow up."""

    interaction_id: str
    token: str
    kind: int
    actor_id: str
    place: str
    """The channel (or thread) it happened in."""
    from_message: bool
    """A click or a form opened from a message (a silent acknowledgement is allowed)."""
    at: datetime
    answer: Answer = Answer.NONE
    original_used: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    handled: asyncio.Event = field(default_factory=asyncio.Event)
    """Convene has finished with the event."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    """Discord has its answer (a form, a reply or a deferral)."""


class Interactions:
    """The interactions whose tokens still work, newest last."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._by_id: OrderedDict[str, Pending] = OrderedDict()

    def open(self, pending: Pending) -> Pending:
        self._by_id[pending.interaction_id] = pending
        while len(self._by_id) > KEEP:
            self._by_id.popitem(last=False)
        return pending

    def get(self, interaction_id: str) -> Pending | None:
        return self._by_id.get(interaction_id)

    def latest(self, actor_id: str, place: str) -> Pending | None:
        """The member's newest interaction in a place whose token still works."""

        oldest = self._clock.now() - TOKEN_LIFETIME
        for pending in reversed(self._by_id.values()):
            if pending.at < oldest:
                return None
            if pending.actor_id == actor_id and pending.place == place:
                return pending
        return None
