"""Rows changed by a handler are staged in the session and written when it commits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member
from storage.repositories import members as members_repo
from storage.repositories import workspaces as workspaces_repo

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def test_a_staged_member_is_written_at_commit_and_not_before(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, "slack", "T1", "Network", NOW)
        assert workspace.id is not None
        member = Member(
            workspace_id=workspace.id, platform_user_id="U1", display_name="Ada", created_at=NOW
        )
        members_repo.stage(session, member)
        assert member.id is None  # nothing flushed yet: the whole event is written together

    async with sessions() as session:
        assert member.id is not None
        found = await members_repo.get(session, member.id)
    assert found is not None and found.display_name == "Ada"


async def test_a_change_to_a_member_from_another_session_is_written_once_staged(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        workspace = await workspaces_repo.get_or_create(session, "slack", "T1", "Network", NOW)
        assert workspace.id is not None
        member = await members_repo.add(session, workspace.id, "U1", "Ada", None, NOW)
    member.timezone = "Europe/London"

    async with sessions.begin() as session:
        members_repo.stage(session, member)

    async with sessions() as session:
        assert member.id is not None
        found = await members_repo.get(session, member.id)
    assert found is not None and found.timezone == "Europe/London"
