"""Help text: built from the command declarations, filtered by role."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import CommandSpec, CommandTable
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
    typed = " ".join(["/" + command, *words]).strip()
    near = [
        spec for spec in table.near(command, words) if member.is_convener or not spec.convener_only
    ]
    if not near:
        return f"I don't know {typed}. Type /{command} help to see the commands."
    hints = "; ".join(spec.usage for spec in near[:4])
    return f"I don't know {typed}. Try: {hints}. Type /{command} help for everything."
