"""A Convene message Slack carries as several messages, and the reference that names them.

Block Kit allows 50 blocks and about 12,000 characters a message
(``render.messages_for``), so a long summary goes out as a few Slack
messages in a row, its buttons on the last. The outbox keeps one reference
for the whole: ``message_id`` is the first part's ``ts`` (a thread under the
message hangs there), and a message in several parts also lists every
part's ``ts`` in order (``parts``) with a digest of what each says
(``digests``). An edit compares digests to change only the parts that need
it, and a send that stopped part-way is finished the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.slack.render import SlackMessage
from bot.adapter import DIGESTS, PARTS, MessageRef, sent_parts

UNKNOWN = ""
"""The digest of a part sent before digests were kept: it is always changed."""
FILES = "files"
"""In a reference: the ids of the files shared after the message's text. A reference
without it, for a message with files, is a send whose files have not gone yet."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message's parts go: a channel (or DM), a thread in it, one member's eyes."""

    channel: str
    thread_ts: str | None = None
    visible_to: str | None = None
    """The member an ephemeral message is for; None for a message everyone there sees."""


@dataclass(slots=True)
class SentParts:
    """The parts of one message, as sent: each ``ts`` and the digest of what it says."""

    ids: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    deleted: int = 0
    """Parts an edit has deleted so far (they are the old ones after the last kept)."""

    @staticmethod
    def of(ref: MessageRef) -> SentParts:
        parts = sent_parts(ref)
        return SentParts([ts for ts, _ in parts], [known or UNKNOWN for _, known in parts])

    def add(self, ts: str, part: SlackMessage) -> None:
        self.ids.append(ts)
        self.digests.append(part.digest())

    def ref(self, place: Place, *, listed: bool = False) -> MessageRef:
        """The reference the outbox keeps; ``listed`` names the parts even if one."""

        made: dict[str, Any] = {"message_id": self.ids[0], "channel_id": place.channel}
        if place.thread_ts:
            made["thread_id"] = place.thread_ts
        if listed or len(self.ids) > 1:
            made[PARTS] = list(self.ids)
            made[DIGESTS] = list(self.digests)
            if place.visible_to is not None:
                made["visible_to"] = place.visible_to
        return made

    def progress(self, old: SentParts, place: Place) -> MessageRef:
        """An edit stopped part-way: the parts it changed or added, then the old parts it
        had not reached yet (still to change or delete), as they are."""

        reached = len(self.ids) + self.deleted
        made = SentParts(
            self.ids + old.ids[reached:],
            self.digests + old.digests[reached:],
        )
        return made.ref(place, listed=True)
