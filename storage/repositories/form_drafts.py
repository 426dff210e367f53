"""Form drafts: what a member typed into a form that one field spoiled, kept to fill it again.

A draft is found by a button's short value: its id and a random key kept in
the form's JSON, since an id can be used again once its draft is deleted
(SQLite hands out the highest id plus one), and an old button must not open
a newer draft. A draft belongs to one member and names its form by
``form_id`` and ``context`` inside the JSON; a member has few at a time, so
those are matched here in Python.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FormDraft
from storage.repositories.core import execute, table_of

drafts = table_of(FormDraft)


KEPT_FOR = timedelta(days=7)
"""How long a draft is kept: a form refused for one field, or a command kept for its
buttons (older ones are let go whenever a new one is kept)."""
KEY = "key"
"""In a draft's form JSON: the random part of the buttons that name it."""


async def add(session: AsyncSession, draft: FormDraft) -> FormDraft:
    """Keep a draft, with a key of its own for the buttons that name it."""

    draft.form = {**draft.form, KEY: secrets.token_urlsafe(6)}
    session.add(draft)
    await session.flush()
    return draft


def button_value(draft: FormDraft, *more: str) -> str:
    """A button's value naming this draft (and ``more``, each without a ``:``)."""

    return ":".join((str(draft.id), str(draft.form.get(KEY, "")), *more))


async def named(
    session: AsyncSession, value: str, workspace_id: int | None
) -> tuple[FormDraft, list[str]] | None:
    """The draft a button's value names in this workspace, and what the value adds."""

    head, _, rest = value.partition(":")
    key, _, more = rest.partition(":")
    if not head.isdigit() or not key:
        return None
    draft = await session.get(FormDraft, int(head))
    if draft is None or draft.workspace_id != workspace_id or draft.form.get(KEY) != key:
        return None
    return draft, more.split(":") if more else []


async def of_member(session: AsyncSession, member_id: int) -> Sequence[FormDraft]:
    found = await session.exec(
        select(FormDraft).where(FormDraft.member_id == member_id).order_by(col(FormDraft.id))
    )
    return found.all()


def is_for(draft: FormDraft, form_id: str, context: str) -> bool:
    """Whether a draft refills this form (the same form about the same thing)."""

    form: dict[str, Any] = draft.form
    return form.get("form_id") == form_id and str(form.get("context", "")) == context


async def forget_of_form(session: AsyncSession, member_id: int, form_id: str, context: str) -> int:
    """Delete a member's drafts of one form about one thing; how many there were."""

    ids = [
        draft.id
        for draft in await of_member(session, member_id)
        if draft.id is not None and is_for(draft, form_id, context)
    ]
    if ids:
        await execute(session, delete(drafts).where(drafts.c.id.in_(ids)))
    return len(ids)


async def hold(session: AsyncSession, draft_id: int) -> FormDraft | None:
    """A draft read afresh and locked until the transaction ends (PostgreSQL; SQLite's
    transactions are one at a time already), for a draft whose buttons may be pressed
    more than once (``[Introduce us]``): two presses at once are decided one after the
    other, each reading what the other wrote."""

    found = await session.exec(
        select(FormDraft)
        .where(col(FormDraft.id) == draft_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return found.first()


async def take(session: AsyncSession, draft_id: int) -> bool:
    """Delete a draft, True only for the one transaction that deleted it.

    Two presses of the same button race here: on PostgreSQL the second waits
    for the first to commit, then finds nothing to delete; SQLite writes one
    at a time. So what a draft holds is used once.
    """

    deleted = await execute(session, delete(drafts).where(drafts.c.id == draft_id))
    return deleted.rowcount == 1


async def forget_older_than(session: AsyncSession, cutoff: datetime) -> None:
    await execute(session, delete(drafts).where(drafts.c.created_at < cutoff))
