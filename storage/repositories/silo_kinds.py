"""Kinds of silo a convener added on purpose, the kinds silos already have, and a choice
of kind left waiting for the convener's answer.

The standard list (team, department…) is the landscape's own vocabulary and
lives with it; this module only stores and reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FormDraft, Silo, SiloKind

PENDING_FIELD = "silo-kind"
"""What marks a ``form_drafts`` row as a command waiting for a choice of kind, not a form."""


async def added(session: AsyncSession, workspace_id: int) -> Sequence[SiloKind]:
    """The kinds conveners added on purpose, oldest first."""

    found = await session.exec(
        select(SiloKind)
        .where(SiloKind.workspace_id == workspace_id)
        .order_by(col(SiloKind.created_at), col(SiloKind.name))
    )
    return found.all()


async def add(session: AsyncSession, workspace_id: int, name: str, now: datetime) -> SiloKind:
    kind = SiloKind(workspace_id=workspace_id, name=name, created_at=now)
    session.add(kind)
    await session.flush()
    return kind


async def remove(session: AsyncSession, kind: SiloKind) -> None:
    await session.delete(kind)
    await session.flush()


async def in_use(session: AsyncSession, workspace_id: int) -> dict[str, int]:
    """Every kind the workspace's silos have, as stored, with how many silos have it."""

    found = await session.exec(
        select(Silo.kind, func.count())
        .where(Silo.workspace_id == workspace_id)
        .group_by(col(Silo.kind))
        .order_by(col(Silo.kind))
    )
    return {kind: int(count) for kind, count in found.all()}


async def keep_pending(
    session: AsyncSession,
    workspace_id: int,
    member_id: int,
    command: dict[str, Any],
    reason: str,
    now: datetime,
) -> int:
    """Keep a command that waits for its member to choose a kind; its id goes on the buttons."""

    draft = FormDraft(
        workspace_id=workspace_id,
        member_id=member_id,
        form=command,
        field=PENDING_FIELD,
        reason=reason,
        created_at=now,
    )
    session.add(draft)
    await session.flush()
    assert draft.id is not None
    return draft.id


async def pending(session: AsyncSession, workspace_id: int, draft_id: int) -> FormDraft | None:
    """The waiting command with this id in this workspace, if it still waits."""

    found = await session.exec(
        select(FormDraft).where(
            FormDraft.id == draft_id,
            FormDraft.workspace_id == workspace_id,
            FormDraft.field == PENDING_FIELD,
        )
    )
    return found.first()


async def drop_pending(session: AsyncSession, draft: FormDraft) -> None:
    await session.delete(draft)
    await session.flush()
