"""The workspace's own settings: ``/convene settings`` shows them, a convener changes them.

One so far: the date order, which way round dates in numbers are read
(``handlers.shared.date_order``). Day first is the default; "3/12" is asked
about in either order, the workspace's reading offered first.
"""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError
from bot.markup import plain
from bot.registry import Registry
from handlers.shared.date_order import (
    date_order_named,
    first_reading_of_3_12,
    order_text,
    workspace_date_order,
)
from storage.repositories import workspace_settings as settings_repo

GROUP = "Landscape (conveners)"
SETTINGS = "/convene settings"
DATE_ORDER = "/convene settings date-order dmy|mdy"


async def show(context: Context, args: Args) -> None:
    order = await workspace_date_order(context)
    other = "mdy" if order == "dmy" else "dmy"
    await context.reply(
        "Settings for this workspace:\n"
        f"Date order: {order_text(order)}. A date that reads both ways round, like 3/12, is "
        f"asked about with a button for each, {first_reading_of_3_12(order)} first.\n"
        f"Change it with /convene settings date-order {other}"
    )


async def set_date_order(context: Context, args: Args) -> None:
    typed = args["order"]
    order = date_order_named(typed)
    if order is None:
        raise UsageError(
            f"{plain(typed)!r} is not a date order; say dmy (day first: 31/12) or mdy "
            "(month first: 12/31), like /convene settings date-order mdy.",
            usage=DATE_ORDER,
        )
    assert context.workspace.id is not None
    before = await workspace_date_order(context)
    if order == before:
        await context.reply(f"Dates are already read {order_text(order)}.")
        return
    await settings_repo.set_date_order(context.session, context.workspace.id, order)
    await context.reply(
        f"Dates in numbers are now read {order_text(order)}: 3/12 is offered as "
        f"{first_reading_of_3_12(order)} first, and a date only one way round can be "
        "(31/12, 12/31) is read that way whatever the order."
    )


COMMANDS = (
    CommandSpec(
        path=("convene", "settings"),
        handler=show,
        summary="See this workspace's settings (the order of dates in numbers).",
        usage=SETTINGS,
        example=SETTINGS,
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "settings", "date-order"),
        handler=set_date_order,
        summary="Read dates in numbers day first (dmy: 31/12, the default) or month first (mdy).",
        usage=DATE_ORDER,
        example="/convene settings date-order mdy",
        params=(Positional("order"),),
        convener_only=True,
        group=GROUP,
    ),
)


def register(registry: Registry) -> None:
    for spec in COMMANDS:
        registry.command(spec)
