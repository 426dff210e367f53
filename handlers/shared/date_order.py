"""Which way round a workspace writes dates in numbers: day first (31/12) or month first (12/31).

Day first is the default; a convener changes it with ``/convene settings
date-order mdy``. The order decides which reading of "3/12" is offered first
when Convene asks, and how the date library reads numbers; a date that can
only be read one way round ("31/12", "12/31") is read that way in either.
"""

from __future__ import annotations

from typing import Literal

from bot.context import Context
from storage.repositories import workspace_settings as settings_repo

DateOrder = Literal["dmy", "mdy"]
DATE_ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy")
DEFAULT_ORDER: DateOrder = "dmy"


def date_order_named(word: str) -> DateOrder | None:
    """ "dmy" or "mdy" as typed ("DMY", "d/m/y", "day-first"), or None."""

    cleaned = "".join(char for char in word.lower() if char.isalpha())
    aliases: dict[str, DateOrder] = {
        "dmy": "dmy",
        "dayfirst": "dmy",
        "day": "dmy",
        "british": "dmy",
        "uk": "dmy",
        "mdy": "mdy",
        "monthfirst": "mdy",
        "month": "mdy",
        "american": "mdy",
        "us": "mdy",
    }
    return aliases.get(cleaned)


def order_text(order: DateOrder) -> str:
    """ "day first (dmy, as in 31/12)"."""

    if order == "mdy":
        return "month first (mdy, as in 12/31)"
    return "day first (dmy, as in 31/12)"


def first_reading_of_3_12(order: DateOrder) -> str:
    """How "3/12" reads first in this order, for the settings to show."""

    return "March 12" if order == "mdy" else "3 December"


async def workspace_date_order(context: Context) -> DateOrder:
    """The order of the workspace the event came from."""

    assert context.workspace.id is not None
    stored = await settings_repo.date_order(context.session, context.workspace.id)
    return "mdy" if stored == "mdy" else DEFAULT_ORDER
