"""A message Convene sent as several Discord messages, and how an edit changes them.

Discord takes 2,000 characters a message, so longer text goes out in parts
(``render.chunks``), the buttons under the last. The reference the outbox
keeps for such a message names every part in order (``parts``) with a
digest of what each says (``digests``), and its ``message_id`` stays
the last part's, where the buttons are and where a thread started from the
message hangs. A group message Discord could not put in a private thread
goes to each member's DMs; the reference then carries the other members'
copies (``copies``), each a reference of its own.

An edit must change every part and every copy, or a member sees the new
beginning under the old rest. A part whose digest says it already reads
right is left alone (Discord marks every edited message "(edited)"). When
the new text needs fewer parts, the last parts are kept (so ``message_id``
does not move) and the first ones deleted; when it needs more, the new parts
follow the old ones. The reference an edit returns names the parts as they
now are, so the next edit finds them. A send or an edit that stops part-way
reports the parts as they are then (``PartlyDelivered``), and an edit from
that reference finishes the work without sending a part twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapter import DIGESTS, PARTS, MessageRef, SentPart

COPIES = "copies"
Payload = dict[str, Any]
Part = SentPart


def normal(body: Payload) -> Payload:
    """A part's body as an edit sends it: with its components, even none (an edit
    that left them out would keep the old part's buttons)."""

    return {**body, "components": body.get("components") or []}


def digest(body: Payload) -> str:
    """What a part says, in a few characters: equal digests, equal parts."""

    encoded = json.dumps(normal(body), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def with_parts(ref: MessageRef, parts: Sequence[Part], *, listed: bool = False) -> MessageRef:
    """``ref`` naming ``parts`` as the message's; a message in one part keeps the plain
    shape unless ``listed`` (a send that stopped after its first part)."""

    if not parts:
        raise ValueError("a message has at least one part")
    made: MessageRef = {k: v for k, v in ref.items() if k not in (PARTS, DIGESTS)}
    made["message_id"] = parts[-1][0]
    if listed or len(parts) > 1:
        made[PARTS] = [message_id for message_id, _ in parts]
        made[DIGESTS] = [known for _, known in parts]
    return made


def copies(ref: MessageRef) -> list[MessageRef]:
    """The other members' copies of a group message sent one DM each."""

    found = ref.get(COPIES)
    return (
        [dict(each) for each in found if isinstance(each, dict)] if isinstance(found, list) else []
    )


def without_copies(ref: MessageRef) -> MessageRef:
    return {k: v for k, v in ref.items() if k != COPIES}


def grouped(refs: Sequence[MessageRef]) -> MessageRef:
    """One reference for a message sent to several members: the first, naming the others."""

    first, *others = refs
    return {**first, COPIES: list(others)} if others else dict(first)


@dataclass(frozen=True, slots=True)
class PartEdit:
    """What one edit does to a message's parts: change some, post more, delete the rest."""

    keep: tuple[str, ...]
    """The old parts that stay, in order (changed or not)."""
    patch: tuple[tuple[str, Payload], ...]
    """The kept parts that must change, and what each is to say."""
    post: tuple[Payload, ...]
    """New parts, after the kept ones."""
    delete: tuple[str, ...]


def plan_edit(old: Sequence[Part], bodies: Sequence[Payload]) -> PartEdit:
    """Change ``old`` parts to read ``bodies`` (in order, the buttons on the last)."""

    if not old or not bodies:
        raise ValueError("an edit changes at least one part into at least one part")
    wanted = [normal(body) for body in bodies]
    if len(wanted) <= len(old):
        kept = list(old[len(old) - len(wanted) :])
        dropped = tuple(message_id for message_id, _ in old[: len(old) - len(wanted)])
        new: list[Payload] = []
    else:
        kept = list(old)
        dropped = ()
        new = wanted[len(old) :]
    patch = tuple(
        (message_id, body)
        for (message_id, known), body in zip(kept, wanted, strict=False)
        if known != digest(body)
    )
    return PartEdit(tuple(i for i, _ in kept), patch, tuple(new), dropped)
