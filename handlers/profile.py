"""A member's own profile: ``/convene me``, their silos and time zone."""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError
from bot.markup import plain
from bot.registry import Registry
from handlers import checkin_runs, commitment_reminders
from handlers.common import check_timezone
from handlers.landscape import find_silo
from storage.repositories import members as members_repo

GROUP = "About you"
ME = "/convene me"
ME_SILO = "/convene me silo add|remove SILO"
ME_TZ = "/convene me tz ZONE"


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
    zone = check_timezone(args["zone"], ME_TZ)
    context.actor.timezone = zone
    context.session.add(context.actor)
    moved = await checkin_runs.replan_member(
        context.session, workspace=context.workspace, member=context.actor, now=context.now
    )
    reminders = await commitment_reminders.replan_owner(context.session, context.actor, context.now)
    later = " Check-ins not yet asked today now come at your new local time." if moved else ""
    if reminders:
        later += " Commitment reminders now come at 09:00 your new time."
    await context.reply(f"Your time zone is now {zone}.{later}")


def register(registry: Registry) -> None:
    registry.command(
        CommandSpec(
            path=("convene", "me"),
            handler=me_show,
            summary="See your silos, time zone and role.",
            usage=ME,
            example=ME,
            group=GROUP,
        )
    )
    registry.command(
        CommandSpec(
            path=("convene", "me", "silo"),
            handler=me_silo,
            summary="Say which silos you belong to.",
            usage=ME_SILO,
            example='/convene me silo add "Public Health"',
            params=(Positional("action"), Positional("silo")),
            group=GROUP,
        )
    )
    registry.command(
        CommandSpec(
            path=("convene", "me", "tz"),
            handler=me_tz,
            summary="Set your time zone, so prompts reach you in your morning.",
            usage=ME_TZ,
            example="/convene me tz America/New_York",
            params=(Positional("zone"),),
            group=GROUP,
        )
    )
