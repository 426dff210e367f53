"""Importing a members file into a workspace: checked against what is there, then written.

Shared by ``/convene member import`` and ``convene import members``. The
rows (already read by ``members_file``) are checked against the workspace
first (kinds it knows, silos of another kind, rows that are the same member),
and only a file with no problem at all is written: silos created with their
kinds, members matched or added, linked to their silos (never unlinked), time
zones set. The writes are set-based, a few statements whatever the number of
rows, and all of it happens in the caller's one transaction.

A row is the member who has its ``platform_id``, else its email, else its name
(by platform id or display name, as ``/convene member add NAME`` finds one).
A member is added under the file's platform id, or under their name when it
has none, as ``/convene member add NAME`` adds someone Convene has not met:
a member added by name (an id that is no account of the platform) takes the
account the file gives them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.markup import plain
from handlers.landscape.members_file import (
    MemberRow,
    MembersFile,
    MembersFileRefused,
    Problem,
    looks_like_account,
)
from handlers.shared.kinds import Vocabulary, kind_key, vocabulary_of
from handlers.shared.text import plural
from storage.models import Member, Workspace
from storage.repositories import members as members_repo
from storage.repositories import silo_kinds as kinds_repo
from storage.repositories import silos as silos_repo
from storage.repositories.members import KnownMember, MemberChange, NewMember

ZoneMoved = Callable[[Member], Awaitable[object]]
"""Told of each existing member whose time zone the file changed (``context.zone_changed``),
so that what is planned at their local time follows them."""
AddKindAdvice = Callable[[str], str]
"""How to add a kind on purpose where the import runs: a command, or an option."""


@dataclass(frozen=True, slots=True)
class ImportSummary:
    source: str
    rows: int
    new_members: int
    updated: int
    new_silos: int
    new_links: int

    @property
    def changed_nothing(self) -> bool:
        return not (self.new_members or self.updated or self.new_silos or self.new_links)

    def sentence(self) -> str:
        if self.changed_nothing:
            return (
                f"{self.source}: 0 new members, 0 changes; the "
                f"{plural(self.rows, 'member')} in it {'is' if self.rows == 1 else 'are'} "
                "already here as it says."
            )
        return (
            f"Imported {self.source}: {plural(self.new_members, 'new member')}, "
            f"{self.updated} updated, {plural(self.new_silos, 'new silo')}, "
            f"{plural(self.new_links, 'new link')} of a member to a silo."
        )


@dataclass
class _SiloPlan:
    """The silos the file names, by name key: existing ones' ids, new ones to create."""

    ids: dict[str, int] = field(default_factory=dict)
    new: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Name key: (name as first written, kind)."""


@dataclass
class _MemberPlan:
    new: list[NewMember] = field(default_factory=list)
    changes: list[MemberChange] = field(default_factory=list)
    rows_of: dict[int, MemberRow] = field(default_factory=dict)
    """Existing member id: the row that is them."""


async def add_kinds(
    session: AsyncSession, workspace_id: int, kinds: Sequence[str], now: datetime
) -> list[str]:
    """Kinds a convener asked to add with the import (the command line's ``--add-kind``);
    the ones that were new."""

    known = await vocabulary_of(session, workspace_id)
    added: list[str] = []
    for typed in kinds:
        if known.meant(typed) is None and kind_key(typed) not in added:
            await kinds_repo.add(session, workspace_id, kind_key(typed), now)
            added.append(kind_key(typed))
    return added


async def import_members(
    session: AsyncSession,
    workspace: Workspace,
    file: MembersFile,
    now: datetime,
    *,
    add_kind: AddKindAdvice,
    zone_moved: ZoneMoved | None = None,
) -> ImportSummary:
    """Check the rows against the workspace, then write them; ``MembersFileRefused`` if any
    row is wrong (nothing written)."""

    assert workspace.id is not None
    wid = workspace.id
    problems = list(file.problems)
    silos = await _plan_silos(session, wid, file.rows, add_kind, problems)
    known = await members_repo.known_members(session, wid)
    members = _plan_members(workspace.platform, known, file.rows, problems)
    if problems:
        raise MembersFileRefused(file.source, problems)

    for key, (name, kind) in silos.new.items():
        silo = await silos_repo.add(session, wid, name, kind, now)
        assert silo.id is not None
        silos.ids[key] = silo.id
    new_ids = await members_repo.add_many(session, wid, members.new, now)
    await members_repo.change_many(session, members.changes)
    links = await members_repo.silo_links(session, wid) if members.rows_of else set()
    member_of_row = {row.line: mid for mid, row in members.rows_of.items()}
    wanted: list[tuple[int, int]] = []
    linked_members: set[int] = set()
    for row in file.rows:
        mid = member_of_row.get(row.line) or new_ids[row.own_id]
        for cell in row.silos:
            pair = (mid, silos.ids[silos_repo.name_key(cell.name)])
            if pair not in links:
                links.add(pair)
                wanted.append(pair)
                linked_members.add(mid)
    await members_repo.link_many(session, wanted)
    moved = [c.member_id for c in members.changes if c.timezone is not None]
    if zone_moved is not None and moved:
        for member in await members_repo.reloaded(session, moved):
            await zone_moved(member)
    updated = {c.member_id for c in members.changes} | (linked_members & set(members.rows_of))
    return ImportSummary(
        source=file.source,
        rows=len(file.rows),
        new_members=len(members.new),
        updated=len(updated),
        new_silos=len(silos.new),
        new_links=len(wanted),
    )


async def _plan_silos(
    session: AsyncSession,
    wid: int,
    rows: Sequence[MemberRow],
    add_kind: AddKindAdvice,
    problems: list[Problem],
) -> _SiloPlan:
    """Each silo the file names: its kind known here, the same as the silo's if it exists."""

    vocabulary = await vocabulary_of(session, wid)
    existing = {s.silo.name_key: s.silo for s in await silos_repo.list_with_counts(session, wid)}
    plan = _SiloPlan()
    first_seen: dict[str, tuple[str, int]] = {}
    kinds: dict[str, str | None] = {}
    for row in rows:
        for cell in row.silos:
            if cell.kind not in kinds:
                kinds[cell.kind] = vocabulary.meant(cell.kind)
            kind = kinds[cell.kind]
            if kind is None:
                problems.append(Problem(row.line, _unknown_kind(vocabulary, cell.kind, add_kind)))
                continue
            key = silos_repo.name_key(cell.name)
            silo = existing.get(key)
            if silo is not None:
                if silo.kind != kind:
                    problems.append(
                        Problem(
                            row.line,
                            f"{plain(silo.name)} is already {_a(silo.kind)} here, not "
                            f"{_a(kind)}; write {silo.kind}:{plain(silo.name)}, or change the "
                            f'silo\'s kind first (/convene silo kind "{plain(silo.name)}" {kind}).',
                        )
                    )
                    continue
                assert silo.id is not None
                plan.ids[key] = silo.id
                continue
            earlier = first_seen.setdefault(key, (kind, row.line))
            if earlier[0] != kind:
                problems.append(
                    Problem(
                        row.line,
                        f"{plain(cell.name)} is {_a(earlier[0])} on line {earlier[1]} but "
                        f"{_a(kind)} here; a silo has one kind.",
                    )
                )
                continue
            plan.new.setdefault(key, (cell.name, kind))
    return plan


def _unknown_kind(vocabulary: Vocabulary, typed: str, add_kind: AddKindAdvice) -> str:
    nearest = vocabulary.nearest(typed)
    known = (
        f"Did you mean {nearest}?"
        if nearest is not None
        else f"The kinds are {vocabulary.sentence()}."
    )
    return (
        f"{typed!r} is not a kind of silo here. {known} To make {typed} a new kind on "
        f"purpose: {add_kind(typed)}."
    )


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _plan_members(
    platform: str, known: Sequence[KnownMember], rows: Sequence[MemberRow], problems: list[Problem]
) -> _MemberPlan:
    by_id = {m.platform_user_id: m for m in known}
    by_email = {m.email.casefold(): m for m in reversed(known) if m.email}
    by_name = {m.display_name.casefold(): m for m in reversed(known)}  # the oldest wins
    plan = _MemberPlan()
    taken: dict[int, MemberRow] = {}
    for row in rows:
        member = (
            (by_id.get(row.platform_id) if row.platform_id else None)
            or (by_email.get(row.email.casefold()) if row.email else None)
            or by_id.get(row.name)
            or by_name.get(row.name.casefold())
        )
        if member is None:
            if row.own_id in by_id:
                problems.append(
                    Problem(
                        row.line,
                        f"{plain(row.name)} is too long to keep without a platform_id; "
                        "shorten it or give the member's platform_id.",
                    )
                )
                continue
            plan.new.append(NewMember(row.own_id, row.name, row.timezone, row.email))
            continue
        earlier = taken.setdefault(member.id, row)
        if earlier is not row:
            problems.append(
                Problem(
                    row.line,
                    f"this row and line {earlier.line} are both the member "
                    f"{plain(member.display_name)}; keep one of them.",
                )
            )
            continue
        change = _change(platform, member, row, by_email, problems)
        if change is None:
            continue
        plan.rows_of[member.id] = row
        if change != MemberChange(member.id):
            plan.changes.append(change)
    return plan


def _change(
    platform: str,
    member: KnownMember,
    row: MemberRow,
    by_email: dict[str, KnownMember],
    problems: list[Problem],
) -> MemberChange | None:
    """What the row changes about an existing member; None (and a problem) if it cannot."""

    account = None
    if row.platform_id and row.platform_id != member.platform_user_id:
        if looks_like_account(platform, member.platform_user_id):
            who = (
                plain(row.name)
                if row.name.casefold() == member.display_name.casefold()
                else f"{plain(row.name)} (the member {plain(member.display_name)} here)"
            )
            problems.append(
                Problem(
                    row.line,
                    f"{who} has the account {plain(member.platform_user_id)}, not "
                    f"{plain(row.platform_id)}; correct the platform_id or leave it empty.",
                )
            )
            return None
        account = row.platform_id  # added by name: this is their account
    email = None
    if row.email and (member.email or "").casefold() != row.email.casefold():
        other = by_email.get(row.email.casefold())
        if other is not None and other.id != member.id:
            problems.append(
                Problem(
                    row.line,
                    f"the email {plain(row.email)} is already {plain(other.display_name)}'s here.",
                )
            )
            return None
        email = row.email
    zone = row.timezone if row.timezone and row.timezone != member.timezone else None
    # Known only by their id so far (as the dispatcher renames them when they speak).
    named = member.display_name == member.platform_user_id and row.name != member.display_name
    return MemberChange(
        member.id,
        timezone=zone,
        email=email,
        platform_user_id=account,
        display_name=row.name if named else None,
    )
