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


@dataclass(frozen=True, slots=True)
class Queued:
    key: str
    message: OutgoingMessage


@dataclass
class Outbox:
    """Queues messages for one workspace on one platform, inside one session."""

    session: AsyncSession
    platform: str
    workspace_external_id: str
    clock: Clock
    queued: list[Queued] = field(default_factory=list)

    async def send(self, key: str, message: OutgoingMessage) -> None:
        await self.send_many([(key, message)])

    async def send_many(self, items: Iterable[tuple[str, OutgoingMessage]]) -> None:
        batch = [Queued(key, message) for key, message in items]
        await outbox_repo.enqueue(
            self.session,
            (
                outbox_repo.NewMessage(
                    idempotency_key=q.key,
                    platform=self.platform,
                    workspace_external_id=self.workspace_external_id,
                    target_key=q.message.target.ordering_key(),
                    payload=q.message.to_dict(),
                )
                for q in batch
            ),
            self.clock.now(),
        )
        self.queued.extend(batch)
