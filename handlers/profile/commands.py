"""A member's own profile: ``/convene me``, their silos and time zone."""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError
from bot.events import ButtonClicked, FormSubmitted, MessagePosted, SlashCommand
from bot.markup import plain
from bot.messages import Button, OutgoingMessage, Target
from bot.registry import Registry
from handlers.shared.members import find_silo
from handlers.shared.zones import check_timezone
from storage.repositories import members as members_repo

GROUP = "About you"
ME = "/convene me"
ME_SILO = "/convene me silo add|remove SILO"
ME_TZ = "/convene me tz ZONE"
ASK_ZONES = (
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
"""The zones offered to a member whose platform does not say theirs."""


async def me_show(context: Context, args: Args) -> None:
    member = context.actor
    silos = await members_repo.silos_of(context.session, member)
    where = ", ".join(f"{s.name} ({s.kind})" for s in silos) or "none yet"
    role = "a convener" if member.is_convener else "a member"
    await context.reply(
        f"You are {member.display_name}, {role}.\n"
        f"Silos: {where}.\n"
        f"Time zone: {member.timezone or 'not set (set it with /convene me tz Europe/London)'}."
    )


async def me_silo(context: Context, args: Args) -> None:
    action = args["action"].lower()
    if action not in ("add", "remove"):
        raise UsageError(f"Say add or remove, not {plain(action)!r}.", usage=ME_SILO)
    silo = await find_silo(context, args["silo"], ME_SILO)
    if action == "add":
        changed = await members_repo.link_silo(context.session, context.actor, silo)
        text = f"You are now in {silo.name}." if changed else f"You were already in {silo.name}."
    else:
        changed = await members_repo.unlink_silo(context.session, context.actor, silo)
        text = f"You are no longer in {silo.name}." if changed else f"You were not in {silo.name}."
    await context.reply(text)


async def me_tz(context: Context, args: Args) -> None:
    await _set_zone(context, check_timezone(args["zone"], ME_TZ, retry=_me_tz, now=context.now))


def _me_tz(zone: str) -> tuple[str, Button | None]:
    """For a zone offered after "GMT" or a typo: the command that sets it, and the
    button that does (``me.tz``, the one Convene's first question uses)."""

    return f"/convene me tz {zone}", Button(zone, "me.tz", zone)


async def zone_chosen(context: Context) -> None:
    """A zone picked from the ones offered when Convene first met the member."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    await _set_zone(context, check_timezone(event.value, ME_TZ, now=context.now))


async def ask_timezone_once(context: Context) -> None:
    """Where the platform keeps members' time zones to itself (Discord), ask each member once.

    Runs after every command, click, form and message, in its transaction; the
    outbox key makes it once per member, ever. Until they answer, their
    check-ins and reminders use the check-in's or the workspace's zone.
    """

    if context.capabilities.member_timezones or context.actor.timezone is not None:
        return
    if context.actor.erased_at is not None:
        return  # they were just forgotten: nothing goes to them
    if not isinstance(context.event, SlashCommand | ButtonClicked | FormSubmitted | MessagePosted):
        return
    await context.outbox.send(
        f"member:{context.actor.id}:ask-timezone",
        OutgoingMessage(
            Target.dm(context.actor.platform_user_id),
            "Welcome to Convene! Which time zone are you in? Check-ins and reminders come at "
            "your own local time. Choose yours below, or if it is not there type "
            "/convene me tz with its name, like: /convene me tz Asia/Singapore",
            buttons=tuple(Button(zone.replace("_", " "), "me.tz", zone) for zone in ASK_ZONES),
        ),
    )


async def _set_zone(context: Context, zone: str) -> None:
    context.actor.timezone = zone
    members_repo.stage(context.session, context.actor)
    later = "".join(f" {moved}" for moved in await context.zone_changed(context.actor))
    await context.reply(f"Your time zone is now {zone}.{later}")


COMMANDS = (
    CommandSpec(
        path=("convene", "me"),
        handler=me_show,
        summary="See your silos, time zone and role.",
        usage=ME,
        example=ME,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "me", "silo"),
        handler=me_silo,
        summary="Say which silos you belong to.",
        usage=ME_SILO,
        example='/convene me silo add "Public Health"',
        params=(Positional("action", choices=("add", "remove")), Positional("silo")),
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "me", "tz"),
        handler=me_tz,
        summary="Set your time zone, so prompts reach you in your morning.",
        usage=ME_TZ,
        example="/convene me tz America/New_York",
        params=(Positional("zone", rest=True),),  # "New York" is asked about, not cut short
        group=GROUP,
    ),
)
"""``/convene me …``: what a member says about themselves."""


def register(registry: Registry) -> None:
    """Declare the commands, the time-zone buttons and the one-time question about the zone."""

    for spec in COMMANDS:
        registry.command(spec)
    registry.button("me.tz", zone_chosen)
    registry.afterwards(ask_timezone_once)
