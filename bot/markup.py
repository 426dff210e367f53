"""Convene's small neutral markup.

Handlers write text once; each adapter renders it for its platform. The
markup is plain text plus two things:

- ``*bold*`` for emphasis, which Slack and Discord both understand and the
  shell prints as it is;
- mentions, written with ``mention(platform_user_id)``. A mention is wrapped
  in control characters that no member can type (``plain`` strips them from
  user text), so text that came from a person can never forge a mention or a
  ping: ``<!channel>`` or ``@everyone`` in it stays literal text, and each
  renderer escapes it for its platform.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_MENTION_OPEN = "\x1f@"
_MENTION_CLOSE = "\x1e"
_MENTION = re.compile("\x1f@([^\x1e\x1f]+)\x1e")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def mention(platform_user_id: str) -> str:
    """A mention of a member, rendered by each adapter in its own way."""

    return f"{_MENTION_OPEN}{platform_user_id}{_MENTION_CLOSE}"


def plain(user_text: str) -> str:
    """Make text that a person typed safe to put into a message.

    Strips control characters (so no mention can be forged) and nothing else:
    the renderers escape what each platform would otherwise interpret.
    """

    return _CONTROL.sub("", user_text)


def has_control_characters(text: str) -> bool:
    """True when text holds characters no name or answer should contain.

    Lone surrogates (``Cs``) count: they are bytes that were not UTF-8 (kept
    by ``surrogateescape``) or a JSON ``\\udXXX`` escape, and no database or
    platform can store or show them.
    """

    if _CONTROL.search(text):
        return True
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in "\t\n" for ch in text)


def mentioned_ids(text: str) -> list[str]:
    """The platform user ids a text mentions, in order, without repeats."""

    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def render(
    text: str,
    *,
    escape: Callable[[str], str],
    render_mention: Callable[[str], str],
) -> str:
    """Render neutral markup: escape every literal span, then render each mention."""

    out: list[str] = []
    position = 0
    for match in _MENTION.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(render_mention(match.group(1)))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)
