"""An edit changes a message as the last delivered edit left it.

An edit may change a message's platform reference: a Discord message sent in
several parts gains or loses parts when its text grows or shrinks, and the
adapter's ``edit`` returns the reference naming the parts as they now are.
The deliverer records that reference on the edit's row, and the next edit of
the same message must start from it, not from the reference the message was
first delivered with (whose parts may be gone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from bot.adapter import MessageRef
from bot.clock import ManualClock
from bot.deliverer import Deliverer
from bot.messages import OutgoingMessage, Target
from tests.support.outbox import deliver_everything, queue

TARGET = Target.channel("retros")


@dataclass
class PartsAdapter(MemoryAdapter):
    """The memory adapter, whose edits say how many times the message was edited in
    the reference they return (as a platform's parts would change)."""

    edited_refs: list[MessageRef] = field(default_factory=list)

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        self.edited_refs.append(dict(ref))
        await super().edit(workspace_id, ref, message)
        return {**ref, "generation": int(ref.get("generation", 0)) + 1}


async def test_each_edit_starts_from_the_reference_the_edit_before_it_returned(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    adapter = PartsAdapter(clock=clock)
    deliverer = Deliverer(sessions, adapter, clock, worker="w1")
    await queue(sessions, clock, [("retro:1", OutgoingMessage(TARGET, "v0"))], platform="memory")
    await deliver_everything([deliverer], sessions, clock)
    for n in (1, 2, 3):
        edit = OutgoingMessage(TARGET, f"v{n}", replaces="retro:1")
        await queue(sessions, clock, [(f"retro:1:edit:{n}", edit)], platform="memory")
        await deliver_everything([deliverer], sessions, clock)

    assert [ref.get("generation", 0) for ref in adapter.edited_refs] == [0, 1, 2]
    assert [d.text for d in adapter.delivered] == ["v3"]
