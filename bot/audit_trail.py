"""The audit log's one rule, kept by the core so that no convener command can forget it.

Whatever a convener does that changes or exports something is written in the
audit log, in the same transaction as the action: a refused or failed action
rolls back with its row. Nothing has to remember to ask for it:

- ``require_convener`` marks the transaction as a convener's (the dispatcher calls it
  for every convener-only command; convener buttons call it themselves), and from
  then on the transaction's connection is watched for writes (INSERT, UPDATE, DELETE);
  the context notes every file sent;
- when the handler returns normally, a convener's transaction that wrote to a table
  that holds something (not bookkeeping such as the outbox) or sent a file, and whose
  handler did not write its own entry (``Context.audit``), gets one row: the
  command's words ("silo add") and, as its subject, the values typed for it.

A command that only shows things writes nothing, so it is not logged, whichever way
it is built and without saying so (a table written only on the way, such as a cache,
belongs in ``BOOKKEEPING``). The subject keeps names, channels, settings and
values, never free text (a question, a topic): a positional that takes the rest of
the line is left out unless it is a name (``bot.audit_words``). A word that names a
member is kept as the member's id, so the log never outlives a forgetting with their
name in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry
from storage.repositories import audit as audit_repo

KEY = "convene.audit_trail"
BOOKKEEPING = frozenset(
    {
        "processed_events",
        "inbox",
        "outbox",
        "form_drafts",
        "handler_failures",
        "audit_entries",
        "schedule_runs",
        "awaited_files",
    }
)
"""Tables written on the way to doing something, not the thing done: an event recorded,
a message queued, a form kept as a draft, a file awaited."""
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE
)
_MENTION = re.compile(r"^<@!?([^|>\s]+)(?:\|[^>]*)?>$")


@dataclass
class Trail:
    """What one transaction did, as far as the audit log cares."""

    action: str
    subject: tuple[str, ...] = ()
    convener: bool = False
    recorded: int = 0
    written: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    connection: Connection | None = None

    def note(
        self,
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        found = _WRITE.match(statement)
        if found is not None:
            self.written.add(found.group(1).lower())

    @property
    def changed(self) -> bool:
        return bool(self.written - BOOKKEEPING)


def watch(session: AsyncSession, action: str) -> Trail:
    """Note the event's transaction; ``action`` names it if nothing better does (a button's
    id, "member.remove", reads "member remove"). Nothing is listened to yet: most events
    are not a convener's, and they pay nothing more than this."""

    words = action.split(":", 1)[0].replace(".", " ").replace("_", " ")
    trail = Trail(action=words)
    session.info[KEY] = trail
    return trail


def trail_of(session: AsyncSession) -> Trail | None:
    found = session.info.get(KEY)
    return found if isinstance(found, Trail) else None


async def acting_as_convener(session: AsyncSession) -> None:
    """The transaction does a convener's work (``require_convener`` passed): from here on
    its writes are watched. Convener commands and buttons check first and write after,
    so what the watch misses is the event's own bookkeeping (its record, its member)."""

    trail = trail_of(session)
    if trail is None or trail.convener:
        return
    trail.convener = True
    await session.flush()
    connection = (await session.connection()).sync_connection
    assert connection is not None
    event.listen(connection, "before_cursor_execute", trail.note)
    trail.connection = connection


def command_read(session: AsyncSession, action: str, subject: tuple[str, ...]) -> None:
    """The command's words and values (``bot.audit_words``), read before its handler runs."""

    trail = trail_of(session)
    if trail is None:
        return
    trail.action = action
    trail.subject = subject


def files_sent(session: AsyncSession, names: Sequence[str]) -> None:
    trail = trail_of(session)
    if trail is not None and names:
        trail.files.extend(names)


async def record(
    session: AsyncSession,
    *,
    workspace_id: int,
    actor_id: int | None,
    action: str,
    subject: str = "",
    member_id: int | None = None,
    at: datetime,
) -> AuditEntry:
    """A handler's own entry, for an action the command's words do not say well."""

    trail = trail_of(session)
    if trail is not None:
        trail.recorded += 1
    return await audit_repo.record(
        session,
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=action,
        subject=subject,
        subject_member_id=member_id,
        at=at,
    )


async def finish(
    session: AsyncSession, *, workspace_id: int, actor_id: int | None, at: datetime
) -> AuditEntry | None:
    """The handler returned: write the row the rule asks for, if it asks for one."""

    trail = session.info.pop(KEY, None)
    if not isinstance(trail, Trail) or not trail.convener:
        return None
    await session.flush()  # what the handler staged is written, and so seen
    if trail.connection is not None:
        event.remove(trail.connection, "before_cursor_execute", trail.note)
    if trail.recorded:
        return None
    if not trail.files and not trail.changed:
        return None
    subject, member_id = await _without_members(session, workspace_id, trail.subject)
    if trail.files:
        subject.append(
            f"(sent {trail.files[0]})"
            if len(trail.files) == 1
            else f"(sent {len(trail.files)} files)"
        )
    return await audit_repo.record(
        session,
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=trail.action,
        subject=" ".join(subject),
        subject_member_id=member_id,
        at=at,
    )


async def _without_members(
    session: AsyncSession, workspace_id: int, words: tuple[str, ...]
) -> tuple[list[str], int | None]:
    """The subject's words with those naming a member taken out: the first such member
    is the row's ``subject_member_id``, the others only counted."""

    references = {word: _reference(word) for word in words}
    named = await audit_repo.members_named(session, workspace_id, set(references.values()))
    kept: list[str] = []
    members: list[int] = []
    for word in words:
        member_id = named.get(references[word])
        if member_id is None:
            kept.append(word)
        elif member_id not in members:
            members.append(member_id)
    if len(members) > 1:
        others = len(members) - 1
        kept.append(f"and {others} other member" + ("s" if others > 1 else ""))
    return kept, members[0] if members else None


def _reference(word: str) -> str:
    """What a typed word names a member by: a platform mention's id, or the word
    without quotes or a leading @."""

    text = word.strip().strip('"')
    mention = _MENTION.match(text)
    if mention is not None:
        return mention.group(1)
    return text[1:] if text.startswith("@") and len(text) > 1 else text


def quoted(value: str) -> str:
    """A name as the audit log writes it: in quotes when it has spaces."""

    return f'"{value}"' if " " in value.strip() else value.strip()
