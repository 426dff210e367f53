"""Finding a retro's messages among what the memory adapter delivered."""

from __future__ import annotations

import re

from adapters.memory import Delivered
from bot.events import Place, PlaceKind
from tests.support.harness import Harness

ITEM_KEY = re.compile(r"retro:\d+:item:\d+")
"""The idempotency key of an item's message (its edits keep it)."""


def retro_root(convene: Harness, name: str) -> Delivered:
    """The retro's first message in its channel (edited in place when it closes)."""

    (root,) = [
        d
        for d in convene.adapter.delivered
        if d.message.target.kind == "channel"
        and d.idempotency_key.endswith(":root")
        and d.text.startswith(f"*Retro: {name}*")
    ]
    return root


def retro_items(convene: Harness, root: Delivered) -> list[Delivered]:
    """The bot's item messages in the retro's thread, as they show now."""

    return [d for d in convene.thread(root) if ITEM_KEY.fullmatch(d.idempotency_key)]


def thread_place(root: Delivered) -> Place:
    """Where a member replies in the retro's thread."""

    return Place(
        PlaceKind.THREAD,
        root.message.target.channel_id or "general",
        thread_id=str(root.ref["message_id"]),
    )
