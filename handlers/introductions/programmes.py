"""Which programme (or programmes) a command means, from what the member typed and where."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.markup import plain
from handlers.shared.channels import channel_id
from handlers.shared.members import workspace_id
from storage.models import Programme
from storage.repositories import pairings as pairings_repo


async def programme_meant(context: Context, reference: str | None, usage: str) -> Programme:
    """The programme a command is about: named, the one here, or the only one."""

    wid = workspace_id(context)
    if reference:
        found = await pairings_repo.programme_in(
            context.session, wid, await channel_id(context, reference, usage)
        )
        if found is None:
            raise UserError(
                f"There are no introductions in {plain(reference)} yet. A convener starts them "
                "with /convene pairing start.",
                usage=usage,
            )
        return found
    here = await pairings_repo.programme_in(context.session, wid, context.event.place.channel_id)
    if here is not None:
        return here
    every = await pairings_repo.programmes(context.session, wid)
    if len(every) == 1:
        return every[0]
    if not every:
        raise UserError(
            "There are no introductions here yet. A convener starts them with "
            "/convene pairing start #general every 2 weeks on Monday 10:00"
        )
    names = ", ".join(f"#{p.channel_name}" for p in every)
    raise UserError(f"There are introductions in {names}; say which one.", usage=usage)


async def programmes_meant(context: Context, reference: str | None, usage: str) -> list[Programme]:
    """The programme named, or every programme of the workspace when none is named."""

    if reference:
        return [await programme_meant(context, reference, usage)]
    return list(await pairings_repo.programmes(context.session, workspace_id(context)))
