"""Retention: every night, what members wrote more than ``retain_answers_months`` ago goes.

Words matter to a team for a season, not for ever, and a store that keeps
everything is a store that leaks everything one day. So each workspace gets
a daily schedule (``privacy.prune``, 03:00 UTC), made the first time anyone
there uses Convene, as the monthly digest's is (``WorkspaceScheduleKeeper``
after every handled event: one indexed read, once per workspace per process).
Each firing prunes that workspace in the slot's one transaction
(``storage.repositories.retention``) and notes when and what, for
``/convene status``.

A slot runs once whatever the number of instances (the scheduler's unique
slot claim); a second prune the same UTC day (a slot replayed late after a
restart, say) does nothing, so the status keeps the day's real counts.
``retain_answers_months = 0`` keeps everything: the job then does nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC

from bot.context import JobContext
from bot.registry import Registry
from handlers.shared.workspace_schedules import WorkspaceScheduleKeeper
from storage.repositories import retention as retention_repo

log = logging.getLogger("convene.retention")

PRUNE_JOB = "privacy.prune"
PRUNE_CRON = "0 3 * * *"
PRUNE_GRACE_MINUTES = 20 * 60
"""A prune missed while Convene was down still runs, up to 20 hours late (not twice a day)."""


async def prune_job(context: JobContext) -> None:
    """Delete this workspace's words older than the retention period, and note it."""

    months = context.settings.privacy.retain_answers_months
    if months <= 0:
        return
    wid = context.workspace.id
    assert wid is not None
    now = context.now
    last = await retention_repo.pruned_on(context.session, wid)
    if last is not None and last.astimezone(UTC).date() == now.astimezone(UTC).date():
        log.debug("workspace %s was pruned already today; nothing to do", wid)
        return
    before = retention_repo.months_before(now, months)
    pruned = await retention_repo.prune(context.session, context.workspace, before=before)
    await retention_repo.record(context.session, wid, now, pruned)
    counts = pruned.as_counts()
    # A day with nothing old enough is the usual day: it is not news in the log.
    log.log(
        logging.INFO if any(counts.values()) else logging.DEBUG,
        "pruned workspace %s of what was written before %s: %s",
        wid,
        before.isoformat(),
        ", ".join(f"{count} {kind}" for kind, count in counts.items()),
    )


def register(registry: Registry) -> None:
    registry.job(PRUNE_JOB, prune_job)
    registry.afterwards(
        WorkspaceScheduleKeeper(PRUNE_JOB, PRUNE_CRON, grace_minutes=PRUNE_GRACE_MINUTES)
    )
