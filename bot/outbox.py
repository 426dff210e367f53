"""Queueing messages: the only way a handler sends anything.

A message is a row before it is a send. It is written in the handler's own
transaction, so a command's reply and its data change commit together or not
at all, and its idempotency key makes a repeated queueing (a retried event, a
replayed schedule slot) a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.messages import OutgoingMessage
from storage.repositories import outbox as outbox_repo


@dataclass
class Outbox:
    """Queues messages for one workspace on one platform, inside one session.

    A ``buffered`` outbox keeps what a handler sends and writes it all in one
    multi-row INSERT at ``flush``, which the dispatcher and the scheduler
    call just before they commit: an event that answers, posts and confirms
    costs one statement, not three.
    """

    session: AsyncSession
    platform: str
    workspace_external_id: str
    clock: Clock
    buffered: bool = False
    _waiting: list[tuple[str, OutgoingMessage]] = field(default_factory=list)

    async def send(self, key: str, message: OutgoingMessage) -> None:
        await self.send_many([(key, message)])

    async def send_many(self, items: Iterable[tuple[str, OutgoingMessage]]) -> None:
        self._waiting.extend(items)
        if not self.buffered:
            await self.flush()

    async def flush(self) -> None:
        """Write what is waiting, in the session's transaction."""

        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        await outbox_repo.enqueue(
            self.session,
            (
                outbox_repo.NewMessage(
                    idempotency_key=key,
                    platform=self.platform,
                    workspace_external_id=self.workspace_external_id,
                    target_key=message.target.ordering_key(),
                    payload=message.to_dict(),
                )
                for key, message in waiting
            ),
            self.clock.now(),
        )
