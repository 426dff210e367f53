"""The monthly digest: on the 1st at 09:00 their own time, each convener gets last month's report.

On by default, off for the whole workspace with ``/convene digest off``.
How it is sure to come once, without a convener doing anything:

* every workspace gets one schedule, made the first time anyone there uses
  Convene (``WorkspaceScheduleKeeper`` runs after every handled event; when the
  schedule exists, as it nearly always does, that is one indexed read);
* the schedule fires at 00:00 UTC on the 28th (before 1 o'clock on the 1st
  anywhere on Earth, UTC+14 included) and plans one timer per convener at
  09:00 on the 1st in the convener's own zone (UTC when they set none);
* each timer sends that convener's DM with last month (read in their zone)
  summed up as ``/convene report`` would, and the Markdown report attached.

The schedule's slot is claimed once whatever the number of instances, each
timer is claimed once, its key is one per convener and month, and the DM's
idempotency key is the same, so a replay or a second instance sends nothing
twice. Whether the digest is on, and whether the member is still a convener,
is read when the timer fires, so turning it off (or back on) before the 1st
takes effect that month. A convener who joins after the 28th gets their first
digest the month after. The first digest is for the first whole month
Convene was in the workspace: a digest of its first few days would say little.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context, JobContext
from bot.messages import FileAttachment, OutgoingMessage, Target
from bot.registry import Registry
from handlers.landscape.report_data import Report, Scope, gather
from handlers.landscape.report_text import markdown, summary_lines
from handlers.landscape.tables import CONTENT_TYPES
from handlers.shared.members import workspace_id
from handlers.shared.workspace_schedules import WorkspaceScheduleKeeper
from handlers.shared.zones import zone_named
from storage.models import Member
from storage.repositories import members as members_repo
from storage.repositories import timers as timers_repo
from storage.repositories import workspace_settings as settings_repo

log = logging.getLogger("convene.digest")

GROUP = "Landscape (conveners)"
DIGEST = "/convene digest [on|off]"
PLAN_JOB = "landscape.digest.plan"
SEND_JOB = "landscape.digest.send"
PLAN_CRON = "0 0 28 * *"
PLAN_GRACE_MINUTES = 3 * 24 * 60
"""A planning missed while Convene was down still plans, up to three days late."""
DIGEST_HOUR = 9
MOST_LATE = timedelta(days=3)
"""A digest more than this late (Convene was down on the 1st) is skipped, not sent stale."""


def first_of_next_month(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def first_of_digest_month(slot: datetime) -> date:
    """The 1st a digest timer is for: its slot is 09:00 on the 1st somewhere between UTC-12
    and UTC+14, so a day later in UTC always falls in that month."""

    later = (slot + timedelta(days=1)).astimezone(UTC).date()
    return later.replace(day=1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def zone_of(member: Member) -> str:
    return member.timezone or "UTC"


def digest_moment(first: date, zone_name: str) -> datetime:
    """09:00 on the 1st in the convener's zone, in UTC."""

    return datetime.combine(first, time(DIGEST_HOUR), tzinfo=zone_named(zone_name)).astimezone(UTC)


def digest_key(workspace_id: int, member_id: int, first: date) -> str:
    return f"digest:{workspace_id}:{member_id}:{first:%Y-%m}"


async def plan_job(context: JobContext) -> None:
    """On the 28th: a timer for each convener at 09:00 on the 1st, their time."""

    wid = context.workspace.id
    assert wid is not None
    first = first_of_next_month(context.slot)
    month = previous_month(first)
    if context.workspace.created_at >= datetime.combine(month, time(0), tzinfo=UTC):
        return  # Convene arrived during that month: the first digest is for a whole month
    for convener in await members_repo.conveners(context.session, wid):
        assert convener.id is not None
        await timers_repo.add_many(
            context.session,
            workspace_id=wid,
            job=SEND_JOB,
            subject_id=convener.id,
            items=[
                timers_repo.NewTimer(
                    digest_key(wid, convener.id, first), digest_moment(first, zone_of(convener))
                )
            ],
        )


def _quiet(report: Report) -> bool:
    """Nothing happened in the month and nothing waits: no check-in run, round, story,
    commitment made or closed, retro, nor a commitment overdue."""

    figures = report.commitments
    return not (
        report.runs
        or report.rounds
        or report.stories
        or report.retros
        or figures.made
        or figures.done
        or figures.dropped
        or figures.overdue
    )


async def send_job(context: JobContext) -> None:
    """Send one convener last month's digest, if it is still wanted and not stale."""

    wid = context.workspace.id
    assert wid is not None
    member = (
        await members_repo.get(context.session, context.subject_id)
        if context.subject_id is not None
        else None
    )
    if member is None or member.workspace_id != wid or not member.is_convener:
        return
    if not await settings_repo.digest_enabled(context.session, wid):
        return
    if context.now - context.slot > MOST_LATE:
        log.warning(
            "skipped the monthly digest due at %s for member %s: Convene was down until %s",
            context.slot.isoformat(),
            member.id,
            context.now.isoformat(),
        )
        return
    first = first_of_digest_month(context.slot)
    month = previous_month(first)
    zone = zone_named(zone_of(member))
    scope = Scope(
        since=datetime.combine(month, time(0), tzinfo=zone).astimezone(UTC),
        until=datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
    )
    report = await gather(context.session, wid, context.workspace.name, scope, context.now)
    if _quiet(report):
        return  # a month with nothing in it is not worth a message
    lines = "\n".join(f"• {line}" for line in summary_lines(report))
    text = (
        f"*Your monthly Convene digest: {month:%B %Y}*\n{lines}\n"
        "The full report is attached. For other periods: /convene report --since 6mo. "
        "To stop this digest for every convener: /convene digest off"
    )
    assert member.id is not None
    await context.outbox.send(
        digest_key(wid, member.id, first),
        OutgoingMessage(
            Target.dm(member.platform_user_id),
            text,
            files=(
                FileAttachment(
                    f"convene-report-{month:%Y-%m}.md",
                    CONTENT_TYPES["md"],
                    markdown(report).encode("utf-8"),
                    title=f"Convene report, {month:%B %Y}",
                ),
            ),
        ),
    )


async def digest_command(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    asked = (args.get("state") or "").strip().lower()
    enabled = await settings_repo.digest_enabled(context.session, wid)
    what = (
        "on the 1st of each month at 09:00 their own time, each convener gets last month's "
        "summary and report in a DM"
    )
    if not asked:
        state = "on" if enabled else "off"
        change = "/convene digest off" if enabled else "/convene digest on"
        await context.reply(f"The monthly digest is {state} ({what}). To change it: {change}")
        return
    wanted = asked == "on"
    if wanted == enabled:
        await context.reply(f"The monthly digest was already {asked}; nothing changed.")
        return
    await settings_repo.set_digest_enabled(context.session, wid, wanted)
    if wanted:
        await context.reply(f"The monthly digest is on again: {what}.")
    else:
        await context.reply(
            "The monthly digest is off for every convener. Turn it back on with /convene digest on"
        )


DIGEST_COMMAND = CommandSpec(
    path=("convene", "digest"),
    handler=digest_command,
    summary="Turn the monthly digest to conveners on or off (on by default).",
    usage=DIGEST,
    example="/convene digest off",
    params=(Positional("state", required=False, choices=("on", "off")),),
    convener_only=True,
    group=GROUP,
)


def register(registry: Registry) -> None:
    registry.command(DIGEST_COMMAND)
    registry.job(PLAN_JOB, plan_job)
    registry.job(SEND_JOB, send_job)
    registry.afterwards(
        WorkspaceScheduleKeeper(PLAN_JOB, PLAN_CRON, grace_minutes=PLAN_GRACE_MINUTES)
    )
