"""The workspace a command is in, and the members and silos it names.

Every job that takes a member or a silo as an argument finds it here, with
one refusal that says how a convener adds what is missing.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.markup import plain
from bot.nearest import nearest
from bot.words import quoted
from handlers.shared.text import member_reference
from storage.models import Member, Silo
from storage.repositories import members as members_repo
from storage.repositories import silos as silos_repo


def workspace_id(context: Context) -> int:
    """The stored workspace's id (the dispatcher has stored it before any handler runs)."""

    assert context.workspace.id is not None
    return context.workspace.id


async def find_silo(context: Context, name: str, usage: str) -> Silo:
    silo = await silos_repo.find(context.session, workspace_id(context), name)
    if silo is not None:
        return silo
    names = await silos_repo.all_names(context.session, workspace_id(context))
    known = f" Silos so far: {', '.join(names)}." if names else " There are no silos yet."
    raise UserError(
        f"There is no silo called {plain(name)!r}.{known} A convener adds one with "
        f'/convene silo add "{plain(name)}" --kind team.',
        usage=usage,
    )


async def find_member(context: Context, reference: str, usage: str) -> Member:
    """The member named by id, name or mention, or a refusal saying how to add them."""

    member = await members_repo.find(
        context.session, workspace_id(context), member_reference(reference)
    )
    if member is None:
        everyone = await members_repo.of_workspace(context.session, workspace_id(context))
        near = nearest(member_reference(reference), [m.display_name for m in everyone])
        meant = f" Did you mean {near[0]}?" if near else ""
        raise UserError(
            f"I don't know a member called {plain(reference)!r}.{meant} "
            f"{'Or add' if near else 'Add'} them with "
            f"/convene member add {quoted(plain(member_reference(reference)))}.",
            usage=usage,
        )
    return member
