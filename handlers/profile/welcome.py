"""A welcome DM on a member's first contact: what Convene does, how to opt out, their zone.

Sent once, the first time a member addresses Convene themselves (a command,
a click, a form, a message, opening its home), whoever made them a member
first: a member a convener imported or added by name is welcomed when they
appear. ``Member.welcomed_at`` is set in the same transaction, so the welcome
goes with the event's other effects or not at all; members from before the
welcome existed count as welcomed.

The time zone is said where the platform gave it, and asked where it did
not. The question is the one Discord members were always asked
(``commands.ask_timezone_once``), under the same once-ever outbox key, so a
member is never asked twice: the welcome runs first (it is registered
before that question) and its message is the one that goes.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import ButtonClicked, FormSubmitted, HomeOpened, MessagePosted, SlashCommand
from bot.markup import plain
from bot.messages import Button, OutgoingMessage, Target
from bot.registry import Registry
from handlers.profile.commands import ASK_ZONES, ME, ME_TZ
from storage.repositories import members as members_repo

FIRST_CONTACT = (SlashCommand, ButtonClicked, FormSubmitted, MessagePosted, HomeOpened)
"""Events a member causes by addressing Convene (joining a channel is not one)."""
ZONE_QUESTION = (
    "Which time zone are you in? Check-ins and reminders come at your own local time: "
    "choose yours below, or if it is not there type /convene me tz with its name, like: "
    "/convene me tz Asia/Singapore"
)


def welcome_text(name: str, timezone: str | None) -> str:
    """The welcome: what Convene does, how to opt out, where settings are, the zone."""

    zone = (
        f"I have your time zone as {timezone}; change it with {ME_TZ}."
        if timezone is not None
        else ZONE_QUESTION
    )
    return (
        f"Welcome to Convene, {plain(name)}! I bring people together across teams and "
        "organisations: check-ins at your local time, introductions to someone from another "
        "part of the organisation (only if you join: /pairing join), retros, and the "
        "commitments you make.\n"
        "To opt out: /checkin leave stops check-ins, /pairing leave stops introductions. "
        f"{ME} shows your silos and settings.\n"
        f"{zone}"
    )


def zone_key(member_id: int | None) -> str:
    """The outbox key of the time-zone question (``commands.ask_timezone_once``'s)."""

    return f"member:{member_id}:ask-timezone"


async def welcome_once(context: Context) -> None:
    """Welcome a member Convene has not welcomed yet (run after every routed event).

    One attribute read for every member already welcomed: this runs on the
    hot path of every event.
    """

    member = context.actor
    if member.welcomed_at is not None or not context.settings.convene.welcome:
        return
    if member.erased_at is not None:
        return  # they were just forgotten (``/convene me forget``): nothing goes to them
    if not isinstance(context.event, FIRST_CONTACT):
        return
    asks_zone = member.timezone is None
    await context.outbox.send(
        zone_key(member.id) if asks_zone else f"welcome:{member.id}",
        OutgoingMessage(
            Target.dm(member.platform_user_id),
            welcome_text(member.display_name, member.timezone),
            buttons=(
                tuple(Button(zone.replace("_", " "), "me.tz", zone) for zone in ASK_ZONES)
                if asks_zone
                else ()
            ),
        ),
    )
    await members_repo.mark_welcomed(context.session, member, context.now)


def register(registry: Registry) -> None:
    """Before ``commands.register``: the welcome's zone question goes before the bare one."""

    registry.afterwards(welcome_once)
