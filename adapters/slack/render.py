"""Rendering Convene's neutral messages and forms as Slack Block Kit.

Text is Convene's markup: ``*bold*`` carries over to Slack's mrkdwn as it is,
mentions become ``<@U123>``, and every literal span is escaped (``& < >``) so
that text a member typed can never become ``<!channel>`` or a link. Block Kit
limits (3,000 characters a section, 75 a button label, 24 a modal title) are
kept here, where they are Slack's business alone.
"""

from __future__ import annotations

import json
from typing import Any

from bot import markup
from bot.messages import Form, FormField, OutgoingMessage

SECTION_LIMIT = 3000
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MODAL_TITLE_LIMIT = 24
OPTION_LIMIT = 100
ACTION_SUFFIX = "#"
"""Slack wants each action id unique within a block: a repeated id gets ``#N``."""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Neutral markup as Slack mrkdwn: escaped literal text, real mentions."""

    return markup.render(text, escape=escape, render_mention=lambda user: f"<@{user}>")


def _sections(text: str) -> list[dict[str, Any]]:
    rendered = mrkdwn(text) or " "
    chunks: list[str] = []
    while len(rendered) > SECTION_LIMIT:
        cut = rendered.rfind("\n", 0, SECTION_LIMIT)
        cut = cut if cut > 0 else SECTION_LIMIT
        chunks.append(rendered[:cut])
        rendered = rendered[cut:].lstrip("\n")
    chunks.append(rendered)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def blocks_for(message: OutgoingMessage) -> list[dict[str, Any]]:
    blocks = _sections(message.text)
    if message.buttons:
        elements = []
        seen: dict[str, int] = {}
        for button in message.buttons:
            count = seen.get(button.action_id, 0)
            seen[button.action_id] = count + 1
            action_id = button.action_id + (f"{ACTION_SUFFIX}{count}" if count else "")
            element: dict[str, Any] = {
                "type": "button",
                "text": {"type": "plain_text", "text": button.label[:BUTTON_LABEL_LIMIT]},
                "action_id": action_id,
                "value": button.value[:BUTTON_VALUE_LIMIT] or "-",
            }
            if button.style is not None:
                element["style"] = button.style
            elements.append(element)
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def fallback_text(message: OutgoingMessage) -> str:
    """The notification text Slack shows where blocks are not rendered."""

    return mrkdwn(message.text)[:SECTION_LIMIT]


def action_id_of(slack_action_id: str) -> str:
    """Convene's action id, without the suffix that kept it unique in its block."""

    return slack_action_id.split(ACTION_SUFFIX, 1)[0]


# -- forms ---------------------------------------------------------------------------------


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind == "choice":
        options = [
            {"text": {"type": "plain_text", "text": choice[:75]}, "value": choice[:150]}
            for choice in field.choices[:OPTION_LIMIT]
        ]
        element = {"type": "static_select", "action_id": "value", "options": options}
        initial = [o for o in options if o["value"] == field.initial]
        if initial:
            element["initial_option"] = initial[0]
    else:
        element = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.kind == "long_text",
            "max_length": field.max_length,
        }
        if field.initial:
            element["initial_value"] = field.initial[: field.max_length]
    return {
        "type": "input",
        "block_id": field.name,
        "optional": not field.required,
        "label": {"type": "plain_text", "text": field.label[:2000]},
        "element": element,
    }


def modal_for(form: Form, *, origin: dict[str, str | None]) -> dict[str, Any]:
    """A modal view; ``origin`` (where the form was opened) rides in private metadata."""

    return {
        "type": "modal",
        "callback_id": form.form_id,
        "private_metadata": json.dumps({"context": form.context, "origin": origin}),
        "title": {"type": "plain_text", "text": form.title[:MODAL_TITLE_LIMIT]},
        "submit": {"type": "plain_text", "text": form.submit_label[:MODAL_TITLE_LIMIT]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [_input(field) for field in form.fields],
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
