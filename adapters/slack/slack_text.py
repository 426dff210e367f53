"""Slack's text as members typed it.

Slack sends the text of messages and slash commands escaped: ``&``, ``<`` and
``>`` typed by a member arrive as ``&amp;``, ``&lt;`` and ``&gt;``, and every
``<...>`` is Slack's own markup (https://api.slack.com/reference/surfaces/formatting):

- ``<@U123>`` or ``<@U123|kenji>``: a member mentioned;
- ``<#C123>`` or ``<#C123|general>``: a channel;
- ``<!here>``, ``<!channel>``, ``<!everyone>``, ``<!subteam^S123|@nurses>``,
  ``<!date^...|fallback>``: Slack's special mentions;
- ``<https://example.org>`` or ``<https://example.org|label>``: a link.

Decoding happens once, here, as the text comes in; the renderers escape it
once on the way out. Every entity is decoded in one pass, so a member who
typed ``&lt;`` keeps their ``&lt;``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTER = {"amp": "&", "lt": "<", "gt": ">"}
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
_SPECIAL = frozenset({"here", "channel", "everyone"})


def unescape(text: str) -> str:
    """Slack's three entities as the characters typed, in a single pass."""

    return _ENTITY.sub(lambda entity: _CHARACTER[entity[1]], text)


def _decode(slack_text: str, markup: Callable[[str], str]) -> str:
    out: list[str] = []
    position = 0
    for found in _MARKUP.finditer(slack_text):
        out.append(unescape(slack_text[position : found.start()]))
        out.append(markup(found[1]))
        position = found.end()
    out.append(unescape(slack_text[position:]))
    return "".join(out)


def _plain(markup: str, names: Mapping[str, str]) -> str:
    """One piece of Slack markup as the plain text a member would read."""

    target, _, label = markup.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        user = target[1:]
        return "@" + (names.get(user) or label.lstrip("@") or user)
    if target.startswith("#"):
        return "#" + (label.lstrip("#") or target[1:])
    if target.startswith("!"):
        word = target[1:]
        if word in _SPECIAL:
            return "@" + word
        if word.startswith("subteam^"):
            return label or "@" + word.removeprefix("subteam^")
        return label or word.split("^", 1)[0]
    url = unescape(target)
    if not label or label == url or label == url.split(":", 1)[-1].lstrip("/"):
        return label or url
    return f"{label} ({url})"


def member_text(slack_text: str, names: Mapping[str, str] | None = None) -> str:
    """What a member typed in a message: plain text, mentions as ``@name``.

    ``names`` gives members' names by id (a message event's ``<@U123>``
    carries none); a member not in it keeps the name Slack gave, or the id.
    """

    known = names or {}
    return _decode(slack_text, lambda markup: _plain(markup, known))


def command_text(slack_text: str) -> str:
    """A slash command's text as typed, but members and channels still as Slack names them.

    A command's arguments name members and channels (``member add <@U123>``,
    ``checkin create "Pulse" <#C123|general>``), and the commands read Slack's
    references to them exactly; links and special mentions become plain text.
    """

    return _decode(
        slack_text,
        lambda markup: f"<{markup}>" if markup[:1] in ("@", "#") else _plain(markup, {}),
    )


def mentioned_user_ids(slack_text: str) -> list[str]:
    """The members a message's Slack text mentions, in order, without repeats."""

    seen: dict[str, None] = {}
    for found in _MARKUP.finditer(slack_text):
        target = found[1].partition("|")[0]
        if target.startswith("@") and _USER_ID.fullmatch(target[1:]):
            seen.setdefault(target[1:], None)
    return list(seen)
