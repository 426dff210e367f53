"""Retros: a convener opens one in a channel; members add items and vote in its thread;
the close ranks them and turns the top ones into commitments.

Opening announces itself (``handlers.shared.retro_hooks``), and the
commitments job brings back the open commitments from the channel's previous
retro, so follow-through is the first thing people see; the same job answers
the "Make it a commitment" button the close offers. Items, votes and edits
are in ``retro_items``.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit_trail
from bot.commands import Args, CommandSpec, Flag, Option, Positional
from bot.context import Context, JobContext
from bot.errors import UsageError, UserError
from bot.events import PlaceKind
from bot.markup import plain
from bot.messages import Button, OutgoingMessage, Target
from bot.outbox import Outbox
from bot.registry import Registry
from handlers.retros import items as retro_items
from handlers.retros.formats import FORMATS, RetroFormat, custom_format, format_named
from handlers.retros.phrases import parse_closing
from handlers.shared.channels import channel_id, channel_shown
from handlers.shared.date_order import workspace_date_order
from handlers.shared.forgetting import MEMBER_EXPORT
from handlers.shared.retro_hooks import MAKE_COMMITMENT, RETRO_OPENED, RetroOpened
from handlers.shared.text import clean_name, plural, table
from handlers.shared.zones import zone_named
from storage.models import Retro, RetroItem
from storage.repositories import commitments as commitments_repo
from storage.repositories import retros as retros_repo
from storage.repositories import timers as timers_repo

log = logging.getLogger("convene.retros")

GROUP = "Retros (conveners)"
OPEN = (
    '/convene retro open "NAME" [#CHANNEL] [--format start-stop-continue|4ls|glad-sad-mad] '
    '[--categories "Keep,Change,Try"] [--anonymous] [--votes 3] [--closes "friday 17:00"]'
)
CLOSE = '/convene retro close ["NAME"]'
EXPORT = '/convene retro export ["NAME"]'
LIST = "/convene retro list"
CLOSE_JOB = "retro.close"
TOP_ITEMS = 3
MOST_VOTES = 20


# -- finding the retro meant -------------------------------------------------------------------


async def retro_meant(context: Context, name: str | None, usage: str, *, open_only: bool) -> Retro:
    wid = context.workspace.id
    assert wid is not None
    if name:
        found = await retros_repo.by_name(context.session, wid, name.strip())
        if found is None:
            every = await retros_repo.of_workspace(context.session, wid)
            have = ", ".join(f'"{plain(r.name)}"' for r in every[-8:]) or "none yet"
            raise UserError(
                f'There is no retro called "{plain(name)}". Retros: {have}.', usage=usage
            )
        return found
    here = await retros_repo.in_channel(
        context.session,
        wid,
        context.event.place.channel_id,
        status=retros_repo.OPEN if open_only else None,
    )
    if len(here) == 1 or (here and not open_only):
        return here[0]
    if here:
        names = ", ".join(f'"{plain(r.name)}"' for r in here)
        raise UsageError(f"Several retros are open here ({names}); say which one.", usage=usage)
    raise UsageError(
        "There is no " + ("open " if open_only else "") + "retro in this channel; name one.",
        usage=usage,
    )


# -- opening -----------------------------------------------------------------------------


def _format(args: Args) -> RetroFormat:
    if args.get("format") and args.get("categories"):
        raise UsageError("Give --format or --categories, not both.", usage=OPEN)
    if args.get("categories"):
        return custom_format(args["categories"], OPEN)
    return format_named(args.get("format") or "start-stop-continue", OPEN)


def _votes(args: Args, default: int) -> int:
    text = args.get("votes")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MOST_VOTES:
        raise UsageError(
            f"--votes takes a number from 1 to {MOST_VOTES}, like --votes 3.", usage=OPEN
        )
    return int(text)


async def open_command(context: Context, args: Args) -> None:
    wid = context.workspace.id
    assert wid is not None
    name = clean_name(args["name"], "retro name", OPEN)
    if args.get("channel"):
        channel = await channel_id(context, args["channel"], OPEN)
        shown = channel_shown(args["channel"], channel)
    elif context.event.place.kind is PlaceKind.CHANNEL:
        channel = context.event.place.channel_id
        shown = context.event.place.channel_name or channel
    else:
        raise UsageError("Open a retro in its channel, or name the channel: #team.", usage=OPEN)
    shape = _format(args)
    votes = _votes(args, context.settings.retros.default_votes)
    zone_name = context.actor.timezone or "UTC"
    closes_at = (
        parse_closing(
            args["closes"],
            context.now,
            zone_named(zone_name),
            OPEN,
            await workspace_date_order(context),
        )
        if args.get("closes")
        else None
    )
    if await retros_repo.by_name(context.session, wid, name) is not None:
        raise UserError(
            f'There is already a retro called "{plain(name)}"; give this one its own name, '
            f'like "{plain(name)} (2)".'
        )
    previous = await retros_repo.in_channel(context.session, wid, channel)
    retro = await retros_repo.add(
        context.session,
        Retro(
            workspace_id=wid,
            name=name,
            name_key=name.casefold(),
            channel_id=channel,
            channel_name=shown,
            format=shape.name,
            categories=list(shape.categories),
            anonymous=args.flag("anonymous"),
            votes_per_member=votes,
            closes_at=closes_at,
            author_salt=secrets.token_hex(16) if args.flag("anonymous") else None,
            opened_by=context.actor.id,
            opened_at=context.now,
        ),
    )
    assert retro.id is not None
    if closes_at is not None:
        await timers_repo.add_many(
            context.session,
            workspace_id=wid,
            job=CLOSE_JOB,
            subject_id=retro.id,
            items=[timers_repo.NewTimer(f"retro:{retro.id}:close", closes_at)],
        )
    await context.outbox.send(
        retro_items.root_key(retro.id),
        OutgoingMessage(
            Target.channel(channel),
            _root_text(retro, shape, zone_name, context.capabilities.reads_channel_messages),
            (Button("Add item", "retro.add", str(retro.id), style="primary"),),
        ),
    )
    await context.announce(
        RETRO_OPENED,
        RetroOpened(retro, previous[0] if previous else None, retro_items.thread_of(retro)),
    )
    if context.event.place.channel_id != channel:
        await context.reply(f'Opened the retro "{plain(name)}" in #{plain(shown)}.')


def _root_text(retro: Retro, shape: RetroFormat, zone_name: str, replies: bool = True) -> str:
    headings = ", ".join(retro.categories)
    how = (
        "Items are anonymous: add yours with the Add item button (a reply in the thread would "
        "show your name)."
        if retro.anonymous
        else "Add items with the Add item button."
        if not replies
        else f"Add items with the button, or reply in this thread like "
        f"`{retro.categories[0].lower()}: your item`."
    )
    closes = ""
    if retro.closes_at is not None:
        local = retro.closes_at.astimezone(zone_named(zone_name))
        closes = f" It closes {local:%A} {local.day} {local:%B} at {local:%H:%M} ({zone_name})."
    return (
        f"*Retro: {plain(retro.name)}* ({headings}). {shape.prompt}\n{how} Everyone has "
        f"{plural(retro.votes_per_member, 'vote')}: press +1 on the items that matter most "
        f"(press again to take a vote back).{closes}"
    )


# -- closing -------------------------------------------------------------------------------


def _ranked(items: list[RetroItem], votes: dict[int, int]) -> list[RetroItem]:
    return sorted(items, key=lambda i: (-votes.get(i.id or 0, 0), i.number))


async def close(session: AsyncSession, retro: Retro, now: datetime, outbox: Outbox) -> None:
    """Close a retro: forget its authors if anonymous, post the ranked summary and the offers."""

    assert retro.id is not None
    retro.status = retros_repo.CLOSED
    retro.closed_at = now
    if retro.anonymous:
        await retros_repo.forget_authors(session, retro)
    await retros_repo.save(session, retro)
    await timers_repo.cancel(session, CLOSE_JOB, [retro.id])
    items = list(await retros_repo.items(session, retro.id))
    votes = await retros_repo.vote_counts(session, retro.id)
    voters = await retros_repo.voters(session, retro.id)
    root = retro_items.root_key(retro.id)
    await outbox.send(
        f"{root}:closed",
        OutgoingMessage(
            Target.channel(retro.channel_id),
            f"*Retro: {plain(retro.name)}* ({', '.join(retro.categories)}) is closed: "
            f"{plural(len(items), 'item')}, {plural(sum(votes.values()), 'vote')}. "
            "The summary is in the thread.",
            replaces=root,
        ),
    )
    thread = retro_items.thread_of(retro)
    await outbox.send(
        f"retro:{retro.id}:summary",
        OutgoingMessage(thread, summary_text(retro, items, votes, voters)),
    )
    if not items:
        return
    top = _ranked(items, votes)[:TOP_ITEMS]
    for place, item in enumerate(top, start=1):
        await outbox.send(
            f"retro:{retro.id}:offer:{item.number}",
            OutgoingMessage(
                thread,
                f"Top {place}: *{plain(item.category)}*: {plain(item.text)} "
                f"({plural(votes.get(item.id or 0, 0), 'vote')}). Who will act on it?",
                (Button("Make it a commitment", MAKE_COMMITMENT, str(item.id), style="primary"),),
            ),
        )
    log.info("retro %s closed: %d items, %d votes", retro.id, len(items), sum(votes.values()))


def summary_text(retro: Retro, items: list[RetroItem], votes: dict[int, int], voters: int) -> str:
    if not items:
        return f'"{plain(retro.name)}" closed with no items.'
    lines = [
        f'Summary of "{plain(retro.name)}": {plural(len(items), "item")}, '
        f"{plural(sum(votes.values()), 'vote')} from {plural(voters, 'person', 'people')}."
    ]
    by_category: dict[str, list[RetroItem]] = defaultdict(list)
    for item in items:
        by_category[item.category].append(item)
    for category in retro.categories:
        ranked = _ranked(by_category.get(category, []), votes)
        if not ranked:
            continue
        lines.append(f"*{plain(category)}*")
        lines += [f"  {plural(votes.get(i.id or 0, 0), 'vote')} · {plain(i.text)}" for i in ranked]
    return "\n".join(lines)


async def close_command(context: Context, args: Args) -> None:
    retro = await retro_meant(context, args.get("name"), CLOSE, open_only=True)
    if retro.status != retros_repo.OPEN:
        raise UserError(f'"{plain(retro.name)}" is already closed.')
    await close(context.session, retro, context.now, context.outbox)
    if context.event.place.channel_id != retro.channel_id:
        await context.reply(f'Closed "{plain(retro.name)}"; the summary is in its thread.')


async def close_job(context: JobContext) -> None:
    retro = await retros_repo.get(context.session, context.subject_id or 0)
    if retro is None or retro.status != retros_repo.OPEN:
        return
    await close(context.session, retro, context.now, context.outbox)


# -- export and list ------------------------------------------------------------------------


async def export_command(context: Context, args: Args) -> None:
    retro = await retro_meant(context, args.get("name"), EXPORT, open_only=False)
    await context.reply("```\n" + await export_markdown(context.session, retro) + "\n```")
    # An export in a message rather than a file: the audit log would not see it go.
    await context.audit("retro export", subject=audit_trail.quoted(retro.name))


async def export_markdown(session: AsyncSession, retro: Retro) -> str:
    assert retro.id is not None
    items = list(await retros_repo.items(session, retro.id))
    votes = await retros_repo.vote_counts(session, retro.id)
    authors = await commitments_repo.owner_names(
        session, [i.author_id for i in items if i.author_id is not None]
    )
    closed = f", closed {retro.closed_at:%Y-%m-%d}" if retro.closed_at else " (still open)"
    lines = [
        f"# {retro.name}",
        "",
        f"Retro in #{retro.channel_name}, {', '.join(retro.categories)}"
        f"{', anonymous' if retro.anonymous else ''}; opened {retro.opened_at:%Y-%m-%d}{closed}.",
    ]
    by_category: dict[str, list[RetroItem]] = defaultdict(list)
    for item in items:
        by_category[item.category].append(item)
    for category in retro.categories:
        lines += ["", f"## {category}", ""]
        ranked = _ranked(by_category.get(category, []), votes)
        if not ranked:
            lines.append("- (nothing)")
        for item in ranked:
            by = f" ({authors[item.author_id]})" if item.author_id in authors else ""
            lines.append(f"- {item.text}{by}: {plural(votes.get(item.id or 0, 0), 'vote')}")
    made = await commitments_repo.of_retro(session, retro.id)
    if made:
        names = await commitments_repo.owner_names(session, [c.owner_id for c in made])
        lines += ["", "## Commitments", ""]
        for c in made:
            box = "x" if c.status == commitments_repo.DONE else " "
            due = f", due {c.due_on}" if c.due_on else ""
            lines.append(f"- [{box}] {c.text} ({names.get(c.owner_id, '?')}{due}; {c.status})")
    return "\n".join(lines)


async def list_command(context: Context, args: Args) -> None:
    assert context.workspace.id is not None
    every = await retros_repo.of_workspace(context.session, context.workspace.id)
    if not every:
        await context.reply('No retros yet. Open one with /convene retro open "Quarter 4".')
        return
    rows = [
        [
            r.name,
            f"#{r.channel_name}",
            r.format + (" (anonymous)" if r.anonymous else ""),
            r.status,
            f"{r.opened_at:%Y-%m-%d}",
        ]
        for r in every[-30:]
    ]
    await context.reply(table(["retro", "channel", "format", "status", "opened"], rows))


_OPTIONAL_NAME = Positional("name", required=False, rest=True)

COMMANDS = (
    CommandSpec(
        path=("convene", "retro", "open"),
        handler=open_command,
        summary="Open a retro in a channel's thread.",
        usage=OPEN,
        example=(
            '/convene retro open "Quarter 4" --format start-stop-continue --anonymous '
            '--closes "friday 17:00"'
        ),
        params=(
            Positional("name"),
            Positional("channel", required=False),
            Option("format", "|".join(FORMATS)),
            Option("categories", '"A,B,C"'),
            Flag("anonymous"),
            Option("votes", "N"),
            Option("closes", "WHEN"),
        ),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "retro", "close"),
        handler=close_command,
        summary="Close a retro and post its summary.",
        usage=CLOSE,
        example='/convene retro close "Quarter 4"',
        params=(_OPTIONAL_NAME,),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "retro", "export"),
        handler=export_command,
        summary="A retro as Markdown.",
        usage=EXPORT,
        example='/convene retro export "Quarter 4"',
        params=(_OPTIONAL_NAME,),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "retro", "list"),
        handler=list_command,
        summary="The retros, newest last.",
        usage=LIST,
        example=LIST,
        convener_only=True,
        group=GROUP,
    ),
)
"""The convener's retro commands, in the order ``/convene help`` lists them."""


def register(registry: Registry) -> None:
    """Declare the retro's commands, then its buttons, forms, thread replies and close job."""

    for spec in COMMANDS:
        registry.command(spec)
    registry.button("retro.add", retro_items.add_button)
    registry.button("retro.vote", retro_items.vote_button)
    registry.button("retro.edit", retro_items.edit_button)
    registry.button("retro.delete", retro_items.delete_button)
    registry.button(retro_items.REPLY_CATEGORY, retro_items.reply_category_button)
    registry.form(retro_items.ADD_FORM, retro_items.add_form_submitted)
    registry.form(retro_items.EDIT_FORM, retro_items.edit_form_submitted)
    registry.message(retro_items.wants_thread_reply, retro_items.thread_reply)
    registry.job(CLOSE_JOB, close_job)
    registry.listen(MEMBER_EXPORT, retro_items.add_anonymous_items)
