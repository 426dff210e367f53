"""Asking directly: ``/pairing find TOPIC``, ``/convene who knows TOPIC`` and ``[Introduce us]``.

A member (or a convener) names a topic; Convene answers with up to five
members from other silos whose offers or ``/pairing about`` lines read like
it, each with the words that matched and ``[Introduce us]``. The search reads
the same passages as the suggestions after a check-in run
(``handlers.shared.passages``), through a per-process cache of each
workspace's index (``index_cache``: why and how it stays current).

Who may be listed: never the asker; never a member who opted out
(``/pairing suggest off``), nor one who asked never to meet the asker or whom
the asker avoids (privately: they are simply not listed); never a member who
shares a silo with the asker, of the kinds the convener picked for
suggestions (``PairRules.share_a_silo``; an asker in no silo, as a convener
often is, may find anyone). What may be shown: to a member, only text they
may be quoted (``Passage.quotable``: a take-away its author kept for conveners
is never even searched for them); to a convener, everything, marked.

``[Introduce us]``: a list's buttons name one kept row (``FormDraft``, as
the buttons that finish a refused command do, kept as long: 7 days) holding
the topic asked and, for each member listed, what may be quoted of them, so
the press can quote them; its random key means an old or made-up value finds
nothing, and the row says whose list it was (only the asker may press). A
press counts once: it locks the row, then refuses a pair introduced lately,
which a first press has just made them; and the introductions job makes
nothing twice under one key (asker, member, day). The introduction itself is
the introductions job's (``INTRODUCTION_ASKED``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import ButtonClicked
from bot.markup import plain
from bot.messages import Button
from bot.registry import Registry
from handlers.opportunities import choices, index_cache
from handlers.shared.introduction_hooks import ASKED, INTRODUCTION_ASKED, IntroductionAsked
from handlers.shared.kinds import kind_key
from handlers.shared.members import workspace_id
from handlers.shared.passages import DEFAULT_WEEKS, PairRules, window
from handlers.shared.text import plural
from handlers.shared.topics import Passage, snippet, words
from handlers.shared.zones import local_day
from storage.models import FormDraft, Member
from storage.repositories import form_drafts as drafts_repo
from storage.repositories import members as members_repo
from storage.repositories import opportunities as opportunities_repo
from storage.repositories import workspace_settings as settings_repo

FIND: Final = "/pairing find TOPIC"
WHO_KNOWS: Final = "/convene who knows TOPIC"
EXAMPLE: Final = "discharge planning"
MAX_TOPIC: Final = 200
"""The longest topic read: a few words find more than a paragraph."""
LISTED: Final = 5
SNIPPET: Final = 160
LABEL_NAME: Final = 60
"""How much of a name a button label shows (Slack takes 75 characters, Discord 80)."""
INTRODUCE: Final = "opportunities.introduce"
"""The ``[Introduce us]`` buttons' action, and the ``form_id`` of the rows they name."""
FOUND: Final = "found"
"""In such a row: each member listed (by id) and what may be quoted of them."""
MEMBER_GROUP: Final = "Opportunities"
CONVENER_GROUP: Final = "Opportunities (conveners)"
SOURCES: Final = {"answer": "check-in", "about": "their /pairing about", "story": "take-away"}


# -- the search ---------------------------------------------------------------------------


def _day(moment: datetime, context: Context) -> str:
    return local_day(moment, context.actor.timezone)


async def find(context: Context, args: Args) -> None:
    """``/pairing find TOPIC``: members of other silos who wrote about it, quotable only."""

    await _search(context, args.get("topic") or "", FIND, conveners=False)


async def who_knows(context: Context, args: Args) -> None:
    """``/convene who knows TOPIC``: the same, for a convener, who may read every text."""

    await _search(context, args.get("topic") or "", WHO_KNOWS, conveners=True)


def _command(usage: str, topic: str = EXAMPLE) -> str:
    return usage.replace("TOPIC", topic)


def topic_meant(typed: str, usage: str) -> str:
    """The topic, or a refusal saying what to type: empty, too long, or only words that
    every answer holds."""

    topic = " ".join(plain(typed).split())
    if not topic:
        raise UsageError(
            f"Say what you are looking for, in a few words. For example: {_command(usage)}"
        )
    if len(topic) > MAX_TOPIC:
        raise UsageError(
            f"That topic is {len(topic):,} characters long; a few words find more (at most "
            f"{MAX_TOPIC}). For example: {_command(usage)}"
        )
    if not words(topic):
        raise UsageError(
            f'"{topic}" holds only words nearly every answer has, so it would find everyone; '
            f"name the subject itself. For example: {_command(usage)}"
        )
    return topic


async def _search(context: Context, typed: str, usage: str, *, conveners: bool) -> None:
    topic = topic_meant(typed, usage)
    wid = workspace_id(context)
    asker = context.actor
    assert asker.id is not None
    settings = await settings_repo.get(context.session, wid)
    weeks = settings.opportunity_weeks or DEFAULT_WEEKS
    since = window(context.now, weeks)
    opted_out = frozenset(await opportunities_repo.opted_out(context.session, wid))
    indexes = await index_cache.topic_indexes(
        context.session, wid, weeks=weeks, since=since, opted_out=opted_out
    )
    rules = await _rules(context, settings.opportunity_kinds, opted_out)
    avoided = await opportunities_repo.avoided_either_way(context.session, asker.id)

    def allowed(passage: Passage) -> bool:
        other = passage.member_id
        return (
            other != asker.id
            and other not in opted_out
            and other not in avoided
            and not rules.share_a_silo(asker.id or 0, other)
            and (conveners or passage.quotable)
        )

    # A few more than shown, in case one was removed since the index was read.
    found = indexes.search(topic, limit=LISTED + 2, allowed=allowed)
    people = {
        m.id: m
        for m in await members_repo.reloaded(context.session, [p.member_id for p, _ in found])
        if m.id is not None and m.workspace_id == wid and m.suggestions_off_at is None
    }
    found = [(p, score) for p, score in found if p.member_id in people][:LISTED]
    if not found:
        outside = bool(rules.silos.get(asker.id))
        await context.reply(_nothing_found(topic, usage, weeks, outside=outside))
        return
    met = await opportunities_repo.introduced_with(context.session, wid, asker.id, since)
    silos = await members_repo.silo_names(context.session, [p.member_id for p, _ in found])
    await drafts_repo.forget_older_than(context.session, context.now - drafts_repo.KEPT_FOR)
    others = " of other silos" if rules.silos.get(asker.id) else ""
    lines = [
        f'Who knows about "{topic}": {plural(len(found), "member")}{others}, from what they '
        f"wrote in the last {weeks} weeks and their /pairing about lines."
    ]
    pressable = [p for p, _ in found if p.member_id not in met]
    draft = await _keep(context, topic, pressable) if pressable else None
    buttons: list[Button] = []
    for number, (passage, _score) in enumerate(found, start=1):
        person = people[passage.member_id]
        assert person.id is not None
        where = f" ({', '.join(plain(s) for s in silos[person.id])})" if person.id in silos else ""
        quote = plain(snippet(passage.text, SNIPPET))
        name = plain(person.display_name)
        lines.append(f'{number}. *{name}*{where}: "{quote}" ({_source(passage, context)})')
        if person.id in met:
            lines.append(
                f"   You were introduced on {_day(met[person.id], context)}, so no button: "
                "you know each other already."
            )
            continue
        assert draft is not None
        buttons.append(
            Button(
                f"Introduce us: {person.display_name[:LABEL_NAME]}",
                INTRODUCE,
                drafts_repo.button_value(draft, str(person.id)),
            )
        )
    if buttons:
        what = (
            " (and what they wrote, when they may be quoted to each other)."
            if conveners
            else " and what they wrote."
        )
        lines.append(
            "Press Introduce us to meet one of them: I introduce you both, quoting what you "
            "asked" + what
        )
    await context.reply("\n".join(lines), buttons)


async def _rules(context: Context, kinds_apart: str, opted_out: frozenset[int]) -> PairRules:
    """The part of the workspace's pair rules a search needs: who shares a silo with the
    asker, of the kinds kept apart (read as ``handlers.shared.passages.load_rules`` reads
    them). Only the asker's silos are read: whether another member shares one of them is
    all ``share_a_silo`` asks, so the rest of the landscape need not be."""

    mine = [s.id for s in await members_repo.silos_of(context.session, context.actor)]
    places = await opportunities_repo.silo_places(
        context.session, workspace_id(context), [i for i in mine if i is not None]
    )
    silos: dict[int, set[int]] = {}
    for place in places:
        silos.setdefault(place.member_id, set()).add(place.silo_id)
    apart = frozenset(kind_key(k) for k in kinds_apart.split(",") if k.strip()) or None
    return PairRules(
        silos={member: frozenset(ids) for member, ids in silos.items()},
        kinds={place.silo_id: kind_key(place.kind) for place in places},
        apart=apart,
        introduced=frozenset(),
        avoided=frozenset(),
        held=frozenset(),
        opted_out=opted_out,
    )


def _nothing_found(topic: str, usage: str, weeks: int, *, outside: bool) -> str:
    """Nobody found: say so, and what to try (one telling word of the topic; an about
    line, so that others find the asker)."""

    telling = [word for word in topic.split() if words(word)]
    fewer = (
        f"fewer or other words (e.g. {_command(usage, telling[0])})"
        if len(topic.split()) > 1 and telling
        else "other words for it"
    )
    where = " outside your silos" if outside else ""
    return (
        f'I found nobody{where} who wrote about "{topic}" in the last {weeks} weeks. '
        f"Try {fewer}; and say what you know yourself with /pairing about TEXT, so others "
        "can find you."
    )


def _source(passage: Passage, context: Context) -> str:
    source = SOURCES.get(passage.source, passage.source)
    if passage.source == "about":
        return source
    when = f", {_day(passage.at, context)}" if passage.at is not None else ""
    private = "" if passage.quotable else ", conveners only: never quoted to members"
    return f"{source}{when}{private}"


async def _keep(context: Context, topic: str, passages: Sequence[Passage]) -> FormDraft:
    """The row a list's ``[Introduce us]`` buttons name: whose list it is, the topic, and
    for each member listed what may be quoted to both (nothing, when it may not)."""

    assert context.actor.id is not None
    return await drafts_repo.add(
        context.session,
        FormDraft(
            workspace_id=workspace_id(context),
            member_id=context.actor.id,
            form={
                "form_id": INTRODUCE,
                "context": "",
                "topic": topic,
                FOUND: {
                    str(p.member_id): snippet(p.text, SNIPPET) if p.quotable else ""
                    for p in passages
                },
            },
            field="",
            reason="",
            created_at=context.now,
        ),
    )


# -- [Introduce us] -----------------------------------------------------------------------


async def introduce_clicked(context: Context) -> None:
    """``[Introduce us]``: the asker and the member found, introduced outside the rounds,
    once, unless one of them can no longer be."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    wid = workspace_id(context)
    asker = context.actor
    assert asker.id is not None
    found = await drafts_repo.named(context.session, event.value, wid)
    if (
        found is None
        or found[0].form.get("form_id") != INTRODUCE
        or found[0].created_at < context.now - drafts_repo.KEPT_FOR
    ):
        await context.reply(await _gone(context, event.value))
        return
    draft, more = found
    assert draft.id is not None
    draft = await drafts_repo.hold(context.session, draft.id) or draft
    if draft.member_id != asker.id:
        raise UserError(
            "Those buttons belong to whoever asked; to meet someone yourself, ask with "
            f"{_command(FIND)}"
        )
    listed: dict[str, str] = dict(draft.form.get(FOUND) or {})
    other_id = more[0] if more and more[0] in listed else ""
    other = await members_repo.get(context.session, int(other_id)) if other_id.isdigit() else None
    if other is None or other.workspace_id != wid or other.id is None:
        raise UserError("That member is no longer here, so there is nobody to introduce.")
    who = plain(other.display_name)
    avoided = await opportunities_repo.avoided_either_way(context.session, asker.id)
    if other.suggestions_off_at is not None or other.id in avoided:
        raise UserError(
            f"{who} is not taking introductions through Convene just now, so I asked for "
            "nothing. Try someone else on the list."
        )
    settings = await settings_repo.get(context.session, wid)
    weeks = settings.opportunity_weeks or DEFAULT_WEEKS
    met = await opportunities_repo.introduced_with(
        context.session, wid, asker.id, window(context.now, weeks)
    )
    if other.id in met:
        raise UserError(
            f"You and {who} were introduced already, on {_day(met[other.id], context)} (within "
            f"the last {weeks} weeks), so I asked for nothing new; you can write to them "
            "directly."
        )
    topic = str(draft.form.get("topic", ""))
    quote = str(listed.get(other_id, ""))
    asked = IntroductionAsked(
        workspace=context.workspace,
        members=(asker, other),
        origin=ASKED,
        reason=reason(asker, other, topic, quote),
        key=f"asked:{asker.id}:{other.id}:{context.now.date().isoformat()}",
        asked_by=asker,
    )
    await context.announce(INTRODUCTION_ASKED, asked)
    if asked.round_id is not None:
        # Where the platform has no group DMs, each of the two got their own (offround).
        where = (
            "a message to you both"
            if context.capabilities.group_dm
            else "a direct message to each of you"
        )
        await context.reply(f"Done: I introduced you to {who}, in {where} that says why.")
    else:
        await context.reply(f"Asked for your introduction to {who}.")


def reason(asker: Member, other: Member, topic: str, quote: str) -> str:
    """Why they meet, in the neutral markup: the topic asked and, when it may be quoted
    to both, what the other wrote."""

    said = f'{plain(asker.display_name)} asked who knows about "{plain(topic)}"'
    if quote:
        return f'{said}, and {plain(other.display_name)} wrote: "{plain(quote)}"'
    return f"{said}, and {plain(other.display_name)} came up."


async def _gone(context: Context, value: str) -> str:
    """The answer to a press whose row is gone (kept 7 days, or its asker removed): when
    the two were introduced, if they were, else how to look again."""

    parts = value.split(":")
    other_id = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    asker = context.actor
    if other_id is not None and asker.id is not None:
        settings = await settings_repo.get(context.session, workspace_id(context))
        weeks = settings.opportunity_weeks or DEFAULT_WEEKS
        met = await opportunities_repo.introduced_with(
            context.session, workspace_id(context), asker.id, window(context.now, weeks)
        )
        if other_id in met:
            other = await members_repo.get(context.session, other_id)
            name = plain(other.display_name) if other is not None else "them"
            return (
                f"That is done already: you and {name} were introduced on "
                f"{_day(met[other_id], context)}."
            )
    return (
        f"That list is more than {drafts_repo.KEPT_FOR.days} days old, so its buttons no "
        f"longer work. To look again: {_command(FIND)}"
    )


# -- registration ---------------------------------------------------------------------------


def _topic() -> Positional:
    return Positional("topic", required=False, rest=True, max_length=2000)


COMMANDS = (
    CommandSpec(
        path=("convene", "who", "knows"),
        handler=who_knows,
        summary="Members of other silos who wrote about a topic, to introduce yourself to.",
        usage=WHO_KNOWS,
        example=_command(WHO_KNOWS),
        params=(_topic(),),
        convener_only=True,
        group=CONVENER_GROUP,
        free_text=True,
    ),
    CommandSpec(
        path=("pairing", "find"),
        handler=find,
        summary="Find members of other silos who know about a topic, and meet one.",
        usage=FIND,
        example=_command(FIND),
        params=(_topic(),),
        group=MEMBER_GROUP,
        free_text=True,
    ),
)


def register(registry: Registry) -> None:
    """The two searches, their button, and the member's choice (``choices``)."""

    for spec in COMMANDS:
        registry.command(spec)
    registry.button(INTRODUCE, introduce_clicked)
    choices.register(registry)
