"""The words of a command line: split as people type them, and typed back.

People type on phones and in word processors as much as in terminals, so a
quote may be curly (“Data & Analytics”, ‘Public Health’, „Öffentliche
Gesundheit“) and an apostrophe may sit inside a word (Bob’s, O'Neill). Curly
quotes act as quotes where they open or close a word; an apostrophe between
two letters or digits is part of the word. A phone also turns ``--`` into a
dash (``—kind``); ``parse_args`` reads that as the option it was meant to be.

``command_line`` does the reverse: the words a refusal offers as the command
to type instead, quoted only where a word needs it, so that splitting them
again gives the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import UsageError
from bot.markup import has_control_characters

MAX_COMMAND_LENGTH = 2000
TYPE_INSTEAD = " Type: "
"""What comes before the command a refusal offers to type instead."""

STRAIGHT_DOUBLE = '"'
STRAIGHT_SINGLE = "'"
DOUBLE_QUOTES = frozenset('"“”„‟″')
SINGLE_QUOTES = frozenset("'‘’‚‛")
SMART_CLOSERS = {
    "double": frozenset('”“″‟"'),
    "single": frozenset("’‘'‛"),
}
OPENS_AFTER = frozenset("=")
"""A quote may open a word's value after these (``--silo="Public Health"``)."""


@dataclass(frozen=True, slots=True)
class _Unclosed:
    """A quote that opened and never closed: where it is, to say so and to close it."""

    start: int
    closer: str


def split_words(text: str, command: str | None = None) -> list[str]:
    """Split a command line into words, honouring "double", 'single' and curly quotes.

    ``command`` (``convene`` for ``/convene …``) lets a refusal show the whole
    command to type instead.
    """

    check_line(text, command)
    words, unclosed = _split(text, lenient=False)
    if unclosed is None:
        return words
    # Opened straight and closed curly ("Public Health”): still one name.
    lenient, still_open = _split(text, lenient=True)
    if still_open is None:
        return lenient
    raise _unclosed_refusal(text, unclosed, command)


def split_plain(text: str, command: str | None = None) -> list[str]:
    """Split a command line on spaces only (see ``CommandSpec.free_text``): prose keeps its
    quotes and apostrophes exactly as typed."""

    check_line(text, command)
    return text.split()


def check_line(text: str, command: str | None = None) -> None:
    """Refuse a line no command could use: too long, or holding control characters."""

    if len(text) > MAX_COMMAND_LENGTH:
        raise UsageError(
            f"That command is {len(text):,} characters long; commands take at most "
            f"{MAX_COMMAND_LENGTH:,}. Say it in fewer words."
        )
    if has_control_characters(text.replace("\n", " ")):
        cleaned = "".join(ch for ch in text if not has_control_characters(ch) or ch == "\n")
        # Invisible characters can simply go; bytes that were not text stood for a
        # letter, and a command without it would name something else.
        broken = any("\ud800" <= ch <= "\udfff" for ch in text)
        fix = (
            f"{TYPE_INSTEAD}/{command} {' '.join(cleaned.split())}"
            if command and not broken
            else ""
        )
        raise UsageError(
            "That command holds control characters (invisible ones, perhaps pasted); "
            f"type it as plain text.{fix}"
        )


def quoted(word: str) -> str:
    """A word as it must be typed to come back as this one word."""

    if (
        word
        and not any(ch.isspace() for ch in word)
        and _split(word, lenient=False) == ([word], None)
    ):
        return word
    if not word or STRAIGHT_DOUBLE not in word:
        return f'"{word}"'
    if STRAIGHT_SINGLE not in word:
        return f"'{word}'"
    return '"' + word.replace('"', '"\'"\'"') + '"'


def command_line(words: Sequence[str], *, plain: bool = False) -> str:
    """``/`` and the words, each quoted where it needs it (``plain``: joined as they are,
    for free text, where quotes are not quotes)."""

    return "/" + " ".join(word if plain else quoted(word) for word in words if word or not plain)


# -- the splitting itself -------------------------------------------------------------------


def _split(text: str, *, lenient: bool) -> tuple[list[str], _Unclosed | None]:
    words: list[str] = []
    current: list[str] = []
    in_word = False
    index = 0
    while index < len(text):
        ch = text[index]
        if ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            index += 1
            continue
        closer = _opening(text, index, in_word, current)
        if closer is None:
            current.append(ch)
            in_word = True
            index += 1
            continue
        end = _closing(text, index + 1, ch, closer, lenient=lenient)
        if end is None and lenient and closer == "single" and ch != STRAIGHT_SINGLE:
            current.append(ch)  # ’til, ’90s: a curly apostrophe that opens nothing
            in_word = True
            index += 1
            continue
        if end is None:
            return words, _Unclosed(index, closer)
        current.append(text[index + 1 : end])
        in_word = True
        index = end + 1
    if in_word:
        words.append("".join(current))
    return words, None


def _opening(text: str, index: int, in_word: bool, current: list[str]) -> str | None:
    """The kind of quote that opens at ``index`` ("double"/"single"), or None if the
    character there is part of the word (an apostrophe, a quote inside a word)."""

    ch = text[index]
    if ch not in DOUBLE_QUOTES and ch not in SINGLE_QUOTES:
        return None
    at_start = not in_word or (bool(current) and current[-1][-1:] in OPENS_AFTER)
    if ch == STRAIGHT_DOUBLE:
        return "double"
    if ch == STRAIGHT_SINGLE:
        return None if _between_letters(text, index) else "single"
    if not at_start:
        return None  # Bob’s, a curly quote inside a word
    return "double" if ch in DOUBLE_QUOTES else "single"


def _closing(text: str, start: int, opener: str, kind: str, *, lenient: bool) -> int | None:
    """Where the quote opened by ``opener`` closes, from ``start``."""

    if opener == STRAIGHT_DOUBLE and not lenient:
        closers: frozenset[str] = frozenset(STRAIGHT_DOUBLE)
    elif opener == STRAIGHT_SINGLE and not lenient:
        closers = frozenset(STRAIGHT_SINGLE)
    else:
        closers = SMART_CLOSERS[kind]
    for index in range(start, len(text)):
        ch = text[index]
        if ch not in closers:
            continue
        if kind == "single" and index + 1 < len(text) and text[index + 1].isalnum():
            continue  # 'Bob's team', ’til the ’90s: an apostrophe does not close
        return index
    return None


def _between_letters(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()


def _unclosed_refusal(text: str, unclosed: _Unclosed, command: str | None) -> UsageError:
    """Name the quoted words left open, and offer the line with the quote closed where the
    quoted words end (before the next ``--option``, else at the end)."""

    rest = text[unclosed.start + 1 :]
    cut = len(rest)
    for marker in (" --", " —", " –"):
        found = rest.find(marker)
        if found != -1:
            cut = min(cut, found)
    inside = rest[:cut].rstrip()
    opener = text[unclosed.start]
    closing = STRAIGHT_DOUBLE if unclosed.closer == "double" else STRAIGHT_SINGLE
    if opener not in (STRAIGHT_DOUBLE, STRAIGHT_SINGLE):
        closing = _CURLY_PAIRS.get(opener, opener)
    closed = text[: unclosed.start + 1] + inside + closing + rest[len(inside) :]
    shown = inside if len(inside) <= 40 else inside[:40] + "…"
    fix = f"{TYPE_INSTEAD}/{command} {closed}" if command else f" Like this: {closed}"
    return UsageError(
        f"The quote before {opener}{shown} is never closed, so I can't tell where that name "
        f"ends; close it with {closing}.{fix}"
    )


_CURLY_PAIRS = {"“": "”", "„": "“", "‘": "’", "‚": "‘", "‟": "”", "‛": "’"}
