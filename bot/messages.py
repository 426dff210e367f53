"""Messages out: platform-neutral, and serialisable so they can wait in the outbox."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

TargetKind = Literal["dm", "channel", "thread", "group", "home"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes.

    - ``dm``: ``member_ids`` holds one member's platform id.
    - ``channel``: ``channel_id``.
    - ``thread``: ``channel_id`` plus either ``thread_id`` (a platform thread
      already known) or ``root_key``, the idempotency key of an outbox message
      whose delivered reference becomes the thread's root.
    - ``group``: several members together (a group DM, or a private thread of
      ``channel_id`` with one DM each to fall back on, by the adapter's
      capabilities).
    - ``home``: ``member_ids`` holds one member whose home view (Slack's App Home)
      this message replaces as a whole.
    """

    kind: TargetKind
    channel_id: str | None = None
    thread_id: str | None = None
    root_key: str | None = None
    member_ids: tuple[str, ...] = ()

    @staticmethod
    def dm(member_id: str) -> Target:
        return Target(kind="dm", member_ids=(member_id,))

    @staticmethod
    def channel(channel_id: str) -> Target:
        return Target(kind="channel", channel_id=channel_id)

    @staticmethod
    def thread(
        channel_id: str, *, thread_id: str | None = None, root_key: str | None = None
    ) -> Target:
        if (thread_id is None) == (root_key is None):
            raise ValueError("a thread target needs exactly one of thread_id or root_key")
        return Target(kind="thread", channel_id=channel_id, thread_id=thread_id, root_key=root_key)

    @staticmethod
    def home(member_id: str) -> Target:
        return Target(kind="home", member_ids=(member_id,))

    @staticmethod
    def group(member_ids: tuple[str, ...], *, channel_id: str | None = None) -> Target:
        """Several members together; ``channel_id`` is where a private thread for them
        opens, on a platform that has those instead of group DMs."""

        if len(member_ids) < 2:
            raise ValueError("a group needs at least two members")
        return Target(kind="group", channel_id=channel_id, member_ids=tuple(sorted(member_ids)))

    def ordering_key(self) -> str:
        """Messages with the same key are delivered in the order they were queued.

        A thread shares its channel's key so that its root is always delivered
        before the replies under it.
        """

        if self.kind in ("dm", "home"):
            return f"{self.kind}:{self.member_ids[0]}"
        if self.kind == "group":
            return "group:" + ",".join(self.member_ids)
        return f"channel:{self.channel_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "channel_id": self.channel_id,
            "thread_id": self.thread_id,
            "root_key": self.root_key,
            "member_ids": list(self.member_ids),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Target:
        return Target(
            kind=data["kind"],
            channel_id=data.get("channel_id"),
            thread_id=data.get("thread_id"),
            root_key=data.get("root_key"),
            member_ids=tuple(data.get("member_ids", ())),
        )


@dataclass(frozen=True, slots=True)
class Button:
    """A button; ``action_id`` routes the click to a handler, ``value`` rides along."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "long_text", "choice"] = "text"
    required: bool = True
    max_length: int = 3000
    choices: tuple[str, ...] = ()
    initial: str = ""


@dataclass(frozen=True, slots=True)
class FormProblem:
    """Why one field of a submitted form was refused, to ask that field again."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Form:
    """A modal where the platform has one; the shell asks field by field.

    ``context`` comes back with the submission, so a handler knows which
    check-in run or retro the answers belong to. ``problem`` is set on a form
    opened again because one field was refused: the shell asks only that
    field, with the reason; a modal shows every field filled as typed.
    """

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    context: str = ""
    submit_label: str = "Submit"
    problem: FormProblem | None = None
    note: str = ""
    """A line shown above the fields (where a check-in's answers go), in the neutral markup."""

    def field_named(self, name: str) -> FormField:
        for each in self.fields:
            if each.name == name:
                return each
        raise KeyError(f"form {self.form_id!r} has no field {name!r}")

    def refilled(self, values: Mapping[str, str], problem: FormProblem | None = None) -> Form:
        """The same form with what was submitted as each field's initial value.

        A field the submission left out keeps its own initial value.
        """

        if problem is not None:
            self.field_named(problem.field)  # a problem names a field of this form
        return replace(
            self,
            fields=tuple(
                replace(each, initial=str(values.get(each.name, each.initial)))
                for each in self.fields
            ),
            problem=problem,
        )

    def to_dict(self) -> dict[str, Any]:
        """The form as JSON can keep it (a draft waiting to be fixed)."""

        return {
            "form_id": self.form_id,
            "title": self.title,
            "context": self.context,
            "submit_label": self.submit_label,
            "note": self.note,
            "fields": [
                {
                    "name": f.name,
                    "label": f.label,
                    "kind": f.kind,
                    "required": f.required,
                    "max_length": f.max_length,
                    "choices": list(f.choices),
                    "initial": f.initial,
                }
                for f in self.fields
            ],
            "problem": (
                None
                if self.problem is None
                else {"field": self.problem.field, "reason": self.problem.reason}
            ),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Form:
        problem = data.get("problem")
        return Form(
            form_id=str(data["form_id"]),
            title=str(data["title"]),
            context=str(data.get("context", "")),
            submit_label=str(data.get("submit_label", "Submit")),
            note=str(data.get("note", "")),
            fields=tuple(
                FormField(
                    name=str(f["name"]),
                    label=str(f["label"]),
                    kind=f.get("kind", "text"),
                    required=bool(f.get("required", True)),
                    max_length=int(f.get("max_length", 3000)),
                    choices=tuple(str(c) for c in f.get("choices", ())),
                    initial=str(f.get("initial", "")),
                )
                for f in data.get("fields", ())
            ),
            problem=(
                None
                if not problem
                else FormProblem(field=str(problem["field"]), reason=str(problem["reason"]))
            ),
        )


MAX_FILE_BYTES = 8 * 1024 * 1024
"""The largest file Convene attaches: under Discord's 10 MiB for bots without boosts
and far under Slack's 1 GB, so one rule holds on every platform."""

MAX_FILES = 10
"""Files on one message: Discord's limit for one message, and plenty for a report."""


@dataclass(frozen=True, slots=True)
class FileAttachment:
    """A file sent with a message: a map's PNG, a report's Markdown, an export's CSV.

    The bytes ride in the outbox row (base64 in its JSON), so a file is sent
    exactly like text: once, after the transaction that made it commits.
    """

    name: str
    content_type: str
    data: bytes
    title: str = ""

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or "\\" in self.name:
            raise ValueError(f"a file name is one plain name, not {self.name!r}")
        if len(self.data) > MAX_FILE_BYTES:
            raise ValueError(f"{self.name} is {len(self.data):,} bytes; at most {MAX_FILE_BYTES:,}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "title": self.title,
            "data": base64.b64encode(self.data).decode("ascii"),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> FileAttachment:
        return FileAttachment(
            name=str(data["name"]),
            content_type=str(data["content_type"]),
            title=str(data.get("title", "")),
            data=base64.b64decode(data["data"]),
        )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to send.

    ``visible_to`` asks, where the platform can, that only this member sees it
    (a reply to a command typed in a channel); elsewhere it is an ordinary
    message in that place.

    ``replaces`` names the idempotency key of an earlier message that this one
    edits in place (an answer changed, a vote counted); the target must be the
    earlier message's, so that it is delivered first.

    ``deletes`` names the idempotency key of an earlier message to take off the
    platform (Slack's ``chat.delete``, Discord's message delete): a member who is
    forgotten takes their words with them. Such a message has no text of its own;
    the target must be the earlier message's.

    ``files`` go with the text (Slack's file upload, Discord's attachments, the
    shell's folder of files). A message with files is never private: the
    platforms attach files only to ordinary messages, so ``visible_to`` must
    be None (answer a command with files in the member's DM instead).
    """

    target: Target
    text: str
    buttons: tuple[Button, ...] = field(default=())
    visible_to: str | None = None
    replaces: str | None = None
    files: tuple[FileAttachment, ...] = field(default=())
    deletes: str | None = None

    def __post_init__(self) -> None:
        if self.deletes is not None and (self.text or self.buttons or self.files):
            raise ValueError("a message that deletes an earlier one carries nothing else")
        if self.files and self.visible_to is not None:
            raise ValueError("a message with files cannot be visible to one member only")
        if self.files and self.replaces is not None:
            raise ValueError("a message with files cannot edit an earlier message")
        if len(self.files) > MAX_FILES:
            raise ValueError(f"at most {MAX_FILES} files on one message, not {len(self.files)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target.to_dict(),
            "text": self.text,
            "visible_to": self.visible_to,
            "replaces": self.replaces,
            "buttons": [
                {"label": b.label, "action_id": b.action_id, "value": b.value, "style": b.style}
                for b in self.buttons
            ],
            **({"files": [f.to_dict() for f in self.files]} if self.files else {}),
            **({"deletes": self.deletes} if self.deletes is not None else {}),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> OutgoingMessage:
        return OutgoingMessage(
            target=Target.from_dict(data["target"]),
            text=data["text"],
            visible_to=data.get("visible_to"),
            replaces=data.get("replaces"),
            buttons=tuple(
                Button(
                    label=b["label"],
                    action_id=b["action_id"],
                    value=b.get("value", ""),
                    style=b.get("style"),
                )
                for b in data.get("buttons", ())
            ),
            files=tuple(FileAttachment.from_dict(f) for f in data.get("files", ())),
            deletes=data.get("deletes"),
        )
