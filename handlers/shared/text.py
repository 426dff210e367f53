"""Text that several jobs check or write: names, member references, tables, plurals."""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import UsageError
from bot.markup import has_control_characters

MAX_NAME_LENGTH = 80


def clean_name(value: str, what: str, usage: str) -> str:
    """A name for a silo or member: trimmed, printable, not too long."""

    name = " ".join(value.split())
    if not name:
        raise UsageError(f"The {what} cannot be empty.", usage=usage)
    if has_control_characters(value):
        raise UsageError(
            f"The {what} holds control characters; use letters, digits and spaces.", usage=usage
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"The {what} is {len(name):,} characters long; keep it to {MAX_NAME_LENGTH}.",
            usage=usage,
        )
    if name.startswith("-"):
        raise UsageError(f"The {what} cannot start with '-'.", usage=usage)
    return name


def member_reference(value: str) -> str:
    """What a command names a member by: their platform id or name, without a leading @.

    A platform's own mention (Slack's ``<@U123>`` or ``<@U123|kenji>``, Discord's
    ``<@123>``) gives the id.
    """

    text = value.strip()
    if text.startswith("<@") and text.endswith(">"):
        return text[2:-1].lstrip("!").split("|", 1)[0] or text
    return text[1:] if text.startswith("@") and len(text) > 1 else text


def mention_name(value: str) -> str | None:
    """The name inside a platform mention that carries one (``<@U123|kenji>``), if any."""

    text = value.strip()
    if text.startswith("<@") and text.endswith(">") and "|" in text:
        return text[2:-1].split("|", 1)[1].strip() or None
    return None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width table inside a code block, readable on every platform."""

    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    body = [line(headers), line(["-" * w for w in widths])]
    body.extend(line(row) for row in rows)
    return "```\n" + "\n".join(body) + "\n```"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def listed(words: Sequence[str], last: str = "and") -> str:
    """Words as a sentence lists them: "a", "a and b", "a, b and c" (or ``last="or"``)."""

    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]
