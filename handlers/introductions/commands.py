"""Introductions across silos: what conveners and members type, and the follow-up buttons.

Conveners run programmes with ``/convene pairing …``; members opt in and
shape their own part with ``/pairing …``. Rounds and follow-ups themselves
live in ``pairing_rounds``; the statistics in ``pairing_stats``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from bot.commands import Args, CommandSpec, Flag, Option, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.markup import has_control_characters, plain
from bot.registry import Registry
from bot.scheduler import trigger_for
from handlers.introductions import (
    followup,
    gap,
    marking,
    member_status,
    overview,
    resting,
    round_now,
)
from handlers.introductions import rounds as pairing_rounds
from handlers.introductions import stats as pairing_stats
from handlers.introductions.mixes import MixWritingError, mix_of, mix_words, mixing
from handlers.introductions.phrases import parse_duration, parse_gap, parse_schedule
from handlers.introductions.programmes import programme_meant
from handlers.introductions.round_dates import next_round, week_index
from handlers.introductions.round_dates import when as _when
from handlers.introductions.rounds import DEFAULT_STARTERS, FOLLOWUP_JOB, ROUND_JOB, taking_part
from handlers.shared import upcoming
from handlers.shared.bridges import EVERY_KIND, Mix, read_mix
from handlers.shared.channels import channel_id, channel_shown
from handlers.shared.help import make_help
from handlers.shared.kinds import KindAsked, kind_key, kind_meant
from handlers.shared.members import find_member, workspace_id
from handlers.shared.text import listed, member_reference, plural
from handlers.shared.zones import zone_named, zone_option
from storage.models import Participant, Programme
from storage.repositories import pairings as pairings_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import silos as silos_repo

CONVENER = "Introductions (conveners)"
MEMBER = "Introductions"
MAX_ABOUT = 280
MAX_STARTER = 300

START = (
    "/convene pairing start #CHANNEL every [N weeks on] DAY HH:MM "
    "[--size 2|3|4] [--mix KINDS] [--tz ZONE] [--affinity on|off]"
)
PAUSE = "/convene pairing pause [#CHANNEL]"
RESUME = "/convene pairing resume [#CHANNEL]"
ROUND_NOW = round_now.ROUND_NOW
STATUS = overview.STATUS
SETTINGS = (
    "/convene pairing settings [#CHANNEL] [--size N] [--mix KINDS|all] "
    "[--followup-days N] [--ban-rounds N] [--min-gap DAYS] [--affinity on|off]"
)
STARTERS = "/convene pairing starters [list|add TEXT|remove N] [--in #CHANNEL]"
JOIN = "/pairing join [#CHANNEL]"
LEAVE = "/pairing leave [#CHANNEL]"
MEMBER_PAUSE = "/pairing pause LENGTH [#CHANNEL]"
ABOUT = "/pairing about TEXT"
AVOID = "/pairing avoid @MEMBER"
UNAVOID = "/pairing unavoid @MEMBER"
AFFINITY_ON = (
    "From the next round, someone who wrote in a check-in that they are stuck on something is "
    "more likely to meet someone from another silo who wrote about solving it, and their "
    "introduction says so."
)
START_PATH = ("convene", "pairing", "start")
SETTINGS_PATH = ("convene", "pairing", "settings")


# -- conveners ---------------------------------------------------------------------------


async def start(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    channel = await channel_id(context, args["channel"], START)
    slot = parse_schedule(args["when"], START)
    size = _size(args.get("size") or "2", START)
    affinity = _affinity(args.get("affinity") or "off", START)
    kinds = await _kinds(context, args, START_PATH, START)
    zone = (
        zone_option(context, args, START) if args.get("tz") else (context.actor.timezone or "UTC")
    )
    if await pairings_repo.programme_in(context.session, wid, channel) is not None:
        raise UserError(
            f"{plain(args['channel'])} already has introductions; change them with "
            f"/convene pairing settings {plain(args['channel'])}."
        )
    trigger_for(slot.cron(), zone)  # proven valid before anything is written
    now = context.now
    round_schedule = await schedules_repo.create(
        context.session, workspace_id=wid, job=ROUND_JOB, cron=slot.cron(), timezone=zone, now=now
    )
    followup_schedule = await schedules_repo.create(
        context.session,
        workspace_id=wid,
        job=FOLLOWUP_JOB,
        cron=f"{slot.minute} {slot.hour} * * *",
        timezone=zone,
        now=now,
    )
    programme = await pairings_repo.add_programme(
        context.session,
        Programme(
            workspace_id=wid,
            channel_id=channel,
            channel_name=channel_shown(args["channel"], channel),
            group_size=size,
            mix_kinds=kinds.stored(),
            affinity=affinity,
            every_weeks=slot.every_weeks,
            weekday=slot.weekday,
            hour=slot.hour,
            minute=slot.minute,
            timezone=zone,
            anchor_at=now,
            starters=list(DEFAULT_STARTERS),
            schedule_id=round_schedule.id,
            followup_schedule_id=followup_schedule.id,
            created_at=now,
        ),
    )
    round_schedule.subject_id = programme.id
    followup_schedule.subject_id = programme.id
    schedules_repo.stage(context.session, round_schedule, followup_schedule)
    rounds = next_rounds(programme, now)
    await context.reply(
        f"Introductions are starting in #{programme.channel_name}: "
        f"{slot.describe()} ({zone}), "
        f"{_groups_of(size)} mixing {_mixing(programme)}"
        f"{', weighing what members need and offer' if affinity else ''}. "
        f"Next rounds in {zone}: {upcoming.listed(rounds, zone_named(zone), now=now)}. "
        "Join with /pairing join; tell others what you work on with /pairing about.",
        private=False,
    )


def next_rounds(programme: Programme, after: datetime) -> list[datetime]:
    """The next three moments a round runs: its day and time in its zone, on the weeks
    the round job takes (``week_index`` from the day it started, every N weeks)."""

    zone = zone_named(programme.timezone)
    at = time(programme.hour, programme.minute)

    def runs_on(day: date) -> bool:
        moment = upcoming.wall_moment(day, at, zone)
        return (
            day.weekday() == programme.weekday
            and week_index(programme, moment) % programme.every_weeks == 0
        )

    return upcoming.next_times(runs_on, at, zone, after)


def _size(value: str, usage: str) -> int:
    if value not in ("2", "3", "4"):
        raise UsageError(
            f"--size {plain(value)}: groups are 2, 3 or 4 people (2 is an introduction in pairs).",
            usage=usage,
        )
    return int(value)


async def _kinds(context: Context, args: Args, path: tuple[str, ...], usage: str) -> Mix:
    """The kinds of silo a programme mixes and the kinds it crosses (``team+profession``),
    every kind when none is said; each word read as every kind is read (a word that is
    no known kind is refused with buttons that finish the command)."""

    value = args.get("mix")
    try:
        words = mix_words(value) if value is not None else None
    except MixWritingError as problem:
        raise UsageError(str(problem), usage=usage) from None
    if words is None:
        return EVERY_KIND
    asked = KindAsked(path, args, "mix", usage, several=True)
    meant = {word: await kind_meant(context, word, asked) for word in words.every_word}
    silos = await silos_repo.list_with_counts(context.session, workspace_id(context))
    have = sorted({kind_key(s.silo.kind) for s in silos})
    empty = [kind for kind in dict.fromkeys(meant.values()) if kind_key(kind) not in have]
    if empty:
        kinds_so_far = listed(have) or "none yet (add silos with /convene silo add)"
        raise UsageError(
            f"No silo is of kind {listed(empty, 'or')} yet, so there is nothing of it to mix. "
            f"Kinds of silo so far: {kinds_so_far}; or say --mix all.",
            usage=usage,
        )
    try:
        return mix_of(
            [meant[word] for word in words.kinds],
            [(meant[first], meant[second]) for first, second in words.crossings],
        )
    except MixWritingError as problem:
        raise UsageError(str(problem), usage=usage) from None


def _affinity(value: str, usage: str) -> bool:
    """``--affinity on|off``: whether rounds also weigh topic affinity (off unless said)."""

    word = value.strip().lower()
    if word not in ("on", "off"):
        raise UsageError(
            f"--affinity {plain(value)}: say on (rounds also weigh what members wrote they need "
            "and offer) or off.",
            usage=usage,
        )
    return word == "on"


def _groups_of(size: int) -> str:
    return "in pairs" if size == 2 else f"in groups of {size}"


def _mixing(programme: Programme) -> str:
    return mixing(read_mix(programme.mix_kinds))


async def pause(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), PAUSE)
    programme.status = pairings_repo.PAUSED
    pairings_repo.stage(context.session, programme)
    await context.reply(
        f"Introductions in #{programme.channel_name} are paused; no rounds until "
        f"/convene pairing resume #{programme.channel_name}."
    )


async def resume(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), RESUME)
    programme.status = pairings_repo.ACTIVE
    pairings_repo.stage(context.session, programme)
    first = next_round(programme, context.now)
    await context.reply(
        f"Introductions in #{programme.channel_name} are back on; next round "
        f"{_when(first, programme.timezone)}."
    )


async def settings(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), SETTINGS)
    affinity = None if args.get("affinity") is None else _affinity(args["affinity"], SETTINGS)
    # Read before anything changes: a kind to confirm leaves the programme as it was.
    mix = await _kinds(context, args, SETTINGS_PATH, SETTINGS)
    changed = []
    if args.get("size"):
        programme.group_size = _size(args["size"], SETTINGS)
        changed.append("size")
    if args.get("mix") is not None:
        programme.mix_kinds = mix.stored()
        changed.append("mix")
    for option, low, high in (("followup-days", 1, 14), ("ban-rounds", 0, 52)):
        value = args.get(option)
        if value is None:
            continue
        if not value.isdigit() or not low <= int(value) <= high:
            raise UsageError(f"--{option} takes a number from {low} to {high}.", usage=SETTINGS)
        setattr(programme, option.replace("-", "_"), int(value))
        changed.append(option)
    if args.get("min-gap") is not None:
        programme.min_gap_days = parse_gap(
            args["min-gap"],
            SETTINGS,
            channel=programme.channel_name,
            every_weeks=programme.every_weeks,
        )
        changed.append("min-gap")
    turned_on = affinity is True and not programme.affinity
    if affinity is not None:
        programme.affinity = affinity
        changed.append("affinity")
    pairings_repo.stage(context.session, programme)
    every = "every week" if programme.every_weeks == 1 else f"every {programme.every_weeks} weeks"
    day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
        programme.weekday
    ]
    head = "Updated. " if changed else ""
    await context.reply(
        f"{head}#{programme.channel_name}: {every} on {day} at "
        f"{programme.hour:02d}:{programme.minute:02d} ({programme.timezone}); "
        f"{_groups_of(programme.group_size)}; mixing {_mixing(programme)}; follow-up after "
        f"{plural(programme.followup_days, 'day')}; no repeat within "
        f"{plural(programme.ban_rounds, 'round')}; topic affinity "
        f"{'on' if programme.affinity else 'off'}; {gap.rule(programme)}."
        + (f" {AFFINITY_ON}" if turned_on else "")
    )


async def starters(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("in"), STARTERS)
    action = (args.get("action") or "list").lower()
    items = list(programme.starters)
    if action == "add":
        text = args.get("text")
        if not text or has_control_characters(text):
            raise UsageError("Say the conversation starter in plain words.", usage=STARTERS)
        if len(text) > MAX_STARTER:
            raise UsageError(f"Keep a starter to {MAX_STARTER} characters.", usage=STARTERS)
        items.append(text)
        programme.starters = items
        pairings_repo.stage(context.session, programme)
        await context.reply(f"Added starter {len(items)}: {plain(text)}")
        return
    if action == "remove":
        number = args.get("text") or ""
        if not number.isdigit() or not 1 <= int(number) <= len(items):
            raise UsageError(f"Say which starter by its number, 1 to {len(items)}.", usage=STARTERS)
        if len(items) == 1:
            raise UserError("That is the last starter; add another before removing it.")
        removed = items.pop(int(number) - 1)
        programme.starters = items
        pairings_repo.stage(context.session, programme)
        await context.reply(f"Removed starter {number}: {plain(removed)}")
        return
    if action != "list":
        raise UsageError(f"Say list, add or remove, not {plain(action)!r}.", usage=STARTERS)
    lines = [f"Conversation starters for #{programme.channel_name}, used in turn:"]
    lines.extend(f"{i}. {plain(s)}" for i, s in enumerate(items, 1))
    await context.reply("\n".join(lines))


# -- members -----------------------------------------------------------------------------


async def join(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), JOIN)
    assert programme.id is not None and context.actor.id is not None
    participant = await pairings_repo.participant(context.session, programme.id, context.actor.id)
    if participant is not None and taking_part(participant):
        await context.reply(f"You are already in the introductions in #{programme.channel_name}.")
        return
    if participant is None:
        participant = Participant(
            programme_id=programme.id, member_id=context.actor.id, joined_at=context.now
        )
    participant.status = pairings_repo.ACTIVE
    participant.paused_until = None
    participant.joined_at = context.now  # unanswered follow-ups count afresh from here
    await pairings_repo.save(context.session, participant)
    # In the member's own zone when they have one: a round at 10:00 London is 05:00 for bob.
    zone = context.actor.timezone or programme.timezone
    upcoming = _when(next_round(programme, context.now), zone)
    hint = "" if participant.about else " Tell your future matches what you do: /pairing about …"
    await context.reply(
        f"You're in the introductions in #{programme.channel_name}. Next round: {upcoming}.{hint}"
    )


async def leave(context: Context, args: Args) -> None:
    programme = await programme_meant(context, args.get("channel"), LEAVE)
    participant = await _mine(context, programme)
    participant.status = pairings_repo.LEFT
    participant.paused_until = None
    await pairings_repo.save(context.session, participant)
    await context.reply(
        f"You have left the introductions in #{programme.channel_name}. "
        "Come back any time with /pairing join."
    )


async def member_pause(context: Context, args: Args) -> None:
    length = parse_duration(args["length"], MEMBER_PAUSE)
    programme = await programme_meant(context, args.get("channel"), MEMBER_PAUSE)
    participant = await _mine(context, programme)
    until = context.now + length
    participant.paused_until = until
    await pairings_repo.save(context.session, participant)
    zone = context.actor.timezone or "UTC"
    await context.reply(
        f"Paused until {_when(until, zone)}. You will be back in the introductions "
        f"in #{programme.channel_name} by yourself then (or sooner with /pairing join)."
    )


async def _mine(context: Context, programme: Programme) -> Participant:
    assert programme.id is not None and context.actor.id is not None
    participant = await pairings_repo.participant(context.session, programme.id, context.actor.id)
    if participant is None or participant.status == pairings_repo.LEFT:
        raise UserError(
            f"You are not in the introductions in #{programme.channel_name}; "
            "join them with /pairing join."
        )
    return participant


async def about(context: Context, args: Args) -> None:
    text = " ".join(args["text"].split())
    if len(text) > MAX_ABOUT:
        raise UsageError(
            f"That is {len(text):,} characters; keep your line to {MAX_ABOUT}.", usage=ABOUT
        )
    assert context.actor.id is not None
    mine = await pairings_repo.memberships(context.session, context.actor.id)
    if not mine:
        raise UserError("Join the introductions first (/pairing join), then add your line.")
    for participant, _ in mine:
        participant.about = text
        pairings_repo.stage(context.session, participant)
    await context.reply(f'Your introductions will say: "{plain(text)}"')


async def avoid(context: Context, args: Args) -> None:
    other = await find_member(context, args["member"], AVOID)
    if other.id == context.actor.id:
        raise UsageError("You cannot avoid yourself.", usage=AVOID)
    assert context.actor.id is not None and other.id is not None
    added = await pairings_repo.avoid(context.session, context.actor.id, other.id, context.now)
    text = (
        f"Noted, privately: you will never be grouped with {other.display_name}."
        if added
        else f"You already avoid {other.display_name}."
    )
    await context.reply(text + f" Undo with /pairing unavoid @{member_reference(args['member'])}.")


async def unavoid(context: Context, args: Args) -> None:
    other = await find_member(context, args["member"], UNAVOID)
    assert context.actor.id is not None and other.id is not None
    removed = await pairings_repo.unavoid(context.session, context.actor.id, other.id)
    await context.reply(
        f"You may be grouped with {other.display_name} again."
        if removed
        else f"You were not avoiding {other.display_name}."
    )


# -- follow-up buttons and the learning form ------------------------------------------------
# They live in ``followup`` (the answer, the take-away and who may read it) and
# ``marking`` (a convener's ``/convene pairing met``).


# -- registration --------------------------------------------------------------------------


_CHANNEL = Positional("channel", required=False)

CONVENER_COMMANDS = (
    CommandSpec(
        path=START_PATH,
        handler=start,
        summary="Start introductions in a channel.",
        usage=START,
        example=(
            "/convene pairing start #general every 2 weeks on Monday 10:00 --size 2 "
            "--mix team,organisation"
        ),
        params=(
            Positional("channel"),
            Positional("when", rest=True),
            Option("size", "N"),
            Option("mix", "KINDS"),
            Option("tz", "ZONE"),
            Option("affinity", "on|off"),
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "pause"),
        handler=pause,
        summary="Pause a programme's rounds.",
        usage=PAUSE,
        example="/convene pairing pause #general",
        params=(_CHANNEL,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "resume"),
        handler=resume,
        summary="Resume a paused programme.",
        usage=RESUME,
        example="/convene pairing resume #general",
        params=(_CHANNEL,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "round", "now"),
        handler=round_now.round_now,
        summary="Run a round at once (--anyway: even for members introduced lately).",
        usage=ROUND_NOW,
        example="/convene pairing round now #general",
        params=(_CHANNEL, Flag("anyway")),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "status"),
        handler=overview.status,
        summary="See programmes and who takes part.",
        usage=STATUS,
        example="/convene pairing status",
        params=(_CHANNEL,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=SETTINGS_PATH,
        handler=settings,
        summary="See or change a programme's settings.",
        usage=SETTINGS,
        example="/convene pairing settings #general --size 3",
        params=(
            _CHANNEL,
            Option("size", "N"),
            Option("mix", "KINDS"),
            Option("followup-days", "N"),
            Option("ban-rounds", "N"),
            Option("min-gap", "DAYS"),
            Option("affinity", "on|off"),
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "starters"),
        handler=starters,
        summary="List, add or remove conversation starters.",
        usage=STARTERS,
        example='/convene pairing starters add "What surprised you this month?"',
        params=(
            Positional("action", required=False, choices=("list", "add", "remove")),
            Positional("text", required=False, rest=True, max_length=MAX_STARTER + 50),
            Option("in", "#CHANNEL"),
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "stats"),
        handler=pairing_stats.stats,
        summary="Rounds, and the silo pairs met and introduced so far.",
        usage=pairing_stats.STATS,
        example="/convene pairing stats #general",
        params=(_CHANNEL,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "met"),
        handler=marking.mark_met,
        summary="Mark an introduction as met for members who told you in person.",
        usage=marking.MET,
        example="/convene pairing met @alice @bob --round 2",
        params=(
            Positional("member"),
            Positional("other_member", required=False),
            _CHANNEL,
            Option("round", "N"),
            Flag("anyway"),
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "pairing", "stories"),
        handler=pairing_stats.stories,
        summary="What members learned, with what each allowed (conveners only or shared).",
        usage=pairing_stats.STORIES,
        example="/convene pairing stories",
        params=(_CHANNEL,),
        convener_only=True,
        group=CONVENER,
    ),
)
"""``/convene pairing …``: running the programmes."""

MEMBER_COMMANDS = (
    CommandSpec(
        path=("pairing", "join"),
        handler=join,
        summary="Join the introductions (never automatic).",
        usage=JOIN,
        example="/pairing join",
        params=(_CHANNEL,),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "status"),
        handler=member_status.member_status,
        summary="Where you stand: in or paused, your next round, your last introduction.",
        usage=member_status.MEMBER_STATUS,
        example="/pairing status",
        params=(_CHANNEL,),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "leave"),
        handler=leave,
        summary="Leave the introductions.",
        usage=LEAVE,
        example="/pairing leave",
        params=(_CHANNEL,),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "pause"),
        handler=member_pause,
        summary="Take a break; you come back by yourself.",
        usage=MEMBER_PAUSE,
        example="/pairing pause 3w",
        params=(Positional("length"), _CHANNEL),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "about"),
        handler=about,
        summary="A line about you, shown in your introductions.",
        usage=ABOUT,
        example="/pairing about I work on discharge planning and want to learn about data",
        params=(Positional("text", rest=True, max_length=2000),),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "avoid"),
        handler=avoid,
        summary="Never be grouped with someone (private).",
        usage=AVOID,
        example="/pairing avoid @bob",
        params=(Positional("member"),),
        group=MEMBER,
    ),
    CommandSpec(
        path=("pairing", "unavoid"),
        handler=unavoid,
        summary="Undo an avoid.",
        usage=UNAVOID,
        example="/pairing unavoid @bob",
        params=(Positional("member"),),
        group=MEMBER,
    ),
)
"""``/pairing …``: a member's own part, listed after ``/pairing help``."""


def register(registry: Registry) -> None:
    """Declare the commands in help order, then the follow-up buttons, the form and the jobs."""

    for spec in (*CONVENER_COMMANDS, make_help(registry, "pairing", MEMBER), *MEMBER_COMMANDS):
        registry.command(spec)
    for action_id in followup.OUTCOMES:
        registry.button(action_id, followup.followup_answer)
    registry.button(followup.CHANGE_CONSENT, followup.change_clicked)
    registry.button(marking.MARK_ANYWAY, marking.anyway_clicked)
    registry.button(resting.RESUME_ACTION, resting.resume_clicked)
    registry.button(round_now.RUN_WITHOUT, round_now.run_clicked)
    registry.button(round_now.RUN_ANYWAY, round_now.run_clicked)
    registry.form(followup.LEARNING_FORM, followup.learning_submitted)
    registry.job(pairing_rounds.ROUND_JOB, pairing_rounds.round_job)
    registry.job(pairing_rounds.FOLLOWUP_JOB, pairing_rounds.followup_job)
