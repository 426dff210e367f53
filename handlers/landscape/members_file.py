"""A members file, read and checked row by row before anything is written.

The file a convener keeps of who is in which silo: the header of
``convene simulate --org`` (``member,silos,timezone``; silos as ``kind:name``
separated by ``;``), then, in any order, the optional ``email`` and
``platform_id`` columns that tie a row to a platform account. Every row is
checked and every problem kept with its line number, so the convener fixes
the whole file at once rather than one refusal at a time; what needs the
workspace (which kinds it knows, which members it has) is checked by
``member_import``. Nothing here touches the database.

The simulation keeps its own reader (``handlers.introductions.simulation``):
it must stop at the first problem of a file it only reads, and jobs do not
import each other.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError
from bot.markup import has_control_characters, plain
from handlers.shared.kinds import check_kind_word, kind_key
from handlers.shared.text import clean_name, listed, plural
from handlers.shared.zones import check_timezone

REQUIRED = ("member", "silos", "timezone")
OPTIONAL = ("email", "platform_id")
MAX_BYTES = 2 * 1024 * 1024
"""A members file of 10,000 people with a few silos each is under 1 MB."""
SHOWN_PROBLEMS = 10
"""How many problems a refusal lists; more would bury the first ones."""
MAX_PLATFORM_ID = 64
"""``Member.platform_user_id`` holds 64 characters."""
MAX_EMAIL = 254
SHOWN_VALUE = 40

_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
PLATFORM_IDS: dict[str, tuple[re.Pattern[str], str]] = {
    "slack": (re.compile(r"^[UW][A-Z0-9]{6,}$"), "a Slack member id, like U024BE7LH"),
    "discord": (
        re.compile(r"^[0-9]{17,20}$"),
        "a Discord user id (17 to 20 digits), like 80351110224678912",
    ),
}
"""How a member's account id looks on each platform that has a fixed form.

Keyed by the platform's name rather than read from an adapter's
capabilities: the command line imports into a stored workspace with no
adapter running, and knows only the platform's name. Elsewhere (the shell)
an id is any word.
"""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file: on a line, or (``line`` None) with the whole of it."""

    line: int | None
    text: str

    def __str__(self) -> str:
        return self.text if self.line is None else f"line {self.line}: {self.text}"


class MembersFileRefused(Exception):
    """The file is not imported; ``problems`` say where and why, in line order."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(sorted(problems, key=lambda p: p.line or 0))
        super().__init__(self.summary())

    def shown(self) -> list[str]:
        """The problems to list: the first ``SHOWN_PROBLEMS``, then how many more."""

        lines = [str(p) for p in self.problems[:SHOWN_PROBLEMS]]
        more = len(self.problems) - SHOWN_PROBLEMS
        if more > 0:
            lines.append(f"… and {plural(more, 'more problem')}.")
        return lines

    def summary(self) -> str:
        rows = {p.line for p in self.problems if p.line is not None}
        if not rows:
            return f"{self.source} was not imported; nothing was changed."
        return (
            f"{self.source} was not imported, and nothing was changed: "
            f"{plural(len(rows), 'line')} need{'s' if len(rows) == 1 else ''} fixing."
        )


@dataclass(frozen=True, slots=True)
class SiloCell:
    """A silo as one row names it: the kind as typed (one word), and the name."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class MemberRow:
    line: int
    name: str
    silos: tuple[SiloCell, ...]
    timezone: str | None
    """None where the cell is empty: the member keeps their zone, or is asked for it."""
    email: str | None
    platform_id: str | None

    @property
    def own_id(self) -> str:
        """The platform id the member is stored under: the file's, else their name, as
        ``/convene member add NAME`` stores a member Convene has not met yet."""

        return self.platform_id or self.name[:MAX_PLATFORM_ID]


@dataclass(frozen=True, slots=True)
class MembersFile:
    """The rows that read well, and the problems of those that did not: the rows are
    checked against the workspace too, so that one refusal lists every problem."""

    source: str
    rows: tuple[MemberRow, ...]
    problems: tuple[Problem, ...] = ()


def decode(data: bytes, source: str) -> str:
    """The text of a members file, or a refusal saying how to save it as UTF-8 CSV."""

    if len(data) > MAX_BYTES:
        raise MembersFileRefused(source, [Problem(None, too_large(source, len(data)))])
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise MembersFileRefused(
            source,
            [
                Problem(
                    None,
                    f"{source} is a spreadsheet workbook, not a CSV file; save it as "
                    "CSV UTF-8 (comma delimited) and send that.",
                )
            ],
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
        raise MembersFileRefused(
            source,
            [
                Problem(
                    line,
                    f"{source} is not UTF-8 text; save it as CSV UTF-8 (comma delimited) "
                    "and send it again.",
                )
            ],
        ) from None
    if "\x00" in text:
        raise MembersFileRefused(
            source, [Problem(None, f"{source} is not a text file; send the members as CSV.")]
        )
    return text


def too_large(source: str, size: int) -> str:
    return (
        f"{source} is {size / 1_048_576:.1f} MB; a members file may be up to "
        f"{MAX_BYTES // 1_048_576} MB. Split it in two and import each part."
    )


def read_members_file(text: str, source: str, platform: str, now: datetime) -> MembersFile:
    """Every row of the file, checked: those that read well, and each problem of the others
    (``MembersFileRefused`` at once only when the file cannot be read at all)."""

    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    header_line = 0
    rows: list[MemberRow] = []
    problems: list[Problem] = []
    check: _RowChecker | None = None
    columns: dict[str, int] = {}
    ended = 0
    for cells in reader:
        starts, ended = ended + 1, reader.line_num  # a quoted cell may span lines
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header, header_line = cells, starts
            columns = _columns(header, header_line, source)
            check = _RowChecker(platform, now)
            continue
        assert check is not None
        row = check.row(starts, cells, columns, problems)
        if row is not None:
            rows.append(row)
    if header is None:
        raise MembersFileRefused(
            source, [Problem(None, f"{source} is empty; its first line must be {_required()}.")]
        )
    problems.extend(_repeats(rows))
    wrong = {p.line for p in problems}
    return MembersFile(source, tuple(r for r in rows if r.line not in wrong), tuple(problems))


def _required() -> str:
    return ",".join(REQUIRED)


def _columns(header: list[str], line: int, source: str) -> dict[str, int]:
    """Where each column is, or a refusal of the header (nothing else can be read without it)."""

    names = [_column_name(cell) for cell in header]
    if tuple(names[:3]) != REQUIRED:
        raise MembersFileRefused(
            source,
            [
                Problem(
                    line,
                    f"the header must start {_required()} (then, if you like, "
                    f"{' and '.join(OPTIONAL)}), not {_shown(','.join(header), 80)}.",
                )
            ],
        )
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in columns:
            problems.append(Problem(line, f"the column {name} appears twice."))
        elif name not in REQUIRED + OPTIONAL:
            close = difflib.get_close_matches(name, OPTIONAL, n=1, cutoff=0.6)
            meant = f" Did you mean {close[0]}?" if close else ""
            problems.append(
                Problem(
                    line,
                    f"{_shown(header[index])} is not a column I know.{meant} After "
                    f"{_required()} a file may have {listed(list(OPTIONAL))}.",
                )
            )
        columns[name] = index
    if problems:
        raise MembersFileRefused(source, problems)
    return columns


def _column_name(cell: str) -> str:
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _shown(value: str, longest: int = SHOWN_VALUE) -> str:
    """A value from the file, quoted, safe to show and not too long."""

    text = plain(value.strip())
    return repr(text if len(text) <= longest else text[: longest - 1] + "…")


class _RowChecker:
    """Checks rows one by one, remembering what it already checked (10,000 rows name the
    same few zones and silos again and again)."""

    def __init__(self, platform: str, now: datetime) -> None:
        self.platform = platform
        self.now = now
        self.zones: dict[str, str | Problem] = {}
        self.silos: dict[str, SiloCell | str] = {}

    def row(
        self, line: int, cells: list[str], columns: dict[str, int], problems: list[Problem]
    ) -> MemberRow | None:
        if len(cells) != len(columns):
            problems.append(
                Problem(
                    line,
                    f"expected {len(columns)} fields, found {len(cells)}; quote a field that "
                    'holds a comma, like "team:Data, Analytics".',
                )
            )
            return None
        found = len(problems)

        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None else ""

        name = self._name(line, cell("member"), problems)
        silos = self._silos(line, cell("silos"), problems)
        zone = self._zone(line, cell("timezone"), problems)
        email = self._email(line, cell("email"), problems)
        platform_id = self._platform_id(line, cell("platform_id"), problems)
        if len(problems) > found or name is None:
            return None
        return MemberRow(line, name, silos, zone, email, platform_id)

    def _name(self, line: int, value: str, problems: list[Problem]) -> str | None:
        try:
            return clean_name(value, "member name", "")
        except UserError as refused:
            problems.append(Problem(line, _sentence(refused.message)))
            return None

    def _silos(self, line: int, value: str, problems: list[Problem]) -> tuple[SiloCell, ...]:
        found: dict[str, SiloCell] = {}
        for item in value.split(";"):
            if not item.strip():
                continue
            checked = self.silos.get(item)
            if checked is None:
                checked = self._silo(item)
                self.silos[item] = checked
            if isinstance(checked, str):
                problems.append(Problem(line, checked))
                continue
            first = found.setdefault(checked.name.casefold(), checked)
            if first is not checked and kind_key(first.kind) != kind_key(checked.kind):
                problems.append(
                    Problem(
                        line,
                        f"{plain(checked.name)} is named twice on this line, as {first.kind} "
                        f"and as {checked.kind}; a silo has one kind.",
                    )
                )
        return tuple(found.values())

    @staticmethod
    def _silo(item: str) -> SiloCell | str:
        kind, colon, name = (part.strip() for part in item.partition(":"))
        if not colon or not kind or not name:
            example = name or kind or "Oncology"
            return (
                f"the silo {_shown(item)} needs a kind; write kind:name, like "
                f"team:{plain(example)} or organisation:{plain(example)}."
            )
        try:
            return SiloCell(check_kind_word(kind, ""), clean_name(name, "silo name", ""))
        except UserError as refused:
            return _sentence(refused.message)

    def _zone(self, line: int, value: str, problems: list[Problem]) -> str | None:
        if not value:
            return None
        checked = self.zones.get(value)
        if checked is None:
            try:
                checked = check_timezone(value, "", now=self.now)
            except UserError as refused:
                checked = Problem(line, _sentence(refused.message))
            self.zones[value] = checked
        if isinstance(checked, Problem):
            problems.append(Problem(line, checked.text))
            return None
        return checked

    @staticmethod
    def _email(line: int, value: str, problems: list[Problem]) -> str | None:
        if not value:
            return None
        if len(value) > MAX_EMAIL or not _EMAIL.match(value):
            problems.append(
                Problem(line, f"{_shown(value)} is not an email address, like ada@example.org.")
            )
            return None
        return value

    def _platform_id(self, line: int, value: str, problems: list[Problem]) -> str | None:
        if not value:
            return None
        known = PLATFORM_IDS.get(self.platform)
        if known is not None:
            pattern, looks_like = known
            if not pattern.match(value):
                problems.append(
                    Problem(line, f"the platform_id {_shown(value)} is not {looks_like}.")
                )
                return None
        elif (
            len(value) > MAX_PLATFORM_ID
            or has_control_characters(value)
            or any(ch.isspace() for ch in value)
        ):
            problems.append(
                Problem(
                    line,
                    f"the platform_id {_shown(value)} must be one word of up to "
                    f"{MAX_PLATFORM_ID} characters.",
                )
            )
            return None
        return value


def looks_like_account(platform: str, platform_user_id: str) -> bool:
    """Whether a stored member's id is a platform account, not a name a convener typed.

    On a platform whose ids have no fixed form every id may be an account.
    """

    known = PLATFORM_IDS.get(platform)
    return known is None or known[0].match(platform_user_id) is not None


def _repeats(rows: Sequence[MemberRow]) -> list[Problem]:
    """The same member, email or platform id on two rows (the later row is the one to fix)."""

    problems: list[Problem] = []
    seen: dict[tuple[str, str], MemberRow] = {}
    for row in rows:
        keys = [("member", row.name.casefold()), ("id", row.own_id)]
        if row.email is not None:
            keys.append(("email", row.email.casefold()))
        for what, key in keys:
            first = seen.setdefault((what, key), row)
            if first is row:
                continue
            if what == "member":
                text = f"{plain(row.name)} is already on line {first.line}."
            elif what == "email":
                text = (
                    f"the email {plain(row.email or '')} is already {plain(first.name)}'s "
                    f"(line {first.line})."
                )
            else:
                text = (
                    f"the platform id {plain(row.own_id)} is already {plain(first.name)}'s "
                    f"(line {first.line})."
                )
            problems.append(Problem(row.line, text))
            break
    return problems


def _sentence(message: str) -> str:
    """A refusal's message as the rest of a "line 4: …" sentence."""

    if message[1:2].islower():
        return message[:1].lower() + message[1:]
    return message
