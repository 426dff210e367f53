"""Help text: built from the command declarations, filtered by role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.commands import CommandSpec, CommandTable, Positional
from bot.nearest import Guess, guess_paths, nearest
from bot.words import command_line
from storage.models import Member


def visible_commands(table: CommandTable, command: str, member: Member) -> list[CommandSpec]:
    return [
        spec
        for spec in table.commands
        if spec.path[0] == command and (member.is_convener or not spec.convener_only)
    ]


def help_text(table: CommandTable, command: str, member: Member) -> str:
    specs = visible_commands(table, command, member)
    role = "a convener" if member.is_convener else "a member"
    lines = [f"Commands you can use as {role}:"]
    groups: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group or "Commands", []).append(spec)
    for group, members in groups.items():
        lines.append("")
        lines.append(f"*{group}*")
        for spec in members:
            lines.append(f"  {spec.usage}")
            lines.append(f"      {spec.summary} e.g. {spec.example}")
    others = sorted({spec.path[0] for spec in table.commands} - {command})
    if others:
        lines.append("")
        lines.append("More: " + ", ".join(f"/{other} help" for other in others) + ".")
    if not member.is_convener:
        lines.append("Conveners have more commands for setting up silos, members and programmes.")
    return "\n".join(lines)


def unknown_command_text(
    table: CommandTable, command: str, words: Sequence[str], member: Member
) -> str:
    """The answer to a command Convene does not have: the word it could not read, the
    nearest real command with the rest of what was typed, else the words that go there."""

    visible = {
        spec.path: spec for spec in table.commands if member.is_convener or not spec.convener_only
    }
    roots = sorted({spec.path[0] for spec in table.commands})
    typed = [command, *words]
    if command not in roots:
        return _unknown_root(visible, roots, typed)
    depth = _known_depth(visible, typed)
    known = tuple(w.lower() for w in typed[: depth + 1])
    below = [path for path in visible if path[: depth + 1] == known and len(path) > depth + 1]
    next_words = list(dict.fromkeys(path[depth + 1] for path in below))
    help_hint = f"/{command} help lists them all"
    if depth + 1 >= len(typed):
        if not next_words:
            return f"I don't know {command_line(typed)}. Type /{command} help to see your commands."
        other = [g for g in guess_paths(typed, visible, roots) if g.path[: depth + 1] != known]
        also = f" Or did you mean {command_line(other[0].path)}?" if other else ""
        return (
            f"{command_line(typed)} needs one more word: {_either(next_words)}. For example: "
            f"{visible[below[0]].example} ({help_hint}).{also}"
        )
    unknown = command_line(typed[: depth + 2])
    guesses = guess_paths(typed, [path for path in visible if path[: depth + 1] == known], roots)
    guesses = [g for g in guesses if _can_take(visible[g.path], typed[g.used :])]
    if guesses:
        return _did_you_mean(visible, typed, unknown, guesses)
    if not next_words:
        return f"I don't know {unknown}. Type /{command} help to see the commands you can use."
    return (
        f"I don't know {unknown}: after {command_line(typed[: depth + 1])} comes "
        f"{_either(next_words)}. For example: {visible[below[0]].example} ({help_hint})."
    )


def _unknown_root(
    visible: Mapping[tuple[str, ...], CommandSpec], roots: Sequence[str], typed: Sequence[str]
) -> str:
    """A command word Convene does not have: /convenee, or /silo for /convene silo."""

    unknown = "/" + typed[0]
    guesses = guess_paths(typed, visible, roots)
    guesses = [g for g in guesses if _can_take(visible[g.path], typed[g.used :])]
    if guesses:
        return _did_you_mean(visible, typed, unknown, guesses)
    near = nearest(typed[0], roots)
    if near:
        return f"I don't know {unknown}. Did you mean /{near[0]}? Type: /{near[0]} help"
    listed = ", ".join(f"/{root}" for root in roots)
    return f"I don't know {unknown}. My commands are {listed}. Type: /convene help"


SAME_LIKELIHOOD = 0.05
"""Guesses this close are offered together rather than one picked."""


def _did_you_mean(
    visible: Mapping[tuple[str, ...], CommandSpec],
    typed: Sequence[str],
    unknown: str,
    guesses: Sequence[Guess],
) -> str:
    """The nearest command, with the rest of the words as typed; or the few equally near."""

    best = guesses[0]
    if len(guesses) > 1 and guesses[1].score - best.score <= SAME_LIKELIHOOD:
        listed = " or ".join(command_line(g.path) for g in guesses[:3])
        return f"I don't know {unknown}. Did you mean {listed}?"
    spec = visible[best.path]
    line = command_line([*best.path, *typed[best.used :]], plain=spec.free_text)
    meant = command_line(best.path)
    if best.path[1:] == tuple(w.lower() for w in typed[1 : len(best.path)]):
        meant = "/" + best.path[0]  # only the command word was mistyped: /convenee help
    return f"I don't know {unknown}. Did you mean {meant}? Type: {line}"


def _can_take(spec: CommandSpec, rest: Sequence[str]) -> bool:
    """Whether a command could take the words left after its own: not when it takes no
    words and some were typed (/convene silo ad Oncology is no /convene silos)."""

    takes_words = any(isinstance(p, Positional) for p in spec.params)
    return takes_words or all(word.startswith("-") for word in rest)


def _known_depth(paths: Mapping[tuple[str, ...], CommandSpec], typed: Sequence[str]) -> int:
    """How many words after the command word start some command's path."""

    words = [w.lower() for w in typed]
    depth = 0
    while depth + 1 < len(words) and any(
        path[: depth + 2] == tuple(words[: depth + 2]) for path in paths
    ):
        depth += 1
    return depth


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
