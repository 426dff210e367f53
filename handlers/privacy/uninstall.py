"""A workspace that uninstalls Convene: nothing more goes to it, and its data goes later.

When the platform says Convene was removed (Slack's ``app_uninstalled``, or the
bot's token revoked: either first, either twice), in one transaction:

- the workspace's Slack installation (its tokens) is deleted, if the adapter
  had not already done so on receipt;
- ``uninstalled_at`` is set: its schedules and timers no longer run
  (``storage.repositories.schedules.active`` and ``timers`` leave it out);
- messages still waiting for it in the outbox are given up (nothing can reach it);
- a timer is set for the end of ``[privacy] uninstalled_grace_days``, when
  the workspace and everything of it is deleted (its outbox rows too).

Installed again before then, ``uninstalled_at`` is cleared (by the
installation store, or the adapter finding its token works again) and
everything resumes; the timer then finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context, JobContext
from bot.events import WorkspaceUninstalled
from bot.registry import Registry
from storage.models import Workspace
from storage.repositories import slack_installations as installations_repo
from storage.repositories import timers as timers_repo
from storage.repositories import workspaces as workspaces_repo

log = logging.getLogger("convene.privacy")

DELETE_JOB = "privacy.delete" + timers_repo.AFTER_UNINSTALL
"""The timer at the end of the grace period (it fires although the workspace is uninstalled)."""
GIVEN_UP = "not sent: Convene was uninstalled from this workspace"


def grace(context: Context | JobContext) -> timedelta:
    return timedelta(days=context.settings.privacy.uninstalled_grace_days)


async def on_uninstalled(context: Context) -> None:
    event = context.event
    assert isinstance(event, WorkspaceUninstalled)
    session = context.session
    if event.platform == "slack":
        await installations_repo.delete_installation(session, event.workspace_id)
    workspace = await workspaces_repo.mark_uninstalled(
        session, event.platform, event.workspace_id, context.now
    )
    if workspace is None or workspace.id is None or workspace.uninstalled_at is None:
        return
    given_up = await workspaces_repo.cancel_pending_messages(
        session, event.platform, event.workspace_id, GIVEN_UP
    )
    await _delete_later(context, workspace)
    log.info(
        "workspace %s (%s) uninstalled Convene (%s); waiting messages given up: %d; its "
        "data is deleted on %s unless it is installed again",
        event.workspace_id,
        event.platform,
        event.reason,
        given_up,
        f"{workspace.uninstalled_at + grace(context):%Y-%m-%d %H:%M} UTC",
    )


async def _delete_later(context: Context | JobContext, workspace: Workspace) -> None:
    """The timer that deletes the workspace once its grace period is over (one per
    uninstall: its key names the moment it was uninstalled)."""

    assert workspace.id is not None and workspace.uninstalled_at is not None
    due = workspace.uninstalled_at + grace(context)
    await timers_repo.add_many(
        context.session,
        workspace_id=workspace.id,
        job=DELETE_JOB,
        subject_id=None,
        items=[
            timers_repo.NewTimer(
                key=f"uninstalled:{workspace.id}:{workspace.uninstalled_at:%Y%m%dT%H%M%S}:{due:%Y%m%d}",
                due_at=due,
            )
        ],
    )


async def delete_after_grace(context: JobContext) -> None:
    """The grace period is over: delete the workspace, unless it came back.

    A grace period made longer since the uninstall is honoured: the deletion is
    put off to its new end.
    """

    workspace = context.workspace
    if workspace.uninstalled_at is None:
        return  # installed again in time: everything stays
    if workspace.uninstalled_at + grace(context) > context.now:
        await _delete_later(context, workspace)
        return
    await workspaces_repo.delete_everything(context.session, workspace)
    log.info(
        "deleted workspace %s (%s) and all its data: uninstalled on %s, not installed again",
        workspace.external_id,
        workspace.platform,
        f"{workspace.uninstalled_at:%Y-%m-%d}",
    )


def register(registry: Registry) -> None:
    registry.event(WorkspaceUninstalled, on_uninstalled)
    registry.job(DELETE_JOB, delete_after_grace)
