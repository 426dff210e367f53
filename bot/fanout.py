"""Sending one kind of message to thousands of members: serialised once, filled in per member.

A fan-out (a check-in's prompts, a morning's commitment reminders) sends
messages that differ in a few strings: the member, a sentence, a button's
value. ``MessageShape`` builds the message once with a marker in each of those
places, serialises it, and for each member joins the pieces around the member's
strings (JSON-escaped), which costs a fraction of building and serialising a
message a member. The rows it makes are those ``Outbox.send`` would queue.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.messages import OutgoingMessage
from bot.outbox import Outbox
from storage.repositories import outbox_bulk

_escape: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""The escaping ``json.dumps`` applies to a string, quotes included (its C version)."""


@dataclass(frozen=True, slots=True)
class _Pieces:
    """A text with holes where the markers were: a ``str.format`` template and the holes' names."""

    template: str
    holes: frozenset[str]

    def fill(self, values: dict[str, str]) -> str:
        return self.template.format_map(values)


def _cut(text: str, markers: dict[str, str]) -> _Pieces:
    by_marker = {marker: name for name, marker in markers.items()}
    pattern = "|".join(re.escape(marker) for marker in by_marker)
    pieces: list[str] = []
    holes: set[str] = set()
    start = 0
    for found in re.finditer(pattern, text):
        pieces.append(_literal(text[start : found.start()]))
        name = by_marker[found.group()]
        pieces.append("{" + name + "}")
        holes.add(name)
        start = found.end()
    pieces.append(_literal(text[start:]))
    return _Pieces("".join(pieces), frozenset(holes))


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class MessageShape:
    """Messages built by ``build`` from named strings, serialised once.

    ``build`` must put each string into the message as it is (no escaping,
    trimming or checking of its own): a string it changes is refused here, at
    construction, rather than sent wrong.
    """

    def __init__(self, build: Callable[..., OutgoingMessage], *holes: str) -> None:
        token = secrets.token_hex(8)
        markers = {name: f"@@{token}:{name}@@" for name in holes}
        message = build(**markers)
        payload = json.dumps(message.to_dict())
        self._payload = _cut(payload, markers)
        self._target = _cut(message.target.ordering_key(), markers)
        missing = set(holes) - set(self._payload.holes)
        if missing:
            raise ValueError(f"the message does not hold {sorted(missing)} as given")

    def row(self, key: str, **values: str) -> outbox_bulk.PreparedRow:
        """The outbox row of the message built from ``values``: key, ordering key, payload."""

        target = self._target.fill(values)
        for name, value in values.items():
            values[name] = _escape(value)[1:-1]
        return key, target, self._payload.fill(values)


async def send_prepared(outbox: Outbox, rows: Iterable[outbox_bulk.PreparedRow]) -> None:
    """Queue prepared rows through the outbox's session, after what it already holds.

    What the handler sent before is written first, so messages keep the order
    they were sent in; a key already queued is skipped, as with ``Outbox.send``.
    """

    await outbox.flush()
    await outbox_bulk.enqueue_prepared(
        outbox.session,
        platform=outbox.platform,
        workspace_external_id=outbox.workspace_external_id,
        rows=rows,
        now=outbox.clock.now(),
    )
