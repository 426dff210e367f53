"""Convener checks, made in the core against Convene's own convener list.

Whatever a platform's admin settings say (a Discord server can re-grant a
command to anyone), only members Convene marks as conveners pass.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import NotAllowed
from storage.models import Member
from storage.repositories import members as members_repo


async def require_convener(session: AsyncSession, actor: Member, doing: str) -> None:
    if actor.is_convener:
        return
    conveners = await members_repo.conveners(session, actor.workspace_id)
    if conveners:
        names = [c.display_name for c in conveners[:5]]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        more = " (or another convener)" if len(conveners) > 5 else ""
        raise NotAllowed(f"Only conveners can {doing}. Ask {who}{more} if you need it done.")
    raise NotAllowed(
        f"Only conveners can {doing}, and this workspace has none yet: ask whoever runs "
        "Convene to list you under `conveners` in its config."
    )
