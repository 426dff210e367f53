"""Slack installations (one row per workspace installed over OAuth) and OAuth states.

Rows only: the tokens arrive here already encrypted and leave encrypted (the
Slack adapter holds the keys), so nothing in storage can read them. The
rotation guard is one conditional UPDATE of ``refreshing_until``: the instance
whose UPDATE changed the row refreshes; any other sees no row changed and
waits for the new token instead of spending the refresh token a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackInstallation, SlackOAuthState
from storage.repositories.core import execute, table_of

installations = table_of(SlackInstallation)
states = table_of(SlackOAuthState)


async def find(
    session: AsyncSession, team_id: str, enterprise_id: str = ""
) -> SlackInstallation | None:
    found = await session.exec(
        select(SlackInstallation).where(
            SlackInstallation.team_id == team_id,
            SlackInstallation.enterprise_id == enterprise_id,
        )
    )
    return found.first()


async def save(
    session: AsyncSession, *, team_id: str, enterprise_id: str, values: Mapping[str, Any]
) -> SlackInstallation:
    """Insert or replace the workspace's installation (an install again replaces the tokens).

    ``refreshing_until`` is cleared: a new install's tokens need no refresh in flight.
    """

    row = await find(session, team_id, enterprise_id)
    if row is None:
        row = SlackInstallation(team_id=team_id, enterprise_id=enterprise_id, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    row.refreshing_until = None
    session.add(row)
    await session.flush()
    return row


async def delete_installation(session: AsyncSession, team_id: str, enterprise_id: str = "") -> int:
    """Delete the workspace's installation (its tokens with it); how many rows went."""

    result = await execute(
        session,
        delete(installations).where(
            installations.c.team_id == team_id, installations.c.enterprise_id == enterprise_id
        ),
    )
    return int(result.rowcount or 0)


async def every(session: AsyncSession) -> Sequence[SlackInstallation]:
    found = await session.exec(select(SlackInstallation).order_by(col(SlackInstallation.id)))
    return found.all()


async def take_refresh(
    session: AsyncSession,
    installation_id: int,
    *,
    bot_token: str,
    now: datetime,
    until: datetime,
) -> bool:
    """Claim the right to refresh this installation's token until ``until``; False when
    another instance holds it (and its claim has not run out), or has already replaced
    ``bot_token`` (the stored, encrypted token the caller read): its refresh token is spent.
    """

    result = await execute(
        session,
        update(installations)
        .where(
            installations.c.id == installation_id,
            installations.c.bot_token == bot_token,
            or_(
                installations.c.refreshing_until.is_(None),
                installations.c.refreshing_until <= now,
            ),
        )
        .values(refreshing_until=until),
    )
    return bool(result.rowcount == 1)


async def store_refreshed(
    session: AsyncSession,
    installation_id: int,
    *,
    bot_token: str,
    bot_refresh_token: str | None,
    expires_at: datetime | None,
) -> None:
    """The refreshed (encrypted) tokens, and the guard let go."""

    await execute(
        session,
        update(installations)
        .where(installations.c.id == installation_id)
        .values(
            bot_token=bot_token,
            bot_refresh_token=bot_refresh_token,
            bot_token_expires_at=expires_at,
            refreshing_until=None,
        ),
    )


async def let_go_of_refresh(session: AsyncSession, installation_id: int) -> None:
    """A refresh that failed: another instance may try at once."""

    await execute(
        session,
        update(installations)
        .where(installations.c.id == installation_id)
        .values(refreshing_until=None),
    )


async def rewrite_tokens(
    session: AsyncSession, installation_id: int, *, bot_token: str, bot_refresh_token: str | None
) -> None:
    """The same tokens encrypted again (with the newest key)."""

    await execute(
        session,
        update(installations)
        .where(installations.c.id == installation_id)
        .values(bot_token=bot_token, bot_refresh_token=bot_refresh_token),
    )


# -- OAuth states ---------------------------------------------------------------------------


async def add_state(session: AsyncSession, state: str, expires_at: datetime) -> None:
    session.add(SlackOAuthState(state=state, expires_at=expires_at))
    await session.flush()


async def consume_state(session: AsyncSession, state: str, now: datetime) -> bool:
    """Use a state once: True when it was issued and has not expired (it is gone either way).

    States past their time are swept on the way, so the table holds only live ones.
    """

    result = await execute(
        session,
        delete(states).where(states.c.state == state, states.c.expires_at > now),
    )
    await execute(session, delete(states).where(states.c.expires_at <= now))
    return bool(result.rowcount == 1)
