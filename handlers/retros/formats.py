"""Retro formats: the categories items go under, named or given by the convener."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UsageError
from bot.markup import has_control_characters

MAX_CATEGORY_LENGTH = 30
MAX_CATEGORIES = 6
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class RetroFormat:
    name: str
    categories: tuple[str, ...]
    prompt: str


FORMATS = {
    f.name: f
    for f in (
        RetroFormat(
            "start-stop-continue",
            ("Start", "Stop", "Continue"),
            "What should we start doing, stop doing, and keep doing?",
        ),
        RetroFormat(
            "4ls",
            ("Liked", "Learned", "Lacked", "Longed for"),
            "What did you like, learn, lack and long for?",
        ),
        RetroFormat(
            "glad-sad-mad",
            ("Glad", "Sad", "Mad"),
            "What made you glad, sad or mad?",
        ),
    )
}
FORMAT_NAMES = ", ".join(FORMATS)


def format_named(value: str, usage: str) -> RetroFormat:
    found = FORMATS.get(value.strip().lower())
    if found is None:
        raise UsageError(
            f"There is no format {value!r}. Formats: {FORMAT_NAMES}, "
            'or --categories "Keep,Change,Try".',
            usage=usage,
        )
    return found


def custom_format(value: str, usage: str) -> RetroFormat:
    """Categories given as "Keep,Change,Try": two to six distinct short names."""

    names = [" ".join(part.split()) for part in value.split(",")]
    if any(not name for name in names) or len(names) < 2:
        raise UsageError(
            'Give two to six categories separated by commas, like --categories "Keep,Change,Try".',
            usage=usage,
        )
    if len(names) > MAX_CATEGORIES:
        raise UsageError(
            f"That is {len(names)} categories; a retro takes at most {MAX_CATEGORIES}.", usage=usage
        )
    for name in names:
        if len(name) > MAX_CATEGORY_LENGTH or has_control_characters(name) or ":" in name:
            raise UsageError(
                f"The category {name[:40]!r} should be a short name (up to "
                f"{MAX_CATEGORY_LENGTH} characters, no ':').",
                usage=usage,
            )
    if len({name.casefold() for name in names}) != len(names):
        raise UsageError("Two of those categories are the same; name each once.", usage=usage)
    return RetroFormat(CUSTOM, tuple(names), "Add your items under each heading.")


def category_meant(categories: tuple[str, ...] | list[str], typed: str) -> str | None:
    """The category a member meant by a name or an unambiguous start of one, any case."""

    word = " ".join(typed.split()).casefold()
    if not word:
        return None
    exact = [c for c in categories if c.casefold() == word]
    if exact:
        return exact[0]
    starts = [c for c in categories if c.casefold().startswith(word)]
    return starts[0] if len(starts) == 1 else None
