"""What the audit log keeps of a command as typed: its words, and values that are not prose.

Apart from ``bot.audit_trail`` so that the context, which records, does not import
the commands, which know the context (a cycle).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.audit_trail import quoted
from bot.commands import Args, CommandSpec, Flag, Option, Positional

NAMES = frozenset({"name", "when", "field"})
"""Positionals taking the rest of the line that are a name or a setting, not prose."""


def action_of(spec: CommandSpec) -> str:
    """ "silo add" for ``/convene silo add``."""

    return " ".join(spec.path[1:]) or spec.path[0]


def subject_words(spec: CommandSpec, args: Args) -> tuple[str, ...]:
    """The values typed for a command, as the audit log keeps them (``bot.audit_trail``)."""

    words: list[str] = []
    for param in spec.params:
        if isinstance(param, Positional):
            value = args.get(param.name)
            if value and (not param.rest or param.name in NAMES):
                words.append(quoted(value))
        elif isinstance(param, Option):
            words.extend(f"--{param.name} {quoted(value)}" for value in _values(args, param))
        elif isinstance(param, Flag) and args.flag(param.name):
            words.append(f"--{param.name}")
    return tuple(words)


def _values(args: Args, option: Option) -> Sequence[str]:
    if option.repeatable:
        return args.many(option.name)
    value = args.get(option.name)
    return () if value is None else (value,)
