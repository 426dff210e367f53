"""Convene's commands as Discord application commands, and back again.

The core declares every command once (``CommandSpec``: its words and
parameters). This module turns that table into Discord's slash commands, so
nothing is declared twice and a new command appears in Discord by itself, and
turns an invoked command's options back into the words the core parses, so
the core checks a Discord command exactly as it checks a typed one.

Discord's shape differs from Convene's words in three ways, settled here:

- A command holds subcommands or groups of subcommands, two levels at most,
  and a name cannot be both a subcommand and a group. ``/convene me`` (show)
  beside ``/convene me tz`` becomes ``/profile show``; four-word paths join
  their last two words (``/convene pairing round-now``).
- ``default_member_permissions`` applies to a whole top-level command, not to
  a subcommand. So the commands for conveners stay under ``/convene``, which
  asks for Manage Server by default, and the few ``/convene`` commands every
  member uses (help, me, silos, conveners) are offered as ``/profile``. The
  core still checks its own convener list, since a server admin can give
  anyone the command.
- ``/commit`` both makes a commitment and has subcommands, which Discord does
  not allow: making one is ``/commit make``.

Options are typed where Discord has a better input than text: members are
user options and channels are channel options (both arrive as ids and go to
the core as Discord mentions), flags are booleans. Names, zones and numbers a
member may not remember autocomplete. A command that reads a file
(``CommandSpec.takes_file``) has an optional attachment option, ``file``;
Discord sends the attachment's URL and size in the interaction's ``resolved``
(``attached_files``), and the file goes to the core beside the words, never in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.commands import CommandSpec, Flag, Option, Positional
from bot.events import IncomingFile

# Option types from Discord's API.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, BOOLEAN, USER, CHANNEL = 1, 2, 3, 5, 6, 7
ATTACHMENT = 11
FILE_OPTION = "file"
"""The attachment option of a command that reads a file."""
FILE_DESCRIPTION = "The file to read (a CSV), attached here"
CHAT_INPUT = 1
MANAGE_GUILD = str(1 << 5)
"""The permission a member needs, by default, to see ``/convene``."""
TEXT_CHANNEL_TYPES = [0, 5]  # text and announcement channels
DESCRIPTION_LIMIT = 100
STRING_LIMIT = 6000

MEMBER_ROOT = "profile"
"""Where the /convene commands for every member live on Discord."""
MAKE = "make"
"""The subcommand that stands for a root command run on its own (``/commit …``)."""
SHOW = "show"
"""The subcommand that stands for a group run on its own (``/convene me``)."""

ROOT_DESCRIPTIONS = {
    "convene": "Run Convene: silos, members, pairings, check-ins, retros (for conveners)",
    MEMBER_ROOT: "Your Convene profile: silos, time zone, who the conveners are",
    "pairing": "Introductions across silos: join, leave, pause, say what you'd talk about",
    "checkin": "Check-ins: join, leave, skip, see what is coming",
    "commit": "Commitments: make one, list yours, mark one done or move it",
}
PARAM_DESCRIPTIONS = {
    "channel": "The channel",
    "name": "The name",
    "new_name": "The new name",
    "kind": "What kind of silo: team, department, organisation, profession…",
    "source": "usergroups, roles or field",
    "field": "The profile field (for field)",
    "prefix": "Only names starting with this, which is left off the silo's name",
    "silo": "A silo's name",
    "tz": "A time zone, like Europe/London",
    "zone": "A time zone, like Europe/London",
    "action": "add or remove",
    "when": "When, in plain words: 'every Monday 09:00', 'by Friday'",
    "what": "What you commit to, with a due date if you like: 'Draft the plan by Friday'",
    "who": "Who it is for",
    "member": "The member",
    "n": "The commitment's number",
    "text": "The text",
    "topic": "What to look for, in a few words: 'discharge planning'",
    "words": "What changed: 'blocked: WHY', 'unblocked', or a note",
    "length": "How long: '2 weeks', 'until 2027-01-10'",
    "private": "Keep it out of the channel",
    "anonymous": "Hide who wrote each item",
    "scale": "Answered on a scale of 1 to 5",
    "overdue": "Only the overdue ones",
}
USER_NAMES_IN = {("convene", "member"), ("convene", "convener")}
"""Commands whose ``name`` is a member's."""
AUTOCOMPLETE = {"zone": "zone", "tz": "zone", "silo": "silo", "n": "commitment", "kind": "kind"}
"""Which suggestions a string option gets: by the option's name..."""
AUTOCOMPLETE_NAME_IN: dict[tuple[str, ...], str] = {
    ("convene", "silo"): "silo",
    ("convene", "checkin"): "checkin",
}
"""...and, for ``name``, by the group it is in."""


@dataclass(frozen=True, slots=True)
class DiscordPath:
    """Where a core command sits on Discord: ``("convene", "silo", "add")`` and the like."""

    names: tuple[str, ...]

    @property
    def root(self) -> str:
        return self.names[0]


def discord_path(spec: CommandSpec, groups: set[tuple[str, str]]) -> DiscordPath:
    """The Discord names for a core command (``groups``: every (root, word) with subcommands)."""

    path = spec.path
    if path[0] == "convene" and not spec.convener_only:
        if len(path) == 2 and (path[0], path[1]) not in groups:
            return DiscordPath((MEMBER_ROOT, path[1]))
        if len(path) >= 2 and path[1] == "me":
            return DiscordPath((MEMBER_ROOT, *(path[2:] or (SHOW,))))
        if len(path) == 1:
            return DiscordPath((MEMBER_ROOT, "help"))
    if len(path) == 1:
        return DiscordPath((path[0], MAKE))
    if len(path) == 2:
        if (path[0], path[1]) in groups:
            return DiscordPath((path[0], path[1], SHOW))
        return DiscordPath(path)
    if len(path) == 3:
        return DiscordPath(path)
    return DiscordPath((path[0], path[1], "-".join(path[2:])))


def _option_type(spec: CommandSpec, param: Positional | Option | Flag) -> int:
    if isinstance(param, Flag):
        return BOOLEAN
    if param.name == "channel":
        return CHANNEL
    if (
        param.name == "member"
        or (param.name == "who" and spec.path[0] == "commit")
        or (param.name == "name" and spec.path[:2] in USER_NAMES_IN)
    ):
        return USER
    return STRING


def _suggestions(spec: CommandSpec, name: str) -> str | None:
    if name == "name":
        if spec.path[0] == "checkin":
            return "checkin"
        return AUTOCOMPLETE_NAME_IN.get(spec.path[:2])
    if name == "n" and spec.path[0] == "commit":
        return "commitment"
    return AUTOCOMPLETE.get(name) if name != "n" else None


def _description(param: Positional | Option | Flag) -> str:
    text = PARAM_DESCRIPTIONS.get(param.name)
    if isinstance(param, Positional) and param.choices:
        # The words it takes, so a member knows what to type ("off or on"), whatever its name.
        *first, last = param.choices
        text = f"{', '.join(first)} or {last}" if first else last
    if text is None:
        metavar = f" ({param.metavar})" if isinstance(param, Option) else ""
        text = f"The {param.name.replace('_', ' ').replace('-', ' ')}{metavar}"
    return text[:DESCRIPTION_LIMIT]


def _options(spec: CommandSpec) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for param in spec.params:
        kind = _option_type(spec, param)
        option: dict[str, Any] = {
            "type": kind,
            "name": param.name,
            "description": _description(param),
            "required": isinstance(param, Positional) and param.required,
        }
        if kind == CHANNEL:
            option["channel_types"] = TEXT_CHANNEL_TYPES
        if kind == STRING and not isinstance(param, Flag):
            option["max_length"] = min(param.max_length, STRING_LIMIT)
            if _suggestions(spec, param.name):
                option["autocomplete"] = True
        made.append(option)
    if spec.takes_file:
        if any(param.name == FILE_OPTION for param in spec.params):
            raise ValueError(f"{spec.words} has a parameter named {FILE_OPTION!r} and takes a file")
        made.append(
            {
                "type": ATTACHMENT,
                "name": FILE_OPTION,
                "description": FILE_DESCRIPTION,
                "required": False,
            }
        )
    # Discord wants the required options first; the core's order is kept apart.
    return sorted(made, key=lambda o: not o["required"])


@dataclass(frozen=True, slots=True)
class CommandSet:
    """Convene's Discord commands: the payload to sync and the way back to the core."""

    payload: list[dict[str, Any]]
    specs: Mapping[tuple[str, ...], CommandSpec]
    _renames: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def as_typed_here(self, text: str) -> str:
        """Text with Convene's command words as a member types them on Discord.

        Help, usage lines and hints name commands the core's way
        (``/convene me tz``); here that is ``/profile tz``.
        """

        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._renames.get(m.group(0).lower(), m.group(0)), text)

    def spec_for(self, names: Sequence[str]) -> CommandSpec | None:
        return self.specs.get(tuple(names))

    def suggestion_kind(self, spec: CommandSpec, option: str) -> str | None:
        return _suggestions(spec, option)


def build_commands(specs: Iterable[CommandSpec]) -> CommandSet:
    """Every core command, as Discord application commands."""

    specs = list(specs)
    groups = {(s.path[0], s.path[1]) for s in specs if len(s.path) >= 3}
    by_path: dict[tuple[str, ...], CommandSpec] = {}
    for spec in specs:
        names = discord_path(spec, groups).names
        if names in by_path:
            raise ValueError(f"two commands map to /{' '.join(names)} on Discord")
        by_path[names] = spec
    roots: dict[str, dict[str, Any]] = {}
    for names, spec in by_path.items():
        root = roots.setdefault(
            names[0],
            {
                "type": CHAT_INPUT,
                "name": names[0],
                "description": ROOT_DESCRIPTIONS.get(names[0], f"/{names[0]}")[:DESCRIPTION_LIMIT],
                "options": [],
                "contexts": [0],  # in servers only: every command belongs to one
            },
        )
        if names[0] == "convene":
            root["default_member_permissions"] = MANAGE_GUILD
        holder = root["options"]
        if len(names) == 3:
            group = next((o for o in holder if o["name"] == names[1]), None)
            if group is None:
                group = {
                    "type": SUB_COMMAND_GROUP,
                    "name": names[1],
                    "description": f"/{names[0]} {names[1]} …",
                    "options": [],
                }
                holder.append(group)
            holder = group["options"]
        holder.append(
            {
                "type": SUB_COMMAND,
                "name": names[-1],
                "description": spec.summary[:DESCRIPTION_LIMIT],
                "options": _options(spec),
            }
        )
    words = {"/" + " ".join(spec.path): "/" + " ".join(names) for names, spec in by_path.items()}
    ordered = sorted(words, key=len, reverse=True)  # the longest command a text names wins
    pattern = re.compile(
        "(?<![\\w/])(?:" + "|".join(re.escape(w) for w in ordered) + ")(?![\\w-])",
        re.IGNORECASE,
    )
    renames = {core.lower(): here for core, here in words.items() if core != here}
    return CommandSet(
        payload=list(roots.values()), specs=by_path, _renames=renames, _pattern=pattern
    )


# -- syncing ------------------------------------------------------------------------------

_COMPARED = ("type", "name", "description", "options", "default_member_permissions")
_OPTION_DEFAULTS: dict[str, Any] = {"required": False, "autocomplete": False}


def _normal(value: Any) -> Any:
    """A command as Discord echoes it, reduced to what we set (for "did it change?")."""

    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        kept = {
            k: _normal(v)
            for k, v in value.items()
            if k in (*_COMPARED, "required", "autocomplete", "channel_types", "max_length")
            and v is not None
            and not (k in _OPTION_DEFAULTS and v == _OPTION_DEFAULTS[k])
            and not (k == "options" and v == [])
        }
        return kept
    return value


def fingerprint(commands: Sequence[Mapping[str, Any]]) -> str:
    """The same text for the same commands, however Discord ordered or decorated them."""

    ordered = sorted((_normal(dict(c)) for c in commands), key=lambda c: str(c.get("name")))
    return json.dumps(ordered, sort_keys=True)


# -- back to the core ---------------------------------------------------------------------


def _quoted(value: str) -> str:
    """A value as one word for the core's parser (double quotes; a quote inside is kept)."""

    if value and not any(ch.isspace() or ch in "\"'" for ch in value):
        return value
    return '"' + value.replace('"', '"\'"\'"') + '"'


def _as_text(kind: int, value: Any, names: Mapping[str, str]) -> str:
    """A user or channel as a platform link with its name (``<#id|general>``), as the
    core reads Slack's; other values as they are."""

    if kind not in (USER, CHANNEL):
        return str(value)
    name = names.get(str(value), "").replace(">", "").replace("|", "")
    shown = f"{value}|{name}" if name else str(value)
    return f"<@{shown}>" if kind == USER else f"<#{shown}>"


def resolved_names(data: Mapping[str, Any]) -> dict[str, str]:
    """The names Discord sent with a command for the users and channels in its options."""

    resolved = data.get("resolved") or {}
    names: dict[str, str] = {}
    for user_id, user in (resolved.get("users") or {}).items():
        names[str(user_id)] = str(user.get("global_name") or user.get("username") or "")
    for user_id, member in (resolved.get("members") or {}).items():
        if member.get("nick"):
            names[str(user_id)] = str(member["nick"])
    for channel_id, channel in (resolved.get("channels") or {}).items():
        names[str(channel_id)] = str(channel.get("name") or "")
    return names


def attached_files(
    data: Mapping[str, Any], given: Mapping[str, tuple[int, Any]]
) -> tuple[IncomingFile, ...]:
    """The files attached to a command's attachment options, from the interaction's
    ``resolved.attachments`` (an option's value is the attachment's id)."""

    resolved = (data.get("resolved") or {}).get("attachments") or {}
    found = []
    for kind, value in given.values():
        attachment = resolved.get(str(value)) if kind == ATTACHMENT else None
        if not isinstance(attachment, Mapping):
            continue
        found.append(
            IncomingFile(
                file_id=str(attachment.get("id", value)),
                name=str(attachment.get("filename") or "file"),
                size=int(attachment.get("size") or 0),
                url=str(attachment.get("url") or ""),
                content_type=str(attachment.get("content_type") or ""),
            )
        )
    return tuple(found)


def invoked(data: Mapping[str, Any]) -> tuple[list[str], dict[str, tuple[int, Any]], str | None]:
    """The subcommand names, the given options (type, value) and the focused one, if any."""

    names = [str(data.get("name", ""))]
    options = list(data.get("options") or [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        names.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    given = {str(o["name"]): (int(o.get("type", STRING)), o.get("value")) for o in options}
    focused = next((str(o["name"]) for o in options if o.get("focused")), None)
    return names, given, focused


def command_text(
    spec: CommandSpec,
    given: Mapping[str, tuple[int, Any]],
    names: Mapping[str, str] | None = None,
) -> str:
    """The words after the command's root, as a member would have typed them.

    ``names`` are the users' and channels' names Discord resolved (``resolved_names``).
    """

    words = list(spec.path[1:])
    for param in spec.params:
        if param.name not in given:
            continue
        kind, value = given[param.name]
        if isinstance(param, Flag):
            if value is True:
                words.append(f"--{param.name}")
            continue
        text = _as_text(kind, value, names or {})
        if not text.strip():
            continue
        shown = text if spec.free_text or kind in (USER, CHANNEL) else _quoted(text)
        if isinstance(param, Option):
            words.extend((f"--{param.name}", shown))
        else:
            words.append(shown)
    return " ".join(words)
