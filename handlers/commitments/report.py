"""The convener's view of commitments: open, overdue and done on time, by owner and silo.

"Overdue" means the due date has passed where the owner is: the counts come
from one grouped query, and only commitments due within a day of today (where
time zones disagree) are looked at one by one.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.commands import Args
from bot.context import Context
from bot.errors import UserError
from bot.markup import plain
from handlers.shared.channels import channel_id, channel_shown
from handlers.shared.dates import due_text
from handlers.shared.text import plural, table
from handlers.shared.zones import zone_named
from storage.repositories import commitments as commitments_repo
from storage.repositories import members as members_repo
from storage.repositories import silos as silos_repo

GROUP = "Commitments (conveners)"
USAGE = "/convene commitments [--overdue] [--silo NAME] [--channel #CHANNEL]"
MOST_ROWS = 25


def _overdue(rows: list[commitments_repo.Row], now: datetime) -> list[commitments_repo.Row]:
    """The rows whose due date has passed in their owner's own zone."""

    kept = []
    todays: dict[str | None, str] = {}
    for row in rows:
        assert row.due_on is not None
        today = todays.get(row.owner_timezone)
        if today is None:
            today = now.astimezone(zone_named(row.owner_timezone or "UTC")).date().isoformat()
            todays[row.owner_timezone] = today
        if row.due_on < today:
            kept.append(row)
    return kept


def latest_today(now: datetime) -> date:
    """The latest date anywhere on Earth now (UTC+14): nothing due on or after it is late."""

    return (now.astimezone(UTC) + timedelta(hours=14)).date()


async def overdue_rows(
    context: Context, silo_id: int | None, channel: str | None
) -> list[commitments_repo.Row]:
    assert context.workspace.id is not None
    candidates = await commitments_repo.active_due_between(
        context.session,
        context.workspace.id,
        None,
        latest_today(context.now).isoformat(),
        silo_id=silo_id,
        channel_id=channel,
    )
    return _overdue(candidates, context.now)


async def overview(context: Context, args: Args) -> None:
    wid = context.workspace.id
    assert wid is not None
    silo_id = None
    scope = []
    if args.get("silo"):
        silo = await silos_repo.find(context.session, wid, args["silo"])
        if silo is None:
            names = ", ".join(await silos_repo.all_names(context.session, wid)) or "none yet"
            raise UserError(
                f"There is no silo {plain(args['silo'])!r}. Silos: {names}.", usage=USAGE
            )
        silo_id = silo.id
        scope.append(f"silo {plain(silo.name)}")
    channel = None
    if args.get("channel"):
        channel = await channel_id(context, args["channel"], USAGE)
        scope.append(f"#{plain(channel_shown(args['channel'], channel))}")
    where = f" ({', '.join(scope)})" if scope else ""
    if args.flag("overdue"):
        # Due before the earliest today on Earth (UTC-12): late wherever its owner is.
        earliest = (context.now.astimezone(UTC) - timedelta(hours=12)).date().isoformat()
        surely = await commitments_repo.count_active_due_before(
            context.session, wid, earliest, silo_id=silo_id, channel_id=channel
        )
        head = await commitments_repo.active_due_between(
            context.session,
            wid,
            None,
            earliest,
            limit=MOST_ROWS,
            silo_id=silo_id,
            channel_id=channel,
        )
        band = _overdue(
            await commitments_repo.active_due_between(
                context.session,
                wid,
                earliest,
                latest_today(context.now).isoformat(),
                silo_id=silo_id,
                channel_id=channel,
            ),
            context.now,
        )
        await context.reply(_overdue_text(head + band, where, context.now, surely + len(band)))
        return
    late = await overdue_rows(context, silo_id, channel)
    counts = await commitments_repo.status_counts_by_owner(
        context.session, wid, silo_id=silo_id, channel_id=channel
    )
    await context.reply(await _summary_text(context, counts, late, where))


def _overdue_text(
    late: list[commitments_repo.Row], where: str, now: datetime, total: int | None = None
) -> str:
    count = len(late) if total is None else total
    if not count:
        return f"Nothing is overdue{where}."
    lines = [f"{plural(count, 'overdue commitment')}{where}, oldest first:"]
    rows = []
    for row in late[:MOST_ROWS]:
        assert row.due_on is not None
        due = date.fromisoformat(row.due_on)
        today = now.astimezone(zone_named(row.owner_timezone or "UTC")).date()
        rows.append(
            [
                str(row.number),
                row.owner_name,
                row.text if len(row.text) <= 40 else row.text[:39] + "…",
                due_text(due, today),
                plural((today - due).days, "day"),
                row.status,
            ]
        )
    lines.append(table(["no.", "owner", "what", "due", "late by", "status"], rows))
    if count > MOST_ROWS:
        lines.append(f"…and {count - MOST_ROWS} more.")
    return "\n".join(lines)


async def _summary_text(
    context: Context,
    counts: dict[tuple[int, str, bool | None], int],
    late: list[commitments_repo.Row],
    where: str,
) -> str:
    if not counts:
        return f"No commitments yet{where}. Members make them with /commit, or at a retro's close."
    open_by: Counter[int] = Counter()
    on_time_by: Counter[int] = Counter()
    late_done_by: Counter[int] = Counter()
    totals: Counter[str] = Counter()
    for (owner, status, was_on_time), n in counts.items():
        totals[status] += n
        if status in commitments_repo.ACTIVE:
            open_by[owner] += n
        elif status == commitments_repo.DONE:
            (on_time_by if was_on_time else late_done_by)[owner] += n
    overdue_by = Counter(row.owner_id for row in late)
    done = totals[commitments_repo.DONE]
    on_time = sum(on_time_by.values())
    active = totals[commitments_repo.OPEN] + totals[commitments_repo.BLOCKED]
    lines = [
        f"Commitments{where}: {active} open ({len(late)} overdue, "
        f"{totals[commitments_repo.BLOCKED]} blocked), {done} done "
        f"({on_time} on time), {totals[commitments_repo.DROPPED]} dropped, "
        f"{totals[commitments_repo.PROPOSED]} waiting to be accepted."
    ]
    owners = sorted(
        set(open_by) | set(on_time_by) | set(late_done_by),
        key=lambda o: (-overdue_by[o], -open_by[o], -on_time_by[o]),
    )
    names = await commitments_repo.owner_names(context.session, owners[:MOST_ROWS])
    silos = await members_repo.silo_names(context.session, owners[:MOST_ROWS])
    rows = [
        [
            names.get(owner, "?"),
            ", ".join(silos.get(owner, [])) or "-",
            str(open_by[owner]),
            str(overdue_by[owner]),
            f"{on_time_by[owner]} of {on_time_by[owner] + late_done_by[owner]}",
        ]
        for owner in owners[:MOST_ROWS]
    ]
    lines.append(table(["owner", "silos", "open", "overdue", "done on time"], rows))
    if len(owners) > MOST_ROWS:
        lines.append(f"…and {len(owners) - MOST_ROWS} more owners.")
    lines.append("Overdue ones, one by one: /convene commitments --overdue")
    return "\n".join(lines)
