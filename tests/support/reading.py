"""Reading what the memory adapter delivered: who saw it, when, and its buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.memory import Delivered


def private(delivered: Sequence[Delivered], actor: str) -> list[str]:
    """What only ``actor`` was shown (replies and refusals)."""

    return [d.text for d in delivered if d.message.visible_to == actor]


def labels(item: Delivered) -> list[str]:
    """The labels of a message's buttons, in order."""

    return [button.label for button in item.message.buttons]


def sent_at(item: Delivered) -> datetime:
    assert item.at is not None, "give the adapter the clock: convene.adapter.clock = convene.clock"
    return item.at


def local(item: Delivered, zone: str) -> datetime:
    """When a message was sent, on the clock of someone in ``zone``."""

    return sent_at(item).astimezone(ZoneInfo(zone))


def squeezed(text: str) -> str:
    """Text with runs of spaces made one, to read table rows."""

    return "\n".join(" ".join(line.split()) for line in text.splitlines())
