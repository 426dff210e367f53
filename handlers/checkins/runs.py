"""A check-in run's life: opened once, each member asked at their own time, closed.

Times are each member's own. A run for a date opens when that date's ask
time first arrives anywhere on Earth (UTC+14, ``EARLIEST_ZONE``), from the
check-in's recurring schedule. Opening plans one prompt per member, with the
moments to ask, remind and close read in that member's time zone, and adds a
one-off timer for each distinct moment. Each timer ``advance``s the run: it
asks whoever is due, reminds whoever has not answered (once), and closes what
is over. Every message has a key built from the run and the member, so a
replayed timer, a restart or a second instance sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import ChannelMember
from bot.context import Context, JobContext
from bot.fanout import MessageShape, send_prepared
from bot.markup import plain
from bot.messages import Button, OutgoingMessage, Target
from bot.outbox import Outbox
from handlers.checkins import privacy, private_close
from handlers.checkins.templates import SCALE_HIGH, SCALE_LOW, is_scale
from handlers.shared import upcoming
from handlers.shared.checkin_hooks import RUN_CLOSED, RunClosed
from handlers.shared.zones import zone_named
from storage.models import Checkin, CheckinRun, Member, Workspace
from storage.repositories import audience as audience_repo
from storage.repositories import checkins as checkins_repo
from storage.repositories import timers as timers_repo
from storage.repositories.audience import Person

log = logging.getLogger("convene.checkins")

OPEN_JOB = "checkin.open"
TICK_JOB = "checkin.tick"
EARLIEST_ZONE = "Pacific/Kiritimati"
"""UTC+14 all year: the first place where any date's 09:00 arrives."""
MANUAL_RUN_LEAST_OPEN = timedelta(hours=3)
OPEN_GRACE_MINUTES = 26 * 60
"""A run's opening missed while Convene was down still happens this late: the
day's ask reaches the last time zones 26 hours after the first, and members
whose day is not over are still asked (late, but once)."""

ChannelLister = Callable[[str], Awaitable[list[ChannelMember]]]
Closed = Callable[[Checkin, CheckinRun], Awaitable[None]]
"""Tells the other jobs a run has closed (``announcer``), in the closing transaction."""


# -- keys ---------------------------------------------------------------------------------


def root_key(run_id: int) -> str:
    return f"checkin-run:{run_id}:root"


def answer_key(run_id: int, member_id: int) -> str:
    return f"checkin-run:{run_id}:answer:{member_id}"


def thread_of(checkin: Checkin, run_id: int) -> Target:
    return Target.thread(checkin.channel_id, root_key=root_key(run_id))


# -- time ---------------------------------------------------------------------------------


def zone_of(checkin: Checkin, member_timezone: str | None) -> ZoneInfo:
    try:
        return zone_named(member_timezone or checkin.timezone)
    except (ValueError, KeyError):
        return zone_named(checkin.timezone)


def local_moment(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """``minutes`` after midnight of ``day`` on the wall clock of ``zone``, in UTC."""

    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def ask_minute(checkin: Checkin) -> int:
    return checkin.hour * 60 + checkin.minute


def runs_on(checkin: Checkin, day: date) -> bool:
    """Whether the check-in has a run on this local date (its days, every N weeks)."""

    if str(day.weekday()) not in checkin.weekdays.split(","):
        return False
    anchor = checkin.anchor_at.astimezone(zone_named(checkin.timezone)).date()
    weeks = (day - timedelta(days=day.weekday())) - (anchor - timedelta(days=anchor.weekday()))
    return (weeks.days // 7) % checkin.every_weeks == 0


def next_asks(
    checkin: Checkin, zone: ZoneInfo, after: datetime, count: int = upcoming.SHOWN
) -> list[datetime]:
    """A member's next ask times after ``after`` (UTC), in ``zone``; none while paused.

    Each run date is a date on the member's own calendar, asked at the
    check-in's time of day on their own clock (``plan``), on the days and
    weeks ``runs_on`` takes.
    """

    if checkin.status != checkins_repo.ACTIVE:
        return []
    at = time(checkin.hour, checkin.minute)
    return upcoming.next_times(lambda day: runs_on(checkin, day), at, zone, after, count)


def next_ask(checkin: Checkin, zone: ZoneInfo, after: datetime) -> datetime | None:
    """A member's next ask time after ``after`` (UTC), or None for a paused check-in."""

    found = next_asks(checkin, zone, after, 1)
    return found[0] if found else None


def day_text(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def when_text(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{day_text(local.date())} at {local:%H:%M}"


def close_words(close_at: datetime, zone: ZoneInfo) -> str:
    """When a member's prompt closes, in their words: "the end of your day" or "17:00 your time"."""

    local = close_at.astimezone(zone)
    if local.hour == 0 and local.minute == 0:
        return "the end of your day"
    return f"{local:%H:%M} your time"


def next_text(checkin: Checkin, zone: ZoneInfo, after: datetime) -> str:
    upcoming = next_ask(checkin, zone, after)
    if upcoming is None:
        return "There is no next one planned while the check-in is paused."
    return f"The next one is on {when_text(upcoming, zone)}."


# -- opening a run --------------------------------------------------------------------------


async def audience(
    session: AsyncSession,
    *,
    workspace: Workspace,
    checkin: Checkin,
    now: datetime,
    list_channel: ChannelLister,
    channel_membership: bool = True,
) -> list[Person]:
    """Who a run asks: the channel's people (less those who left) or those who joined.

    Where the platform has no channel membership (the shell), the channel's
    people are every member of the workspace. Read as plain rows
    (``audience_repo.Person``): a channel may hold tens of thousands.
    """

    assert checkin.id is not None and workspace.id is not None
    if checkin.audience == "joined":
        return await audience_repo.with_choice(session, checkin.id, checkins_repo.JOINED)
    if channel_membership:
        listed = [m for m in await list_channel(checkin.channel_id) if not m.is_bot]
        people = await audience_repo.ensure_listed(session, workspace.id, listed, now)
    else:
        people = await audience_repo.of_workspace(session, workspace.id)
    left = await audience_repo.ids_with_choice(session, checkin.id, checkins_repo.LEFT)
    return [person for person in people if person.id not in left] if left else people


async def audience_here(context: Context | JobContext, checkin: Checkin) -> list[Person]:
    """``audience`` with what a command's or a job's context knows."""

    return await audience(
        context.session,
        workspace=context.workspace,
        checkin=checkin,
        now=context.now,
        list_channel=context.channel_members,
        channel_membership=context.capabilities.channel_membership,
    )


class Someone(Protocol):
    """A member as planning needs them: a ``Member`` row or an ``audience_repo.Person``."""

    @property
    def id(self) -> int | None: ...
    @property
    def timezone(self) -> str | None: ...


Moments = tuple[datetime, datetime | None, datetime]
"""When to ask, remind and close."""


class Planner:
    """``plan`` for many members of one run at one moment: each time zone worked out once."""

    def __init__(self, checkin: Checkin, run: CheckinRun, now: datetime) -> None:
        self.checkin, self.run, self.now = checkin, run, now
        self._by_zone: dict[str | None, Moments] = {}

    def moments(self, timezone: str | None) -> Moments:
        found = self._by_zone.get(timezone)
        if found is None:
            found = self._by_zone[timezone] = _moments(
                self.checkin, self.run, zone_of(self.checkin, timezone), self.now
            )
        return found

    def zones_planned(self) -> list[Moments]:
        """The moments of every time zone planned so far."""

        return list(self._by_zone.values())

    def prompt(self, member: Someone) -> checkins_repo.NewPrompt:
        assert member.id is not None
        due, remind, close = self.moments(member.timezone)
        return checkins_repo.NewPrompt(member.id, due, remind, close)


def plan(
    checkin: Checkin, run: CheckinRun, member: Someone, now: datetime
) -> checkins_repo.NewPrompt:
    """When to ask, remind and close for one member in one run."""

    return Planner(checkin, run, now).prompt(member)


def _moments(checkin: Checkin, run: CheckinRun, zone: ZoneInfo, now: datetime) -> Moments:
    delay = timedelta(minutes=checkin.remind_after_minutes)
    if run.manual:
        due = now
        close = max(
            local_moment(now.astimezone(zone).date(), checkin.closes_minute, zone),
            now + delay + MANUAL_RUN_LEAST_OPEN,
        )
    else:
        day = date.fromisoformat(run.run_date)
        due = max(local_moment(day, ask_minute(checkin), zone), now)
        close = local_moment(day, checkin.closes_minute, zone)
    remind = due + delay if checkin.remind_after_minutes and due + delay < close else None
    return due, remind, close


def current_run_day(checkin: Checkin, now: datetime) -> date | None:
    """The run date whose opening slot has passed and whose asks may still be ahead.

    A check-in created (or resumed) after its day's run opened somewhere on
    Earth still owes that run to the members whose 09:00 has not come yet.
    """

    today = now.astimezone(zone_named(EARLIEST_ZONE)).date()
    for day in (today, today - timedelta(days=1)):
        opening = local_moment(day, ask_minute(checkin), zone_named(EARLIEST_ZONE))
        if runs_on(checkin, day) and opening <= now:
            return day
    return None


async def open_run(
    session: AsyncSession,
    *,
    workspace: Workspace,
    checkin: Checkin,
    day: date,
    members: Sequence[Someone],
    now: datetime,
    outbox: Outbox,
    manual: bool = False,
    closed: Closed | None = None,
) -> CheckinRun:
    """Open the run for ``day`` (once: an existing run is returned as it is).

    Every opening is logged here, whichever path opened it (the schedule, a
    check-in created or resumed after its day began somewhere, ``run now``), so
    the log a convener reads does not depend on the hour a command was typed.
    """

    assert checkin.id is not None
    existing = await checkins_repo.run_on(session, checkin.id, day.isoformat())
    if existing is not None:
        return existing
    run = await checkins_repo.add_run(
        session,
        CheckinRun(
            checkin_id=checkin.id,
            run_date=day.isoformat(),
            questions=list(checkin.questions),
            manual=manual,
            opened_at=now,
        ),
    )
    await add_members(
        session, workspace=workspace, checkin=checkin, run=run, members=members, now=now
    )
    await advance(session, checkin=checkin, run=run, now=now, outbox=outbox, closed=closed)
    log.info(
        "check-in %s opened run %s for %s: %d members%s",
        checkin.id,
        run.id,
        day,
        len(members),
        " (run now)" if manual else "",
    )
    return run


async def add_members(
    session: AsyncSession,
    *,
    workspace: Workspace,
    checkin: Checkin,
    run: CheckinRun,
    members: Sequence[Someone],
    now: datetime,
) -> int:
    """Plan prompts for members (skipping any whose day is already over); returns how many."""

    assert run.id is not None and workspace.id is not None
    planner = Planner(checkin, run, now)
    planned = [p for p in map(planner.prompt, members) if p.close_at > now]
    await checkins_repo.add_prompts(session, run.id, planned)
    moments: set[datetime] = set()
    for due, remind, close in planner.zones_planned():
        if close > now:
            moments |= {due, close} if remind is None else {due, remind, close}
    await timers_repo.add_many(
        session,
        workspace_id=workspace.id,
        job=TICK_JOB,
        subject_id=run.id,
        items=[
            timers_repo.NewTimer(f"checkin-run:{run.id}:at:{m.isoformat()}", m)
            for m in sorted(moments)
        ],
    )
    return len(planned)


async def replan_member(
    session: AsyncSession, *, workspace: Workspace, member: Member, now: datetime
) -> int:
    """A member changed time zone: move their prompts not yet asked to their new 09:00.

    Returns how many prompts moved. Prompts already asked keep their close.
    """

    assert member.id is not None and workspace.id is not None
    moved = 0
    for item in await checkins_repo.prompts_of_member(session, member.id, (checkins_repo.PENDING,)):
        if item.run.status != checkins_repo.OPEN or item.run.manual:
            continue
        fresh = plan(item.checkin, item.run, member, now)
        item.prompt.due_at = fresh.due_at
        item.prompt.remind_at = fresh.remind_at
        item.prompt.close_at = fresh.close_at
        await checkins_repo.save_prompt(session, item.prompt)
        await timers_repo.add_many(
            session,
            workspace_id=workspace.id,
            job=TICK_JOB,
            subject_id=item.run.id,
            items=[
                timers_repo.NewTimer(f"checkin-run:{item.run.id}:at:{m.isoformat()}", m)
                for m in (fresh.due_at, fresh.remind_at, fresh.close_at)
                if m is not None
            ],
        )
        moved += 1
    return moved


# -- advancing a run ------------------------------------------------------------------------


def questions_text(questions: Sequence[dict[str, object]]) -> str:
    lines = []
    for number, question in enumerate(questions, start=1):
        hint = f" ({SCALE_LOW} to {SCALE_HIGH})" if is_scale(question) else ""
        lines.append(f"{number}. {question['text']}{hint}")
    return "\n".join(lines)


def _answer_buttons(run: str) -> tuple[Button, ...]:
    return (
        Button("Answer", "checkin.answer", run, "primary"),
        Button("Skip this time", "checkin.skip", run),
    )


async def advance(
    session: AsyncSession,
    *,
    checkin: Checkin,
    run: CheckinRun,
    now: datetime,
    outbox: Outbox,
    closed: Closed | None = None,
) -> None:
    """Ask who is due, remind who has waited, close what is over (all idempotent)."""

    assert run.id is not None and checkin.id is not None
    if run.status != checkins_repo.OPEN:
        return
    run_day = date.fromisoformat(run.run_date)
    goes: str | None = None  # "Your answers go to: ...", read once for every prompt
    await checkins_repo.expire_due(session, run.id, now)
    skipping = await checkins_repo.skipping(session, checkin.id, run.run_date)
    if skipping:
        skipped = await checkins_repo.skip_due(session, run.id, now, list(skipping))
        await checkins_repo.clear_skip_next(
            session, checkin.id, [m for m in skipped if skipping[m] == "next"]
        )
    asked = await checkins_repo.ask_due(session, run.id, now)
    if asked:
        goes = await privacy.goes_to_line(session, checkin)
        await outbox.send(
            root_key(run.id),
            OutgoingMessage(Target.channel(checkin.channel_id), _root_text(checkin, run)),
        )
        ask_texts = _TextsByClose(
            checkin,
            lambda until: _ask_text(checkin, run, run_day, until, goes or ""),
        )
        await _send_dms(outbox, run.id, "ask", asked, ask_texts)
    remind = await checkins_repo.remind_due(session, run.id, now)
    if remind:
        goes = goes or await privacy.goes_to_line(session, checkin)
        remind_texts = _TextsByClose(
            checkin,
            lambda until: (
                f"A gentle reminder: *{plain(checkin.name)}* for {day_text(run_day)} is "
                f"still open until {until}. This is the only reminder.\n{goes}"
            ),
        )
        await _send_dms(outbox, run.id, "remind", remind, remind_texts)
    await checkins_repo.miss_past_close(session, run.id, now)
    await _close_if_over(session, checkin=checkin, run=run, now=now, outbox=outbox, closed=closed)


ASK = MessageShape(
    lambda member, text, run: OutgoingMessage(Target.dm(member), text, _answer_buttons(run)),
    "member",
    "text",
    "run",
)
"""A prompt or its reminder (``_answer_buttons``), serialised once for the whole run."""


async def _send_dms(
    outbox: Outbox,
    run_id: int,
    kind: str,
    items: Sequence[checkins_repo.PromptWork],
    texts: _TextsByClose,
) -> None:
    """A prompt or reminder (``kind``) to each member, with the Answer buttons, in bulk."""

    await send_prepared(
        outbox,
        (
            ASK.row(
                f"checkin-run:{run_id}:{kind}:{item.member_id}",
                member=item.platform_user_id,
                text=texts.of(item),
                run=str(run_id),
            )
            for item in items
        ),
    )


class _TextsByClose:
    """A DM's text for each close time and time zone, written once for all who share them."""

    def __init__(self, checkin: Checkin, write: Callable[[str], str]) -> None:
        self.checkin, self.write = checkin, write
        self._texts: dict[tuple[datetime, str | None], str] = {}

    def of(self, item: checkins_repo.PromptWork) -> str:
        key = (item.close_at, item.timezone)
        text = self._texts.get(key)
        if text is None:
            until = close_words(item.close_at, zone_of(self.checkin, item.timezone))
            text = self._texts[key] = self.write(until)
        return text


def announcer(context: Context | JobContext) -> Closed:
    """How a command's or a job's context tells the other jobs a run closed (``RUN_CLOSED``)."""

    async def closed(checkin: Checkin, run: CheckinRun) -> None:
        await context.announce(RUN_CLOSED, RunClosed(context.workspace, checkin, run))

    return closed


async def _close_if_over(
    session: AsyncSession,
    *,
    checkin: Checkin,
    run: CheckinRun,
    now: datetime,
    outbox: Outbox,
    closed: Closed | None = None,
) -> None:
    assert run.id is not None
    latest = await checkins_repo.latest_close(session, run.id)
    if latest is not None and latest > now:
        return
    run.status = checkins_repo.CLOSED
    run.closed_at = now
    checkins_repo.stage(session, run)
    counts = await checkins_repo.status_counts(session, run.id)
    asked = sum(counts.get(s, 0) for s in (checkins_repo.ANSWERED, checkins_repo.MISSED))
    answered = counts.get(checkins_repo.ANSWERED, 0)
    if asked and checkin.answers_to != checkins_repo.SUMMARY:  # a summary says it itself
        rate = f" ({round(100 * answered / asked)}%)"
        await outbox.send(
            f"checkin-run:{run.id}:closed",
            OutgoingMessage(
                thread_of(checkin, run.id),
                f"This check-in is closed: {answered} of {asked} answered{rate}. Thank you!",
            ),
        )
    await private_close.send_close(
        session,
        checkin=checkin,
        run=run,
        asked=asked,
        outbox=outbox,
        thread=thread_of(checkin, run.id),
    )
    log.info("check-in run %s closed: %d of %d answered", run.id, answered, asked)
    if closed is not None:
        await closed(checkin, run)


def _root_text(checkin: Checkin, run: CheckinRun) -> str:
    day = date.fromisoformat(run.run_date)
    if checkin.answers_to == checkins_repo.CONVENERS:
        where = "answers go to the conveners only, not to this thread"
    elif checkin.answers_to == checkins_repo.SUMMARY:
        where = "at the close, this thread gets a summary that names nobody"
    else:
        where = "answers arrive in this thread as people reply"
    return f"*{plain(checkin.name)}* for {day_text(day)}: {where}.\n{questions_text(run.questions)}"


def _ask_text(checkin: Checkin, run: CheckinRun, day: date, until: str, goes: str) -> str:
    return (
        f"Time for *{plain(checkin.name)}* (#{checkin.channel_name}), {day_text(day)}:\n"
        f"{questions_text(run.questions)}\n"
        f"Press Answer, or reply here with one answer a message (skip or - passes over "
        f"a question). Open until {until}.\n{goes}"
    )


# -- schedule and timer jobs ----------------------------------------------------------------


async def open_job(context: JobContext) -> None:
    checkin = await checkins_repo.get(context.session, context.subject_id or 0)
    if checkin is None or checkin.status != checkins_repo.ACTIVE:
        return
    day = context.slot.astimezone(zone_named(EARLIEST_ZONE)).date()
    if not runs_on(checkin, day):
        return
    members = await audience_here(context, checkin)
    await open_run(
        context.session,
        workspace=context.workspace,
        checkin=checkin,
        day=day,
        members=members,
        now=context.now,
        outbox=context.outbox,
        closed=announcer(context),
    )


async def tick_job(context: JobContext) -> None:
    run = await checkins_repo.run(context.session, context.subject_id or 0)
    if run is None:
        return
    checkin = await checkins_repo.get(context.session, run.checkin_id)
    if checkin is None:
        return
    await advance(
        context.session,
        checkin=checkin,
        run=run,
        now=context.now,
        outbox=context.outbox,
        closed=announcer(context),
    )
