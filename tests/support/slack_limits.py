"""Block Kit's limits, checked as Slack checks them, for the fake Slack.

Slack refuses a message or a view that breaks one of its documented limits
with HTTP 200 and ``ok: false``: ``invalid_blocks`` for a message's blocks,
``invalid_arguments`` for a view, each problem named with a JSON pointer in
``response_metadata.messages`` (``[ERROR] must be less than 3001 characters
[json-pointer:/blocks/0/text/text]``). ``msg_too_long`` and
``msg_blocks_too_long`` refuse a message too long as a whole.

The figures, and the page of docs.slack.dev that states each:

- reference/block-kit/blocks: 50 blocks in a message, 100 in a modal or Home tab.
- reference/block-kit/blocks/section-block: text 3,000 characters, 10 fields of
  2,000; ``block_id`` (every block) 255.
- reference/block-kit/blocks/actions-block: 25 elements; context-block: 10.
- reference/block-kit/blocks/header-block: text 150.
- reference/block-kit/block-elements/button-element: text 75, ``action_id``
  255, ``value`` 2,000, ``url`` 3,000.
- reference/block-kit/blocks/input-block: label 2,000, hint 2,000;
  block-elements/plain-text-input-element: ``max_length`` 3,000 and an
  ``initial_value`` no longer than it, placeholder 150;
  block-elements/select-menu-element: 100 options;
  composition-objects/option-object: text 75, value 150.
- reference/block-kit/composition-objects/text-object: text at least 1 character.
- reference/views (view object): a modal's ``title``, ``submit`` and ``close``
  24; ``callback_id`` and ``external_id`` 255; ``private_metadata`` 3,000.
- reference/methods/chat.postMessage: ``text`` past 40,000 characters is too
  long (``msg_too_long``).
- reference/block-kit/blocks/markdown-block: 12,000 characters of text in one
  message; Slack answers ``msg_blocks_too_long`` past about that for sections
  too (slackapi/bolt-js#2509 and #2867, measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
TEXT_OBJECT = 3000
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL = 3000
ID = 255
INPUT_LABEL = 2000
INPUT_MAX_LENGTH = 3000
PLACEHOLDER = 150
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000
BLOCKS_TEXT = 12_000

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Slack's ``error`` and the ``[ERROR] …`` lines that say why."""

    error: str
    problems: tuple[str, ...]

    def fields(self) -> Payload:
        """The answer's fields besides ``ok`` and ``error``, as Slack sends them."""

        return {
            "errors": list(self.problems),
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in self.problems]},
        }


class _Checker:
    """Walks blocks and collects every broken limit, each with its JSON pointer."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.text_total = 0

    def _say(self, problem: str, pointer: str) -> None:
        self.problems.append(f"{problem} [json-pointer:{pointer}]")

    def most(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self._say(f"must be less than {limit + 1} characters", pointer)

    def count(self, items: Any, limit: int, pointer: str, *, at_least: int = 0) -> list[Any]:
        listed = items if isinstance(items, list) else []
        if len(listed) > limit:
            self._say(f"no more than {limit} items allowed", pointer)
        if len(listed) < at_least:
            self._say(f"must provide at least {at_least} items", pointer)
        return listed

    def text(self, obj: Any, limit: int, pointer: str) -> None:
        if not isinstance(obj, dict):
            self._say("must provide an object", pointer)
            return
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self._say("must be more than 0 characters", f"{pointer}/text")
            return
        self.text_total += len(value)
        self.most(value, limit, f"{pointer}/text")

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict):
            return
        self.most(element.get("action_id"), ID, f"{pointer}/action_id")
        kind = element.get("type")
        if kind == "button":
            self.text(element.get("text"), BUTTON_TEXT, f"{pointer}/text")
            self.most(element.get("value"), BUTTON_VALUE, f"{pointer}/value")
            self.most(element.get("url"), URL, f"{pointer}/url")
        elif kind in ("static_select", "multi_static_select"):
            options = self.count(element.get("options"), OPTIONS, f"{pointer}/options")
            for n, option in enumerate(options):
                self.text(option.get("text"), OPTION_TEXT, f"{pointer}/options/{n}/text")
                self.most(option.get("value"), OPTION_VALUE, f"{pointer}/options/{n}/value")
        elif kind == "plain_text_input":
            longest = element.get("max_length")
            if isinstance(longest, int) and longest > INPUT_MAX_LENGTH:
                self._say(f"must be at most {INPUT_MAX_LENGTH}", f"{pointer}/max_length")
            limit = longest if isinstance(longest, int) else INPUT_MAX_LENGTH
            self.most(element.get("initial_value"), limit, f"{pointer}/initial_value")
        if "placeholder" in element:
            self.text(element["placeholder"], PLACEHOLDER, f"{pointer}/placeholder")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self._say("must provide an object", pointer)
            return
        self.most(block.get("block_id"), ID, f"{pointer}/block_id")
        kind = block.get("type")
        if kind == "section":
            if "text" in block or "fields" not in block:
                self.text(block.get("text"), SECTION_TEXT, f"{pointer}/text")
            fields = self.count(block.get("fields"), SECTION_FIELDS, f"{pointer}/fields")
            for n, each in enumerate(fields):
                self.text(each, FIELD_TEXT, f"{pointer}/fields/{n}")
            if "accessory" in block:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT, f"{pointer}/text")
        elif kind == "actions":
            elements = self.count(
                block.get("elements"), ACTIONS_ELEMENTS, f"{pointer}/elements", at_least=1
            )
            for n, each in enumerate(elements):
                self.element(each, f"{pointer}/elements/{n}")
        elif kind == "context":
            elements = self.count(
                block.get("elements"), CONTEXT_ELEMENTS, f"{pointer}/elements", at_least=1
            )
            for n, each in enumerate(elements):
                if isinstance(each, dict) and each.get("type") in ("mrkdwn", "plain_text"):
                    self.text(each, TEXT_OBJECT, f"{pointer}/elements/{n}")
        elif kind == "input":
            self.text(block.get("label"), INPUT_LABEL, f"{pointer}/label")
            if "hint" in block:
                self.text(block["hint"], INPUT_LABEL, f"{pointer}/hint")
            self.element(block.get("element"), f"{pointer}/element")

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        for n, block in enumerate(self.count(blocks, limit, pointer)):
            self.block(block, f"{pointer}/{n}")


def message_refusal(payload: Payload) -> Refusal | None:
    """Why Slack would refuse this ``chat.postMessage``, ``chat.postEphemeral`` or
    ``chat.update``, or None when it would take it."""

    text = payload.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return Refusal("msg_too_long", (f"must be less than {MESSAGE_TEXT + 1} characters",))
    blocks = payload.get("blocks")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        return Refusal("invalid_blocks_format", ("must provide an array [json-pointer:/blocks]",))
    checker = _Checker()
    checker.blocks(blocks, MESSAGE_BLOCKS, "/blocks")
    if checker.problems:
        return Refusal("invalid_blocks", tuple(checker.problems))
    if checker.text_total > BLOCKS_TEXT:
        return Refusal(
            "msg_blocks_too_long",
            (f"{checker.text_total} characters of text in blocks; at most {BLOCKS_TEXT}",),
        )
    return None


def view_refusal(view: Payload) -> Refusal | None:
    """Why Slack would refuse this view (``views.open``, ``views.publish``), or None."""

    checker = _Checker()
    checker.blocks(view.get("blocks"), VIEW_BLOCKS, "/view/blocks")
    if view.get("type") == "modal":
        checker.text(view.get("title"), MODAL_TITLE, "/view/title")
        for button in ("submit", "close"):
            if button in view:
                checker.text(view[button], MODAL_TITLE, f"/view/{button}")
    for key, limit in (("callback_id", ID), ("external_id", ID)):
        checker.most(view.get(key), limit, f"/view/{key}")
    checker.most(view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata")
    if checker.problems:
        return Refusal("invalid_arguments", tuple(checker.problems))
    return None
