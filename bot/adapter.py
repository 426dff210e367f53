"""The adapter contract: the small surface every platform implements.

The core talks to platforms only through this protocol. Differences between
platforms are declared as ``Capabilities`` (can it open a group DM? does it
have modals?), never tested with ``if platform == …``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.events import Event, IncomingFile
from bot.messages import Form, OutgoingMessage

Dispatch = Callable[[Event], Awaitable[None]]
MessageRef = dict[str, Any]

PARTS = "parts"
"""In a reference: every part's platform id, in order, for a message sent as several."""
DIGESTS = "digests"
"""In a reference: beside ``PARTS``, a digest of what each part says (an edit changes
only the parts whose digest differs)."""

SentPart = tuple[str, str | None]
"""A part's platform id, and the digest of what it says (None: not known, so changed)."""


def sent_parts(ref: MessageRef) -> list[SentPart]:
    """A delivered message's parts, in order (one, ``message_id``, for a message sent whole).

    Each adapter that splits long messages (Slack, Discord) keeps its parts in
    the reference under the same two keys, so an edit or the finishing of a
    partial send reads them back the same way.
    """

    listed = ref.get(PARTS)
    ids = [str(each) for each in listed] if isinstance(listed, list) and listed else []
    ids = ids or [str(ref["message_id"])]
    known = ref.get(DIGESTS)
    digests: list[str | None] = (
        [str(d) if d else None for d in known] if isinstance(known, list) else []
    )
    digests = (digests + [None] * len(ids))[: len(ids)]
    return list(zip(ids, digests, strict=True))


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do, and how fast the outbox may talk to it.

    ``rate_per_second`` and ``burst`` size the deliverer's token bucket;
    ``None`` means no limit (the shell, tests).
    """

    group_dm: bool = True
    modals: bool = True
    threads: bool = True
    private_threads: bool = False
    max_form_fields: int | None = None
    channel_membership: bool = True
    """False where the platform has no membership of channels (the shell: everyone
    in its workspace is in every channel), so "everyone in the channel" means
    every member Convene knows in the workspace."""
    silo_sources: frozenset[str] = frozenset()
    """Where the platform keeps groups of people a convener may import as silos:
    "usergroups" and "field" (a profile field) on Slack, "roles" on Discord."""
    home_tab: bool = False
    """True where members have a home view of their own (Slack's App Home)."""
    rate_per_second: float | None = None
    burst: int = 1
    per_target_rate: float | None = None
    """Sends a second to any one target (a channel, a member's DMs), where the
    platform limits that as well as the overall rate; ``None``: no such limit.
    Replies only one member sees are not counted (Slack paces those by method)."""
    per_target_burst: int = 1
    repeats_dropped: bool = False
    """True where the platform drops a message sent again with the same key (a nonce it
    enforces): the deliverer may then have several sends out before their records are
    written, since a crash repeating them changes nothing. False: one at a time, so a
    crash repeats at most the one message in flight."""
    member_timezones: bool = True
    reads_channel_messages: bool = True
    """False where Convene cannot read what members type in channels and threads
    (Discord without the Message Content intent): buttons are the only way in."""
    """False where the platform does not tell a member's time zone (Discord): Convene
    asks each member once instead."""
    local_files: bool = False
    """True where a file is a path on this computer (the shell): a command may name one
    (``/convene member import org.csv``) instead of attaching it."""
    reasks_form_fields: bool = False
    """True where a form refused for one field can be asked again in place, that field
    alone, keeping the other answers (the shell). Elsewhere a submitted modal is
    already closed: Convene keeps what was typed and offers a button to open it again."""


@dataclass(frozen=True, slots=True)
class ChannelMember:
    platform_user_id: str
    display_name: str
    timezone: str | None = None
    is_bot: bool = False


class PlatformUnavailable(RuntimeError):
    """An adapter could not start: a refused token, an address that does not answer.

    Said in one line to whoever started Convene, without a traceback: it is
    about their set-up, not a fault in Convene.
    """


class FileUnavailable(Exception):
    """A file a member attached could not be read; the message says why, for them."""


class DeliveryError(Exception):
    """A message could not be delivered this time."""


class RateLimited(DeliveryError):
    """The platform said 429; wait ``retry_after`` seconds before the next send."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after:g} s)")
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    """A 5xx or a dropped connection: worth trying again later."""


class PermanentDeliveryError(DeliveryError):
    """The platform will never accept this one (bot not in channel, member gone)."""


class PartlyDelivered(DeliveryError):
    """A message the platform takes as several stopped part-way through.

    ``ref`` names what went out (or was changed) so far. The deliverer keeps it
    with the outbox row and finishes the message later with ``edit(ref, …)``,
    which sends only what is still missing, so no part goes out twice.
    ``cause`` is why it stopped (a 429, a dropped connection, a refusal) and
    decides what the deliverer does next, as if it had been raised alone.
    """

    def __init__(self, ref: MessageRef, cause: DeliveryError) -> None:
        super().__init__(f"stopped part-way: {cause}")
        self.ref = ref
        self.cause = cause


class MemberUnreachable(PermanentDeliveryError):
    """A member's DMs are closed to the bot: the member is marked so conveners can see."""

    def __init__(self, member_id: str, reason: str) -> None:
        super().__init__(reason)
        self.member_id = member_id


class Adapter(Protocol):
    """One platform connection."""

    @property
    def platform(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    async def start(self, dispatch: Dispatch) -> None:
        """Begin receiving events; each is handed to ``dispatch``."""
        ...

    async def stop(self) -> None: ...

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        """Send one message and return the platform's reference to it.

        Raises ``RateLimited``, ``TransientDeliveryError`` or
        ``PermanentDeliveryError``; the deliverer decides what follows.
        A message sent as several platform messages that fails after its
        first part raises ``PartlyDelivered``. ``idempotency_key`` may be
        passed on as a nonce where the platform de-duplicates sends.
        """
        ...

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        """Replace the text and buttons of a message sent earlier (``ref``).

        Returns the reference to the message as it now is (its parts may have
        changed). Also finishes a message ``PartlyDelivered`` left half sent:
        parts that already read as they should are left alone.
        """
        ...

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        """Take a message sent earlier (``ref``, every part and copy of it) off the platform.

        A forgotten member's words must not stay where they were posted. A part
        the platform says is gone already counts as deleted, so a retried
        delete finishes quietly; a message the platform cannot delete (an
        ephemeral reply past its token) is left to fade, with a log line.
        """
        ...

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        """The channel id of the bot's DM with a member (creating it if needed)."""
        ...

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        """A conversation with several members (only when ``capabilities.group_dm``)."""
        ...

    async def list_channel_members(
        self, workspace_id: str, channel_id: str
    ) -> list[ChannelMember]: ...

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        """The id of the channel a member named (``#general``, a platform link), if any."""
        ...

    async def open_form(self, event: Event, form: Form) -> None:
        """Show a form to the member who caused ``event`` (a modal, or field by field)."""
        ...

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        """The people of each group from one of ``capabilities.silo_sources``, by group name."""
        ...

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        """The bytes of a file a member attached (a CSV of members to import).

        Raises ``FileUnavailable`` with a sentence for the member when the
        platform will not give it (gone, too large, no permission).
        """
        ...
