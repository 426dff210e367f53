"""``/convene map``: the landscape as a picture, with its matrix, sent to the convener.

Read once (``load_landscape``), laid out and drawn in a worker thread (the
drawing takes a CPU-second on a big workspace and must not stall other
members' commands), remembered for the next map of the same view in the
command's own transaction, and sent as one message with the PNG and one
matrix CSV per kind. A map is a file, so outside a DM it goes to the
convener's DM and a short note says so where they asked.
"""

from __future__ import annotations

import asyncio

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.errors import UserError
from bot.markup import plain
from bot.messages import FileAttachment
from handlers.landscape.map_view import (
    Previous,
    View,
    message,
    new_bridges,
    positions_to_keep,
    read_previous,
    render,
    states_to_keep,
)
from handlers.landscape.matrix import file_name, matrix_csvs
from handlers.shared.channels import channel_id
from handlers.shared.kinds import KindAsked, kind_meant
from handlers.shared.landscape import load_landscape
from handlers.shared.members import workspace_id
from handlers.shared.periods import describe_since, read_since
from storage.models import Programme
from storage.repositories import landscape as landscape_repo
from storage.repositories import pairings as pairings_repo

MAP = "/convene map [--kind KIND] [--programme #CHANNEL] [--since 3mo]"
MAP_PATH = ("convene", "map")


async def convene_map(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    kind = (
        await kind_meant(context, args["kind"], KindAsked(MAP_PATH, args, "kind", MAP))
        if args.get("kind")
        else None
    )
    programme = await _programme(context, args.get("programme"))
    since = read_since(args.get("since"), context.now, MAP)
    landscape = await load_landscape(
        context.session,
        wid,
        kind=kind,
        programme_id=programme.id if programme else None,
        since=since,
        with_rounds=False,
    )
    if not landscape.silos:
        raise _no_silos(kind)
    view = View(
        kind,
        programme.id if programme else None,
        programme.channel_name if programme else None,
        args.get("since"),
        describe_since(since, context.now),
    )
    kept = await landscape_repo.last_map(context.session, wid, view.scope)
    previous: Previous | None = (
        read_previous(kept.made_at, kept.positions, kept.bridges) if kept else None
    )
    new = new_bridges(landscape, previous)
    people = await landscape_repo.members_in_silos(context.session, [s.id for s in landscape.silos])
    png, positions = await asyncio.to_thread(
        render, landscape, previous, new, view, people, context.now
    )
    await landscape_repo.keep_map(
        context.session,
        wid,
        view.scope,
        context.now,
        positions_to_keep(positions),
        states_to_keep(landscape),
    )
    files = [FileAttachment("map.png", "image/png", png, title="The landscape")]
    for silo_kind, text in matrix_csvs(landscape).items():
        files.append(
            FileAttachment(
                file_name(silo_kind),
                "text/csv",
                text.encode("utf-8-sig"),
                title=f"Which {silo_kind} silos met",
            )
        )
    await context.reply(
        message(landscape, view, previous, new, [f.name for f in files], context.now),
        files=files,
    )


async def _programme(context: Context, reference: str | None) -> Programme | None:
    """The programme named by its channel, or None for every programme."""

    if not reference:
        return None
    wid = workspace_id(context)
    found = await pairings_repo.programme_in(
        context.session, wid, await channel_id(context, reference, MAP)
    )
    if found is not None:
        return found
    every = await pairings_repo.programmes(context.session, wid)
    if not every:
        raise UserError(
            f"There are no introductions in {plain(reference)}, nor anywhere yet. Map every "
            "silo with /convene map, or start introductions with /convene pairing start.",
            usage=MAP,
        )
    names = ", ".join(f"#{p.channel_name}" for p in every)
    raise UserError(
        f"There are no introductions in {plain(reference)}. Introductions run in {names}; "
        f"name one, like /convene map --programme #{every[0].channel_name}",
        usage=MAP,
    )


def _no_silos(kind: str | None) -> UserError:
    if kind is None:
        return UserError(
            "There are no silos to map yet. Add silos with /convene silo add Radiotherapy "
            "--kind team, put people in them with /convene member add alice --silo "
            "Radiotherapy, then ask for the map again."
        )
    return UserError(
        f"There are no {kind} silos yet. Map every kind with /convene map, or add one with "
        f"/convene silo add NAME --kind {kind}.",
        usage=MAP,
    )


MAP_COMMAND = CommandSpec(
    path=MAP_PATH,
    handler=convene_map,
    summary="Draw the landscape: which silos met, which were introduced, what is new.",
    usage=MAP,
    example="/convene map --kind team --since 3mo",
    params=(Option("kind", "KIND"), Option("programme", "#CHANNEL"), Option("since", "PERIOD")),
    convener_only=True,
    group="Landscape (conveners)",
)
