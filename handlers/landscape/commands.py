"""The landscape: silos, members and conveners, as a convener sets them up.

``/convene silo …``, ``/convene member …``, ``/convene members``,
``/convene silos`` and ``/convene convener …``.
"""

from __future__ import annotations

from bot.adapter import ChannelMember
from bot.commands import Args, CommandSpec, Option, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.markup import has_control_characters, plain
from bot.registry import Registry
from handlers.landscape.kinds import KINDS_COMMAND
from handlers.landscape.members_file import MAX_PLATFORM_ID
from handlers.landscape.removal import MEMBER_REMOVE, member_remove
from handlers.shared.kinds import KindAsked, kind_meant
from handlers.shared.members import find_member, find_silo, workspace_id
from handlers.shared.text import (
    MAX_NAME_LENGTH,
    clean_name,
    member_reference,
    mention_name,
    plural,
    table,
)
from handlers.shared.zones import zone_option
from storage.repositories import members as members_repo
from storage.repositories import silos as silos_repo

GROUP = "Landscape (conveners)"

SILO_ADD = "/convene silo add NAME [--kind KIND]"
SILO_IMPORT = (
    "/convene silo import usergroups|roles|field [FIELD NAME] [--prefix team-] [--kind KIND]"
)
IMPORT_SOURCES = {
    "usergroups": "user groups",
    "roles": "roles",
    "field": "a profile field",
}
SILO_REMOVE = "/convene silo remove NAME"
SILO_RENAME = "/convene silo rename NAME NEW-NAME"
SILO_KIND = "/convene silo kind NAME KIND"
MEMBER_ADD = "/convene member add NAME [--silo SILO]... [--tz ZONE]"
MEMBER_SILO = "/convene member silo add|remove NAME SILO"
MEMBERS = "/convene members [--silo SILO]"
CONVENER_ADD = "/convene convener add NAME"
CONVENER_REMOVE = "/convene convener remove NAME"


SILO_ADD_PATH = ("convene", "silo", "add")
SILO_IMPORT_PATH = ("convene", "silo", "import")
SILO_KIND_PATH = ("convene", "silo", "kind")


# -- silos ------------------------------------------------------------------


async def silo_add(context: Context, args: Args) -> None:
    name = clean_name(args["name"], "silo name", SILO_ADD)
    existing = await silos_repo.find(context.session, workspace_id(context), name)
    if existing is not None:
        asked = " ".join((args.get("kind") or "").split()).casefold()
        shown = f'"{existing.name}"' if " " in existing.name else existing.name
        change = (
            f"/convene silo kind {shown} {plain(asked)}"
            if asked and asked != existing.kind
            else f"/convene silo kind {shown} KIND (the kinds: /convene silo kinds)"
        )
        raise UserError(
            f"There is already a silo called {existing.name} ({existing.kind}), so nothing "
            f"was added. To change its kind: {change}"
        )
    kind = await kind_meant(
        context, args.get("kind") or "team", KindAsked(SILO_ADD_PATH, args, "kind", SILO_ADD)
    )
    await silos_repo.add(context.session, workspace_id(context), name, kind, context.now)
    await context.reply(f"Added the silo {name} ({kind}).")


async def silo_import(context: Context, args: Args) -> None:
    """Silos from the platform's own groups: Slack user groups or a profile field, Discord
    roles. Existing silos keep their kind; people are linked, never unlinked."""

    source = args["source"].strip().lower()
    detail = (args.get("field") or "").strip() or None
    if source not in IMPORT_SOURCES:
        raise UsageError(
            f"I can import from {', '.join(IMPORT_SOURCES)}, not {source!r}.", usage=SILO_IMPORT
        )
    available = context.capabilities.silo_sources
    if source not in available:
        here = ", ".join(sorted(available)) if available else "nothing"
        raise UserError(
            f"This platform has no {IMPORT_SOURCES[source]} to import (here: {here}). "
            'Add silos by hand with /convene silo add "Public Health".',
            usage=SILO_IMPORT,
        )
    if source == "field" and detail is None:
        raise UsageError(
            "Name the profile field, like: /convene silo import field Department", usage=SILO_IMPORT
        )
    kind = await kind_meant(
        context,
        args.get("kind") or ("department" if source == "field" else "team"),
        KindAsked(SILO_IMPORT_PATH, args, "kind", SILO_IMPORT),
    )
    prefix = (args.get("prefix") or "").strip().casefold()
    found = await context.silo_groups(source, detail)
    groups: dict[str, list[ChannelMember]] = {}
    for name, group in found.items():
        if prefix and not name.casefold().startswith(prefix):
            continue
        shown = " ".join(name[len(prefix) :].split()) if prefix else " ".join(name.split())
        if shown and not has_control_characters(shown) and len(shown) <= MAX_NAME_LENGTH:
            groups[shown] = group
    if not groups:
        wanted = f" starting {args['prefix']!r}" if prefix else ""
        raise UserError(
            f"I found no {IMPORT_SOURCES[source]}{wanted} to import.", usage=SILO_IMPORT
        )
    wid = workspace_id(context)
    people = {p.platform_user_id: p for members in groups.values() for p in members}
    known = await members_repo.ensure_many(
        context.session,
        wid,
        [
            members_repo.Seen(p.platform_user_id, p.display_name, p.timezone)
            for p in people.values()
        ],
        context.now,
    )
    lines, new_silos, links = [], 0, 0
    for name, members in sorted(groups.items()):
        silo = await silos_repo.find(context.session, wid, name)
        if silo is None:
            silo = await silos_repo.add(context.session, wid, name, kind, context.now)
            new_silos += 1
        for person in members:
            if await members_repo.link_silo(context.session, known[person.platform_user_id], silo):
                links += 1
        lines.append(f"{silo.name} ({plural(len(members), 'member')})")
    await context.reply(
        f"Imported {plural(len(groups), 'silo')} from {IMPORT_SOURCES[source]} "
        f"({new_silos} new): {', '.join(lines)}. {plural(links, 'new link')} of a member to a silo."
    )


async def silo_remove(context: Context, args: Args) -> None:
    silo = await find_silo(context, args["name"], SILO_REMOVE)
    members = await members_repo.list_with_silos(context.session, workspace_id(context), silo)
    await silos_repo.remove(context.session, silo)
    note = f" {plural(len(members), 'member')} no longer in it." if members else ""
    await context.reply(f"Removed the silo {silo.name}.{note}")


async def silo_rename(context: Context, args: Args) -> None:
    silo = await find_silo(context, args["name"], SILO_RENAME)
    new_name = clean_name(args["new_name"], "new silo name", SILO_RENAME)
    clash = await silos_repo.find(context.session, workspace_id(context), new_name)
    if clash is not None and clash.id != silo.id:
        raise UserError(f"There is already a silo called {clash.name}.", usage=SILO_RENAME)
    old = silo.name
    await silos_repo.rename(context.session, silo, new_name)
    await context.reply(f"Renamed the silo {old} to {new_name}.")


async def silo_kind(context: Context, args: Args) -> None:
    silo = await find_silo(context, args["name"], SILO_KIND)
    asked = KindAsked(SILO_KIND_PATH, args, "kind", SILO_KIND)
    kind = await kind_meant(context, args["kind"], asked)
    if kind == silo.kind:
        await context.reply(f"{silo.name} is already {_a(kind)}; nothing changed.")
        return
    await silos_repo.set_kind(context.session, silo, kind)
    await context.reply(f"{silo.name} is now {_a(kind)}.")


def _a(word: str) -> str:
    """The word with its article: "a team", "an organisation"."""

    return ("an " if word[:1] in "aeiou" else "a ") + word


async def silos_list(context: Context, args: Args) -> None:
    found = await silos_repo.list_with_counts(context.session, workspace_id(context))
    if not found:
        await context.reply(
            "There are no silos yet. A convener adds one with "
            "/convene silo add Radiotherapy --kind team"
        )
        return
    rows = [[s.silo.name, s.silo.kind, str(s.member_count)] for s in found]
    await context.reply(
        f"{plural(len(found), 'silo')}:\n" + table(["silo", "kind", "members"], rows)
    )


# -- members ----------------------------------------------------------------


async def member_add(context: Context, args: Args) -> None:
    typed = clean_name(args["name"], "member name", MEMBER_ADD)
    reference = member_reference(typed)
    zone = zone_option(context, args, MEMBER_ADD) if args.get("tz") else None
    silos = [await find_silo(context, name, MEMBER_ADD) for name in _silo_names(args)]
    wid = workspace_id(context)
    member = await members_repo.find(context.session, wid, reference)
    created = member is None
    if member is None:
        # Stored under their name until they are met: a name may be longer than an id.
        member = await members_repo.add(
            context.session,
            wid,
            reference[:MAX_PLATFORM_ID],
            mention_name(typed) or reference,
            zone,
            context.now,
        )
    elif zone is not None and zone != member.timezone:
        member.timezone = zone
        members_repo.stage(context.session, member)
        # What is planned at the member's 09:00 follows them to the new zone.
        await context.zone_changed(member)
    for silo in silos:
        await members_repo.link_silo(context.session, member, silo)
    now_in = await members_repo.silos_of(context.session, member)
    where = ", ".join(s.name for s in now_in) or "no silo yet"
    verb = "Added" if created else "Updated"
    await context.reply(
        f"{verb} {member.display_name}: {where}; time zone {member.timezone or 'not set'}."
    )


def _silo_names(args: Args) -> list[str]:
    names: list[str] = []
    for value in args.many("silo"):
        names.extend(part.strip() for part in value.split(",") if part.strip())
    return names


async def member_silo(context: Context, args: Args) -> None:
    action = args["action"].lower()
    if action not in ("add", "remove"):
        raise UsageError(f"Say add or remove, not {plain(action)!r}.", usage=MEMBER_SILO)
    name, silo_name = await _member_then_silo(context, args["name"], args["silo"])
    member = await find_member(context, name, MEMBER_SILO)
    silo = await find_silo(context, silo_name, MEMBER_SILO)
    if action == "add":
        changed = await members_repo.link_silo(context.session, member, silo)
        text = (
            f"{member.display_name} is now in {silo.name}."
            if changed
            else (f"{member.display_name} was already in {silo.name}.")
        )
    else:
        changed = await members_repo.unlink_silo(context.session, member, silo)
        text = (
            f"{member.display_name} is no longer in {silo.name}."
            if changed
            else (f"{member.display_name} was not in {silo.name}.")
        )
    await context.reply(text)


async def _member_then_silo(context: Context, first: str, second: str) -> tuple[str, str]:
    """The member and the silo, in either order: ``member silo add "Public Health" alice``
    means what ``member silo add alice "Public Health"`` does when the first is a silo and
    not a member, and the second a member."""

    wid = workspace_id(context)
    if await members_repo.find(context.session, wid, member_reference(first)) is not None:
        return first, second
    if (
        await silos_repo.find(context.session, wid, first) is not None
        and await members_repo.find(context.session, wid, member_reference(second)) is not None
    ):
        return second, first
    return first, second


async def members_list(context: Context, args: Args) -> None:
    silo = await find_silo(context, args["silo"], MEMBERS) if args.get("silo") else None
    found = await members_repo.list_with_silos(context.session, workspace_id(context), silo)
    if not found:
        scope = f" in {silo.name}" if silo else ""
        await context.reply(f"No members{scope} yet. Add one with {MEMBER_ADD}")
        return
    rows = [
        [
            m.member.display_name,
            ", ".join(s.name for s in m.silos) or "-",
            m.member.timezone or "-",
            ("convener" if m.member.is_convener else "member")
            + (", DMs closed" if m.member.dms_closed_at is not None else ""),
        ]
        for m in found
    ]
    scope = f" in {silo.name}" if silo else ""
    closed = [m.member.display_name for m in found if m.member.dms_closed_at is not None]
    unreachable = (
        f"\n{plural(len(closed), 'member')} cannot be reached by DM (they closed their DMs "
        f"to Convene): {', '.join(closed)}. Ask them to allow DMs from this server's members."
        if closed
        else ""
    )
    await context.reply(
        f"{plural(len(found), 'member')}{scope}:\n"
        + table(["name", "silos", "time zone", "role"], rows)
        + unreachable
    )


# -- conveners --------------------------------------------------------------


async def convener_add(context: Context, args: Args) -> None:
    member = await find_member(context, args["name"], CONVENER_ADD)
    if member.is_convener:
        await context.reply(f"{member.display_name} is already a convener.")
        return
    member.is_convener = True
    members_repo.stage(context.session, member)
    await context.reply(f"{member.display_name} is now a convener.")


async def convener_remove(context: Context, args: Args) -> None:
    member = await find_member(context, args["name"], CONVENER_REMOVE)
    if not member.is_convener:
        await context.reply(f"{member.display_name} is not a convener.")
        return
    conveners = await members_repo.conveners(context.session, workspace_id(context))
    if len(conveners) <= 1:
        raise UserError(
            f"{member.display_name} is the only convener; add another one first ({CONVENER_ADD})."
        )
    member.is_convener = False
    members_repo.stage(context.session, member)
    await context.reply(f"{member.display_name} is no longer a convener.")


async def conveners_list(context: Context, args: Args) -> None:
    conveners = await members_repo.conveners(context.session, workspace_id(context))
    names = ", ".join(c.display_name for c in conveners) or "nobody yet"
    await context.reply(f"Conveners: {names}.")


COMMANDS = (
    CommandSpec(
        path=SILO_ADD_PATH,
        handler=silo_add,
        summary="Add a silo.",
        usage=SILO_ADD,
        example='/convene silo add "Public Health" --kind organisation',
        params=(Positional("name"), Option("kind", "KIND")),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=SILO_IMPORT_PATH,
        handler=silo_import,
        summary="Make silos from the platform's user groups, roles or a profile field.",
        usage=SILO_IMPORT,
        example="/convene silo import usergroups",
        params=(
            Positional("source", choices=tuple(IMPORT_SOURCES)),
            Positional("field", required=False, rest=True),
            Option("prefix", "TEXT"),
            Option("kind", "KIND"),
        ),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "silo", "remove"),
        handler=silo_remove,
        summary="Remove a silo.",
        usage=SILO_REMOVE,
        example="/convene silo remove Radiotherapy",
        params=(Positional("name"),),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "silo", "rename"),
        handler=silo_rename,
        summary="Rename a silo.",
        usage=SILO_RENAME,
        example='/convene silo rename Radiotherapy "Radiation Therapy"',
        params=(Positional("name"), Positional("new_name")),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=SILO_KIND_PATH,
        handler=silo_kind,
        summary="Change a silo's kind.",
        usage=SILO_KIND,
        example="/convene silo kind Radiotherapy profession",
        params=(Positional("name"), Positional("kind")),
        convener_only=True,
        group=GROUP,
    ),
    KINDS_COMMAND,
    CommandSpec(
        path=("convene", "silos"),
        handler=silos_list,
        summary="List silos with member counts.",
        usage="/convene silos",
        example="/convene silos",
        group="Everyone",
    ),
    CommandSpec(
        path=("convene", "member", "add"),
        handler=member_add,
        summary="Add a member (or update one) with silos and a time zone.",
        usage=MEMBER_ADD,
        example="/convene member add alice --silo Radiotherapy --tz Europe/London",
        params=(Positional("name"), Option("silo", "SILO", repeatable=True), Option("tz", "ZONE")),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "member", "remove"),
        handler=member_remove,
        summary="Remove a member (asks first, saying what of theirs is deleted).",
        usage=MEMBER_REMOVE,
        example="/convene member remove alice",
        params=(Positional("name"),),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "member", "silo"),
        handler=member_silo,
        summary="Put a member in a silo or take them out.",
        usage=MEMBER_SILO,
        example='/convene member silo add alice "Public Health"',
        params=(
            Positional("action", choices=("add", "remove")),
            Positional("name"),
            Positional("silo"),
        ),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "members"),
        handler=members_list,
        summary="List members with their silos and time zones.",
        usage=MEMBERS,
        example="/convene members --silo Radiotherapy",
        params=(Option("silo", "SILO"),),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "convener", "add"),
        handler=convener_add,
        summary="Make a member a convener.",
        usage=CONVENER_ADD,
        example="/convene convener add alice",
        params=(Positional("name"),),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "convener", "remove"),
        handler=convener_remove,
        summary="Stop a member being a convener.",
        usage=CONVENER_REMOVE,
        example="/convene convener remove alice",
        params=(Positional("name"),),
        convener_only=True,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "conveners"),
        handler=conveners_list,
        summary="List the conveners.",
        usage="/convene conveners",
        example="/convene conveners",
        group="Everyone",
    ),
)
"""Silos, members and conveners, in the order ``/convene help`` lists them."""


def register(registry: Registry) -> None:
    """Declare the landscape's commands."""

    for spec in COMMANDS:
        registry.command(spec)
