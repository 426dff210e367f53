"""Slash commands: how they are declared, parsed and explained.

A handler declares each command once, with its words, parameters, usage and
an example; the same declaration drives parsing, the refusal of bad input,
and ``/convene help``. Parsing happens before the handler runs, so a command
with a wrong argument never reaches code that writes.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING

from bot.errors import UsageError
from bot.markup import has_control_characters

if TYPE_CHECKING:
    from bot.context import Context

MAX_COMMAND_LENGTH = 2000
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Positional:
    name: str
    required: bool = True
    rest: bool = False
    """Take every remaining word, joined by spaces (for free text)."""
    max_length: int = MAX_VALUE_LENGTH


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    metavar: str = "VALUE"
    repeatable: bool = False
    max_length: int = MAX_VALUE_LENGTH


@dataclass(frozen=True, slots=True)
class Flag:
    name: str


Param = Positional | Option | Flag


@dataclass(frozen=True, slots=True)
class Args:
    values: Mapping[str, str]
    lists: Mapping[str, Sequence[str]]
    flags: frozenset[str]

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def many(self, name: str) -> Sequence[str]:
        return self.lists.get(name, ())

    def flag(self, name: str) -> bool:
        return name in self.flags


CommandHandler = Callable[["Context", Args], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command, e.g. ``("convene", "silo", "add")``.

    Everything after the example is keyword-only, so a declaration says
    ``convener_only=True`` rather than a bare ``True`` a reader must count to.
    """

    path: tuple[str, ...]
    handler: CommandHandler
    summary: str
    usage: str
    example: str
    _: KW_ONLY
    params: tuple[Param, ...] = ()
    convener_only: bool = False
    group: str = ""
    free_text: bool = False
    """Take the words as typed, quotes and apostrophes included: for prose such as
    "/commit Check Bob's rota by Friday", where a quote is not a quote."""

    @property
    def words(self) -> str:
        return "/" + " ".join(self.path)


@dataclass
class CommandTable:
    commands: list[CommandSpec] = field(default_factory=list)

    def add(self, spec: CommandSpec) -> None:
        if any(existing.path == spec.path for existing in self.commands):
            raise ValueError(f"command {spec.words} registered twice")
        self.commands.append(spec)

    def match(self, command: str, words: Sequence[str]) -> tuple[CommandSpec, list[str]] | None:
        """The command whose path is the longest prefix of the words typed."""

        best: CommandSpec | None = None
        for spec in self.commands:
            if spec.path[0] != command:
                continue
            rest = spec.path[1:]
            if tuple(w.lower() for w in words[: len(rest)]) == rest and (
                best is None or len(spec.path) > len(best.path)
            ):
                best = spec
        if best is None:
            return None
        return best, list(words[len(best.path) - 1 :])

    def near(self, command: str, words: Sequence[str]) -> list[CommandSpec]:
        """Commands that share the longest prefix with what was typed (for hints)."""

        candidates = [spec for spec in self.commands if spec.path[0] == command]
        for depth in range(len(words), -1, -1):
            prefix = tuple(w.lower() for w in words[:depth])
            found = [s for s in candidates if s.path[1 : 1 + depth] == prefix]
            if found:
                return found
        return []


def _check_line(text: str) -> None:
    if len(text) > MAX_COMMAND_LENGTH:
        raise UsageError(
            f"That command is {len(text):,} characters long; commands take at most "
            f"{MAX_COMMAND_LENGTH:,}."
        )
    if has_control_characters(text.replace("\n", " ")):
        raise UsageError("That command holds control characters; type it as plain text.")


def split_words(text: str) -> list[str]:
    """Split a command line into words, honouring "double" and 'single' quotes."""

    _check_line(text)
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return list(lexer)
    except ValueError as bad:
        raise UsageError(
            f'The quotes in that command do not match ({bad}); close each "quote".'
        ) from bad


def split_plain(text: str) -> list[str]:
    """Split a command line on spaces only (see ``CommandSpec.free_text``)."""

    _check_line(text)
    return text.split()


def parse_args(spec: CommandSpec, words: Sequence[str]) -> Args:
    """Fit the typed words to a command's parameters, or say what is wrong."""

    positionals = [p for p in spec.params if isinstance(p, Positional)]
    options = {p.name: p for p in spec.params if isinstance(p, Option)}
    flags = {p.name for p in spec.params if isinstance(p, Flag)}
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    seen_flags: set[str] = set()
    loose: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--") and len(word) > 2:
            name, eq, inline = word[2:].partition("=")
            if name in flags and not eq:
                seen_flags.add(name)
                index += 1
                continue
            option = options.get(name)
            if option is None:
                known = ", ".join(f"--{n}" for n in [*options, *sorted(flags)]) or "none"
                raise UsageError(
                    f"{spec.words} has no option --{name} (its options: {known}).",
                    usage=spec.usage,
                )
            if eq:
                value = inline
            else:
                if index + 1 >= len(words):
                    raise UsageError(
                        f"--{name} needs a value, like --{name} {option.metavar}.", usage=spec.usage
                    )
                index += 1
                value = words[index]
            _check_length(spec, f"--{name}", value, option.max_length)
            if name in values and not option.repeatable:
                raise UsageError(f"--{name} was given twice; give it once.", usage=spec.usage)
            values[name] = value
            lists.setdefault(name, []).append(value)
            index += 1
            continue
        loose.append(word)
        index += 1

    for position, param in enumerate(positionals):
        if param.rest:
            taken = loose[position:]
            loose = loose[:position]
            if taken:
                text = " ".join(taken)
                _check_length(spec, param.name, text, param.max_length)
                values[param.name] = text
            elif param.required:
                raise UsageError(f"{spec.words} needs {param.name.upper()}.", usage=spec.usage)
            break
        if position < len(loose):
            _check_length(spec, param.name, loose[position], param.max_length)
            values[param.name] = loose[position]
        elif param.required:
            raise UsageError(f"{spec.words} needs {param.name.upper()}.", usage=spec.usage)
    extra = loose[len(positionals) :] if not any(p.rest for p in positionals) else []
    if extra:
        raise UsageError(
            f"I did not expect {' '.join(repr(w) for w in extra)} after {spec.words}"
            ' (put a name with spaces in "quotes").',
            usage=spec.usage,
        )
    return Args(values=values, lists=lists, flags=frozenset(seen_flags))


def _check_length(spec: CommandSpec, what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise UsageError(
            f"{what} is {len(value):,} characters long; the limit is {limit:,}.", usage=spec.usage
        )
