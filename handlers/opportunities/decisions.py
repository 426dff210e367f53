"""A convener's answer to a suggestion: [Introduce them], [Not now], [Never these two].

Every convener gets the same suggestion, so the first press decides it
(``opportunities_repo.decide``, one conditional write) and every later one,
by anyone, is told who decided what and when. Only conveners decide; a
suggestion of a member who has since opted out, or left, is refused kindly
and left as it is.

[Introduce them] asks the introductions job, through
``INTRODUCTION_ASKED``, for an introduction outside the regular rounds, with
a reason that quotes only what the two allowed to be quoted
(``cards.reason``); the introduction's round is kept on the suggestion.
[Not now] keeps the pair out of suggestions for the workspace's weeks;
[Never these two] for good, either way round. Neither tells the members.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonClicked
from bot.markup import plain
from bot.permissions import convener_named, require_convener
from bot.registry import Registry
from handlers.opportunities import cards
from handlers.shared.introduction_hooks import INTRODUCTION_ASKED, SUGGESTION, IntroductionAsked
from handlers.shared.passages import DEFAULT_WEEKS
from handlers.shared.text import plural
from handlers.shared.zones import local_day
from storage.models import Member, Opportunity
from storage.repositories import members as members_repo
from storage.repositories import opportunities as opportunities_repo
from storage.repositories import workspace_settings as settings_repo

GONE = (
    "That suggestion is no longer there (one of the two may have left Convene); "
    "there is nothing to decide."
)


async def already(context: Context, opportunity: Opportunity) -> str:
    """Who decided a suggestion, what and when: "Already introduced by Alex on 3 Dec"."""

    decider: Member | None = None
    if opportunity.decided_by is not None:
        decider = await members_repo.get(context.session, opportunity.decided_by)
    if decider is not None and decider.id == context.actor.id:
        who = "you"
    elif decider is not None:
        who = convener_named(plain(decider.display_name))
    else:
        who = "a convener"
    at = opportunity.decided_at
    day = "earlier" if at is None else local_day(at, context.actor.timezone)
    if opportunity.status == opportunities_repo.INTRODUCED:
        return f"Already introduced by {who} on {day}; nothing more to do."
    if opportunity.status == opportunities_repo.NOT_NOW:
        return f"Already set aside for now by {who} on {day}; nothing changed."
    return f"Already marked Never these two by {who} on {day}; nothing changed."


async def _pressed(context: Context) -> tuple[Opportunity, Member, Member] | None:
    """The suggestion a button is on and its two members, once it may still be decided;
    None after telling the convener why not."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "decide on suggestions")
    found = (
        await opportunities_repo.get(context.session, int(event.value))
        if event.value.isdigit()
        else None
    )
    if found is None or found.workspace_id != context.workspace.id:
        await context.reply(GONE)
        return None
    if found.status != opportunities_repo.PENDING:
        await context.reply(await already(context, found))
        return None
    need = await members_repo.get(context.session, found.need_member_id)
    offer = await members_repo.get(context.session, found.offer_member_id)
    if need is None or offer is None:
        await context.reply(GONE)
        return None
    out = [m for m in (need, offer) if m.suggestions_off_at is not None]
    if out:
        await context.reply(
            f"{plain(out[0].display_name)} has since asked not to be suggested to anyone, "
            "so I will leave this suggestion be; nothing was sent to either of them."
        )
        return None
    return found, need, offer


async def _decided(context: Context, status: str) -> tuple[Opportunity, Member, Member] | None:
    """The suggestion pressed and its two members, once decided ``status`` by this press;
    None after telling the convener why not (another press decided it first, say)."""

    pressed = await _pressed(context)
    if pressed is None:
        return None
    opportunity = pressed[0]
    assert context.actor.id is not None
    if await opportunities_repo.decide(
        context.session, opportunity, status, context.actor.id, context.now
    ):
        words = {opportunities_repo.INTRODUCED: "introduce", opportunities_repo.NOT_NOW: "not now"}
        await context.audit(
            f"suggestion {words.get(status, status)}",
            member=pressed[1],
            subject="and 1 other member",
        )
        return pressed
    await context.reply(await already(context, opportunity))
    return None


async def introduce_clicked(context: Context) -> None:
    decided = await _decided(context, opportunities_repo.INTRODUCED)
    if decided is None:
        return
    opportunity, need, offer = decided
    asked = IntroductionAsked(
        context.workspace,
        (need, offer),
        SUGGESTION,
        cards.reason(opportunity, need, offer),
        key=f"opportunity:{opportunity.id}",
        asked_by=context.actor,
    )
    await context.announce(INTRODUCTION_ASKED, asked)
    if asked.round_id is None:
        raise UserError(
            "I could not make that introduction just now, so nothing changed. "
            "Press Introduce them again in a moment."
        )
    opportunity.round_id = asked.round_id
    opportunities_repo.stage(context.session, opportunity)
    where = (
        "in a group message to the two of them"
        if context.capabilities.group_dm
        else "in a direct message to each of them"
    )
    await context.reply(
        f"Done: I introduced {plain(need.display_name)} and {plain(offer.display_name)} "
        f"outside the regular rounds, {where}, with why they should meet. They will be asked "
        "in a few days whether they met; once they have, it counts on the map as a bridge."
    )


async def not_now_clicked(context: Context) -> None:
    decided = await _decided(context, opportunities_repo.NOT_NOW)
    if decided is None:
        return
    opportunity, need, offer = decided
    settings = await settings_repo.get(context.session, opportunity.workspace_id)
    weeks = settings.opportunity_weeks or DEFAULT_WEEKS
    await context.reply(
        f"Set aside for now: I will not suggest {plain(need.display_name)} and "
        f"{plain(offer.display_name)} to each other for the next {plural(weeks, 'week')}. "
        "Nothing was sent to them."
    )


async def never_clicked(context: Context) -> None:
    decided = await _decided(context, opportunities_repo.NEVER)
    if decided is None:
        return
    _opportunity, need, offer = decided
    await context.reply(
        f"Noted: I will never suggest {plain(need.display_name)} and "
        f"{plain(offer.display_name)} to each other again, either way round. Nothing was "
        "sent to them, and regular rounds are not affected."
    )


def register(registry: Registry) -> None:
    registry.button(cards.INTRODUCE, introduce_clicked)
    registry.button(cards.NOT_NOW, not_now_clicked)
    registry.button(cards.NEVER, never_clicked)
