"""Rendering Convene's neutral messages and forms as Slack Block Kit.

Text is Convene's markup: ``*bold*`` carries over to Slack's mrkdwn as it is,
mentions become ``<@U123>``, and every literal span is escaped (``& < >``)
so that text a member typed can never become ``<!channel>`` or a link; the
words Slack would turn into a broadcast (``@channel``, ``@here``,
``@everyone``) are broken with an invisible joiner.

Block Kit's limits are kept here, where they are Slack's business alone.
Long text is cut into sections, and sections into as many Slack messages as
it takes (``messages_for``); the App Home, one view of at most 100 blocks,
is cut into pages a member turns with buttons (``home_pages``). A cut never
falls inside an entity (``&amp;``) or a ``<…>`` sequence (a mention), a code
block cut in two is closed and opened again, and a label too long for its
field is shortened to a word, marked with "…", its quotes and brackets
closed and a short trailing "(…)" kept (``shorten``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from bot import markup
from bot.messages import Button, Form, FormField, OutgoingMessage

# Slack's documented limits, from docs.slack.dev/reference/block-kit (blocks,
# block elements, composition objects, views) and the chat.postMessage reference.
MESSAGE_BLOCKS = 50
"""Blocks reference: "up to 50 blocks in each message"."""
VIEW_BLOCKS = 100
"""Blocks reference: "and 100 blocks in modals or Home tabs"."""
MESSAGE_TEXT = 12_000
"""Text of all a message's blocks together. Slack refuses more with
``msg_blocks_too_long`` (documented as 12,000 for markdown blocks, measured at
about 13,000 for sections: slackapi/bolt-js#2509, #2867)."""
SECTION_TEXT = 3000
"""Section block: "Maximum length for the text in this field is 3000 characters"."""
FALLBACK_TEXT = 3000
"""The top-level ``text`` (notifications): Slack truncates past 40,000 characters;
a notification needs the first lines only."""
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ID_LIMIT = 255
"""``action_id``, ``block_id`` and a view's ``callback_id``."""
ACTIONS_ELEMENTS = 25
"""Actions block: "a maximum of 25 elements"."""
MODAL_TITLE = 24
"""A modal's ``title``, ``submit`` and ``close`` texts."""
INPUT_LABEL = 2000
INPUT_HINT = 2000
INPUT_MAX_LENGTH = 3000
"""Plain-text input: ``max_length`` (and so ``initial_value``) at most 3,000."""
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
PRIVATE_METADATA = 3000

ACTION_SUFFIX = "#"
"""Slack wants each action id unique within a block: a repeated id gets ``#N``."""
HOME_PAGE_ACTION = "slack.home.page"
"""The App Home's page buttons: the adapter turns the page itself, nothing is dispatched."""
ELLIPSIS = "…"

_BROADCAST = re.compile(r"@(?=channel|here|everyone|group)", re.IGNORECASE)
"""Words Slack may turn into a broadcast: a mrkdwn text object that is not
``verbatim`` has "certain mentions automatically parsed" (text object reference),
and Slack's clients read these words so, even with ``.``, ``-`` or ``_`` after
them. A word joiner after the ``@`` keeps them words and looks the same."""
_WORD_JOINER = "\u2060"
_TOKEN = re.compile(r"&[#\w]+;|<[^<>\n]*>")
"""What a cut must not split: an entity, or a control sequence such as ``<@U123>``."""
_LONGEST_TOKEN = 300
_FENCE = "```"
_CLOSE_FENCE = "\n" + _FENCE
_OPEN_FENCE = _FENCE + "\n"
_PAIRS = {'"': '"', "“": "”", "‘": "’", "«": "»", "(": ")", "[": "]"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items() if opener != closer}
_TRAILING_NOTE = re.compile(r"\s*\([^()\n]{1,24}\)$")


def escape(text: str) -> str:
    """A literal span made inert: Slack's three control characters as entities, and
    no word Slack would turn into ``@channel``, ``@here`` or ``@everyone``."""

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _WORD_JOINER, escaped)


def mrkdwn(text: str) -> str:
    """Neutral markup as Slack mrkdwn: escaped literal text, real mentions."""

    return markup.render(text, escape=escape, render_mention=lambda user: f"<@{user}>")


# -- cutting text ------------------------------------------------------------------------------


def unbroken(text: str, cut: int) -> int:
    """``cut``, moved back to the start of an entity or ``<…>`` sequence it would split."""

    start = max(0, cut - _LONGEST_TOKEN)
    for token in _TOKEN.finditer(text, start, min(len(text), cut + _LONGEST_TOKEN)):
        if token.start() < cut < token.end():
            return token.start()
        if token.start() >= cut:
            break
    return cut


def _cut(text: str, room: int) -> tuple[int, int]:
    """Where the first piece of at most ``room`` characters ends and the rest begins:
    at a line end in the second half of the room, else after a space there, else
    at the last point that splits nothing."""

    line = text.rfind("\n", 0, room + 1)
    if line >= room // 2 and unbroken(text, line) == line:
        return line, line + 1
    space = text.rfind(" ", 0, room)
    if space >= room // 2 and unbroken(text, space + 1) == space + 1:
        return space + 1, space + 1
    cut = unbroken(text, room)
    if cut == 0:  # one token longer than the room: nothing better to do
        cut = room
    return cut, cut


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, in order, none of them blank.

    Cut at line ends where they are near, else between words, never inside an
    entity or a mention. A code block cut in two is closed at the end of one
    piece and opened again at the start of the next, so that both show as code.
    """

    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        end, start = _cut(rest, limit - len(_CLOSE_FENCE))
        piece, rest = rest[:end], rest[start:]
        if piece.count(_FENCE) % 2:
            piece += _CLOSE_FENCE
            rest = _OPEN_FENCE + rest
        if piece.strip():
            pieces.append(piece)
    if rest.strip():
        pieces.append(rest)
    return pieces


def _closers(kept: str) -> str:
    """The closing quotes and brackets ``kept`` needs, innermost first."""

    opened: list[str] = []
    for char in kept:
        if char == '"' and opened and opened[-1] == '"':
            opened.pop()
        elif char in _PAIRS:
            opened.append(char)
        elif char in _CLOSERS and opened and opened[-1] == _CLOSERS[char]:
            opened.pop()
    return "".join(_PAIRS[char] for char in reversed(opened))


def shorten(text: str, limit: int) -> str:
    """Plain text in at most ``limit`` characters, keeping what it means.

    Cut at a word where one is near, marked with "…"; quotes and brackets the
    cut left open are closed again; a short note at the end in brackets (a page
    number, "anonymous") is kept whole.
    """

    if len(text) <= limit:
        return text
    note = _TRAILING_NOTE.search(text)
    suffix = note.group() if note is not None and len(note.group()) <= limit // 2 else ""
    head = text[: len(text) - len(suffix)] if suffix else text
    room = limit - len(suffix) - len(ELLIPSIS)
    while room > 0:
        kept = head[:room]
        space = kept.rfind(" ")
        if space >= room // 2:
            kept = kept[:space]
        kept = kept.rstrip()
        made = kept + ELLIPSIS + _closers(kept) + suffix
        if len(made) <= limit:
            return made
        room -= len(made) - limit
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _shorten_mrkdwn(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: unbroken(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def _checked_id(kind: str, value: str) -> str:
    if len(value) > ID_LIMIT:
        raise ValueError(f"the {kind} {value[:40]!r}… is longer than Slack's {ID_LIMIT}")
    return value


# -- messages ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One Slack message: the notification ``text`` and its Block Kit ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]

    def digest(self) -> str:
        """A short fingerprint: an edit leaves a part alone when it would not change."""

        encoded = json.dumps([self.text, self.blocks], sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(text: str) -> list[str]:
    return split_text(mrkdwn(text), SECTION_TEXT) or [" "]


def _button(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(button.label, BUTTON_TEXT) or " "},
        "action_id": _checked_id("action_id", action_id),
        "value": button.value[:BUTTON_VALUE] or "-",
    }
    if button.style is not None:
        element["style"] = button.style
    return element


def _actions(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """The buttons in actions blocks of at most 25 (Convene sends far fewer)."""

    elements = []
    seen: dict[str, int] = {}
    for button in buttons:
        count = seen.get(button.action_id, 0)
        seen[button.action_id] = count + 1
        suffix = f"{ACTION_SUFFIX}{count}" if count else ""
        elements.append(_button(button, button.action_id + suffix))
    return [
        {"type": "actions", "elements": elements[start : start + ACTIONS_ELEMENTS]}
        for start in range(0, len(elements), ACTIONS_ELEMENTS)
    ]


def _block_text(blocks: list[dict[str, Any]]) -> int:
    """How many characters of text the blocks carry (what ``MESSAGE_TEXT`` counts)."""

    total = 0
    for block in blocks:
        total += len(str((block.get("text") or {}).get("text", "")))
        for element in block.get("elements") or []:
            total += len(str((element.get("text") or {}).get("text", "")))
    return total


def messages_for(message: OutgoingMessage) -> list[SlackMessage]:
    """The Slack messages that carry ``message``, in order; the buttons go on the last.

    Each holds at most ``MESSAGE_BLOCKS`` blocks and ``MESSAGE_TEXT`` characters;
    most messages are one.
    """

    actions = _actions(message.buttons)
    blocks_left = MESSAGE_BLOCKS - len(actions)
    text_left = MESSAGE_TEXT - _block_text(actions)
    groups: list[list[str]] = [[]]
    used = 0
    for section in _sections(message.text):
        if groups[-1] and (len(groups[-1]) >= blocks_left or used + len(section) > text_left):
            groups.append([])
            used = 0
        groups[-1].append(section)
        used += len(section)
    made = []
    for number, group in enumerate(groups, start=1):
        blocks = [_section(text) for text in group]
        if number == len(groups):
            blocks += actions
        made.append(SlackMessage(_shorten_mrkdwn("\n".join(group), FALLBACK_TEXT), blocks))
    return made


def home_pages(message: OutgoingMessage) -> list[list[dict[str, Any]]]:
    """The App Home's blocks, in pages of at most ``VIEW_BLOCKS`` with buttons between them.

    A page button's value is the page it shows; the adapter answers it alone.
    """

    content = [_section(text) for text in _sections(message.text)] + _actions(message.buttons)
    if len(content) <= VIEW_BLOCKS:
        return [content]
    per_page = VIEW_BLOCKS - 2  # a line saying which page, and the page buttons
    chunks = [content[start : start + per_page] for start in range(0, len(content), per_page)]
    pages = []
    for index, chunk in enumerate(chunks):
        turn = []
        if index > 0:
            turn.append(Button("‹ Previous page", HOME_PAGE_ACTION, str(index - 1)))
        if index + 1 < len(chunks):
            turn.append(Button("Next page ›", HOME_PAGE_ACTION, str(index + 1), "primary"))
        where = {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Page {index + 1} of {len(chunks)}"},
            ],
        }
        pages.append([*chunk, where, *_actions(tuple(turn))])
    return pages


def action_id_of(slack_action_id: str) -> str:
    """Convene's action id, without the suffix that kept it unique in its block."""

    return slack_action_id.split(ACTION_SUFFIX, 1)[0]


# -- forms ---------------------------------------------------------------------------------


def _input(field: FormField, problem: str | None = None) -> dict[str, Any]:
    """One input; ``problem`` (why it was refused last time) shows as its hint."""

    element: dict[str, Any]
    if field.kind == "choice":
        options = [
            {
                "text": {"type": "plain_text", "text": shorten(choice, OPTION_TEXT) or " "},
                "value": choice[:OPTION_VALUE],
            }
            for choice in field.choices[:OPTIONS]
        ]
        element = {"type": "static_select", "action_id": "value", "options": options}
        initial = [o for o in options if o["value"] == field.initial]
        if initial:
            element["initial_option"] = initial[0]
    else:
        longest = max(1, min(field.max_length, INPUT_MAX_LENGTH))
        element = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.kind == "long_text",
            "max_length": longest,
        }
        if field.initial:
            element["initial_value"] = field.initial[:longest]
    block = {
        "type": "input",
        "block_id": _checked_id("block_id", field.name),
        "optional": not field.required,
        "label": {"type": "plain_text", "text": shorten(field.label, INPUT_LABEL) or " "},
        "element": element,
    }
    if problem:
        block["hint"] = {"type": "plain_text", "text": shorten(problem, INPUT_HINT)}
    return block


def _problem_with(form: Form, field: FormField) -> str | None:
    """Why this field was refused, when the form is opened again to fix it."""

    problem = form.problem
    return problem.reason if problem is not None and problem.field == field.name else None


def modal_for(form: Form, *, origin: dict[str, str | None]) -> dict[str, Any]:
    """A modal view; ``origin`` (where the form was opened) rides in private metadata.

    A form has at most ``VIEW_BLOCKS`` fields: the core pages longer ones
    (``Capabilities.max_form_fields``).
    """

    blocks = [_input(field, _problem_with(form, field)) for field in form.fields]
    if form.note and len(blocks) < VIEW_BLOCKS:
        # Plain text: the note may hold names people chose, never read as markup.
        blocks.insert(
            0,
            {"type": "context", "elements": [{"type": "plain_text", "text": form.note[:2000]}]},
        )
    if len(form.fields) > VIEW_BLOCKS:
        raise ValueError(f"Slack shows at most {VIEW_BLOCKS} inputs in a modal")
    metadata = json.dumps({"context": form.context, "origin": origin})
    if len(metadata) > PRIVATE_METADATA:
        raise ValueError(f"a form's context must fit Slack's {PRIVATE_METADATA} characters")
    return {
        "type": "modal",
        "callback_id": _checked_id("callback_id", form.form_id),
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": shorten(form.title, MODAL_TITLE) or " "},
        "submit": {"type": "plain_text", "text": shorten(form.submit_label, MODAL_TITLE) or " "},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The values of a submitted modal, by field name."""

    values: dict[str, str] = {}
    state = view.get("state", {}).get("values", {})
    for block_id, actions in state.items():
        answer = actions.get("value", {})
        if answer.get("type") == "static_select":
            selected = answer.get("selected_option") or {}
            values[block_id] = str(selected.get("value", ""))
        else:
            values[block_id] = str(answer.get("value") or "")
    return values
