"""``/convene opportunities``: the conveners' view of suggestions and their settings.

Without words it says how suggestions are set and lists again those waiting
for a convener, each with its buttons (a convener who missed the DMs, or
joined since, decides from here). ``on`` and ``off`` switch them for the whole
workspace; ``settings`` changes which kinds of silo keep two members apart
(``--apart team,profession``, or ``all`` for any kind) and how many weeks of
answers are read (``--weeks``, which is also how long an introduction or a
"Not now" keeps a pair from coming back). Every word is checked before
anything is written.
"""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Option, Positional
from bot.context import Context
from bot.errors import UsageError
from bot.markup import plain
from bot.registry import Registry
from handlers.opportunities import cards
from handlers.shared.kinds import KindAsked, kind_key, kinds_meant
from handlers.shared.members import workspace_id
from handlers.shared.passages import DEFAULT_WEEKS
from handlers.shared.text import listed, plural
from storage.models import WorkspaceSettings
from storage.repositories import opportunities as opportunities_repo
from storage.repositories import silos as silos_repo
from storage.repositories import workspace_settings as settings_repo

GROUP = "Opportunities (conveners)"
SHOW = "/convene opportunities [on|off]"
SETTINGS = "/convene opportunities settings [--apart KINDS|all] [--weeks N]"
SETTINGS_PATH = ("convene", "opportunities", "settings")
ANY_KIND = ("all", "any", "every")
LEAST_WEEKS, MOST_WEEKS = 1, 52


def _weeks(settings: WorkspaceSettings) -> int:
    return settings.opportunity_weeks or DEFAULT_WEEKS


def _apart(settings: WorkspaceSettings) -> str:
    kinds = [k.strip() for k in settings.opportunity_kinds.split(",") if k.strip()]
    if not kinds:
        return "who share a silo of any kind"
    return f"who share a silo of kind {listed(kinds, 'or')}"


def described(settings: WorkspaceSettings) -> str:
    weeks = plural(_weeks(settings), "week")
    if not settings.opportunities_enabled:
        return (
            "Suggestions are off: conveners get none after check-in runs close. "
            "Turn them on with /convene opportunities on"
        )
    return (
        f"Suggestions are on: after each check-in run closes, every convener gets up to "
        f"{cards.MOST} suggestions of who should meet (one member's need, another's offer), read "
        f"from the last {weeks} of answers; never between members {_apart(settings)}, nor a "
        f"pair introduced or set aside in the last {weeks}. To change: "
        "/convene opportunities settings --apart team --weeks 8, or "
        "/convene opportunities off"
    )


async def show(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    asked = (args.get("state") or "").strip().lower()
    settings = await settings_repo.get(context.session, wid)
    if asked:
        await _switch(context, settings, asked == "on")
        return
    await _list_pending(context, wid, described(settings))


async def _switch(context: Context, settings: WorkspaceSettings, wanted: bool) -> None:
    if wanted == settings.opportunities_enabled:
        state = "on" if wanted else "off"
        await context.reply(f"Suggestions were already {state}; nothing changed.")
        return
    settings.opportunities_enabled = wanted
    opportunities_repo.stage(context.session, settings)
    if wanted:
        await context.reply(
            "Suggestions are on again: the next check-in run to close brings them. "
            + described(settings).split(": ", 1)[1]
        )
    else:
        await context.reply(
            "Suggestions are off: conveners get none after check-in runs close, and those "
            "waiting stay listed in /convene opportunities. Turn them back on with "
            "/convene opportunities on"
        )


async def _list_pending(context: Context, wid: int, status: str) -> None:
    """``status`` and what is waiting, in one reply; then each suggestion's card, a message
    of its own with its buttons."""

    waiting = [
        row for row in await opportunities_repo.pending(context.session, wid) if row.id is not None
    ]
    out = await opportunities_repo.opted_out(context.session, wid)
    waiting = [
        row for row in waiting if row.need_member_id not in out and row.offer_member_id not in out
    ]
    if not waiting:
        await context.reply(f"{status}\nNo suggestion is waiting for a convener.")
        return
    landscape = await cards.load_landscape(context.session, wid)
    await context.reply(
        f"{status}\n{plural(len(waiting), 'suggestion')} waiting for a convener, best first:"
    )
    for row in waiting:
        assert row.id is not None
        await context.reply(cards.card(row, landscape), cards.buttons(row.id))


async def _apart_kinds(context: Context, args: Args) -> str | None:
    """The kinds ``--apart`` names, as stored ("" for any kind); None when not given."""

    value = args.get("apart")
    if value is None:
        return None
    if value.strip().casefold() in ANY_KIND or not value.strip():
        return ""
    if "+" in value:
        raise UsageError(
            f"--apart takes kinds separated by commas, like team,profession, not "
            f"{plain(value)!r}; a crossing (+) means nothing here.",
            usage=SETTINGS,
        )
    asked = KindAsked(SETTINGS_PATH, args, "apart", SETTINGS, several=True)
    kinds = await kinds_meant(context, value, asked)
    silos = await silos_repo.list_with_counts(context.session, workspace_id(context))
    have = sorted({kind_key(s.silo.kind) for s in silos})
    empty = [kind for kind in kinds if kind_key(kind) not in have]
    if empty:
        so_far = listed(have) or "none yet (add silos with /convene silo add)"
        raise UsageError(
            f"No silo is of kind {listed(empty, 'or')} yet, so keeping members of it apart "
            f"would change nothing. Kinds of silo so far: {so_far}; or say --apart all.",
            usage=SETTINGS,
        )
    return ",".join(kind_key(kind) for kind in kinds)


def _weeks_given(args: Args) -> int | None:
    value = args.get("weeks")
    if value is None:
        return None
    typed = value.strip()
    if not typed.isdigit() or not LEAST_WEEKS <= int(typed) <= MOST_WEEKS:
        raise UsageError(
            f"--weeks takes a number of weeks from {LEAST_WEEKS} to {MOST_WEEKS}, not "
            f"{plain(typed)!r}; for example --weeks 8.",
            usage=SETTINGS,
        )
    return int(typed)


async def change(context: Context, args: Args) -> None:
    # Everything is read and checked first: a refused word leaves the settings as they were.
    apart = await _apart_kinds(context, args)
    weeks = _weeks_given(args)
    settings = await settings_repo.get(context.session, workspace_id(context))
    changed = False
    if apart is not None and apart != settings.opportunity_kinds:
        settings.opportunity_kinds = apart
        changed = True
    if weeks is not None and weeks != settings.opportunity_weeks:
        settings.opportunity_weeks = weeks
        changed = True
    if changed:
        opportunities_repo.stage(context.session, settings)
    given = apart is not None or weeks is not None
    head = "Updated. " if changed else "Nothing changed (already so). " if given else ""
    await context.reply(head + described(settings))


SHOW_COMMAND = CommandSpec(
    path=("convene", "opportunities"),
    handler=show,
    summary=(
        "How suggestions of who should meet are set, and those waiting for a convener; "
        "on or off for the workspace (on by default)."
    ),
    usage=SHOW,
    example="/convene opportunities",
    params=(Positional("state", required=False, choices=("on", "off")),),
    convener_only=True,
    group=GROUP,
)
SETTINGS_COMMAND = CommandSpec(
    path=SETTINGS_PATH,
    handler=change,
    summary=(
        "Which kinds of silo keep two members from being suggested (any kind by default) "
        "and how many weeks of answers are read (8 by default)."
    ),
    usage=SETTINGS,
    example="/convene opportunities settings --apart team,profession --weeks 8",
    params=(Option("apart", "KINDS"), Option("weeks", "N")),
    convener_only=True,
    group=GROUP,
)


def register(registry: Registry) -> None:
    registry.command(SHOW_COMMAND)
    registry.command(SETTINGS_COMMAND)
