"""Rendering Convene's neutral messages and forms for Discord.

Text is Convene's markup. ``*bold*`` becomes Discord's ``**bold**``, mentions
become ``<@id>``, and in every literal span ``<`` and the ``@everyone`` and
``@here`` words are escaped, so text a member typed can neither look like a
mention nor ping anyone. Pinging is settled apart from the text: each
message carries ``allowed_mentions`` that parse nothing and name only the
members Convene itself mentioned.

Discord's limits are kept here, where they are Discord's business alone:
2,000 characters a message (longer text goes as several messages, the
buttons under the last, cut at a line end or between words and never inside
a mention, an escape or bold; ``parts`` says how an edit changes them all),
80 characters a button label, five buttons a row and
five rows, 100 characters a ``custom_id``, 45 characters a modal title or an
input's label, five inputs a modal (the core pages longer forms, from
``Capabilities.max_form_fields``), 25 options a select, each value once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from bot import markup
from bot.messages import Button, Form, FormField, OutgoingMessage

MESSAGE_LIMIT = 2000
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
CUSTOM_ID_LIMIT = 100
MODAL_TITLE_LIMIT = 45
INPUT_LABEL_LIMIT = 45
INPUTS_PER_MODAL = 5
SELECT_OPTIONS_LIMIT = 25
OPTION_TEXT_LIMIT = 100
"""A select option's label and value."""
TEXT_INPUT_LIMIT = 4000
SEPARATOR = "|"
"""Between the parts of a ``custom_id``: workspace, action (or form) and value."""
REPEAT = "#"
"""Discord wants each ``custom_id`` unique within a message: a repeat gets ``#N``."""

# Component and style numbers from Discord's API.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 2, 3, 4, 10, 18
PRIMARY, SECONDARY, DANGER = 1, 2, 4
SHORT, PARAGRAPH = 1, 2

_BOLD = re.compile(r"(?<![*\\])\*([^*\n]+)\*(?!\*)")
_PING_WORDS = re.compile(r"@(everyone|here)", re.IGNORECASE)


def escape(text: str) -> str:
    """A literal span made inert: no mention pill, no ``@everyone``."""

    text = text.replace("\\", "\\\\").replace("<", "\\<")
    return _PING_WORDS.sub(lambda m: "@\u200b" + m.group(1), text)


Words = Callable[[str], str]
"""Convene's command words as typed here (``CommandSet.as_typed_here``)."""


def _same(text: str) -> str:
    return text


def content(text: str, words: Words = _same) -> str:
    """Neutral markup as Discord Markdown: escaped literal text, real mentions."""

    def literal(span: str) -> str:
        return _BOLD.sub(r"**\1**", escape(words(span)))

    return markup.render(text, escape=literal, render_mention=lambda user: f"<@{user}>")


def allowed_mentions(text: str) -> dict[str, Any]:
    """Ping only the members Convene mentioned: never @everyone, roles or typed ids."""

    users = markup.mentioned_ids(text)[:100]  # Discord takes at most 100 ids
    return {"parse": [], "users": users} if users else {"parse": []}


_WHOLE = re.compile(r"<(?:@[!&]?|#)\d+>|\\.|\*\*[^*\n]+\*\*|@\u200b(?:everyone|here)", re.I)
"""What a cut must not fall inside: a mention, an escape (``\\<`` split from its
backslash would turn member text into markup), bold, a defused ``@everyone``."""


def _cut(rendered: str) -> tuple[int, int]:
    """Where to end the next piece, and how many separator characters to drop there:
    at the last line end that fits, else the last space outside markup, else as late
    as markup allows."""

    line_end = rendered.rfind("\n", 0, MESSAGE_LIMIT + 1)
    if line_end > 0:
        return line_end, 1
    spans = [m.span() for m in _WHOLE.finditer(rendered, 0, MESSAGE_LIMIT + 200)]

    def inside(at: int) -> int | None:
        return next((start for start, end in spans if start < at < end), None)

    space = rendered.rfind(" ", 0, MESSAGE_LIMIT + 1)
    while space > 0 and inside(space) is not None:
        space = rendered.rfind(" ", 0, space)
    if space > 0:
        return space, 1
    start = inside(MESSAGE_LIMIT)
    return (start, 0) if start else (MESSAGE_LIMIT, 0)


def chunks(text: str, words: Words = _same) -> list[str]:
    """The rendered text in pieces Discord accepts, split at line ends where it can,
    else between words, and never inside a mention, an escape or bold."""

    rendered = content(text, words) or "\u200b"
    pieces: list[str] = []
    while len(rendered) > MESSAGE_LIMIT:
        cut, separator = _cut(rendered)
        pieces.append(rendered[:cut])
        rest = rendered[cut + separator :]
        rendered = rest.lstrip("\n") if separator and rendered[cut] == "\n" else rest
    if rendered or not pieces:
        pieces.append(rendered or "\u200b")
    return pieces


def custom_id(workspace_id: str, action_id: str, value: str) -> str:
    """``W|action|value``: the workspace rides along so a click in a DM knows its server."""

    made = SEPARATOR.join((workspace_id, action_id, value))
    if len(made) > CUSTOM_ID_LIMIT:
        raise ValueError(f"the button id {made!r} is longer than Discord's {CUSTOM_ID_LIMIT}")
    return made


def parse_custom_id(made: str) -> tuple[str, str, str]:
    """``(workspace, action or form id, value or context)`` from a ``custom_id``."""

    parts = made.split(SEPARATOR, 2)
    if len(parts) != 3:
        return "", made, ""
    workspace, action, value = parts
    return workspace, action.split(REPEAT, 1)[0], value


def _button(workspace_id: str, button: Button, seen: dict[str, int]) -> dict[str, Any]:
    count = seen.get(button.action_id, 0)
    seen[button.action_id] = count + 1
    action = button.action_id + (f"{REPEAT}{count}" if count else "")
    style = {"primary": PRIMARY, "danger": DANGER}.get(button.style or "", SECONDARY)
    return {
        "type": BUTTON,
        "style": style,
        "label": button.label[:BUTTON_LABEL_LIMIT],
        "custom_id": custom_id(workspace_id, action, button.value),
    }


def _options(choices: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """A select's options: at most 25, each value once (Discord refuses a repeat)."""

    made: dict[str, dict[str, Any]] = {}
    for label, value in choices:
        if len(made) == SELECT_OPTIONS_LIMIT:
            break
        cut = value[:OPTION_TEXT_LIMIT]
        if not cut:
            continue  # Discord takes no empty value
        made.setdefault(cut, {"label": label[:OPTION_TEXT_LIMIT] or cut, "value": cut})
    return list(made.values())


def components(workspace_id: str, buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """Buttons in rows of five (at most 25; Convene never sends more).

    More than five buttons that share one action are a choice among values
    (the time zones offered to a new member): they become one select menu.
    """

    if len(buttons) > BUTTONS_PER_ROW and len({b.action_id for b in buttons}) == 1:
        return [
            {
                "type": ACTION_ROW,
                "components": [
                    {
                        "type": STRING_SELECT,
                        "custom_id": custom_id(workspace_id, buttons[0].action_id, ""),
                        "placeholder": "Choose one",
                        "min_values": 1,
                        "max_values": 1,
                        "options": _options((b.label, b.value) for b in buttons),
                    }
                ],
            }
        ]
    seen: dict[str, int] = {}
    made = [_button(workspace_id, b, seen) for b in buttons[: BUTTONS_PER_ROW * ROWS_PER_MESSAGE]]
    return [
        {"type": ACTION_ROW, "components": made[start : start + BUTTONS_PER_ROW]}
        for start in range(0, len(made), BUTTONS_PER_ROW)
    ]


def message_payloads(
    workspace_id: str, message: OutgoingMessage, words: Words = _same
) -> list[dict[str, Any]]:
    """The JSON bodies to send, in order: the buttons ride on the last."""

    mentions = allowed_mentions(message.text)
    bodies: list[dict[str, Any]] = [
        {"content": piece, "allowed_mentions": mentions} for piece in chunks(message.text, words)
    ]
    bodies[-1]["components"] = components(workspace_id, message.buttons)
    return bodies


def _input(field: FormField, problem: str | None = None) -> dict[str, Any]:
    """One input in its label; ``problem`` (why it was refused last time) shows as the
    label's description, unless the whole question needs that place."""

    label = field.label if len(field.label) <= INPUT_LABEL_LIMIT else field.label[:44] + "…"
    if field.kind == "choice":
        inner: dict[str, Any] = {
            "type": STRING_SELECT,
            "custom_id": field.name,
            "required": field.required,
            "min_values": 1 if field.required else 0,
            "max_values": 1,
            "options": [
                {**option, "default": option["value"] == field.initial[:OPTION_TEXT_LIMIT]}
                for option in _options((choice, choice) for choice in field.choices)
            ],
        }
    else:
        inner = {
            "type": TEXT_INPUT,
            "custom_id": field.name,
            "style": PARAGRAPH if field.kind == "long_text" else SHORT,
            "required": field.required,
            "max_length": min(field.max_length, TEXT_INPUT_LIMIT),
        }
        if field.initial:
            inner["value"] = field.initial[:TEXT_INPUT_LIMIT]
    described: dict[str, Any] = {"type": LABEL, "label": label, "component": inner}
    if len(field.label) > INPUT_LABEL_LIMIT:
        described["description"] = field.label[:100]  # the whole question, up to 100
    elif problem:
        described["description"] = problem if len(problem) <= 100 else problem[:99] + "…"
    return described


def modal_payload(workspace_id: str, form: Form) -> dict[str, Any]:
    """The modal: at most five inputs (the core pages a longer form)."""

    if len(form.fields) > INPUTS_PER_MODAL:
        raise ValueError(f"Discord shows at most {INPUTS_PER_MODAL} inputs in a modal")
    title = form.title if len(form.title) <= MODAL_TITLE_LIMIT else form.title[:44] + "…"
    problem = form.problem  # a form opened again to fix one field: why, on that field
    inputs = [
        _input(field, problem.reason if problem and problem.field == field.name else None)
        for field in form.fields
    ]
    if form.note and len(inputs) < INPUTS_PER_MODAL:
        # The note (where answers go) takes a text display above the inputs when
        # there is room among the modal's five components, else the first input's
        # description when that is free.
        inputs.insert(0, {"type": TEXT_DISPLAY, "content": escape(form.note)})
    elif form.note and inputs and "description" not in inputs[0]:
        inputs[0]["description"] = _shortened(form.note, 100)
    return {
        "custom_id": custom_id(workspace_id, form.form_id, form.context),
        "title": title,
        "components": inputs,
    }


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def submitted_values(components_: list[dict[str, Any]]) -> dict[str, str]:
    """What a member typed or chose in a modal, by input name.

    Discord sends labels (type 18) around each input now, and action rows
    (type 1) for older modals; both are read.
    """

    values: dict[str, str] = {}
    for outer in components_:
        inner = outer.get("components") or ([outer["component"]] if "component" in outer else [])
        for item in inner:
            name = str(item.get("custom_id", ""))
            if not name:
                continue
            if "values" in item:
                chosen = item.get("values") or []
                values[name] = str(chosen[0]) if chosen else ""
            else:
                values[name] = str(item.get("value") or "")
    return values
