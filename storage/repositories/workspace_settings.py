"""A workspace's own preferences (``WorkspaceSettings``): one row, made when first changed.

A workspace without a row has the defaults, so reading costs one primary-key
lookup and nothing is written until a convener changes something.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import WorkspaceSettings

DATE_ORDERS = ("dmy", "mdy")
DEFAULT_DATE_ORDER = "dmy"


async def get(session: AsyncSession, workspace_id: int) -> WorkspaceSettings:
    """The workspace's settings; the defaults (not yet stored) when it has changed none."""

    found = await session.get(WorkspaceSettings, workspace_id)
    return found if found is not None else WorkspaceSettings(workspace_id=workspace_id)


async def date_order(session: AsyncSession, workspace_id: int) -> str:
    """ "dmy" (31/12, the default) or "mdy" (12/31)."""

    order = (await get(session, workspace_id)).date_order
    return order if order in DATE_ORDERS else DEFAULT_DATE_ORDER


async def set_date_order(session: AsyncSession, workspace_id: int, order: str) -> None:
    if order not in DATE_ORDERS:
        raise ValueError(f"date order {order!r} is not one of {DATE_ORDERS}")
    settings = await get(session, workspace_id)
    settings.date_order = order
    session.add(settings)
    await session.flush()


async def digest_enabled(session: AsyncSession, workspace_id: int) -> bool:
    """Whether conveners get the monthly digest (on unless one of them turned it off)."""

    return bool((await get(session, workspace_id)).digest_enabled)


async def set_digest_enabled(session: AsyncSession, workspace_id: int, enabled: bool) -> None:
    settings = await get(session, workspace_id)
    settings.digest_enabled = enabled
    session.add(settings)
    await session.flush()
