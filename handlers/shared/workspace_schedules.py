"""A schedule every workspace has, made the first time anyone there uses Convene.

The monthly digest's planning and the daily retention prune each need one
schedule a workspace, without a convener doing anything. A keeper runs after
every handled event; a workspace seen with its schedule is remembered for the
life of the app, so the read is made once per workspace, not once per event
(the event path stays as short as it was). One made in this event is not
remembered until a later event sees it committed.
"""

from __future__ import annotations

from bot.context import Context
from handlers.shared.members import workspace_id
from storage.repositories import reports as reports_repo
from storage.repositories import schedules as schedules_repo


class WorkspaceScheduleKeeper:
    """Make each workspace's ``job`` schedule (``cron`` in UTC) when first used."""

    def __init__(self, job: str, cron: str, *, grace_minutes: int) -> None:
        self.job = job
        self.cron = cron
        self.grace_minutes = grace_minutes
        self.scheduled: set[int] = set()

    async def __call__(self, context: Context) -> None:
        wid = workspace_id(context)
        if wid in self.scheduled:
            return
        if await reports_repo.has_schedule(context.session, wid, self.job):
            self.scheduled.add(wid)
            return
        await schedules_repo.create(
            context.session,
            workspace_id=wid,
            job=self.job,
            cron=self.cron,
            timezone="UTC",
            now=context.now,
            grace_minutes=self.grace_minutes,
        )
