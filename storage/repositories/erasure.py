"""Forgetting a member: every row that names them deleted or made anonymous, in one go.

``/convene me forget`` and ``/convene member remove`` both end here, in the
caller's one transaction. The member's row stays as a tombstone ("a former
member", no platform id, nothing to send to) so that what the team keeps has
an owner and the landscape keeps its counts: commitments they owned (unless
a convener erases everything), introductions counted without their identity,
anonymous retro items, which stay anonymous.

The outbox holds what Convene said, with names and answers in it, so it is
read too: every message of the workspace that names them or holds a text of
theirs that is deleted is scrubbed in place. A message still waiting that was
for them, or held such a text, is cancelled; one already on the platform that
held such a text is handed back (``Erasure.to_delete``) for the caller to
queue its deletion: the message format is the bot's, not storage's.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Avoidance,
    AwaitedFile,
    CheckinMember,
    CheckinPrompt,
    Commitment,
    DashboardToken,
    FormDraft,
    HandlerFailure,
    InboxEvent,
    Member,
    MemberSilo,
    Opportunity,
    OutboxMessage,
    PairingGroup,
    PairingGroupMember,
    Participant,
    RetroItem,
    SlackInstallation,
    Workspace,
)
from storage.repositories.core import execute, table_of

FORMER_MEMBER = "a former member"
"""What a forgotten member is called wherever something of the team's is kept."""
REMOVED = "(removed)"
"""What a deleted text of theirs becomes in a message Convene keeps."""
CANCELLED = "cancelled: its member was forgotten"
LONG_TEXT = 12
"""A text of theirs this long (a line of it) is looked for in every message of the
workspace; a shorter one ("4", "yes") only at the end of a line (where Convene puts an
answer, after its question) in messages that name them or were for them: there it is
theirs, where "due Friday 4 December" is not."""

_PENDING = "pending"
_SENDING = "sending"
_SENT = "sent"
_DEAD = "dead"
_PAGE = 200
_KEYS = frozenset({"replaces", "deletes", "root_key"})
"""Payload fields holding idempotency keys: Convene's own words, never scrubbed."""
_MACHINE = _KEYS | {"action_id", "value", "style"}
"""Payload fields no person reads (a button's id and value): never taken for their
words, a member id "2" is not the answer "2"; only a platform id in them is replaced."""
_SHARED_PLACES = frozenset({"thread", "channel"})


def _rows(result: Any) -> list[Any]:
    """A Core result's rows as plain tuples (typed loosely: their shape is the query's)."""

    return [tuple(row) for row in result.all()]


def tombstone_id(member_id: int) -> str:
    """The platform id a forgotten member's row keeps: nobody's, and unique."""

    return f"former-{member_id}"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message on the platform that held a text of theirs: to be deleted there.

    ``deletes`` is the idempotency key of the message as first queued (its edits
    share it); ``target_key`` the ordering key it and its edits now share, which the
    deletion must take too; ``target`` its payload's target, scrubbed.
    """

    deletes: str
    target_key: str
    target: dict[str, Any]
    platform: str
    workspace_external_id: str
    scrubbed: dict[str, Any] | None = None
    """Set when the message is to be edited rather than deleted: others see it and it
    holds more than their words (a summary quoting them, a digest to conveners), so it
    stays, as this scrubbed payload (their words "(removed)", their name "a former
    member"). None: deleted (it was for them, or it was their post in a channel)."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What forgetting one member did, counted for the reply, and what the platform
    must still delete."""

    member_id: int
    kept_contributions: bool
    answers: int = 0
    """Check-in answers deleted (runs they answered)."""
    learnings: int = 0
    about_lines: int = 0
    programmes: int = 0
    silos: int = 0
    avoidances: int = 0
    suggestions: int = 0
    commitments_kept: int = 0
    commitments_deleted: int = 0
    retro_items_kept: int = 0
    retro_items_deleted: int = 0
    messages_scrubbed: int = 0
    messages_cancelled: int = 0
    to_delete: tuple[SentMessage, ...] = ()
    moved: dict[str, str] = field(default_factory=dict)
    """Idempotency key of each message that was for them, to its new target key: an
    edit of one (the question that asked them) must be queued under it."""


async def erase_member(
    session: AsyncSession,
    member: Member,
    *,
    keep_contributions: bool,
    now: datetime,
    spoken_as: Sequence[str] = (),
) -> Erasure:
    """Forget ``member`` (see the module's docstring); ``spoken_as`` are the other forms
    their platform id takes in Convene's texts (a mention), to be read as their name.

    ``keep_contributions`` keeps the commitments they own (no more reminders) and the
    retro items they wrote with their name, both shown as "a former member"; without
    it those are deleted too.
    """

    member_id = member.id
    assert member_id is not None
    await session.flush()  # what the session holds unwritten is read (Core) and scrubbed too
    workspace = await session.get(Workspace, member.workspace_id)
    assert workspace is not None
    texts = await _their_texts(session, member_id, keep_contributions=keep_contributions)
    traces = _Traces.of(member, texts, spoken_as)
    scrubbed, cancelled, to_delete, moved = await _scrub_outbox(session, workspace, traces)
    await _scrub_groups(session, member_id, traces)
    await _scrub_failures(session, member.workspace_id, traces)
    counts = await _delete_what_is_theirs(session, member, workspace)
    contributions = await _contributions(session, member_id, keep=keep_contributions)
    _tombstone(member, now)
    session.add(member)
    await session.flush()
    return Erasure(
        member_id=member_id,
        kept_contributions=keep_contributions,
        **counts,
        **contributions,
        messages_scrubbed=scrubbed,
        messages_cancelled=cancelled,
        to_delete=tuple(to_delete),
        moved=moved,
    )


def _tombstone(member: Member, now: datetime) -> None:
    assert member.id is not None
    member.display_name = FORMER_MEMBER
    member.platform_user_id = tombstone_id(member.id)
    member.timezone = None
    member.email = None
    member.welcomed_at = None
    member.dms_closed_at = None
    member.is_convener = False
    member.suggestions_off_at = now
    member.erased_at = now


# -- what is theirs ------------------------------------------------------------------------


async def _their_texts(
    session: AsyncSession, member_id: int, *, keep_contributions: bool
) -> list[str]:
    """Every text of theirs that is deleted: answers, take-aways, about lines, what
    suggestions quoted of them, and (erasing everything) commitments and retro items."""

    texts: list[str] = []
    answers = await execute(
        session, select(table_of(CheckinPrompt).c.answers).where(_member(CheckinPrompt, member_id))
    )
    for (row,) in _rows(answers):
        texts.extend(str(answer) for answer in row or ())
    for column in (
        table_of(PairingGroupMember).c.learning,
        table_of(Participant).c.about,
    ):
        found = await execute(session, select(column).where(column.table.c.member_id == member_id))
        texts.extend(str(value) for (value,) in _rows(found) if value)
    opportunities = table_of(Opportunity)
    for text_column, side in (
        (opportunities.c.need_text, opportunities.c.need_member_id),
        (opportunities.c.offer_text, opportunities.c.offer_member_id),
    ):
        found = await execute(session, select(text_column).where(side == member_id))
        texts.extend(str(value) for (value,) in _rows(found) if value)
    if not keep_contributions:
        commitments = table_of(Commitment)
        found = await execute(
            session,
            select(commitments.c.text, commitments.c.note).where(
                commitments.c.owner_id == member_id
            ),
        )
        for text, note in _rows(found):
            texts.extend(value for value in (text, note) if value)
        items = table_of(RetroItem)
        found = await execute(session, select(items.c.text).where(items.c.author_id == member_id))
        texts.extend(str(value) for (value,) in _rows(found) if value)
    return texts


def _member(model: Any, member_id: int) -> Any:
    return table_of(model).c.member_id == member_id


async def _delete_what_is_theirs(
    session: AsyncSession, member: Member, workspace: Workspace
) -> dict[str, int]:
    """Delete what cannot stay without them, and their take-aways; the counts of it."""

    member_id = member.id
    assert member_id is not None
    prompts = table_of(CheckinPrompt)
    answered = await execute(
        session,
        select(prompts.c.run_id).where(
            prompts.c.member_id == member_id, prompts.c.answered_at.is_not(None)
        ),
    )
    answers = len(answered.all())
    places = table_of(PairingGroupMember)
    learned = await execute(
        session,
        update(places)
        .where(places.c.member_id == member_id, places.c.learning.is_not(None))
        .values(learning=None),
    )
    participants = table_of(Participant)
    about = await execute(
        session,
        select(participants.c.programme_id).where(
            participants.c.member_id == member_id, participants.c.about.is_not(None)
        ),
    )
    about_lines = len(about.all())
    counts = {
        "answers": answers,
        "learnings": _rowcount(learned),
        "about_lines": about_lines,
        "programmes": await _delete(session, Participant, _member(Participant, member_id)),
        "silos": await _delete(session, MemberSilo, _member(MemberSilo, member_id)),
        "avoidances": await _delete(
            session,
            Avoidance,
            or_(
                table_of(Avoidance).c.member_id == member_id,
                table_of(Avoidance).c.avoided_id == member_id,
            ),
        ),
        "suggestions": await _delete(
            session,
            Opportunity,
            or_(
                table_of(Opportunity).c.need_member_id == member_id,
                table_of(Opportunity).c.offer_member_id == member_id,
            ),
        ),
    }
    for model in (CheckinPrompt, CheckinMember, FormDraft, AwaitedFile, DashboardToken):
        await _delete(session, model, _member(model, member_id))
    await _delete_their_inbox(session, member, workspace)
    # Who installed Convene in the workspace (Slack over OAuth) is theirs too: now nobody.
    installs = table_of(SlackInstallation)
    await execute(
        session,
        update(installs)
        .where(
            installs.c.team_id == workspace.external_id,
            installs.c.installer_user_id == member.platform_user_id,
        )
        .values(installer_user_id=""),
    )
    return counts


async def _contributions(session: AsyncSession, member_id: int, *, keep: bool) -> dict[str, int]:
    """Keep their commitments without reminders and their named retro items, or delete both."""

    commitments = table_of(Commitment)
    items = table_of(RetroItem)
    if keep:
        kept = await execute(
            session,
            update(commitments).where(commitments.c.owner_id == member_id).values(remind_at=None),
        )
        written = await execute(session, select(items.c.id).where(items.c.author_id == member_id))
        return {"commitments_kept": _rowcount(kept), "retro_items_kept": len(written.all())}
    return {
        "commitments_deleted": await _delete(
            session, Commitment, commitments.c.owner_id == member_id
        ),
        "retro_items_deleted": await _delete(session, RetroItem, items.c.author_id == member_id),
    }


async def _delete_their_inbox(session: AsyncSession, member: Member, workspace: Workspace) -> None:
    """Events of theirs waiting to be handled hold their words: they go unhandled."""

    inbox = table_of(InboxEvent)
    rows = await execute(
        session, select(inbox.c.id, inbox.c.payload).where(inbox.c.platform == workspace.platform)
    )
    theirs = [
        row_id
        for row_id, payload in _rows(rows)
        if (fields := (payload or {}).get("fields") or {}).get("actor_id")
        == member.platform_user_id
        and fields.get("workspace_id") == workspace.external_id
    ]
    if theirs:
        await execute(session, delete(inbox).where(inbox.c.id.in_(theirs)))


async def _delete(session: AsyncSession, model: Any, where: Any) -> int:
    return _rowcount(await execute(session, delete(table_of(model)).where(where)))


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# -- finding them in what Convene said -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Traces:
    """How a member shows up in a text: their name, their platform id (bare or as a
    mention) and the texts of theirs being deleted."""

    platform_user_id: str
    tombstone: str
    platform_id: re.Pattern[str]
    names: tuple[re.Pattern[str], ...]
    long_texts: tuple[str, ...]
    short_texts: tuple[re.Pattern[str], ...]

    @staticmethod
    def of(member: Member, texts: Iterable[str], spoken_as: Sequence[str]) -> _Traces:
        assert member.id is not None
        lines = {line.strip() for text in texts for line in text.splitlines()}
        lines.discard("")
        by_length = sorted(lines, key=len, reverse=True)
        forms = [form for form in (*spoken_as, member.display_name) if form]
        return _Traces(
            platform_user_id=member.platform_user_id,
            tombstone=tombstone_id(member.id),
            platform_id=_word(member.platform_user_id),
            names=tuple(_word(form) for form in sorted(forms, key=len, reverse=True)),
            long_texts=tuple(line for line in by_length if len(line) >= LONG_TEXT),
            short_texts=tuple(
                re.compile(rf"(?<!\w){re.escape(line)}[ \t]*$", re.MULTILINE)
                for line in by_length
                if len(line) < LONG_TEXT
            ),
        )

    def named_in(self, text: str) -> bool:
        return bool(self.platform_id.search(text)) or any(n.search(text) for n in self.names)

    def texts_in(self, text: str, *, named: bool) -> bool:
        if any(line in text for line in self.long_texts):
            return True
        return named and any(line.search(text) for line in self.short_texts)

    def scrub(self, text: str, *, named: bool) -> str:
        for line in self.long_texts:
            text = text.replace(line, REMOVED)
        if named:
            for pattern in self.short_texts:
                text = pattern.sub(REMOVED, text)
        for name in self.names:
            text = name.sub(FORMER_MEMBER, text)
        return self.scrub_id(text)

    def scrub_id(self, text: str) -> str:
        return self.platform_id.sub(self.tombstone, text)


def _word(text: str) -> re.Pattern[str]:
    """``text`` as a whole word: the name "Ann" is not in "Annual"."""

    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


def _strings(value: Any, *, skip: frozenset[str] = frozenset()) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip=skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip=skip)


def _mapped(value: Any, change: Callable[[str], str], skip: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {
            key: item if key in skip else _mapped(item, change, skip) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mapped(item, change, skip) for item in value]
    return value


def _file_text(file: Any) -> str:
    try:
        return base64.b64decode(str(file.get("data", ""))).decode("utf-8", "ignore")
    except (binascii.Error, ValueError):
        return ""


@dataclass
class _Row:
    id: int
    key: str
    target_key: str
    payload: dict[str, Any]
    status: str
    message_ref: dict[str, Any] | None
    last_error: str | None


@dataclass
class _Finding:
    """One outbox row that holds something of theirs, and what to do with it."""

    row: _Row
    addressed: bool
    named: bool
    held_text: bool
    payload: dict[str, Any]


async def _scrub_outbox(
    session: AsyncSession, workspace: Workspace, traces: _Traces
) -> tuple[int, int, list[SentMessage], dict[str, str]]:
    """Scrub every message of the workspace that holds something of theirs (in pages, so
    a long outbox is never held in memory at once)."""

    outbox = table_of(OutboxMessage)
    findings: list[_Finding] = []
    after = 0
    while True:
        page = await execute(
            session,
            select(
                outbox.c.id,
                outbox.c.idempotency_key,
                outbox.c.target_key,
                outbox.c.payload,
                outbox.c.status,
                outbox.c.message_ref,
                outbox.c.last_error,
            )
            .where(
                outbox.c.platform == workspace.platform,
                outbox.c.workspace_external_id == workspace.external_id,
                outbox.c.id > after,
            )
            .order_by(outbox.c.id)
            .limit(_PAGE),
        )
        rows = [_Row(*row) for row in _rows(page)]
        if not rows:
            break
        after = rows[-1].id
        findings.extend(found for row in rows if (found := _find(row, traces)) is not None)
    if not findings:
        return 0, 0, [], {}
    originals = await _originals(session, workspace, findings)
    to_delete: dict[str, SentMessage] = {}
    moved: dict[str, str] = {}
    cancelled = 0
    for found in findings:
        row = found.row
        first = str(row.payload.get("replaces") or row.key)
        values: dict[str, Any] = {"payload": found.payload}
        if found.addressed or found.held_text:
            values["target_key"] = f"erased:{originals.get(first, row.id)}"
            moved[row.key] = values["target_key"]
        if row.status == _PENDING and (found.addressed or found.held_text):
            values["status"] = _DEAD
            values["last_error"] = CANCELLED
            cancelled += 1
        elif row.last_error:
            values["last_error"] = traces.scrub(row.last_error, named=True)
        if row.message_ref is not None:
            values["message_ref"] = _mapped(row.message_ref, traces.scrub_id)
        if found.held_text and row.status in (_SENT, _SENDING):
            target = dict(found.payload.get("target") or {})
            theirs = found.addressed or (found.named and str(target.get("kind")) in _SHARED_PLACES)
            sent = SentMessage(
                deletes=first,
                target_key=values["target_key"],
                target=target,
                platform=workspace.platform,
                workspace_external_id=workspace.external_id,
                scrubbed=None if theirs else found.payload,
            )
            # A message and its edits are one message on the platform: its newest
            # scrubbed words are the ones an edit must show.
            if first not in to_delete or sent.scrubbed is not None:
                to_delete[first] = sent
        await execute(session, update(outbox).where(outbox.c.id == row.id).values(**values))
    return len(findings), cancelled, list(to_delete.values()), moved


def _find(row: _Row, traces: _Traces) -> _Finding | None:
    """What this row holds of theirs, and its payload scrubbed; None when nothing."""

    payload = row.payload or {}
    target = payload.get("target") or {}
    pid = traces.platform_user_id
    addressed = (
        pid in (target.get("member_ids") or ())
        or payload.get("visible_to") == pid
        or pid in re.split(r"[:,]", row.target_key)
    )
    words = "\n".join(_strings({k: v for k, v in payload.items() if k != "files"}, skip=_MACHINE))
    files = list(payload.get("files") or ())
    file_texts = [_file_text(file) for file in files]
    named = addressed or traces.named_in(words)
    in_files = [traces.named_in(text) or traces.texts_in(text, named=named) for text in file_texts]
    held_text = traces.texts_in(words, named=named) or any(
        traces.texts_in(text, named=named) for text in file_texts
    )
    if not (named or held_text or any(in_files)):
        return None
    scrubbed = _mapped(
        _mapped(
            {k: v for k, v in payload.items() if k != "files"},
            lambda text: traces.scrub(text, named=named),
            _MACHINE,
        ),
        traces.scrub_id,
        _KEYS,
    )
    kept_files = [file for file, holds in zip(files, in_files, strict=True) if not holds]
    if files:
        scrubbed["files"] = [_mapped(file, traces.scrub_id) for file in kept_files]
    return _Finding(row, addressed, named, held_text, scrubbed)


async def _originals(
    session: AsyncSession, workspace: Workspace, findings: Sequence[_Finding]
) -> dict[str, int]:
    """The row id of each message first queued under a key that a found row is or edits:
    a message and its edits keep one target key, so an edit or a deletion finds them."""

    outbox = table_of(OutboxMessage)
    keys = {str(f.row.payload.get("replaces") or f.row.key) for f in findings}
    ids: dict[str, int] = {}
    listed = sorted(keys)
    for start in range(0, len(listed), _PAGE):
        found = await execute(
            session,
            select(outbox.c.idempotency_key, outbox.c.id).where(
                outbox.c.idempotency_key.in_(listed[start : start + _PAGE])
            ),
        )
        ids.update((str(key), int(row_id)) for key, row_id in _rows(found))
    for f in sorted(findings, key=lambda f: f.row.id):
        ids.setdefault(str(f.row.payload.get("replaces") or f.row.key), f.row.id)
    return ids


async def _scrub_groups(session: AsyncSession, member_id: int, traces: _Traces) -> None:
    """Why an introduction was made (a quote, a name) may hold them: made anonymous."""

    groups = table_of(PairingGroup)
    places = table_of(PairingGroupMember)
    found = await execute(
        session,
        select(groups.c.id, groups.c.starter, groups.c.reasons).where(
            groups.c.id.in_(select(places.c.group_id).where(places.c.member_id == member_id))
        ),
    )
    for group_id, starter, reasons in _rows(found):
        new_starter = traces.scrub(starter or "", named=True)
        new_reasons = _mapped(reasons or {}, lambda text: traces.scrub(text, named=True))
        if new_starter != starter or new_reasons != reasons:
            await execute(
                session,
                update(groups)
                .where(groups.c.id == group_id)
                .values(starter=new_starter, reasons=new_reasons),
            )


async def _scrub_failures(session: AsyncSession, workspace_id: int, traces: _Traces) -> None:
    """A failure's summary may quote what they typed."""

    failures = table_of(HandlerFailure)
    found = await execute(
        session,
        select(failures.c.id, failures.c.summary).where(failures.c.workspace_id == workspace_id),
    )
    for failure_id, summary in _rows(found):
        scrubbed = traces.scrub(summary, named=True)
        if scrubbed != summary:
            await execute(
                session,
                update(failures).where(failures.c.id == failure_id).values(summary=scrubbed),
            )
