"""The shell adapter: a small chat workspace in a terminal (the default).

Anyone can talk to Convene with no Slack or Discord account, and a transcript
of lines can be replayed as a script. The grammar of a line:

- ``TEXT`` the operator (``you``) speaks in the current channel;
  ``NAME: TEXT`` NAME speaks there; ``NAME@#channel: TEXT`` in another
  channel; ``NAME@#channel/N: TEXT`` in the thread under message N;
  ``NAME@dm: TEXT`` in a DM with the bot. Unknown names become members.
- ``help`` (or ``?``) is ``/convene help``, in a channel as in a DM
  (``bot.help_words``).
- A TEXT starting with ``/`` is a slash command; ``[Label]`` presses the
  button with that label on the newest message NAME can see, and
  ``[Label] on N`` the one on message N.
- When a form is open for NAME, NAME's next lines fill its fields in turn;
  a slash command still runs as a command (the field is asked again after
  its answer), and ``/cancel`` drops the form. A field Convene refuses is
  asked again with the reason, the other answers kept.
- ``:clock`` prints the time; ``:clock +7d`` (``+3h``, ``+30m``) moves it,
  firing due schedules on the way; ``:clock 2026-12-01 09:00`` moves it to a
  UTC time. ``:help`` explains; ``:quit`` leaves. ``# text`` is a comment.

Everything the bot says is printed on lines starting ``bot →``, flushed at
once, so a program driving Convene through a pipe sees each line as it comes.
A message's files (a map, a report) are written into a folder beside the
database (``convene-files``), never over an earlier file, and each is printed
under the text as ``bot →   file: convene-files/map.png (12.3 KB)``: the path
relative to the current folder when it is inside it, so that a transcript
replayed in a fresh folder prints the same lines.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from adapters.file_limits import size_text
from bot import markup
from bot.adapter import (
    Capabilities,
    ChannelMember,
    Dispatch,
    FileUnavailable,
    MessageRef,
    PermanentDeliveryError,
)
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    IncomingFile,
    MessagePosted,
    Place,
    PlaceKind,
    SlashCommand,
)
from bot.help_words import asks_for_help
from bot.messages import FileAttachment, Form, FormField, OutgoingMessage

PLATFORM = "shell"
WORKSPACE_ID = "shell"
FILES_DIR_NAME = "convene-files"
"""The folder beside the database where the shell keeps the files Convene sends."""

_SPEAKER = re.compile(
    r"^(?P<name>[A-Za-z][\w.\-]{0,39})(?:@(?P<where>dm|#[\w.\-]+(?:/\d+)?))?:\s?(?P<text>.*)$"
)
_BUTTON = re.compile(r"^\[(?P<label>[^\]]+)\](?:\s+on\s+(?P<number>\d+))?$")
_STEP = re.compile(r"^\+(?P<amount>\d+)(?P<unit>[dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
# Bytes that were not UTF-8, as ``surrogateescape`` keeps them (and any lone surrogate).
_NOT_TEXT = re.compile("[\ud800-\udfff]")

NOT_UTF8_REPLY = (
    "shell → that line holds bytes that are not UTF-8 text, so nothing was done: "
    "type it again as plain text, with your terminal (or the file) set to UTF-8"
)

SHELL_HELP = """\
Shell grammar:
  TEXT                  you speak in #{channel}
  NAME: TEXT            NAME speaks in #{channel} (unknown names become members)
  NAME@#chan: TEXT      NAME speaks in #chan;  NAME@#chan/N: TEXT in the thread of message N
  NAME@dm: TEXT         NAME writes to the bot in a DM
  /command ...          a slash command, e.g. /convene help
  help  (or ?)          the commands you may use, as /convene help answers
  [Label]               press the button with that label on the newest message you can see
  [Label] on N          press it on message N
  :clock                print the time;  :clock +7d / +3h / +30m moves it, running due schedules
  :clock YYYY-MM-DD HH:MM   move the clock to that UTC time
  :quit                 leave (Ctrl-D or Ctrl-C work too)"""


@dataclass
class _Shown:
    """A message the shell printed, kept so buttons and threads can refer to it."""

    number: int
    message: OutgoingMessage
    where: str

    def visible_to(self, member: str) -> bool:
        if self.message.visible_to is not None:
            return self.message.visible_to == member
        if self.message.target.kind in ("dm", "group"):
            return member in self.message.target.member_ids
        return True


@dataclass
class _OpenForm:
    """A form being filled in: the answers so far and the fields still to ask, in order.

    A form opened again because one field was refused (``form.problem``)
    starts with every other answer kept and asks only that field.
    """

    form: Form
    event: Event
    asking: list[str]
    answers: dict[str, str] = field(default_factory=dict)

    def current(self) -> FormField:
        return self.form.field_named(self.asking[0])

    def values(self) -> dict[str, str]:
        return {spec.name: self.answers.get(spec.name, "") for spec in self.form.fields}


ClockMover = Callable[[datetime], Awaitable[None]]


class ShellAdapter:
    """Reads lines, turns them into events, prints what the bot says."""

    capabilities = Capabilities(
        group_dm=True,
        modals=True,
        threads=True,
        channel_membership=False,
        reasks_form_fields=True,
        local_files=True,
    )

    def __init__(
        self,
        out: TextIO,
        *,
        channel: str = "general",
        operator: str = "you",
        workspace_name: str = "Convene",
        echo: bool = False,
        files_dir: Path | None = None,
    ) -> None:
        self._out = out
        self._files_dir = Path(FILES_DIR_NAME) if files_dir is None else files_dir
        self.channel = channel
        self.operator = operator
        self.workspace_name = workspace_name
        self._echo = echo
        self._dispatch: Dispatch | None = None
        self._shown: list[_Shown] = []
        self._numbers = itertools.count(1)
        self._forms: dict[str, _OpenForm] = {}
        self._channels: set[str] = {channel}
        self._people: dict[str, None] = {operator: None}

    @property
    def platform(self) -> str:
        return PLATFORM

    def forms_waiting(self) -> dict[str, str]:
        """Who has a form open, and the field it asks next (shown in a terminal's prompt)."""

        return {name: state.current().label for name, state in self._forms.items()}

    # -- adapter protocol -----------------------------------------------------

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        number = next(self._numbers)
        where = self._where(message)
        self._shown.append(_Shown(number, message, where))
        saved = [await self._save(file) for file in message.files] if message.files else []
        self._print_message(f"bot → {where}", message, number, saved)
        ref: dict[str, Any] = {"message_id": str(number), "channel_id": self._channel_id(message)}
        if message.target.thread_id:
            ref["thread_id"] = message.target.thread_id
        return ref

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        number = int(ref["message_id"])
        for index, shown in enumerate(self._shown):
            if shown.number == number:
                self._shown[index] = _Shown(number, message, shown.where)
                self._print_message(
                    f"bot ✎ {shown.where} (message {number} edited)", message, number
                )
                return ref
        raise PermanentDeliveryError(f"message {number} was never shown")

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        """Say the message is gone (a terminal cannot take back what it printed).

        The line names only the message's number: saying where it was could
        repeat the name of the member whose words are being taken away. Its
        buttons can no longer be pressed. A message deleted already says nothing.
        """

        number = int(ref["message_id"])
        kept = [shown for shown in self._shown if shown.number != number]
        if len(kept) < len(self._shown):  # a message with files is shown more than once
            self._shown = kept
            self.print(f"bot ✕ (message {number} deleted)")

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        return f"dm:{member_id}"

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        return "group:" + "+".join(sorted(member_ids))

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        """Everyone who has spoken in the shell is in every channel of it.

        The core knows better (``channel_membership`` is False): it asks every
        member of the workspace, including those a convener added by name.
        """

        return [ChannelMember(name, name) for name in self._people]

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        return {}  # the shell has no groups of its own: silos are added by hand

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        """In the shell a file is a path on this computer (``url`` is the path)."""

        try:
            return await asyncio.to_thread(Path(file.url).read_bytes)
        except OSError as problem:
            raise FileUnavailable(
                f"I cannot read {file.name}: {problem.strerror or problem}."
            ) from None

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        """Channels exist once someone has spoken in them (and #general always)."""

        name = reference.removeprefix("#")
        return name if name in self._channels else None

    async def open_form(self, event: Event, form: Form) -> None:
        name, problem = event.actor_id, form.problem
        if problem is None:
            self._forms[name] = _OpenForm(form, event, asking=[spec.name for spec in form.fields])
            title = form.title if form.title.endswith(("?", "!", ".")) else form.title + "."
            note = f" {form.note}" if form.note else ""
            self.print(f"bot → {name} (form): {title}{note} Type /cancel to stop.")
        else:
            kept = {spec.name: spec.initial for spec in form.fields if spec.name != problem.field}
            self._forms[name] = _OpenForm(form, event, asking=[problem.field], answers=kept)
            others = " Your other answers are kept." if kept else ""
            self.print(f"bot → {name} (form): {problem.reason}{others}")
        self._ask(name)

    # -- output -----------------------------------------------------------------

    async def _save(self, file: FileAttachment) -> str:
        """Write one file of a message; the line that says where it is (or why it is not)."""

        try:
            path = await asyncio.to_thread(_write_new_file, self._files_dir, file)
        except OSError as problem:
            return (
                f"file: {file.name} could not be saved in {_shown_path(self._files_dir)} "
                f"({problem.strerror or problem})"
            )
        return f"file: {_shown_path(path)} ({size_text(len(file.data))})"

    def _print_message(
        self, head: str, message: OutgoingMessage, number: int, files: Iterable[str] = ()
    ) -> None:
        text = markup.render(message.text, escape=_strip_fences, render_mention=lambda m: f"@{m}")
        lines = text.split("\n")
        self.print(f"{head}: {lines[0]}")
        for line in [*lines[1:], *files]:
            self.print(f"bot →   {line}".rstrip())
        if message.buttons:
            # The number lets a script press a button on an older message: [+1] on 9.
            labels = " ".join(f"[{b.label}]" for b in message.buttons)
            self.print(f"bot →   {labels}  · message {number}")

    def print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def _where(self, message: OutgoingMessage) -> str:
        target = message.target
        if target.kind == "dm":
            return f"{target.member_ids[0]} (DM)"
        if target.kind == "home":
            return f"{target.member_ids[0]} (home)"
        if target.kind == "group":
            return "group " + "+".join(target.member_ids)
        base = f"#{target.channel_id}"
        if target.kind == "thread":
            base += f" thread {target.thread_id}"
        if message.visible_to:
            base += f" (to {message.visible_to})"
        return base

    @staticmethod
    def _channel_id(message: OutgoingMessage) -> str:
        target = message.target
        if target.kind in ("dm", "home"):
            return f"{target.kind}:{target.member_ids[0]}"
        if target.kind == "group":
            return "group:" + "+".join(target.member_ids)
        return target.channel_id or ""

    # -- input ------------------------------------------------------------------

    async def handle_line(self, line: str, move_clock: ClockMover, now: datetime) -> bool:
        """Act on one line; False when the operator asked to quit."""

        line = line.rstrip("\r\n")
        if self._echo:
            self.print(_NOT_TEXT.sub("\ufffd", line))
        stripped = line.strip()
        if not stripped:
            return True
        if stripped.startswith("#"):
            return True
        if _NOT_TEXT.search(stripped):
            # Refused here, like control characters: no handler, database or
            # platform could store or show them.
            self.print(NOT_UTF8_REPLY)
            return True
        if stripped.startswith(":"):
            return await self._shell_command(stripped, move_clock, now)
        name, where, text = self.operator, None, stripped
        match = _SPEAKER.match(stripped)
        if match is not None:
            name, where, text = match["name"], match["where"], match["text"].strip()
        if name in self._forms:
            if text.startswith("/") and len(text) > 1 and text.lower() != "/cancel":
                await self._command_in_form(name, where, text, move_clock, now)
            else:
                await self._fill_form(name, text)
            return True
        place = self._place(name, where)
        await self._speak(name, place, text)
        return True

    def _place(self, name: str, where: str | None) -> Place:
        if where == "dm":
            return Place(PlaceKind.DM, f"dm:{name}")
        if where is None:
            return Place(PlaceKind.CHANNEL, self.channel, channel_name=self.channel)
        channel, _, thread = where[1:].partition("/")
        self._channels.add(channel)
        if thread:
            return Place(PlaceKind.THREAD, channel, thread_id=thread, channel_name=channel)
        return Place(PlaceKind.CHANNEL, channel, channel_name=channel)

    def _common(self, name: str, place: Place, raw: str) -> dict[str, Any]:
        return {
            "platform": PLATFORM,
            "workspace_id": WORKSPACE_ID,
            "actor_id": name,
            "actor_name": name,
            "place": place,
            "event_id": f"shell-{uuid.uuid4().hex[:16]}",
            "raw": {"line": raw},
        }

    async def _speak(self, name: str, place: Place, text: str) -> None:
        self._people.setdefault(name, None)
        if text.startswith("/") and len(text) > 1:
            command, _, rest = text[1:].partition(" ")
            await self._send(
                SlashCommand(**self._common(name, place, text), command=command, text=rest.strip())
            )
            return
        button = _BUTTON.match(text)
        if button is not None:
            number = int(button["number"]) if button["number"] else None
            await self._press(name, button["label"].strip(), text, number)
            return
        if place.kind is not PlaceKind.DM and asks_for_help(text):
            # Everything typed in the shell is typed at Convene (bot.help_words).
            help_command = SlashCommand(
                **self._common(name, place, text), command="convene", text="help"
            )
            await self._send(help_command)
            return
        await self._send(MessagePosted(**self._common(name, place, text), text=text))

    async def _press(self, name: str, label: str, raw: str, number: int | None = None) -> None:
        for shown in reversed(self._shown):
            if not shown.visible_to(name) or (number is not None and shown.number != number):
                continue
            for button in shown.message.buttons:
                if button.label.lower() == label.lower():
                    target = shown.message.target
                    place = (
                        Place(PlaceKind.DM, f"dm:{name}")
                        if target.kind in ("dm", "group")
                        else Place(PlaceKind.CHANNEL, target.channel_id or self.channel)
                    )
                    await self._send(
                        ButtonClicked(
                            **self._common(name, place, raw),
                            action_id=button.action_id,
                            value=button.value,
                            message_ref={"message_id": str(shown.number)},
                        )
                    )
                    return
        on = f" on message {number}" if number is not None else ""
        self.print(f"shell → {name} can see no button [{label}]{on}")

    async def _send(self, event: Event) -> None:
        if self._dispatch is None:
            raise RuntimeError("the shell adapter has not been started")
        await self._dispatch(event)

    async def _command_in_form(
        self, name: str, where: str | None, text: str, move_clock: ClockMover, now: datetime
    ) -> None:
        """A slash command typed while a form is open runs as a command; the form waits.

        Its answer is delivered first (moving the clock to where it already is
        lets everything queued go out), then the form's field is asked again.
        """

        state = self._forms[name]
        await self._speak(name, self._place(name, where), text)
        await move_clock(now)
        if self._forms.get(name) is state:
            self._ask(name, opening="Back to your form: ")

    def _ask(self, name: str, *, opening: str = "") -> None:
        spec = self._forms[name].current()
        hints = []
        if spec.choices:
            hints.append("one of: " + ", ".join(spec.choices))
        if not spec.required:
            hints.append("or - to leave it empty")
        hint = f" ({'; '.join(hints)})" if hints else ""
        self.print(f"bot → {name} (form): {opening}{spec.label}{hint}")

    async def _fill_form(self, name: str, text: str) -> None:
        state = self._forms[name]
        if text.lower() == "/cancel":
            del self._forms[name]
            self.print(f"bot → {name} (form): cancelled; nothing was saved.")
            return
        spec = state.current()
        value = "" if text == "-" and not spec.required else text
        problem = None
        if spec.required and not value:
            problem = "this one is needed"
        elif len(value) > spec.max_length:
            problem = f"that is {len(value):,} characters; the limit is {spec.max_length:,}"
        elif spec.choices and value and value.lower() not in (c.lower() for c in spec.choices):
            problem = "choose one of: " + ", ".join(spec.choices)
        if problem:
            self.print(f"bot → {name} (form): {problem}. {spec.label}")
            return
        if spec.choices and value:
            value = next(c for c in spec.choices if c.lower() == value.lower())
        state.answers[spec.name] = value
        state.asking.pop(0)
        if state.asking:
            self._ask(name)
            return
        del self._forms[name]
        await self._send(
            FormSubmitted(
                **self._common(name, state.event.place, "(form)"),
                form_id=state.form.form_id,
                values=state.values(),
                context=state.form.context,
            )
        )

    async def _shell_command(self, line: str, move_clock: ClockMover, now: datetime) -> bool:
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if word in ("quit", "exit", "q"):
            return False
        if word == "help":
            for help_line in SHELL_HELP.format(channel=self.channel).split("\n"):
                self.print(help_line)
            return True
        if word != "clock":
            self.print(f"shell → unknown shell command :{word}; type :help")
            return True
        if not rest:
            self.print(f"clock → {_show_time(now)}")
            return True
        step = _STEP.match(rest)
        if step is not None:
            when = now + timedelta(**{_UNITS[step["unit"]]: int(step["amount"])})
        else:
            absolute = _absolute_time(rest)
            if absolute is None:
                self.print("shell → say :clock +7d, +3h, +30m or :clock 2026-12-01 09:00 (UTC)")
                return True
            when = absolute
            if when < now:
                self.print(f"shell → the clock only moves forward; it is {_show_time(now)}")
                return True
        await move_clock(when)
        self.print(f"clock → {_show_time(when)}")
        return True


def _absolute_time(text: str) -> datetime | None:
    """``2026-12-01 09:00`` (UTC unless it names an offset), or None."""

    try:
        when = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def script_start(lines: Iterable[str]) -> datetime | None:
    """Where a script's clock starts: its first line, when that sets the clock.

    A transcript that opens with ``:clock 2026-11-26 12:00`` replays the same
    way whatever today's date is; any other script starts at the real time.
    """

    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, _, rest = stripped.partition(" ")
        return _absolute_time(rest) if word == ":clock" and rest else None
    return None


def _write_new_file(folder: Path, file: FileAttachment) -> Path:
    """Write ``file`` into ``folder`` under its own name, or ``name-2.ext``, ``name-3.ext``…
    when that is taken: an earlier map is never overwritten."""

    folder.mkdir(parents=True, exist_ok=True)
    name = file.name.lstrip(".") or "file"
    stem, dot, extension = name.rpartition(".")
    if not stem:
        stem, dot, extension = name, "", ""
    for copy in itertools.count(1):
        path = folder / (name if copy == 1 else f"{stem}-{copy}{dot}{extension}")
        try:
            with path.open("xb") as written:
                written.write(file.data)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")


def _shown_path(path: Path) -> str:
    """A path as printed: relative to the current folder when inside it, else absolute."""

    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(absolute)


def _show_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%A %Y-%m-%d %H:%M UTC")


def _strip_fences(text: str) -> str:
    """The shell is already monospaced: drop code-fence lines, keep their contents."""

    return "\n".join(line for line in text.split("\n") if line.strip() != "```")


async def lines_from(stream: TextIO) -> AsyncIterator[str]:
    """Lines from a blocking stream (a terminal or a pipe) without blocking the loop.

    A daemon thread does the reading, so Ctrl-C or the end of input never
    leaves the process waiting on a stuck ``readline``. Bytes that are not
    text in the stream's encoding are kept as ``surrogateescape`` does, for
    ``handle_line`` to refuse that one line, rather than end the input there.
    """

    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="surrogateescape")
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="shell-input", daemon=True).start()
    while True:
        line = await queue.get()
        if line is None:
            return
        yield line


async def lines_of(items: Iterable[str]) -> AsyncIterator[str]:
    for item in items:
        yield item
