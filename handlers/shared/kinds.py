"""Kinds of silo: a short standard list, the kinds a convener adds on purpose, one spelling.

A kind is how introductions mix people ("--mix team,organisation"), so a
typo that silently made a new kind ("profesion") would split the landscape
without anyone noticing. Every place a kind is typed reads it here: British
and American spellings, plurals and case are one kind (``Organizations`` is
``organisation``), and a word that is no known kind is never taken as one.
The answer suggests the nearest known kind and offers to add the new one on
purpose, with buttons that finish the command once the convener chooses.

Known kinds are the standard list, the kinds conveners added, and every
kind the workspace's silos already have (older databases may hold any word).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.command_buttons import CommandChoice, Question, command_button
from bot.commands import Args
from bot.context import Context
from bot.errors import UsageError
from bot.events import SlashCommand
from bot.markup import plain
from bot.permissions import require_convener
from handlers.shared.text import listed
from storage.repositories import silo_kinds as kinds_repo

STANDARD_KINDS = ("team", "department", "organisation", "profession", "site", "community")
MAX_KIND_LENGTH = 32
KINDS = "/convene silo kinds [add KIND | remove KIND]"
USE_KIND = "kind.use"
ADD_KIND = "kind.add"

_BRITISH = {
    "organization": "organisation",
    "center": "centre",
    "program": "programme",
    "neighborhood": "neighbourhood",
    "specialty": "speciality",
}
"""American spellings a kind is likely to be typed in, and the British one Convene keeps."""
_ABBREVIATIONS = {
    "dept": "department",
    "org": "organisation",
    "prof": "profession",
    "comm": "community",
}
"""Short forms that point at a standard kind (suggested, never taken silently)."""
_WORD = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _british(word: str) -> str:
    word = _BRITISH.get(word, word)
    return word.replace("ization", "isation") if word.endswith("ization") else word


def kind_key(word: str) -> str:
    """The form under which two kinds are one: lower case, singular, British spelling."""

    parts = word.strip().casefold().split("-")
    parts[-1] = _british(_singular(parts[-1]))
    return "-".join(_british(part) for part in parts)


def kind_in_file(word: str, kinds: Sequence[str], option: str, problem: type[Exception]) -> str:
    """A kind named on the command line (``--mix``, ``--apart``) among a file's ``kinds``,
    in its one spelling; else ``problem`` saying the file's kinds and the nearest one."""

    found = kind_key(word)
    if found in kinds:
        return found
    close = difflib.get_close_matches(found, kinds, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    known = listed(kinds) if kinds else "none"
    example = f"; e.g. {option} {','.join(kinds[:2])}" if kinds else ""
    raise problem(
        f"{option}: no silo in the file is of kind {word!r}{hint}; its kinds are {known}{example}"
    )


def check_kind_word(value: str, usage: str, instead: str | None = None) -> str:
    """A kind as typed, trimmed and in lower case, once it is one word a kind can be.

    ``instead`` is the command to type with the words of a two-word kind hyphenated.
    """

    typed = " ".join(value.split()).casefold()
    if not typed:
        raise UsageError("The kind is empty; say one, like team or profession.", usage=usage)
    if " " in typed and _WORD.match(typed.replace(" ", "-")):
        if instead:
            raise UsageError(
                f"A kind is one word, not {plain(value.strip())!r}; join the words with a "
                f"hyphen. Type: {instead}"
            )
        raise UsageError(
            f"A kind is one word, not {plain(value.strip())!r}; join the words with a "
            f"hyphen, like {typed.replace(' ', '-')}.",
            usage=usage,
        )
    if not _WORD.match(typed):
        raise UsageError(
            f"A kind is one word of letters, like team or profession, not {plain(value)!r}.",
            usage=usage,
        )
    if len(typed) > MAX_KIND_LENGTH:
        raise UsageError(
            f"The kind {plain(typed)!r} is {len(typed)} letters long; keep it to "
            f"{MAX_KIND_LENGTH}.",
            usage=usage,
        )
    return typed


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The kinds a workspace knows, in the order they are listed: standard ones first."""

    kinds: tuple[str, ...]
    added: frozenset[str]
    silos_of_kind: Mapping[str, int]

    def meant(self, typed: str) -> str | None:
        """The known kind this word is a spelling of, if any."""

        key = kind_key(typed)
        for kind in self.kinds:
            if kind_key(kind) == key:
                return kind
        return None

    def nearest(self, typed: str) -> str | None:
        """The known kind a mistyped word most likely meant, if one is close."""

        key = kind_key(typed)
        if key in _ABBREVIATIONS and _ABBREVIATIONS[key] in self.kinds:
            return _ABBREVIATIONS[key]
        keys = {kind_key(kind): kind for kind in self.kinds}
        close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.75)
        if close:
            return keys[close[0]]
        starting = [kind for k, kind in keys.items() if len(key) >= 3 and k.startswith(key)]
        return starting[0] if len(starting) == 1 else None

    def sentence(self) -> str:
        """The kinds as a sentence: "team, department, … and community"."""

        return listed(self.kinds)


async def vocabulary(context: Context) -> Vocabulary:
    assert context.workspace.id is not None
    return await vocabulary_of(context.session, context.workspace.id)


async def vocabulary_of(session: AsyncSession, wid: int) -> Vocabulary:
    """The kinds one workspace knows: standard, added on purpose, then those silos have."""

    added = [kind.name for kind in await kinds_repo.added(session, wid)]
    used = await kinds_repo.in_use(session, wid)
    by_key: dict[str, str] = {}
    for kind in (*STANDARD_KINDS, *added, *sorted(used)):
        by_key.setdefault(kind_key(kind), kind)
    counts: dict[str, int] = {}
    for stored, count in used.items():
        shown = by_key[kind_key(stored)]
        counts[shown] = counts.get(shown, 0) + count
    kinds = list(by_key.values())
    return Vocabulary(tuple(kinds), frozenset(added), counts)


# -- asking which kind was meant ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindAsked:
    """Where a kind was typed: the command and its arguments, to offer it finished.

    ``option`` names the argument holding the kind (one kind, or a comma-separated
    list when ``several``).
    """

    command: tuple[str, ...]
    args: Args
    option: str
    usage: str
    several: bool = False


async def kind_meant(context: Context, value: str, asked: KindAsked) -> str:
    """The known kind ``value`` means, or a refusal asking which (whose buttons finish
    the command once the convener chooses)."""

    typed = _checked(context, value, asked)
    known = await vocabulary(context)
    meant = known.meant(typed)
    if meant is None:
        raise _choice(context, known, typed, asked)
    return meant


async def kinds_meant(context: Context, value: str, asked: KindAsked) -> tuple[str, ...]:
    """Several kinds separated by commas, each read as ``kind_meant`` reads one."""

    words = [_checked(context, word, asked) for word in value.split(",") if word.strip()]
    known = await vocabulary(context)
    found: list[str] = []
    for typed in words:
        meant = known.meant(typed)
        if meant is None:
            raise _choice(context, known, typed, asked)
        if meant not in found:
            found.append(meant)
    return tuple(found)


def _checked(context: Context, value: str, asked: KindAsked) -> str:
    hyphenated = "-".join(value.split())
    instead = (
        _corrected(context, " ".join(value.split()), hyphenated) if " " in value.strip() else None
    )
    return check_kind_word(value, asked.usage, instead)


async def _add_first(context: Context, typed: str) -> None:
    """Before a command finished by [Add kind "x"]: add the kind, unless it is known by now."""

    await require_convener(context.session, context.actor, "use /convene silo kinds")
    chosen = kind_key(typed)
    if (await vocabulary(context)).meant(typed) is None:
        assert context.workspace.id is not None
        await kinds_repo.add(context.session, context.workspace.id, chosen, context.now)
        await context.reply(f"Added the kind {chosen}.")


CHOSEN = "That choice was already made; nothing more to do."
NOT_YOURS = "That choice belongs to the convener who typed the command."
USE = Question(USE_KIND, answered=CHOSEN, not_yours=NOT_YOURS)
"""[Use profession]: the command with the nearest known kind."""
ADD = Question(ADD_KIND, answered=CHOSEN, not_yours=NOT_YOURS, first=_add_first)
"""[Add kind "profesion"]: the kind added on purpose, then the command with it."""


def _choice(context: Context, known: Vocabulary, typed: str, asked: KindAsked) -> CommandChoice:
    """The refusal of a kind not known: the nearest one to use, or the new one to add."""

    nearest = known.nearest(typed)
    corrected = _corrected(context, typed, nearest) if nearest else None
    head = f"{typed!r} is not a kind of silo here, so nothing has changed yet."
    if nearest is not None:
        typed_instead = f", or type {corrected}" if corrected else ""
        use = f" Did you mean {nearest}? Press Use {nearest}{typed_instead}."
    else:
        use = f" The kinds are {known.sentence()}."
    add = (
        f' To make {typed!r} a new kind on purpose, press Add kind "{typed}" '
        f"(or type /convene silo kinds add {typed})."
    )
    buttons = (
        [
            command_button(
                f"Use {nearest}",
                _line(context, asked, typed, nearest),
                style="primary",
                asked=USE,
            )
        ]
        if nearest
        else []
    )
    added = kind_key(typed)
    buttons.append(
        command_button(
            f'Add kind "{typed}"', _line(context, asked, typed, added), asked=ADD, first=typed
        )
    )
    return CommandChoice(head + use + add, buttons)


def _replaced(context: Context, typed: str, meant: str) -> str | None:
    """The command as the member typed it, with the kind put right (their last use of it)."""

    event = context.event
    if not isinstance(event, SlashCommand):
        return None
    text = f"/{event.command} {event.text}".strip()
    pattern = r"\s+".join(re.escape(word) for word in typed.split())
    found = list(re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", text, re.IGNORECASE))
    if not found:
        return None
    last = found[-1]
    return text[: last.start()] + meant + text[last.end() :]


def _corrected(context: Context, typed: str, meant: str) -> str | None:
    """The command to type instead, shown in the refusal."""

    line = _replaced(context, typed, meant)
    return plain(line) if line is not None else None


def _line(context: Context, asked: KindAsked, typed: str, kind: str) -> str:
    """The command a button runs: as typed with ``kind`` in place of ``typed``."""

    line = _replaced(context, typed, kind)
    if line is not None:
        return line
    value = asked.args.get(asked.option) or ""
    if asked.several:
        words = [word.strip() for word in value.split(",") if word.strip()]
        value = ",".join(kind if word.casefold() == typed else word for word in words)
    else:
        value = kind
    return asked.args.retyped({asked.option: value})
