"""Files Convene asked a member to send next in its DM, and what each is for.

Slack's slash commands carry no files, so ``/convene member import`` asks
for the file in the DM instead; the row says that the next file the member
posts there is for that command, until it expires. One per member: asking
again replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AwaitedFile


async def expect(
    session: AsyncSession, workspace_id: int, member_id: int, purpose: str, until: datetime
) -> None:
    """The member's next file is for ``purpose`` until ``until`` (replacing what was awaited)."""

    row = await session.get(AwaitedFile, (workspace_id, member_id))
    if row is None:
        row = AwaitedFile(
            workspace_id=workspace_id, member_id=member_id, purpose=purpose, expires_at=until
        )
    else:
        row.purpose, row.expires_at = purpose, until
    session.add(row)
    await session.flush()


async def awaited(session: AsyncSession, workspace_id: int, member_id: int) -> AwaitedFile | None:
    """What the member's next file is for, if Convene asked for one (expired or not)."""

    return await session.get(AwaitedFile, (workspace_id, member_id))


async def forget(session: AsyncSession, row: AwaitedFile) -> None:
    """The file came (or the wait is over): the next file is for nothing in particular."""

    await session.delete(row)
    await session.flush()
