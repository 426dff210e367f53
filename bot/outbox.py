"""Queueing messages: the only way a handler sends anything.

A message is a row before it is a send. It is written in the handler's own
transaction, so a command's reply and its data change commit together or not
at all, and its idempotency key makes a repeated queueing (a retried event, a
replayed schedule slot) a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.messages import OutgoingMessage
from storage.repositories import outbox as outbox_repo


@dataclass
class Outbox:
    """Queues messages for one workspace on one platform, inside one session."""

    session: AsyncSession
    platform: str
    workspace_external_id: str
    clock: Clock

    async def send(self, key: str, message: OutgoingMessage) -> None:
        await self.send_many([(key, message)])

    async def send_many(self, items: Iterable[tuple[str, OutgoingMessage]]) -> None:
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
                for key, message in items
            ),
            self.clock.now(),
        )
