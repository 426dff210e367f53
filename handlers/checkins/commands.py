"""Check-ins: what conveners and members type, and the buttons and forms.

Conveners shape check-ins with ``/convene checkin …``; members join, leave
and skip with ``/checkin …``. A run's life (asking, reminding, closing) is in
``checkin_runs``; answering in ``checkin_answers``; the report in
``checkin_report``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import audit_trail
from bot.commands import Args, CommandSpec, Flag, Option, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import ButtonClicked
from bot.markup import has_control_characters, plain
from bot.messages import Button
from bot.nearest import nearest
from bot.permissions import require_convener
from bot.registry import Registry
from bot.scheduler import trigger_for
from bot.words import command_line
from handlers.checkins import answers as checkin_answers
from handlers.checkins import privacy
from handlers.checkins import report as checkin_report
from handlers.checkins import runs as checkin_runs
from handlers.checkins.phrases import (
    END_OF_DAY,
    CheckinSlot,
    describe_days,
    parse_checkin_schedule,
    parse_close,
    parse_delay,
    parse_last_day,
)
from handlers.checkins.runs import (
    EARLIEST_ZONE,
    OPEN_GRACE_MINUTES,
    OPEN_JOB,
    TICK_JOB,
    next_ask,
    next_asks,
    zone_of,
)
from handlers.checkins.templates import (
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    SCALE,
    SCALE_HIGH,
    SCALE_LOW,
    TEMPLATES,
    TEXT,
    describe_templates,
    is_scale,
)
from handlers.shared import upcoming
from handlers.shared.channels import channel_id, channel_shown
from handlers.shared.date_order import workspace_date_order
from handlers.shared.dates import leading_date_words
from handlers.shared.help import make_help
from handlers.shared.intents import (
    INTENTS,
    NEED,
    OFFER,
    Intent,
    intent_of,
    intent_word,
    read_intent,
)
from handlers.shared.members import workspace_id
from handlers.shared.text import clean_name, plural
from handlers.shared.zones import zone_named, zone_option
from storage.models import Checkin, CheckinMember, CheckinRun, Schedule
from storage.repositories import checkins as checkins_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import timers as timers_repo

CONVENER = "Check-ins (conveners)"
MEMBER = "Check-ins"

CREATE = (
    '/convene checkin create "NAME" #CHANNEL every DAY[S] HH:MM '
    f"[--template {'|'.join(TEMPLATES)}] [--who channel|joined] [--remind-after 3h|off] "
    "[--closes HH:MM] [--tz ZONE] [--answers thread|conveners|summary]"
)
QUESTIONS = (
    '/convene checkin questions "NAME" [list | add "TEXT" [--need | --offer | --scale] | '
    "mark N need|offer|neither | remove N | move FROM TO]"
)
LIST = "/convene checkin list"
PAUSE = '/convene checkin pause "NAME"'
RESUME = '/convene checkin resume "NAME"'
RUN_NOW = '/convene checkin run now "NAME"'
DELETE = '/convene checkin delete "NAME"'
REPORT = '/convene checkin report "NAME" [--runs 8]'
SETTINGS = (
    '/convene checkin settings "NAME" [--schedule "every Monday 09:00"] '
    "[--who channel|joined] [--remind-after 3h|off] [--closes HH:MM] [--tz ZONE] "
    "[--answers thread|conveners|summary]"
)
JOIN = '/checkin join ["NAME"]'
LEAVE = '/checkin leave ["NAME"]'
SKIP = '/checkin skip next ["NAME"] | /checkin skip until DATE ["NAME"] | /checkin skip off'
MINE = "/checkin status"


# -- finding the check-in meant ------------------------------------------------------------


async def checkin_named(context: Context, name: str, usage: str) -> Checkin:
    found = await checkins_repo.by_name(context.session, workspace_id(context), name.strip())
    if found is not None:
        return found
    every = await checkins_repo.of_workspace(context.session, workspace_id(context))
    have = ", ".join(f'"{c.name}"' for c in every) or "none yet"
    raise UserError(f'There is no check-in called "{plain(name)}". Check-ins: {have}.', usage=usage)


async def checkin_meant(context: Context, name: str | None, usage: str) -> Checkin:
    """The check-in named, or the one in this channel, or the only one."""

    if name:
        return await checkin_named(context, name, usage)
    every = await checkins_repo.of_workspace(context.session, workspace_id(context))
    here = [c for c in every if c.channel_id == context.event.place.channel_id]
    if len(here) == 1:
        return here[0]
    if len(every) == 1:
        return every[0]
    if not every:
        raise UserError(
            "There are no check-ins yet. A convener creates one with "
            '/convene checkin create "Weekly pulse" #general every Monday 09:00'
        )
    names = ", ".join(f'"{c.name}"' for c in every)
    raise UsageError(f"There are several check-ins ({names}); say which one.", usage=usage)


# -- conveners -------------------------------------------------------------------------------


async def create(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    name = clean_name(args["name"], "check-in name", CREATE)
    channel = await channel_id(context, args["channel"], CREATE)
    slot = parse_checkin_schedule(args["when"], CREATE)
    template_name = (args.get("template") or "standup").strip().lower()
    template = TEMPLATES.get(template_name)
    if template is None:
        meant = nearest(template_name, TEMPLATES)
        raise args.refusal(
            f"There is no template {plain(template_name)!r}. Templates: {describe_templates()}.",
            {"template": meant[0] if meant else "standup"},
            example=not meant,
        )
    who = _who(args, "channel")
    answers_to = privacy.read_answers_to(args, privacy.THREAD)
    remind, closes = _timing(args, slot, CREATE, remind=180, closes=END_OF_DAY)
    zone = (
        zone_option(context, args, CREATE) if args.get("tz") else (context.actor.timezone or "UTC")
    )
    if await checkins_repo.by_name(context.session, wid, name) is not None:
        raise UserError(
            f'There is already a check-in called "{plain(name)}"; pick another name, or change '
            f'its questions with /convene checkin questions "{plain(name)}".'
        )
    now = context.now
    schedule = await _opening_schedule(context, slot)
    checkin = await checkins_repo.add(
        context.session,
        Checkin(
            workspace_id=wid,
            name=name,
            name_key=name.casefold(),
            channel_id=channel,
            channel_name=channel_shown(args["channel"], channel),
            template=template.name,
            questions=[dict(q) for q in template.questions],
            weekdays=slot.days_text(),
            every_weeks=slot.every_weeks,
            hour=slot.hour,
            minute=slot.minute,
            timezone=zone,
            anchor_at=now,
            audience=who,
            answers_to=answers_to,
            remind_after_minutes=remind,
            closes_minute=closes,
            schedule_id=schedule.id,
            created_by=context.actor.id,
            created_at=now,
        ),
    )
    schedule.subject_id = checkin.id
    schedules_repo.stage(context.session, schedule)
    await _open_today(context, checkin)
    who_text = (
        f"everyone in #{checkin.channel_name} (members can opt out with /checkin leave)"
        if who == "channel"
        else "members who type /checkin join"
    )
    await context.reply(
        f'Created the check-in "{plain(name)}" in #{checkin.channel_name}: '
        f"{slot.describe()} in each "
        f"member's own time zone ({zone} for anyone who has not set one), asking {who_text}. "
        f"Template {template.name}: {template.summary}. "
        f"{_reminder_text(remind)} Answers close at {_close_words(closes)}; "
        f"{privacy.for_conveners(checkin)}. "
        f"{_next_text(checkin, now)}",
        private=False,
    )


def _who(args: Args, default: str) -> str:
    who = (args.get("who") or default).strip().lower()
    if who not in AUDIENCES:
        meant = nearest(who, AUDIENCES)
        raise args.refusal(
            f"I could not use --who {plain(who)}: say channel (everyone in the channel) or "
            "joined (members who type /checkin join).",
            {"who": meant[0] if meant else "joined"},
            example=not meant,
        )
    return who


AUDIENCES = ("channel", "joined")


def _timing(
    args: Args, slot: CheckinSlot, usage: str, *, remind: int, closes: int
) -> tuple[int, int]:
    """The reminder delay and closing time, from the options or as they were, checked together."""

    given_remind = args.get("remind-after")
    try:
        remind = parse_delay(given_remind, usage) if given_remind else remind
    except UsageError as refused:
        raise args.refusal(refused.message, {"remind-after": "3h"}, example=True) from None
    try:
        closes = parse_close(args["closes"], usage) if args.get("closes") else closes
    except UsageError as refused:
        raise args.refusal(refused.message, {"closes": "17:00"}, example=True) from None
    ask = slot.hour * 60 + slot.minute
    if closes <= ask:
        raise UsageError(
            f"It would close at {closes // 60:02d}:{closes % 60:02d}, before it asks at "
            f"{slot.hour:02d}:{slot.minute:02d}; give a later --closes.",
            usage=usage,
        )
    if remind and ask + remind >= closes:
        if given_remind:
            raise UsageError(
                "The reminder would come after the check-in closes; give a shorter "
                "--remind-after or a later --closes.",
                usage=usage,
            )
        remind = 0  # a reminder not asked for that does not fit a short day: none
    return remind, closes


async def _opening_schedule(context: Context, slot: CheckinSlot) -> Schedule:
    """The recurring schedule that opens each run (see ``checkin_runs``)."""

    cron = f"{slot.minute} {slot.hour} * * " + ",".join(str((d + 1) % 7) for d in slot.weekdays)
    trigger_for(cron, EARLIEST_ZONE)  # proven valid before anything is written
    return await schedules_repo.create(
        context.session,
        workspace_id=workspace_id(context),
        job=OPEN_JOB,
        cron=cron,
        timezone=EARLIEST_ZONE,
        now=context.now,
        grace_minutes=OPEN_GRACE_MINUTES,
    )


def _slot_of(checkin: Checkin) -> CheckinSlot:
    return CheckinSlot(
        tuple(int(d) for d in checkin.weekdays.split(",")),
        checkin.hour,
        checkin.minute,
        checkin.every_weeks,
    )


async def settings(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], SETTINGS)
    assert checkin.id is not None
    options = ("schedule", "who", "remind-after", "closes", "tz", "answers")
    if not any(args.get(option) for option in options):
        await context.reply(_settings_text(checkin, "Settings of", context.now))
        return
    slot = (
        parse_checkin_schedule(args["schedule"], SETTINGS)
        if args.get("schedule")
        else _slot_of(checkin)
    )
    who = _who(args, checkin.audience)
    answers_to = privacy.read_answers_to(args, checkin.answers_to)
    remind, closes = _timing(
        args, slot, SETTINGS, remind=checkin.remind_after_minutes, closes=checkin.closes_minute
    )
    await privacy.check_change(context.session, checkin, answers_to)
    zone = zone_option(context, args, SETTINGS) if args.get("tz") else checkin.timezone
    if slot != _slot_of(checkin):
        # A new schedule row counts its slots from now: changing Monday to
        # Tuesday on a Wednesday must not open yesterday's run late.
        schedule = await _opening_schedule(context, slot)
        if checkin.schedule_id is not None:
            await schedules_repo.delete(context.session, checkin.schedule_id)
        schedule.subject_id = checkin.id
        schedules_repo.stage(context.session, schedule)
        checkin.schedule_id = schedule.id
        checkin.weekdays = slot.days_text()
        checkin.every_weeks = slot.every_weeks
        checkin.hour = slot.hour
        checkin.minute = slot.minute
        checkin.anchor_at = context.now
    checkin.audience = who
    checkin.answers_to = answers_to
    checkin.remind_after_minutes = remind
    checkin.closes_minute = closes
    checkin.timezone = zone
    checkins_repo.stage(context.session, checkin)
    await _open_today(context, checkin)
    await context.reply(
        _settings_text(checkin, "Updated", context.now)
        + " A run already open keeps its times; the changes apply from the next one."
    )


def _settings_text(checkin: Checkin, lead: str, now: datetime) -> str:
    who = (
        f"everyone in #{checkin.channel_name}"
        if checkin.audience == "channel"
        else "members who joined"
    )
    paused = " It is paused." if checkin.status == checkins_repo.PAUSED else ""
    return (
        f'{lead} "{plain(checkin.name)}": {_slot_of(checkin).describe()} in each member\'s own '
        f"time zone ({checkin.timezone} for anyone who has not set one), asking {who}. "
        f"{_reminder_text(checkin.remind_after_minutes)} Answers close at "
        f"{_close_words(checkin.closes_minute)}; {privacy.for_conveners(checkin)}.{paused}"
        + (f" {_next_text(checkin, now)}" if not paused else "")
    )


def _next_text(checkin: Checkin, now: datetime) -> str:
    """ "Next in Europe/London: Mon 30 Nov 09:00, Mon 7 Dec 09:00, Mon 14 Dec 09:00."

    Told in the check-in's own zone (that of members who have set none);
    everyone else is asked on the same dates at the same time on their own
    clock, so the convener reads what was understood once.
    """

    zone = zone_named(checkin.timezone)
    asks = next_asks(checkin, zone, now)
    return f"Next in {checkin.timezone}: {upcoming.listed(asks, zone, now=now)}." if asks else ""


def _reminder_text(minutes: int) -> str:
    if not minutes:
        return "No reminder."
    hours, rest = divmod(minutes, 60)
    delay = f"{hours} h" if not rest else f"{hours} h {rest} min" if hours else f"{rest} min"
    return f"One reminder {delay} later to those who have not answered."


def _close_words(minutes: int) -> str:
    if minutes >= END_OF_DAY:
        return "the end of each member's day"
    return f"{minutes // 60:02d}:{minutes % 60:02d} each member's time"


async def questions(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], QUESTIONS)
    action = (args.get("action") or "list").lower()
    rest = args.get("rest") or ""
    current = [dict(q) for q in checkin.questions]
    marked = _marked_flag(args, action)
    if action == "list":
        await context.reply(_questions_list(checkin.name, current, guide=True))
        return
    if action == "add":
        text = " ".join(rest.split())
        if not text:
            raise UsageError(
                'The question is empty; write it in quotes, like add "What surprised you?"',
                usage=QUESTIONS,
            )
        if has_control_characters(rest):
            raise UsageError(
                "The question holds control characters; type plain text.", usage=QUESTIONS
            )
        if len(text) > MAX_QUESTION_LENGTH:
            raise UsageError(
                f"The question is {len(text):,} characters long; keep it to {MAX_QUESTION_LENGTH}.",
                usage=QUESTIONS,
            )
        if len(current) >= MAX_QUESTIONS:
            raise UserError(
                f"A check-in asks at most {MAX_QUESTIONS} questions; remove one first "
                f'(/convene checkin questions "{plain(checkin.name)}" remove N).'
            )
        scale = args.flag("scale")
        if scale and marked:
            raise UsageError(
                f"A question answered from {SCALE_LOW} to {SCALE_HIGH} can't be a need or an "
                "offer: only written answers are matched across silos. Keep --scale or "
                f"--{marked}, not both.",
                usage=QUESTIONS,
            )
        intent = None if scale else marked or read_intent(text)
        current.append({"text": text, "kind": SCALE if scale else TEXT, "intent": intent or ""})
        done = _added_text(checkin.name, len(current), intent, read=not scale and not marked)
    elif action == "mark":
        index, intent = _mark_of(args, rest, current)
        question = current[index]
        if intent and is_scale(question):
            raise UserError(
                f'Question {index + 1} ("{plain(str(question["text"]))}") is answered from '
                f"{SCALE_LOW} to {SCALE_HIGH}, so it can't be a need or an offer: only written "
                "answers are matched across silos."
            )
        question["intent"] = intent or ""
        done = f'Question {index + 1} ("{plain(str(question["text"]))}") is now {_as(intent)}.'
    elif action == "remove":
        index = _position(rest, len(current), "remove N")
        if len(current) == 1:
            raise UserError(
                "A check-in needs at least one question; add another before removing this one."
            )
        removed = current.pop(index)
        done = f'Removed question {index + 1} ("{removed["text"]}").'
    elif action == "move":
        parts = rest.split()
        if len(parts) != 2:
            raise UsageError("Say which question and where to, like move 3 1.", usage=QUESTIONS)
        source = _position(parts[0], len(current), "move FROM TO")
        target = _position(parts[1], len(current), "move FROM TO")
        current.insert(target, current.pop(source))
        done = f"Moved question {source + 1} to place {target + 1}."
    else:
        raise UsageError(
            f"Say list, add, mark, remove or move, not {plain(action)!r}.", usage=QUESTIONS
        )
    checkin.questions = current
    checkins_repo.stage(context.session, checkin)
    await context.reply(
        f"{done} From the next run on:\n{_questions_list(checkin.name, current, header=False)}"
    )


def _marked_flag(args: Args, action: str) -> Intent | None:
    """The intent --need or --offer gives a question being added; refused anywhere else.

    Checked before anything is read or written, so ``remove 2 --need`` changes nothing.
    """

    given = [intent for intent in INTENTS if args.flag(intent)]
    if len(given) > 1:
        raise UsageError(
            "A question is a need or an offer, not both; keep one of --need and --offer.",
            usage=QUESTIONS,
        )
    if action != "add":
        if args.flag("scale"):
            raise UsageError("--scale goes with add.", usage=QUESTIONS)
        if given:
            raise UsageError(
                f"--{given[0]} goes with add; to mark a question already there, type mark and "
                f"its number, like mark 2 {given[0]}.",
                usage=QUESTIONS,
            )
    return given[0] if given else None


MARKS: dict[str, Intent | None] = {NEED: NEED, OFFER: OFFER, "neither": None, "none": None}
"""What ``mark N …`` takes: "none" is what people often type for neither."""


def _mark_of(args: Args, rest: str, current: list[dict[str, object]]) -> tuple[int, Intent | None]:
    """``mark 2 need``: the question's place and its new intent (None: neither)."""

    parts = rest.split()
    if len(parts) != 2:
        raise UsageError(
            "Say which question and what it asks for, like mark 2 need (or offer, or neither).",
            usage=QUESTIONS,
        )
    index = _position(parts[0], len(current), "mark N need|offer|neither")
    word = parts[1].lower()
    if word not in MARKS:
        meant = nearest(word, ("need", "offer", "neither"))
        line = command_line(
            [*args.path, args["name"], "mark", str(index + 1), meant[0] if meant else "neither"]
        )
        raise UsageError(
            f"I could not use {plain(parts[1])!r}: say need (something members are stuck on), "
            "offer (something they could share) or neither. "
            + (f"Type: {line}" if meant else f"For example: {line}")
        )
    return index, MARKS[word]


def _as(intent: Intent | None) -> str:
    if intent == NEED:
        return "a need: something members are stuck on or could use help with"
    if intent == OFFER:
        return "an offer: something members learned or could share with others"
    return "neither a need nor an offer"


def _added_text(name: str, number: int, intent: Intent | None, *, read: bool) -> str:
    """What adding a question did, and, for a mark read from its wording, how to change it."""

    if not read:
        return f"Added question {number}" + (f" as {_as(intent)}." if intent else ".")
    others = " or ".join(f"mark {number} {w}" for w in ("need", "offer", "neither") if w != intent)
    retype = f'/convene checkin questions "{plain(name)}" '
    if intent is None:
        return (
            f"Added question {number}, read as {_as(None)}. If it asks what members are stuck "
            f"on or could share, type {retype}mark {number} need (or offer)."
        )
    return f"Added question {number}, read as {_as(intent)}. If it is not, type {retype}{others}."


def _position(text: str, count: int, form: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= count:
        raise UsageError(
            f"{plain(text) or 'Nothing'} is not a question number; give 1 to {count} ({form}).",
            usage=QUESTIONS,
        )
    return int(text) - 1


def _questions_list(
    name: str, items: list[dict[str, object]], *, header: bool = True, guide: bool = False
) -> str:
    """The questions as conveners see them: each marked (need) or (offer) when it is one.

    Members' prompts list the same questions without the marks
    (``checkin_runs.questions_text``): the marks are the conveners' business.
    """

    lines = [f'Questions of "{plain(name)}":'] if header else []
    for number, question in enumerate(items, start=1):
        hint = f" ({SCALE_LOW} to {SCALE_HIGH})" if is_scale(question) else ""
        mark = intent_word(intent_of(question))
        lines.append(f"{number}. {question['text']}{hint}" + (f" ({mark})" if mark else ""))
    if guide:
        lines.append(
            "Needs and offers are what Convene matches across silos. Change a mark with "
            f'/convene checkin questions "{plain(name)}" mark N need|offer|neither'
        )
    return "\n".join(lines)


def _marks_counted(items: list[dict[str, object]]) -> str:
    """ " (1 need, 2 offers)" for a check-in's list line; nothing when none is marked."""

    intents = [intent_of(q) for q in items]
    counted = [plural(intents.count(i), i) for i in INTENTS if i in intents]
    return f" ({', '.join(counted)})" if counted else ""


async def list_checkins(context: Context, args: Args) -> None:
    every = await checkins_repo.of_workspace(context.session, workspace_id(context))
    if not every:
        await context.reply(
            'No check-ins yet. Create one: /convene checkin create "Weekly pulse" #general '
            "every Monday 09:00 --template pulse"
        )
        return
    lines = ["Check-ins:"]
    for checkin in every:
        schedule = describe_days(
            tuple(int(d) for d in checkin.weekdays.split(",")),
            checkin.every_weeks,
            checkin.hour,
            checkin.minute,
        )
        paused = " (paused)" if checkin.status == checkins_repo.PAUSED else ""
        who = "everyone in the channel" if checkin.audience == "channel" else "members who joined"
        lines.append(
            f'- "{plain(checkin.name)}"{paused} in #{checkin.channel_name}: {schedule} local time, '
            f"{checkin.template}, {plural(len(checkin.questions), 'question')}"
            f"{_marks_counted(checkin.questions)}, {who}; {privacy.for_conveners(checkin)}."
        )
    await context.reply("\n".join(lines))


async def pause(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], PAUSE)
    checkin.status = checkins_repo.PAUSED
    checkins_repo.stage(context.session, checkin)
    await context.reply(
        f'"{plain(checkin.name)}" is paused: no new runs until /convene checkin resume '
        f'"{plain(checkin.name)}". A run already open finishes as planned.'
    )


async def resume(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], RESUME)
    checkin.status = checkins_repo.ACTIVE
    checkins_repo.stage(context.session, checkin)
    await _open_today(context, checkin)
    zone = zone_named(checkin.timezone)
    first = next_ask(checkin, zone, context.now)
    when = f" Next: {checkin_runs.when_text(first, zone)} ({checkin.timezone})." if first else ""
    await context.reply(f'"{plain(checkin.name)}" is back on.{when}')


async def _open_today(context: Context, checkin: Checkin) -> None:
    """Created or resumed after today's run opened: still ask those whose 09:00 is ahead."""

    assert checkin.id is not None
    day = checkin_runs.current_run_day(checkin, context.now)
    if day is None or await checkins_repo.run_on(context.session, checkin.id, day.isoformat()):
        return
    members = await checkin_runs.audience_here(context, checkin)
    run_day = CheckinRun(checkin_id=checkin.id, run_date=day.isoformat(), opened_at=context.now)
    planner = checkin_runs.Planner(checkin, run_day, context.now)
    ahead = [m for m in members if planner.moments(m.timezone)[0] > context.now]
    if ahead:
        await checkin_runs.open_run(
            context.session,
            workspace=context.workspace,
            checkin=checkin,
            day=day,
            members=ahead,
            now=context.now,
            outbox=context.outbox,
            closed=checkin_runs.announcer(context),
        )


async def run_now(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], RUN_NOW)
    assert checkin.id is not None
    today = context.now.astimezone(zone_named(checkin.timezone)).date()
    existing = await checkins_repo.run_on(context.session, checkin.id, today.isoformat())
    if existing is not None:
        raise UserError(
            f'"{plain(checkin.name)}" already has a run for today '
            f"({checkin_runs.day_text(today)}); its members are asked at their own time. "
            "Try again tomorrow."
        )
    members = await checkin_runs.audience_here(context, checkin)
    if not members:
        raise UserError(
            f'Nobody takes part in "{plain(checkin.name)}" yet, so there is no one to ask. '
            + (
                "Members join with /checkin join."
                if checkin.audience == "joined"
                else f"Invite people to #{checkin.channel_name}."
            )
        )
    await checkin_runs.open_run(
        context.session,
        workspace=context.workspace,
        checkin=checkin,
        day=today,
        members=members,
        now=context.now,
        outbox=context.outbox,
        manual=True,
        closed=checkin_runs.announcer(context),
    )
    await context.reply(
        f'Asked {plural(len(members), "member")} for "{plain(checkin.name)}" now; '
        f"{privacy.for_conveners(checkin)}."
    )


async def delete(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], DELETE)
    assert checkin.id is not None
    runs = await checkins_repo.count_runs(context.session, checkin.id)
    await context.reply(
        f'Delete "{plain(checkin.name)}"? This removes its schedule, its {plural(runs, "run")} '
        "and every answer in them, and cannot be undone.",
        [
            Button(f'Delete "{checkin.name}"', "checkin.delete", str(checkin.id), "danger"),
            Button("Keep it", "checkin.keep", str(checkin.id)),
        ],
    )


async def delete_confirmed(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "delete a check-in")
    checkin = await checkins_repo.get(
        context.session, int(event.value) if event.value.isdigit() else 0
    )
    if checkin is None:
        await context.reply("That check-in was already deleted.")
        return
    assert checkin.id is not None
    await timers_repo.cancel(
        context.session, TICK_JOB, await checkins_repo.run_ids(context.session, checkin.id)
    )
    if checkin.schedule_id is not None:
        await schedules_repo.delete(context.session, checkin.schedule_id)
    name = checkin.name
    await checkins_repo.delete_checkin(context.session, checkin)
    await context.audit("checkin delete", subject=audit_trail.quoted(name))
    await context.reply(f'Deleted the check-in "{plain(name)}" and its answers.')


async def delete_declined(context: Context) -> None:
    await context.reply("Kept it; nothing was deleted.")


async def report(context: Context, args: Args) -> None:
    checkin = await checkin_named(context, args["name"], REPORT)
    runs_text = args.get("runs") or "8"
    if not runs_text.isdigit() or not 1 <= int(runs_text) <= 52:
        raise UsageError(f"--runs {plain(runs_text)}: give a number from 1 to 52.", usage=REPORT)
    await context.reply(await checkin_report.report_text(context.session, checkin, int(runs_text)))


# -- members -----------------------------------------------------------------------------------


async def _my_choice(context: Context, checkin: Checkin) -> CheckinMember:
    assert checkin.id is not None and context.actor.id is not None
    row = await checkins_repo.choice(context.session, checkin.id, context.actor.id)
    if row is None:
        row = CheckinMember(
            checkin_id=checkin.id, member_id=context.actor.id, updated_at=context.now
        )
    row.updated_at = context.now
    return row


async def join(context: Context, args: Args) -> None:
    checkin = await checkin_meant(context, args.get("name"), JOIN)
    assert checkin.id is not None
    row = await _my_choice(context, checkin)
    row.choice = checkins_repo.JOINED
    await checkins_repo.save_choice(context.session, row)
    added = await _join_open_runs(context, checkin)
    zone = zone_of(checkin, context.actor.timezone)
    now_text = " You are asked in today's run too." if added else ""
    await context.reply(
        f'You are in "{plain(checkin.name)}".{now_text} '
        f"{checkin_runs.next_text(checkin, zone, context.now)} "
        + (
            ""
            if context.actor.timezone
            else "Set your time zone with /convene me tz ZONE so it comes at your own morning."
        )
    )


async def _join_open_runs(context: Context, checkin: Checkin) -> bool:
    """Someone who joins while a run is open is asked in it, if their day is not over."""

    assert checkin.id is not None
    added = False
    for run in await checkins_repo.runs(context.session, checkin.id, 3):
        if run.status != checkins_repo.OPEN:
            continue
        if await checkins_repo.prompt(context.session, run.id or 0, context.actor.id or 0):
            continue
        planned = await checkin_runs.add_members(
            context.session,
            workspace=context.workspace,
            checkin=checkin,
            run=run,
            members=[context.actor],
            now=context.now,
        )
        if planned:
            added = True
            await checkin_runs.advance(
                context.session,
                checkin=checkin,
                run=run,
                now=context.now,
                outbox=context.outbox,
                closed=checkin_runs.announcer(context),
            )
    return added


async def leave(context: Context, args: Args) -> None:
    checkin = await checkin_meant(context, args.get("name"), LEAVE)
    assert checkin.id is not None and context.actor.id is not None
    row = await _my_choice(context, checkin)
    row.choice = checkins_repo.LEFT
    await checkins_repo.save_choice(context.session, row)
    await checkins_repo.drop_unanswered(context.session, checkin.id, context.actor.id)
    await context.reply(
        f'You have left "{plain(checkin.name)}"; you will not be asked again. '
        f'Come back any time with /checkin join "{plain(checkin.name)}".'
    )


async def skip(context: Context, args: Args) -> None:
    what = args["what"].lower()
    rest = args.get("rest") or ""
    zone_name = context.actor.timezone
    if what == "next":
        targets = await _skip_targets(context, rest or None)
        for checkin in targets:
            row = await _my_choice(context, checkin)
            row.skip_next = True
            await checkins_repo.save_choice(context.session, row)
        lines = []
        for checkin in targets:
            zone = zone_of(checkin, zone_name)
            upcoming = next_ask(checkin, zone, context.now)
            when = checkin_runs.when_text(upcoming, zone) if upcoming else "its next run"
            lines.append(f'"{plain(checkin.name)}" on {when}')
        await context.reply(
            "You will not be asked for "
            + "; ".join(lines)
            + ". Skipped runs do not break your streak."
        )
        return
    if what == "until":
        words = rest.split()
        if not words:
            raise UsageError("Until when? Say a date, like /checkin skip until 24/12.", usage=SKIP)
        today = context.now.astimezone(zone_named(zone_name or "UTC")).date()
        order = await workspace_date_order(context)
        taken = leading_date_words(words, today, order) or 1  # the rest names the check-in
        targets = await _skip_targets(context, " ".join(words[taken:]) or None)
        last = parse_last_day(" ".join(words[:taken]), today, SKIP, order)
        for checkin in targets:
            row = await _my_choice(context, checkin)
            row.skip_until = last.isoformat()
            await checkins_repo.save_choice(context.session, row)
        back = last + timedelta(days=1)
        names = ", ".join(f'"{plain(c.name)}"' for c in targets)
        await context.reply(
            f"No check-in prompts for you until {checkin_runs.day_text(last)} {last.year} "
            f"({names}); you are back from {checkin_runs.day_text(back)}. Skipped runs do not "
            "break your streak. Changed your mind? /checkin skip off"
        )
        return
    if what in ("off", "cancel", "none"):
        targets = await _skip_targets(context, rest or None)
        for checkin in targets:
            row = await _my_choice(context, checkin)
            row.skip_next = False
            row.skip_until = None
            await checkins_repo.save_choice(context.session, row)
        await context.reply("No more skipping: you will be asked as usual.")
        return
    meant = nearest(what, ("next", "until", "off"))
    offered = (
        args.retyped({"what": meant[0]})
        if meant
        else command_line(["checkin", "skip", "until", args["what"], *([rest] if rest else [])])
    )
    raise UsageError(
        f"I could not use {plain(args['what'])!r}: say skip next, skip until DATE or skip off. "
        + (f"Did you mean {meant[0]}? Type: {offered}" if meant else f"For a date, type: {offered}")
    )


async def _skip_targets(context: Context, name: str | None) -> list[Checkin]:
    """The check-in named, or every check-in of the workspace (a holiday is a holiday)."""

    if name:
        return [await checkin_named(context, name, SKIP)]
    every = list(await checkins_repo.of_workspace(context.session, workspace_id(context)))
    if not every:
        raise UserError("There are no check-ins here yet, so there is nothing to skip.")
    return every


async def mine(context: Context, args: Args) -> None:
    lines = await status_lines(context)
    await context.reply(
        "\n".join(["Your check-ins:", *lines]) if lines else "There are no check-ins here yet."
    )


async def status_lines(context: Context) -> list[str]:
    """One line per check-in: whether the actor takes part, when next, their streak, and
    who reads their answers."""

    assert context.actor.id is not None
    every = await checkins_repo.of_workspace(context.session, workspace_id(context))
    lines = []
    for checkin in every:
        assert checkin.id is not None
        row = await checkins_repo.choice(context.session, checkin.id, context.actor.id)
        choice = row.choice if row else ""
        if checkin.audience == "joined" and choice != checkins_repo.JOINED:
            state = "not joined (/checkin join)"
        elif choice == checkins_repo.LEFT:
            state = "left (/checkin join to come back)"
        else:
            zone = zone_of(checkin, context.actor.timezone)
            upcoming = next_ask(checkin, zone, context.now)
            state = f"next {checkin_runs.when_text(upcoming, zone)}" if upcoming else "paused"
            today = context.now.astimezone(zone).date().isoformat()
            if row and row.skip_until and row.skip_until >= today:
                state += f", skipping until {row.skip_until}"
            elif row and row.skip_next:
                state += ", skipping the next one"
        streak = await checkin_report.streak_of(context.session, checkin, context.actor.id)
        lines.append(
            f'- "{plain(checkin.name)}" (#{checkin.channel_name}): {state}; streak {streak}; '
            f"{privacy.goes_to_short(checkin)}."
        )
    return lines


# -- wiring -----------------------------------------------------------------------------------


_NAME = Positional("name")
_OPTIONAL_NAME = Positional("name", required=False, rest=True)
_HOW_IT_RUNS = (
    Option("who", "channel|joined"),
    Option("remind-after", "DELAY"),
    Option("closes", "HH:MM"),
    Option("tz", "ZONE"),
    Option("answers", "thread|conveners|summary"),
)
"""The options that say how a check-in runs, taken by both create and settings."""

CONVENER_COMMANDS = (
    CommandSpec(
        path=("convene", "checkin", "create"),
        handler=create,
        summary="Create a check-in asked at each member's own local time.",
        usage=CREATE,
        example=(
            '/convene checkin create "Weekly pulse" #general every Monday 09:00 --template pulse'
        ),
        params=(
            _NAME,
            Positional("channel"),
            Positional("when", rest=True),
            Option("template", "NAME"),
            *_HOW_IT_RUNS,
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "questions"),
        handler=questions,
        summary="List, add, remove or reorder a check-in's questions; mark needs and offers.",
        usage=QUESTIONS,
        example='/convene checkin questions "Weekly pulse" add "What surprised you?"',
        params=(
            _NAME,
            Positional("action", required=False, choices=("list", "add", "mark", "remove", "move")),
            Positional("rest", required=False, rest=True, max_length=MAX_QUESTION_LENGTH * 2),
            Flag("scale"),
            Flag(NEED),
            Flag(OFFER),
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "list"),
        handler=list_checkins,
        summary="List the check-ins.",
        usage=LIST,
        example=LIST,
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "pause"),
        handler=pause,
        summary="Pause a check-in (no new runs).",
        usage=PAUSE,
        example='/convene checkin pause "Weekly pulse"',
        params=(_NAME,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "resume"),
        handler=resume,
        summary="Resume a paused check-in.",
        usage=RESUME,
        example='/convene checkin resume "Weekly pulse"',
        params=(_NAME,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "delete"),
        handler=delete,
        summary="Delete a check-in and its answers (asks first).",
        usage=DELETE,
        example='/convene checkin delete "Weekly pulse"',
        params=(_NAME,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "run", "now"),
        handler=run_now,
        summary="Ask everyone now instead of at the scheduled time.",
        usage=RUN_NOW,
        example='/convene checkin run now "Weekly pulse"',
        params=(_NAME,),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "settings"),
        handler=settings,
        summary="See or change a check-in's schedule, who is asked, reminder and close.",
        usage=SETTINGS,
        example='/convene checkin settings "Weekly pulse" --remind-after 2h --closes 18:00',
        params=(
            _NAME,
            Option("schedule", "WHEN"),
            *_HOW_IT_RUNS,
        ),
        convener_only=True,
        group=CONVENER,
    ),
    CommandSpec(
        path=("convene", "checkin", "report"),
        handler=report,
        summary="Response rates, streaks and the pulse over recent runs.",
        usage=REPORT,
        example='/convene checkin report "Weekly pulse" --runs 8',
        params=(_NAME, Option("runs", "N")),
        convener_only=True,
        group=CONVENER,
    ),
)
"""``/convene checkin …``: setting check-ins up and reading their reports."""

MEMBER_COMMANDS = (
    CommandSpec(
        path=("checkin", "join"),
        handler=join,
        summary="Take part in a check-in.",
        usage=JOIN,
        example='/checkin join "Weekly pulse"',
        params=(_OPTIONAL_NAME,),
        group=MEMBER,
    ),
    CommandSpec(
        path=("checkin", "leave"),
        handler=leave,
        summary="Stop being asked in a check-in.",
        usage=LEAVE,
        example='/checkin leave "Weekly pulse"',
        params=(_OPTIONAL_NAME,),
        group=MEMBER,
    ),
    CommandSpec(
        path=("checkin", "skip"),
        handler=skip,
        summary="Skip the next check-in, or all of them until a date.",
        usage=SKIP,
        example="/checkin skip until 24/12",
        params=(Positional("what"), Positional("rest", required=False, rest=True)),
        group=MEMBER,
    ),
    CommandSpec(
        path=("checkin", "status"),
        handler=mine,
        summary="Your check-ins, next prompts and streaks.",
        usage=MINE,
        example=MINE,
        group=MEMBER,
    ),
)
"""``/checkin …``: a member's own part, listed after ``/checkin help``."""


def register(registry: Registry) -> None:
    """Declare the commands in help order, then the answer buttons, form, DM replies and jobs."""

    for spec in (*CONVENER_COMMANDS, make_help(registry, "checkin", MEMBER), *MEMBER_COMMANDS):
        registry.command(spec)
    registry.button("checkin.answer", checkin_answers.answer_button)
    registry.button("checkin.edit", checkin_answers.answer_button)
    registry.button("checkin.continue", checkin_answers.continue_button)
    registry.button("checkin.skip", checkin_answers.skip_button)
    registry.button("checkin.quote", checkin_answers.quote_button)
    registry.button("checkin.delete", delete_confirmed)
    registry.button("checkin.keep", delete_declined)
    registry.form(checkin_answers.FORM_ID, checkin_answers.form_submitted)
    registry.message(checkin_answers.wants_dm, checkin_answers.dm_message)
    registry.job(OPEN_JOB, checkin_runs.open_job)
    registry.job(TICK_JOB, checkin_runs.tick_job)
