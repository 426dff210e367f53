"""Discord's documented limits, as the fake Discord enforces them.

Each check reads one request body (or what a member is about to send) and
lists what Discord refuses in it as ``Problem``s: where (a path of keys and
list indexes, as Discord names it), Discord's code for it and its message.
``errors_object`` nests them the way Discord's 400 answer does::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"components": {"0": {"components": {"5": {"_errors": [
         {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 5 in length."}]}}}}}}

The limits are the developer documentation's (https://discord.com/developers/docs/),
page by page; the shapes and most lengths agree with ``discord/discord-api-spec``
(``specs/openapi.json``), which allows more than the documentation in two places
that need the Components V2 flag Convene does not use (40 components a message,
40 a modal) and lets content reach 4,000 (Nitro users; bots keep to 2,000):

- resources/message, "Create Message": content 2,000 characters; 10 embeds;
  ``allowed_mentions`` at most 100 users and 100 roles.
- resources/message, "Embed Limits": title 256, description 4,096, 25 fields
  (name 256, value 1,024), footer text 2,048, author name 256, 6,000 in all.
- components/reference, "Action Row": 5 rows a message; a row holds up to 5
  buttons or a single select. "Button": label 80, ``custom_id`` 1-100 (a link
  button has a url instead). "String Select": ``custom_id`` 1-100, 1-25
  options (label and value 1-100, description 100, each value once), placeholder 150,
  ``min_values`` 0-25, ``max_values`` 1-25. Every ``custom_id`` in a message
  or modal is unique.
- interactions/receiving-and-responding, "Modal": ``custom_id`` 1-100, title
  1-45, 1-5 components. components/reference, "Label": label 1-45,
  description 100. "Text Input": ``custom_id`` 1-100, label 1-45 (in a row),
  value 4,000, placeholder 100, ``min_length`` 0-4,000, ``max_length`` 1-4,000.
- interactions/receiving-and-responding, "Autocomplete": at most 25 choices
  (name 1-100; a string value 100).
- interactions/application-commands, "Application Command Object" and
  "Application Command Naming": a name of 1-32 letters, digits, ``-``, ``_``
  or ``'`` (Devanagari and Thai included), lower case where a letter has a
  lower case, for chat-input commands and every option; a description 1-100;
  25 options; 25 choices (name 1-100, a string value 100); ``min_length``
  0-6,000, ``max_length`` 1-6,000; required options before optional ones.
  "Limits": 100 chat-input commands a scope, and 8,000 characters a command,
  counting every name, description and choice name and value.
- resources/channel, "Start Thread from Message" and "Start Thread without
  Message": a name of 1-100 characters.
- reference, "Uploading Files": each file at most 10 MiB (the default for every
  user and bot without Nitro or boosts; larger is 413, code 40005 "Request
  entity too large"); parts named ``files[n]``, whose ``n`` is the placeholder
  id an ``attachments`` entry of ``payload_json`` names. resources/message,
  "Create Message": at most 10 attachments (the fake's 50035 for more, and for a
  placeholder that names no part, uses codes of its own: Discord documents none).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]
Path = tuple[str | int, ...]

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE, EMBED_DESCRIPTION, EMBED_FIELDS = 256, 4096, 25
EMBED_FIELD_NAME, EMBED_FIELD_VALUE, EMBED_FOOTER, EMBED_AUTHOR = 256, 1024, 2048, 256
EMBED_TOTAL = 6000
MENTIONED_IDS = 100
ROWS = 5
ROW_WIDTH = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100
SELECT_PLACEHOLDER = 150
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
INPUT_LABEL = 45
LABEL_DESCRIPTION = 100
INPUT_VALUE = 4000
INPUT_PLACEHOLDER = 100
CHOICES = 25
CHOICE_NAME = 100
CHOICE_STRING_VALUE = 100
COMMAND_NAME = 32
DESCRIPTION = 100
OPTIONS = 25
OPTION_LENGTH = 6000
COMMANDS_PER_SCOPE = 100
COMMAND_SIZE = 8000
THREAD_NAME = 100
FILES = 10
FILE_BYTES = 10 * 1024 * 1024

ANSWER_WINDOW = 3.0
"""Seconds Discord waits for an interaction's first answer (interactions/receiving-and-
responding, "Responding to an Interaction"); after them the interaction is unknown."""
TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction's token works for follow-ups and edits (the same page)."""

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 2, 3, 4, 10, 18
LINK, PREMIUM = 5, 6
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, NUMBER = 1, 2, 3, 4, 10
CHAT_INPUT = 1
_NAME_MARKS = frozenset("-_'")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing Discord refuses: where, its code and its message."""

    path: Path
    code: str
    message: str


class NotSendable(ValueError):
    """What a test asked a member to send, which Discord's own client never would."""


def errors_object(problems: Sequence[Problem]) -> Payload:
    """Discord's nested ``errors``: keys and list indexes (as strings) down to ``_errors``."""

    tree: Payload = {}
    for problem in problems:
        node = tree
        for step in problem.path:
            node = node.setdefault(str(step), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return tree


# -- small checks ---------------------------------------------------------------------------


def _text(
    found: list[Problem],
    path: Path,
    value: Any,
    most: int,
    *,
    least: int = 0,
    required: bool = False,
) -> None:
    if value is None:
        if required:
            found.append(Problem(path, "BASE_TYPE_REQUIRED", "This field is required"))
        return
    if not isinstance(value, str):
        found.append(Problem(path, "BASE_TYPE_STRING", "Could not interpret value as string."))
        return
    if least and not least <= len(value) <= most:
        found.append(
            Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {least} and {most} in length.")
        )
    elif len(value) > most:
        found.append(Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {most} or fewer in length."))


def _items(found: list[Problem], path: Path, value: Any, most: int, *, least: int = 0) -> list[Any]:
    """A list field within its bounds; what it holds, for the checks of each item."""

    if value is None:
        if least:
            found.append(Problem(path, "BASE_TYPE_REQUIRED", "This field is required"))
        return []
    if not isinstance(value, list):
        found.append(Problem(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
        return []
    if least and not least <= len(value) <= most:
        found.append(
            Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {least} and {most} in length.")
        )
    elif len(value) > most:
        found.append(Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {most} or fewer in length."))
    return value


def _number(found: list[Problem], path: Path, value: Any, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        found.append(Problem(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.'))
    elif value < low:
        found.append(
            Problem(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")
        )
    elif value > high:
        found.append(
            Problem(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")
        )


def _objects(items: list[Any]) -> Iterator[tuple[int, Payload]]:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield index, item


class _CustomIds:
    """Every ``custom_id`` in one message or modal: a repeat is refused."""

    def __init__(self, found: list[Problem]) -> None:
        self._found = found
        self._seen: set[str] = set()

    def check(self, path: Path, component: Payload, *, required: bool = True) -> None:
        value = component.get("custom_id")
        _text(self._found, (*path, "custom_id"), value, CUSTOM_ID, least=1, required=required)
        if isinstance(value, str) and value:
            if value in self._seen:
                self._found.append(
                    Problem(
                        (*path, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            self._seen.add(value)


# -- messages -------------------------------------------------------------------------------


def message_problems(body: Mapping[str, Any], at: Path = ()) -> list[Problem]:
    """A message sent or edited: its content, embeds, mentions and components."""

    found: list[Problem] = []
    _text(found, (*at, "content"), body.get("content"), CONTENT)
    total = 0
    for index, embed in _objects(_items(found, (*at, "embeds"), body.get("embeds"), EMBEDS)):
        total += _embed(found, (*at, "embeds", index), embed)
    if total > EMBED_TOTAL:
        found.append(
            Problem(
                (*at, "embeds"),
                "BASE_TYPE_MAX_LENGTH",
                f"Embed size exceeds maximum size of {EMBED_TOTAL}",
            )
        )
    mentions = body.get("allowed_mentions")
    if isinstance(mentions, dict):
        for key in ("users", "roles"):
            _items(found, (*at, "allowed_mentions", key), mentions.get(key), MENTIONED_IDS)
    ids = _CustomIds(found)
    rows = _items(found, (*at, "components"), body.get("components"), ROWS)
    for index, row in _objects(rows):
        _action_row(found, (*at, "components", index), row, ids)
    return found


def upload_problems(body: Mapping[str, Any], part_names: Sequence[str]) -> list[Problem]:
    """A multipart request's files (``part_names``: each file part's name) against its
    ``attachments``: at most ``FILES``, and each placeholder id naming a part ``files[id]``.

    A placeholder is a small number; an attachment already on the message (kept by an
    edit) is named by its snowflake instead.
    """

    found: list[Problem] = []
    if len(part_names) > FILES:
        found.append(
            Problem(
                ("attachments",), "BASE_TYPE_MAX_LENGTH", f"Must be {FILES} or fewer in length."
            )
        )
    listed = body.get("attachments")
    for index, attachment in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(attachment, dict):
            continue
        placeholder = str(attachment.get("id", ""))
        is_placeholder = placeholder.isdigit() and len(placeholder) < 5
        if is_placeholder and f"files[{placeholder}]" not in part_names:
            found.append(
                Problem(
                    ("attachments", index, "id"),
                    "ATTACHMENT_NOT_UPLOADED",
                    f"No file was uploaded as files[{placeholder}].",
                )
            )
    return found


def _embed(found: list[Problem], at: Path, embed: Payload) -> int:
    """Check one embed; the characters it counts towards the 6,000 of a message."""

    counted = 0
    for key, most in (("title", EMBED_TITLE), ("description", EMBED_DESCRIPTION)):
        _text(found, (*at, key), embed.get(key), most)
        counted += len(embed.get(key) or "")
    for index, item in _objects(_items(found, (*at, "fields"), embed.get("fields"), EMBED_FIELDS)):
        _text(found, (*at, "fields", index, "name"), item.get("name"), EMBED_FIELD_NAME)
        _text(found, (*at, "fields", index, "value"), item.get("value"), EMBED_FIELD_VALUE)
        counted += len(item.get("name") or "") + len(item.get("value") or "")
    for key, inner, most in (("footer", "text", EMBED_FOOTER), ("author", "name", EMBED_AUTHOR)):
        part = embed.get(key)
        if isinstance(part, dict):
            _text(found, (*at, key, inner), part.get(inner), most)
            counted += len(part.get(inner) or "")
    return counted


def _action_row(found: list[Problem], at: Path, row: Payload, ids: _CustomIds) -> None:
    if row.get("type") != ACTION_ROW:
        found.append(
            Problem(
                (*at, "type"),
                "COMPONENT_LAYOUT_REQUIRES_COMPONENTS_V2",
                "Only action rows may be top-level components without the IS_COMPONENTS_V2 flag",
            )
        )
        return
    inner = _items(found, (*at, "components"), row.get("components"), ROW_WIDTH, least=1)
    if any(isinstance(c, dict) and c.get("type") != BUTTON for c in inner) and len(inner) > 1:
        for index in range(1, len(inner)):
            found.append(
                Problem(
                    (*at, "components", index),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
    for index, component in _objects(inner):
        where = (*at, "components", index)
        if component.get("type") == BUTTON:
            _button(found, where, component, ids)
        elif component.get("type") == STRING_SELECT:
            _select(found, where, component, ids)


def _button(found: list[Problem], at: Path, button: Payload, ids: _CustomIds) -> None:
    _text(found, (*at, "label"), button.get("label"), BUTTON_LABEL)
    if button.get("style") == LINK:
        _text(found, (*at, "url"), button.get("url"), 512, required=True)
    elif button.get("style") != PREMIUM:
        ids.check(at, button)


def _select(found: list[Problem], at: Path, select: Payload, ids: _CustomIds) -> None:
    ids.check(at, select)
    _text(found, (*at, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER)
    _number(found, (*at, "min_values"), select.get("min_values"), 0, SELECT_OPTIONS)
    _number(found, (*at, "max_values"), select.get("max_values"), 1, SELECT_OPTIONS)
    options = _items(found, (*at, "options"), select.get("options"), SELECT_OPTIONS, least=1)
    values: set[str] = set()
    for index, item in _objects(options):
        where = (*at, "options", index)
        for key in ("label", "value"):
            _text(found, (*where, key), item.get(key), SELECT_OPTION_TEXT, least=1, required=True)
        _text(found, (*where, "description"), item.get("description"), SELECT_OPTION_TEXT)
        if item.get("value") in values:
            found.append(
                Problem(
                    (*where, "value"),
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Select component option values must be unique",
                )
            )
        values.add(str(item.get("value")))


# -- modals and autocompletion --------------------------------------------------------------


def modal_problems(data: Mapping[str, Any], at: Path = ("data",)) -> list[Problem]:
    """A modal (interaction callback type 9)."""

    found: list[Problem] = []
    ids = _CustomIds(found)
    ids.check(at, dict(data))
    _text(found, (*at, "title"), data.get("title"), MODAL_TITLE, least=1, required=True)
    parts = _items(found, (*at, "components"), data.get("components"), MODAL_COMPONENTS, least=1)
    for index, part in _objects(parts):
        where = (*at, "components", index)
        kind = part.get("type")
        if kind == ACTION_ROW:
            inputs = _items(found, (*where, "components"), part.get("components"), 1, least=1)
            for inner, field in _objects(inputs):
                _text_input(found, (*where, "components", inner), field, ids, labelled=False)
        elif kind == LABEL:
            _text(found, (*where, "label"), part.get("label"), INPUT_LABEL, least=1, required=True)
            _text(found, (*where, "description"), part.get("description"), LABEL_DESCRIPTION)
            inner_component = part.get("component")
            if not isinstance(inner_component, dict):
                found.append(
                    Problem((*where, "component"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            elif inner_component.get("type") == TEXT_INPUT:
                _text_input(found, (*where, "component"), inner_component, ids, labelled=True)
            elif inner_component.get("type") == STRING_SELECT:
                _select(found, (*where, "component"), inner_component, ids)
        elif kind != TEXT_DISPLAY:
            found.append(
                Problem(
                    (*where, "type"),
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of '
                    f"({ACTION_ROW}, {TEXT_DISPLAY}, {LABEL}).",
                )
            )
    return found


def _text_input(
    found: list[Problem], at: Path, field: Payload, ids: _CustomIds, *, labelled: bool
) -> None:
    ids.check(at, field)
    label = field.get("label")
    _text(found, (*at, "label"), label, INPUT_LABEL, least=1, required=not labelled)
    _number(found, (*at, "style"), field.get("style"), 1, 2)
    _text(found, (*at, "value"), field.get("value"), INPUT_VALUE)
    _text(found, (*at, "placeholder"), field.get("placeholder"), INPUT_PLACEHOLDER)
    _number(found, (*at, "min_length"), field.get("min_length"), 0, INPUT_VALUE)
    _number(found, (*at, "max_length"), field.get("max_length"), 1, INPUT_VALUE)


def choices_problems(data: Mapping[str, Any], at: Path = ("data",)) -> list[Problem]:
    """The choices an autocompletion answers with (interaction callback type 8)."""

    found: list[Problem] = []
    for index, choice in _objects(_items(found, (*at, "choices"), data.get("choices"), CHOICES)):
        _choice(found, (*at, "choices", index), choice)
    return found


def _choice(found: list[Problem], at: Path, choice: Payload) -> None:
    _text(found, (*at, "name"), choice.get("name"), CHOICE_NAME, least=1, required=True)
    if isinstance(choice.get("value"), str):
        _text(found, (*at, "value"), choice["value"], CHOICE_STRING_VALUE)


# -- application commands -------------------------------------------------------------------


def name_is_valid(name: str, *, lower_case: bool) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, and lower case where
    a letter has one (chat-input commands and all options)."""

    if not 1 <= len(name) <= COMMAND_NAME:
        return False
    for char in name:
        category = unicodedata.category(char)
        allowed = char in _NAME_MARKS or category[0] in "LN" or category in ("Mn", "Mc")
        if not allowed or (lower_case and char != char.lower()):
            return False
    return True


def command_size(command: Mapping[str, Any]) -> int:
    """The characters Discord counts towards a command's 8,000: every name, description,
    and choice name and value, of the command and all its options."""

    size = len(str(command.get("name") or "")) + len(str(command.get("description") or ""))
    for item in command.get("options") or []:
        if isinstance(item, dict):
            size += command_size(item)
    for choice in command.get("choices") or []:
        if isinstance(choice, dict):
            size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return size


def commands_problems(commands: Sequence[Any]) -> list[Problem]:
    """A bulk overwrite of one scope's commands (``PUT .../commands``)."""

    found: list[Problem] = []
    chat_input = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == CHAT_INPUT]
    if len(chat_input) > COMMANDS_PER_SCOPE:
        found.append(
            Problem(
                (),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {COMMANDS_PER_SCOPE} or fewer in length.",
            )
        )
    for index, command in _objects(list(commands)):
        found.extend(command_problems(command, (index,)))
    return found


def command_problems(command: Mapping[str, Any], at: Path = ()) -> list[Problem]:
    found: list[Problem] = []
    chat_input = command.get("type", CHAT_INPUT) == CHAT_INPUT
    _name(found, (*at, "name"), command.get("name"), lower_case=chat_input)
    if chat_input:
        _text(
            found,
            (*at, "description"),
            command.get("description"),
            DESCRIPTION,
            least=1,
            required=True,
        )
    _options(found, at, command.get("options"))
    if command_size(command) > COMMAND_SIZE:
        found.append(
            Problem(
                at,
                "APPLICATION_COMMAND_TOO_LARGE",
                f"Command exceeds maximum size ({COMMAND_SIZE})",
            )
        )
    return found


def _name(found: list[Problem], at: Path, name: Any, *, lower_case: bool) -> bool:
    """Check a command's or an option's name; whether it is a good one."""

    if name is None:
        found.append(Problem(at, "BASE_TYPE_REQUIRED", "This field is required"))
        return False
    if not isinstance(name, str) or not name_is_valid(name, lower_case=lower_case):
        found.append(Problem(at, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        return False
    return True


def _options(found: list[Problem], at: Path, options: Any) -> None:
    listed = _items(found, (*at, "options"), options, OPTIONS)
    seen: set[str] = set()
    optional_seen = False
    for index, item in _objects(listed):
        where = (*at, "options", index)
        name = item.get("name")
        if _name(found, (*where, "name"), name, lower_case=True) and name in seen:
            found.append(
                Problem(
                    (*where, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option name already used in this command",
                )
            )
        else:
            seen.add(str(name))
        _text(
            found,
            (*where, "description"),
            item.get("description"),
            DESCRIPTION,
            least=1,
            required=True,
        )
        kind = item.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _options(found, where, item.get("options"))
            continue
        if item.get("required"):
            if optional_seen:
                found.append(
                    Problem(
                        (*where, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            optional_seen = True
        for choice_index, choice in _objects(
            _items(found, (*where, "choices"), item.get("choices"), CHOICES)
        ):
            _choice(found, (*where, "choices", choice_index), choice)
        _number(found, (*where, "min_length"), item.get("min_length"), 0, OPTION_LENGTH)
        _number(found, (*where, "max_length"), item.get("max_length"), 1, OPTION_LENGTH)


# -- what a member can send -----------------------------------------------------------------


def check_option_values(
    declared: Sequence[Any], given: Sequence[Any], where: str = "", *, typing: bool = False
) -> None:
    """Refuse options a member could not send with Discord's client: an option the command
    does not declare, a required one left out, a string outside its ``min_length`` and
    ``max_length``, a value not among its choices, a number outside its bounds.

    During an autocompletion (an option is ``focused``) the command is still being
    typed: required options may be missing yet, and the focused one's text only
    keeps to its ``max_length``.
    """

    typing = typing or _focused(given)
    by_name = {str(o["name"]): o for o in declared if isinstance(o, dict) and "name" in o}
    named = {str(g.get("name")) for g in given if isinstance(g, dict)}
    for option in by_name.values():
        if option.get("required") and option["name"] not in named and not typing:
            raise NotSendable(f"{where}{option['name']} is required and was not given")
    for item in given:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name"))
        meant = by_name.get(name)
        if meant is None:
            raise NotSendable(f"{where}{name} is not an option of this command")
        if meant.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            inner = item.get("options") or []
            check_option_values(meant.get("options") or [], inner, f"{where}{name} ", typing=typing)
            continue
        _check_value(meant, item, f"{where}{name}")


def _focused(given: Sequence[Any]) -> bool:
    return any(
        isinstance(g, dict) and (bool(g.get("focused")) or _focused(g.get("options") or []))
        for g in given
    )


def _check_value(option: Payload, item: Payload, label: str) -> None:
    value = item.get("value")
    focused = bool(item.get("focused"))
    if option.get("type") == STRING and isinstance(value, str):
        most = option.get("max_length")
        least = option.get("min_length")
        if most is not None and len(value) > int(most):
            raise NotSendable(f"{label} takes at most {most} characters; {len(value)} given")
        if not focused and least is not None and len(value) < int(least):
            raise NotSendable(f"{label} takes at least {least} characters; {len(value)} given")
    if option.get("type") in (INTEGER, NUMBER) and isinstance(value, int | float) and not focused:
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise NotSendable(f"{label} must be between {low} and {high}; {value} given")
    choices = option.get("choices")
    if choices and not focused and value not in [c.get("value") for c in choices]:
        raise NotSendable(f"{label} must be one of its choices; {value!r} given")


def check_submission(modal: Mapping[str, Any], values: Mapping[str, str]) -> None:
    """Refuse a modal submission a member could not make: a value for an input the modal
    does not have, a required input left empty, text outside its input's lengths, a
    choice that is not among a select's options."""

    inputs = dict(_modal_inputs(modal))
    for name in values:
        if name not in inputs:
            raise NotSendable(f"the form has no input {name!r}")
    for name, field in inputs.items():
        value = values.get(name, "")
        required = field.get("required", True) is not False
        if required and not value:
            raise NotSendable(f"{name} is required and was left empty")
        if field.get("type") == STRING_SELECT:
            offered = [str(o.get("value")) for o in field.get("options") or []]
            if value and value not in offered:
                raise NotSendable(f"{name} offers {offered}; {value!r} given")
            continue
        most = field.get("max_length")
        least = field.get("min_length")
        if most is not None and len(value) > int(most):
            raise NotSendable(f"{name} takes at most {most} characters; {len(value)} given")
        if value and least is not None and len(value) < int(least):
            raise NotSendable(f"{name} takes at least {least} characters; {len(value)} given")


def _modal_inputs(modal: Mapping[str, Any]) -> Iterator[tuple[str, Payload]]:
    for part in modal.get("components") or []:
        if not isinstance(part, dict):
            continue
        inner = part.get("components") or ([part["component"]] if "component" in part else [])
        for field in inner:
            if isinstance(field, dict) and field.get("custom_id"):
                yield str(field["custom_id"]), field
