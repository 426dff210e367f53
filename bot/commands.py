"""Slash commands: how they are declared, parsed and explained.

A handler declares each command once, with its words, parameters, usage and
an example; the same declaration drives parsing, the refusal of bad input,
and ``/convene help``. Parsing happens before the handler runs, so a command
with a wrong argument never reaches code that writes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from bot.errors import UsageError
from bot.nearest import nearest
from bot.words import MAX_COMMAND_LENGTH as MAX_COMMAND_LENGTH
from bot.words import TYPE_INSTEAD, command_line, quoted
from bot.words import split_plain as split_plain
from bot.words import split_words as split_words

if TYPE_CHECKING:
    from bot.context import Context

MAX_VALUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Positional:
    name: str
    required: bool = True
    rest: bool = False
    """Take every remaining word, joined by spaces (for free text)."""
    max_length: int = MAX_VALUE_LENGTH
    choices: tuple[str, ...] = ()
    """The keywords it takes (``add``, ``remove``): typed anywhere among the words before
    any free text, it is found there (``member silo alice add X`` reads as ``add alice X``)."""


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
    path: tuple[str, ...] = ()
    typed: tuple[str, ...] = ()
    """The words after the command's own, as read (an option's ``=`` split off)."""
    spans: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Where each value is among ``typed``: (first, past the last)."""
    options: frozenset[str] = frozenset()
    free_text: bool = False

    def retyped(self, changes: Mapping[str, str | None]) -> str:
        """The command as typed with some values changed (None: left out), to offer in a
        refusal as the command to type instead ("--remind-after 3h" for "3 hourz")."""

        words: list[str | None] = list(self.typed)
        added: list[str] = []
        for name, value in changes.items():
            span = self.spans.get(name)
            if span is None:
                if value is not None:
                    added.extend([f"--{name}", value] if name in self.options else [value])
                continue
            first, last = span
            for index in range(first, last):
                words[index] = None
            if value is not None:
                words[first] = value
            elif name in self.options and first > 0:
                words[first - 1] = None
        kept = [word for word in words if word is not None]
        return command_line([*self.path, *kept, *added], plain=self.free_text)

    def refusal(
        self, message: str, changes: Mapping[str, str | None], *, example: bool = False
    ) -> UsageError:
        """A refusal offering the command as typed with ``changes``: to type instead, or
        (``example``: a value Convene cannot know, such as a delay) for example."""

        lead = "For example:" if example else TYPE_INSTEAD.strip()
        return UsageError(f"{message} {lead} {self.retyped(changes)}")

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
    takes_file: bool = False
    """The command reads a file the member attaches (a CSV to import): Discord offers it
    a file option; on Slack, whose commands carry no file, the member sends the file in
    the bot's DM."""

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


# -- reading the words ----------------------------------------------------------------------

NUMBER_WORDS = frozenset(
    {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
)
UNIT_WORDS = frozenset(
    {"min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days"}
    | {"w", "wk", "wks", "week", "weeks", "fortnight", "fortnights", "month", "months"}
)
VALUE_ENDINGS = UNIT_WORDS | {"am", "pm", "a.m.", "p.m."}
"""Words that finish a number typed before them: "--remind-after 3 hours", "--closes 5 pm"."""

SPACED = frozenset({"NAME", "NEW-NAME", "SILO", "FIELD", "TEXT", "WHEN", "WHAT", "WORDS", "REST"})
"""Placeholders whose value may be several words (in quotes): a refusal of extra words
suggests quotes only for these, since "Public Health" is a name and "two words" no kind."""

LENGTHS = frozenset({"LENGTH", "DELAY", "DAYS", "DURATION"})
"""Placeholders for a length of time: "2 weeks" is one value even without quotes."""

CHANNEL = "CHANNEL"
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_CHANNEL_WORD = re.compile(r"^(?:#[^\s#]+|<#[^>\s]+>)$")
_BARE_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]*$", re.IGNORECASE)
LONGEST_TAKES = 60
"""A usage line longer than this is summed up by its positionals when a refusal says what
a command takes (a check-in's options would drown the word it is about)."""
_SCHEDULE_WORDS = frozenset(
    {"every", "each", "daily", "weekly", "fortnightly", "monthly", "on", "at", "weekday"}
    | {"weekdays", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday"}
    | {"wednesday", "thursday", "friday", "saturday", "sunday", "tomorrow", "today"}
)
"""Words that start a schedule, and never a channel typed without its # ("every Monday")."""
_DASHES = ("--", "—", "–", "-")
"""How people type an option's dashes: a phone turns "--" into "—"."""


def placeholder(param: Param) -> str:
    """How usage lines name a parameter's value: NAME, #CHANNEL, ZONE…"""

    if isinstance(param, Option):
        return param.metavar
    if isinstance(param, Flag):
        return ""
    shown = param.name.upper().replace("_", "-")
    return f"#{shown}" if shown == CHANNEL else shown


def parse_args(spec: CommandSpec, words: Sequence[str], *, here: str | None = None) -> Args:
    """Fit the typed words to a command's parameters, or say what is wrong.

    Options and flags go anywhere; a #channel or a keyword (``add``) is found
    wherever it was typed; a number and its unit ("3 hours") are one value.
    A refusal names the word it could not use and why, and offers the command
    to type instead, built from what was typed. ``here`` is the channel the
    command was typed in, to fill a channel left out.
    """

    return _Reading(spec, words, here).args()


def _is_channel(param: Positional) -> bool:
    return param.name.upper() == CHANNEL


def _is_spaced(param: Param) -> bool:
    return not (isinstance(param, Positional) and param.choices) and placeholder(param) in SPACED


def _name_like(word: str) -> bool:
    return bool(word) and word[0].isalnum() and not _CHANNEL_WORD.match(word)


class _Reading:
    """One reading of a command's words: what each word is for, or the refusal."""

    def __init__(
        self, spec: CommandSpec, words: Sequence[str], here: str | None, *, quiet: bool = False
    ) -> None:
        self.spec = spec
        self.here = here
        self.quiet = quiet
        """Only whether the words fit, no refusal worded (to try a correction, or an example)."""
        self.positionals = [p for p in spec.params if isinstance(p, Positional)]
        self.options = {p.name: p for p in spec.params if isinstance(p, Option)}
        self.flag_names = {p.name for p in spec.params if isinstance(p, Flag)}
        self.typed = self._normalised(words)
        self.owner: list[str | None] = [None] * len(self.typed)
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}
        self.flags: set[str] = set()
        self.spans: dict[str, tuple[int, int]] = {}

    # -- the words as meant ------------------------------------------------------------

    def _normalised(self, words: Sequence[str]) -> list[str]:
        """``--kind=team`` as two words; ``—kind``, ``-kind`` and ``--Kind`` as ``--kind``."""

        known = set(self.options) | self.flag_names
        typed: list[str] = []
        for word in words:
            for dashes in _DASHES:
                name = word[len(dashes) :]
                if not word.startswith(dashes) or not name or name.startswith(_DASHES):
                    continue
                bare, eq, inline = name.partition("=")
                if dashes == "--" or bare.lower() in known:
                    typed.append(f"--{bare.lower() if bare.lower() in known else bare}")
                    if eq:
                        typed.append(inline)
                    break
            else:
                typed.append(word)
        return typed

    def _is_option_word(self, word: str) -> bool:
        return word.startswith("--") and (word[2:] in self.options or word[2:] in self.flag_names)

    # -- reading -------------------------------------------------------------------------

    def args(self) -> Args:
        loose = self._read_options()
        self._read_positionals(loose)
        return Args(
            values=self.values,
            lists=self.lists,
            flags=frozenset(self.flags),
            path=self.spec.path,
            typed=tuple(self.typed),
            spans=self.spans,
            options=frozenset(self.options),
            free_text=self.spec.free_text,
        )

    def _read_options(self) -> list[int]:
        """Take the options and flags; the other words' places, in order."""

        loose: list[int] = []
        index = 0
        while index < len(self.typed):
            word = self.typed[index]
            if not (word.startswith("--") and len(word) > 2):
                loose.append(index)
                index += 1
                continue
            name = word[2:]
            if name in self.flag_names:
                self.flags.add(name)
                self.owner[index] = word
                index += 1
                continue
            option = self.options.get(name)
            if option is None:
                raise self._fail(self._unknown_option, index)
            if index + 1 >= len(self.typed) or self._is_option_word(self.typed[index + 1]):
                raise self._fail(self._missing_value, index, option)
            end = index + 2
            if (
                (_NUMBER.match(self.typed[index + 1]) or self.typed[index + 1] in NUMBER_WORDS)
                and end < len(self.typed)
                and self.typed[end].lower() in VALUE_ENDINGS
            ):
                end += 1
            value = " ".join(self.typed[index + 1 : end])
            self._check_length(f"--{name}", value, option.max_length)
            if name in self.values and not option.repeatable:
                raise self._refuse(
                    f"--{name} was given twice ({_named(self.values[name])} and {_named(value)}); "
                    "give it once.",
                    self._without(range(index, end)),
                )
            self.values[name] = value
            self.lists.setdefault(name, []).append(value)
            self.spans[name] = (index + 1, end)
            self.owner[index] = word
            for place in range(index + 1, end):
                self.owner[place] = name
            index = end
        return loose

    def _read_positionals(self, loose: list[int]) -> None:
        claimed = self._claim_channels_and_keywords(loose)
        remaining = [place for place in loose if place not in claimed.values()]
        cursor = 0
        for param in self.positionals:
            if param.name in claimed:
                self._take(param, [claimed[param.name]])
                continue
            if _is_channel(param):
                if param.required:
                    raise self._fail(self._missing_channel, param, remaining[cursor:])
                continue  # an optional channel left out: the command's own default
            if param.rest:
                taken = remaining[cursor:]
                cursor = len(remaining)
                if taken:
                    self._check_runs(param, taken)
                    self._take(param, taken)
                elif param.required:
                    raise self._fail(self._missing, param, remaining[cursor:])
                break
            if cursor >= len(remaining):
                if param.required:
                    raise self._fail(self._missing, param, [])
                continue
            place = remaining[cursor]
            word = self.typed[place].lower()
            mistaken = param.required or nearest(word, param.choices)
            if param.choices and word not in param.choices:
                if mistaken:
                    raise self._fail(self._not_a_choice, param, place, remaining)
                continue  # an optional keyword left out: the word is for what follows
            taken = [place]
            following = remaining[cursor + 1] if cursor + 1 < len(remaining) else None
            if (
                placeholder(param) in LENGTHS
                and following == place + 1
                and (_NUMBER.match(self.typed[place]) or self.typed[place] in NUMBER_WORDS)
                and self.typed[following].lower() in UNIT_WORDS
            ):
                taken.append(following)
            cursor += len(taken)
            self._take(param, taken)
        extra = remaining[cursor:]
        if extra:
            raise self._fail(self._extra_words, extra)

    def _claim_channels_and_keywords(self, loose: list[int]) -> dict[str, int]:
        """The words a #channel or keyword parameter takes, wherever they were typed: the
        word in its own place if it fits, else the first that fits."""

        claimed: dict[str, int] = {}
        fixed = [p for p in self.positionals if not p.rest]
        for position, param in enumerate(fixed):
            if _is_channel(param):
                fits = [place for place in loose if _CHANNEL_WORD.match(self.typed[place])]
            elif param.choices:
                region = loose[: len(fixed)]
                fits = [p for p in region if self.typed[p].lower() in param.choices]
            else:
                continue
            fits = [place for place in fits if place not in claimed.values()]
            natural = loose[position] if position < len(loose) else None
            if natural in fits:
                claimed[param.name] = natural
            elif fits:
                claimed[param.name] = fits[0]
        return claimed

    def _take(self, param: Positional, places: list[int]) -> None:
        text = " ".join(self.typed[place] for place in places)
        if param.choices:
            text = text.lower()
        self._check_length(param.name, text, param.max_length)
        self.values[param.name] = text
        self.spans[param.name] = (min(places), max(places) + 1)
        for place in places:
            self.owner[place] = param.name

    # -- refusals ------------------------------------------------------------------------

    def _fail(self, refusal: Callable[..., UsageError], *details: Any) -> UsageError:
        return UsageError(MISFIT) if self.quiet else refusal(*details)

    def _refuse(self, message: str, fix: Sequence[str] | None) -> UsageError:
        """A refusal offering the command with ``fix`` as its words, if that reads cleanly;
        else with the usage line."""

        if self.quiet:
            return UsageError(MISFIT)
        if fix is not None and _reads(self.spec, fix):
            return UsageError(f"{message}{TYPE_INSTEAD}{self._line(fix)}")
        return UsageError(message, usage=self.spec.usage)

    def _line(self, words: Sequence[str]) -> str:
        return command_line([*self.spec.path, *words], plain=self.spec.free_text)

    def _without(self, places: Sequence[int] | range) -> list[str]:
        gone = set(places)
        return [word for place, word in enumerate(self.typed) if place not in gone]

    def _takes(self) -> str:
        """What the command takes, from its usage line: "NAME [--kind KIND]"."""

        usage = self.spec.usage
        takes = usage[len(self.spec.words) :].strip() if usage.startswith(self.spec.words) else ""
        if len(takes) > LONGEST_TAKES or (not takes and self.spec.params):
            shown = [
                placeholder(p) if p.required else f"[{placeholder(p)}]" for p in self.positionals
            ]
            options = len(self.spec.params) > len(self.positionals)
            takes = " ".join(shown) + (" and options" if options and shown else "")
            takes = takes or "only options"
        return (
            f"{self.spec.words} takes {takes}" if takes else f"{self.spec.words} takes nothing more"
        )

    def _unknown_option(self, place: int) -> UsageError:
        word = self.typed[place]
        name = word[2:]
        known = [*self.options, *sorted(self.flag_names)]
        near = nearest(name.lower(), known)
        if near:
            fix = list(self.typed)
            fix[place] = f"--{near[0]}"
            return self._refuse(
                f"I don't know the option {word} of {self.spec.words}. Did you mean --{near[0]}?",
                fix,
            )
        listed = ", ".join(f"--{n}" for n in known)
        options = f"its options are {listed}" if listed else "it has no options"
        message = f"{self.spec.words} has no option {word} ({options})."
        for dropped in ([place], [place, place + 1]):
            if dropped[-1] < len(self.typed) and _reads(self.spec, self._without(dropped)):
                return self._refuse(message, self._without(dropped))
        return self._refuse(message, None)

    def _missing_value(self, place: int, option: Option) -> UsageError:
        word = self.typed[place]
        example = _example(self.spec).get(option.name) or option.metavar
        fix = [*self.typed[: place + 1], example, *self.typed[place + 1 :]]
        message = f"{word} needs a value after it ({option.metavar})."
        if not _reads(self.spec, fix):
            return self._refuse(message, None)
        return UsageError(f"{message} For example: {self._line(fix)}")

    def _missing_channel(self, param: Positional, following: Sequence[int]) -> UsageError:
        channel = f"#{self.here}" if self.here else _example(self.spec).get(param.name, "#general")
        at = self._insertion_point(param, following)
        word = self.typed[at] if at < len(self.typed) and at in following else ""
        if _BARE_CHANNEL.match(word) and word.lower() not in _SCHEDULE_WORDS:
            fix = list(self.typed)
            fix[at] = f"#{word}"
            return self._refuse(
                f"I could not use {_named(word)} as the channel: a channel is named with a #, "
                f"like #{word}.",
                fix,
            )
        fix = [*self.typed[:at], channel, *self.typed[at:]]
        message = (
            f"The channel is missing: {self.spec.words} needs one named with a #, "
            "and no word you typed starts with #."
        )
        if not _reads(self.spec, fix):
            return self._refuse(message, None)
        lead = "For this channel, type:" if self.here else "For example:"
        return UsageError(f"{message} {lead} {self._line(fix)}")

    def _missing(self, param: Positional, following: Sequence[int]) -> UsageError:
        shown = placeholder(param)
        example = _example(self.spec).get(param.name)
        at = self._insertion_point(param, following)
        before = [w for p, w in enumerate(self.typed[:at]) if self.owner[p] is not None]
        after = (
            f" after {_named(before[-1])}" if before and param is not self.positionals[0] else ""
        )
        message = f"{self.spec.words} needs {shown}{after}."
        if example is None:
            return self._refuse(message, None)
        fix = [*self.typed[:at], example, *self.typed[at:]]
        if not _reads(self.spec, fix):
            return self._refuse(message, None)
        return UsageError(f"{message} For example: {self._line(fix)}")

    def _insertion_point(self, param: Positional, following: Sequence[int]) -> int:
        """Where a positional left out goes: after the one before it, else before the next
        loose word, else at the end of the words typed."""

        before = self.positionals[: self.positionals.index(param)]
        ends = [self.spans[p.name][1] for p in before if p.name in self.spans]
        if ends:
            return max(ends)
        if following:
            return following[0]
        return 0

    def _not_a_choice(self, param: Positional, place: int, remaining: list[int]) -> UsageError:
        word = self.typed[place]
        choices = _either(param.choices)
        near = nearest(word.lower(), param.choices)
        message = f"I could not use {_named(word)}: {self.spec.words} takes {choices} there."
        if near:
            fix = list(self.typed)
            fix[place] = near[0]
            return self._refuse(f"{message} Did you mean {near[0]}?", fix)
        needed = len([p for p in self.positionals if p.required and not p.rest])
        if len(remaining) < needed:
            fix = [*self.typed[:place], param.choices[0], *self.typed[place:]]
        else:
            fix = list(self.typed)
            fix[place] = param.choices[0]
        return self._refuse(message, fix)

    def _extra_words(self, extra: list[int]) -> UsageError:
        words = [self.typed[place] for place in extra]
        unit = self._mistyped_unit(extra[0])
        if unit is not None:
            fix = list(self.typed)
            fix[extra[0]] = unit
            number = self.typed[extra[0] - 1]
            return self._refuse(
                f"I could not use {_named(words[0])} after {number}: did you mean {number} {unit}?",
                fix,
            )
        shown = " ".join(_named(w) for w in words)
        too_many = (
            f"{shown} {'is one word' if len(words) == 1 else f'are {len(words)} words'} too many"
        )
        joined = self._joined_name(extra)
        if joined is not None:
            first, last, owner = joined
            name = " ".join(self.typed[first:last])
            fix = [*self.typed[:first], name, *self.typed[last:]]
            what = (
                f"--{owner.name} takes one {placeholder(owner)}"
                if isinstance(owner, Option)
                else self._takes()
            )
            noun = {"WHEN": "schedule", "TEXT": "text"}.get(placeholder(owner), "name")
            return self._refuse(
                f'{too_many}: {what}, and a {noun} of several words goes in "quotes".', fix
            )
        channel = next(
            (p for p in self.positionals if _is_channel(p) and p.name not in self.values), None
        )
        if channel is not None and len(words) == 1 and _BARE_CHANNEL.match(words[0]):
            fix = list(self.typed)
            fix[extra[0]] = f"#{words[0]}"
            return self._refuse(
                f"I could not use {_named(words[0])}: a channel is named with a #, "
                f"like #{words[0]}.",
                fix,
            )
        before = self.owner[extra[0] - 1] if extra[0] > 0 else None
        option = self.options.get(before or "")
        why = f"--{option.name} takes one {option.metavar}" if option else self._takes()
        return self._refuse(f"I could not use {shown}: {why}.", self._without(extra))

    def _mistyped_unit(self, place: int) -> str | None:
        """The unit meant by a word typed after a number ("3 hourz"), if it is near one."""

        before = self.typed[place - 1] if place > 0 else ""
        owner = self._owner_param(place - 1) if place > 0 else None
        takes_a_unit = isinstance(owner, Option) or (
            owner is not None and placeholder(owner) in LENGTHS
        )
        word = self.typed[place].lower()
        if not takes_a_unit or not (_NUMBER.match(before) or before in NUMBER_WORDS):
            return None
        near = nearest(word, sorted(VALUE_ENDINGS - {word}))
        if not near:
            return None
        one = before in ("1", "a", "an", "one")
        many = near[0] + "s"
        return many if not one and many in VALUE_ENDINGS else near[0]

    def _joined_name(self, extra: list[int]) -> tuple[int, int, Param] | None:
        """Where extra words plus a value look like one name of several words: the span to
        quote and whose value it is. Capitalised words together first ("Public Health"
        in "add Public Health alice"), else the value just before the extra words."""

        count = len(extra)
        positional_places = sorted(
            place
            for p in self.positionals
            if p.name in self.spans and _is_spaced(p)
            for place in range(*self.spans[p.name])
        )
        candidates = sorted(set(positional_places) | set(extra))
        for start in range(len(candidates) - count):
            run = candidates[start : start + count + 1]
            if run != list(range(run[0], run[-1] + 1)):
                continue
            words = [self.typed[place] for place in run]
            if all(_name_like(w) and w[0].isupper() for w in words):
                owner = self._owner_param(run[0])
                if owner is not None and _is_spaced(owner):
                    return run[0], run[-1] + 1, owner
        first = extra[0]
        run = [place for place in extra if place - first == extra.index(place)]
        before = self._owner_param(first - 1) if first > 0 else None
        if before is None or not _is_spaced(before) or len(run) != count:
            return None
        start = self.spans[before.name][0]
        words = self.typed[start : run[-1] + 1]
        if not all(_name_like(w) for w in words):
            return None
        return start, run[-1] + 1, before

    def _owner_param(self, place: int) -> Param | None:
        name = self.owner[place]
        if name is None or name.startswith("--"):
            return None
        return self.options.get(name) or next((p for p in self.positionals if p.name == name), None)

    def _check_runs(self, param: Positional, taken: list[int]) -> None:
        """Free text in one piece: words after an option's value belong to that option,
        or were typed apart from the rest by mistake ("every Monday --tz UTC 09:00")."""

        for before, after in itertools.pairwise(taken):
            between = [self.owner[p] for p in range(before + 1, after)]
            values = [name for name in between if name is not None and not name.startswith("--")]
            if not values:
                continue
            option = values[-1]
            first, last = self.spans[option]
            moved = [w for p, w in enumerate(self.typed) if p >= after and p in taken]
            kept = [w for p, w in enumerate(self.typed) if not (p >= after and p in taken)]
            at = before + 1
            fix = [*kept[:at], *moved, *kept[at:]]
            value = " ".join(self.typed[first:last])
            start = " ".join(self.typed[p] for p in taken if p <= before)
            raise self._refuse(
                f"I could not tell what {_named(self.typed[after])} is for: it comes after "
                f"--{option} {quoted(value)}, apart from {_named(start)} before it.",
                fix,
            )

    def _check_length(self, what: str, value: str, limit: int) -> None:
        if len(value) > limit:
            raise UsageError(
                f"{what} is {len(value):,} characters long; the limit is {limit:,}.",
                usage=self.spec.usage,
            )


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _named(word: str) -> str:
    """A word a refusal could not use, as it names it: in quotes."""

    return f'"{word}"' if '"' not in word else f"'{word}'"


MISFIT = "The words do not fit the command."
"""What a quiet reading refuses with: only whether the words fit matters there."""


def _reads(spec: CommandSpec, words: Sequence[str]) -> bool:
    """Whether these words fit the command (to offer only corrections that do)."""

    try:
        _Reading(spec, words, None, quiet=True).args()
    except UsageError:
        return False
    return True


def _example(spec: CommandSpec) -> Mapping[str, str]:
    """The values in the command's example, to fill a value left out ("Public Health")."""

    words = split_words(spec.example.removeprefix("/"))
    if tuple(w.lower() for w in words[: len(spec.path)]) != spec.path:
        return {}
    try:
        return _Reading(spec, words[len(spec.path) :], None, quiet=True).args().values
    except UsageError:
        return {}
