"""Kinds of silo, as a convener lists and adds them, and the choice a typo leads to.

``/convene silo kinds`` lists the kinds (the standard ones, those added on
purpose, and any the silos already have); ``add`` and ``remove`` change the
ones added on purpose. When a command met a kind that is not known, the
answer carried ``[Use profession]`` and ``[Add kind "profesion"]``: pressing
one finishes that command, whichever job's it is (``bot.command_buttons``).
"""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.markup import plain
from bot.registry import Registry
from handlers.shared.kinds import (
    ADD,
    KINDS,
    STANDARD_KINDS,
    USE,
    Vocabulary,
    check_kind_word,
    kind_key,
    vocabulary,
)
from handlers.shared.members import workspace_id
from handlers.shared.text import plural, table
from storage.repositories import silo_kinds as kinds_repo

GROUP = "Landscape (conveners)"


async def kinds(context: Context, args: Args) -> None:
    action = (args.get("action") or "list").casefold()
    word = args.get("kind")
    if action == "list" and word is None:
        await context.reply(_listed(await vocabulary(context)))
        return
    if action not in ("add", "remove"):
        if word is None:
            raise UsageError(
                f"To add {plain(action)!r} as a kind of silo, type: "
                f"/convene silo kinds add {plain(action)}"
            )
        raise UsageError(
            f"Say add or remove, not {plain(action)!r}, like: "
            f"/convene silo kinds add {plain(' '.join(word.split()))}"
        )
    if word is None:
        raise UsageError(
            f"Name the kind to {action}, like: /convene silo kinds {action} ward.", usage=KINDS
        )
    typed = check_kind_word(word, KINDS)
    if action == "add":
        await context.reply(await _add(context, typed))
    else:
        await context.reply(await _remove(context, typed))


def _listed(known: Vocabulary) -> str:
    rows = [
        [
            kind,
            "standard"
            if kind in STANDARD_KINDS
            else ("added" if kind in known.added else "in use"),
            str(known.silos_of_kind.get(kind, 0)),
        ]
        for kind in known.kinds
    ]
    return (
        f"{plural(len(known.kinds), 'kind')} of silo:\n"
        + table(["kind", "from", "silos"], rows)
        + "\nAdd a kind on purpose with /convene silo kinds add NAME; give a silo its kind with "
        "/convene silo kind SILO KIND."
    )


async def _add(context: Context, typed: str) -> str:
    known = await vocabulary(context)
    already = known.meant(typed)
    if already is not None:
        same = "" if already == typed else f" ({typed} is the same kind)"
        return f"{already} is already a kind of silo{same}; nothing to add."
    name = kind_key(typed)
    await kinds_repo.add(context.session, workspace_id(context), name, context.now)
    return f"Added the kind {name}. Give a silo this kind with /convene silo kind SILO {name}."


async def _remove(context: Context, typed: str) -> str:
    known = await vocabulary(context)
    meant = known.meant(typed)
    if meant is None:
        raise UserError(f"{typed!r} is not a kind of silo here; the kinds are {known.sentence()}.")
    if meant not in known.added:
        why = (
            "it is one of the standard kinds"
            if meant in STANDARD_KINDS
            else "it was never added with /convene silo kinds add"
        )
        raise UserError(f"{meant} cannot be removed: {why}.")
    used = known.silos_of_kind.get(meant, 0)
    if used:
        raise UserError(
            f"{plural(used, 'silo')} {'is' if used == 1 else 'are'} of kind {meant}; give "
            f"{'it' if used == 1 else 'them'} another kind first (/convene silo kind SILO KIND), "
            "then remove it."
        )
    for kind in await kinds_repo.added(context.session, workspace_id(context)):
        if kind.name == meant:
            await kinds_repo.remove(context.session, kind)
    return f"Removed the kind {meant}."


KINDS_COMMAND = CommandSpec(
    path=("convene", "silo", "kinds"),
    handler=kinds,
    summary="List the kinds of silo, add one on purpose, or remove one that was added.",
    usage=KINDS,
    example="/convene silo kinds add ward",
    params=(Positional("action", required=False), Positional("kind", required=False)),
    convener_only=True,
    group=GROUP,
)
"""Declared with the landscape's commands, after ``/convene silo kind``."""


def register(registry: Registry) -> None:
    """The buttons that finish a command once the convener chose a kind."""

    registry.kept_question(USE)
    registry.kept_question(ADD)
