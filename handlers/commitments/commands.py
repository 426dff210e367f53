"""Commitments: what members type (``/commit …``), the buttons on reminders and requests,
and the convener's overview (``/convene commitments``).

The changes themselves live in ``commitment_actions``; reminders in
``commitment_reminders``; the overview in ``commitment_report``.
"""

from __future__ import annotations

from datetime import date

from bot.commands import MAX_COMMAND_LENGTH, Args, CommandSpec, Flag, Option, Positional
from bot.context import Context
from bot.errors import UsageError, UserError, asking_again
from bot.events import ButtonClicked, FormSubmitted
from bot.markup import plain
from bot.messages import Form, FormField
from bot.registry import Registry
from handlers.commitments import actions
from handlers.commitments import report as commitment_report
from handlers.commitments.phrases import Promise, read_promise
from handlers.commitments.reminders import REMIND_JOB, remind_job
from handlers.shared.date_order import workspace_date_order
from handlers.shared.dates import DUE_EXAMPLE, due_text, parse_due
from handlers.shared.help import make_help
from storage.models import Commitment
from storage.repositories import commitments as commitments_repo

GROUP = "Commitments"
COMMIT = "/commit WHAT YOU WILL DO [by DATE] [--private]"
COMMIT_FOR = "/commit for @NAME WHAT THEY WILL DO [by DATE] [--private]"
LIST = "/commit list"
DONE = "/commit done N"
UPDATE = "/commit update N blocked: WHY | /commit update N unblocked | /commit update N NOTE"
MOVE = "/commit move N DATE"
DROP = "/commit drop N"
MOVE_FORM = "commitment.move"
ADD_DUE = actions.ADD_DUE_DATE
BLOCK_FORM = "commitment.block"
LONGEST_TEXT = MAX_COMMAND_LENGTH  # the commitment's own limit is checked with a kinder reply


def _number(value: str, usage: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdecimal() or len(text) > 12:
        raise UsageError(
            f"{plain(value)!r} is not a commitment number; use the number /commit list shows.",
            usage=usage,
        )
    return int(text)


async def _promise(context: Context, text: str, usage: str) -> Promise:
    """What the actor will do (or asks of someone) and by when, on their own calendar."""

    now = actions.local_now(context.actor, context)
    order = await workspace_date_order(context)
    return read_promise(text, now.date(), usage, order=order, clock=now.time())


async def _new_due(context: Context, words: str) -> date:
    """A commitment's new due date, on the actor's own calendar (a move, a date added)."""

    now = actions.local_now(context.actor, context)
    order = await workspace_date_order(context)
    return parse_due(words, now.date(), MOVE, optional=False, order=order, clock=now.time())


# -- members' commands ------------------------------------------------------------------------


async def commit(context: Context, args: Args) -> None:
    promise = await _promise(context, args["what"], COMMIT)
    await actions.make(
        context,
        owner=context.actor,
        text=actions.clean_text(promise.what),
        due=promise.due,
        private=args.flag("private"),
        made_in=actions.made_here(context),
        kept=promise.kept,
        offer_due_date=True,
    )


async def commit_for(context: Context, args: Args) -> None:
    owner = await actions.owner_named(context, args["who"], COMMIT_FOR)
    promise = await _promise(context, args.get("what") or "", COMMIT_FOR)
    await actions.make(
        context,
        owner=owner,
        text=actions.clean_text(promise.what),
        due=promise.due,
        private=args.flag("private"),
        made_in=actions.made_here(context),
    )


def commitment_line(commitment: Commitment, today: date) -> str:
    due = (
        f"due {due_text(date.fromisoformat(commitment.due_on), today)}"
        if commitment.due_on
        else "no due date"
    )
    late = (
        " (overdue)"
        if commitment.due_on
        and commitment.due_on < today.isoformat()
        and commitment.status in commitments_repo.ACTIVE
        else ""
    )
    state = ""
    if commitment.status == commitments_repo.BLOCKED:
        state = f" · blocked: {plain(commitment.note or '')}"
    elif commitment.status == commitments_repo.PROPOSED:
        state = " · waiting for your answer"
    return f"{commitment.number} · {plain(commitment.text)} · {due}{late}{state}"


async def list_mine(context: Context, args: Args) -> None:
    member_id = context.actor.id or 0
    today = actions.local_today(context.actor, context)
    mine = await commitments_repo.of_owner(context.session, member_id)
    asked = await commitments_repo.asked_by(context.session, member_id)
    if not mine and not asked:
        await context.reply(
            "You have no open commitments. Make one with /commit Draft the checklist by Friday."
        )
        return
    lines = [f"Your commitments ({len(mine)}):"] if mine else ["You have no open commitments."]
    lines += [commitment_line(c, today) for c in mine]
    if asked:
        names = await commitments_repo.owner_names(context.session, [c.owner_id for c in asked])
        lines.append("Waiting for others to accept:")
        lines += [
            f"{c.number} · {plain(c.text)} · asked of {plain(names.get(c.owner_id, '?'))}"
            for c in asked
        ]
    lines.append("Change one with /commit done N, /commit move N DATE, /commit drop N.")
    await context.reply("\n".join(lines))


async def done(context: Context, args: Args) -> None:
    await actions.finish(context, await actions.known(context, _number(args["n"], DONE)))


async def update(context: Context, args: Args) -> None:
    number = _number(args["n"], UPDATE)
    words = args.get("words")
    if not words:
        raise UsageError("Say what changed, like: blocked: waiting for IT.", usage=UPDATE)
    await actions.update(context, await actions.known(context, number), words)


async def move(context: Context, args: Args) -> None:
    number = _number(args["n"], MOVE)
    words = args.get("when")
    if not words:
        raise UsageError(f"Say the new date: {DUE_EXAMPLE}.", usage=MOVE)
    due = await _new_due(context, words.removeprefix("to ").removeprefix("by "))
    await actions.move(context, await actions.known(context, number), due)


async def drop(context: Context, args: Args) -> None:
    await actions.drop(context, await actions.known(context, _number(args["n"], DROP)))


# -- buttons and forms ----------------------------------------------------------------------


async def _clicked(context: Context) -> Commitment:
    """The commitment a button or form carries (its row id), of the presser's workspace only."""

    event = context.event
    assert isinstance(event, ButtonClicked | FormSubmitted)
    value = event.value if isinstance(event, ButtonClicked) else event.context
    if not value.isdecimal() or len(value) > 12:
        raise UserError("That button belongs to something that no longer exists.")
    return await actions.pressed(context, int(value))


async def done_button(context: Context) -> None:
    await actions.finish(context, await _clicked(context))


async def drop_button(context: Context) -> None:
    await actions.drop(context, await _clicked(context))


async def accept_button(context: Context) -> None:
    await actions.answer_request(context, await _clicked(context), accept=True)


async def decline_button(context: Context) -> None:
    await actions.answer_request(context, await _clicked(context), accept=False)


def _more_time_form(row_id: int) -> Form:
    return Form(
        MOVE_FORM,
        "Need more time",
        (
            FormField(
                "due",
                "New due date (next friday, 31/12, in a fortnight)",
                max_length=60,
            ),
        ),
        context=str(row_id),
        submit_label="Move it",
    )


def _add_due_form(row_id: int) -> Form:
    return Form(
        ADD_DUE,
        "Add a due date",
        (FormField("due", "Due date (friday, 31/12, in a fortnight)", max_length=60),),
        context=str(row_id),
        submit_label="Add it",
    )


def _blocked_form(row_id: int) -> Form:
    return Form(
        BLOCK_FORM,
        "Blocked",
        (FormField("why", "What is in the way?", "long_text", max_length=actions.MAX_NOTE),),
        context=str(row_id),
        submit_label="Mark blocked",
    )


async def more_time_button(context: Context) -> None:
    commitment = await actions.owned(context, await _clicked(context), "move it")
    assert commitment.id is not None
    await context.open_form(_more_time_form(commitment.id))


async def add_due_button(context: Context) -> None:
    commitment = await actions.owned(context, await _clicked(context), "give it a due date")
    assert commitment.id is not None
    await context.open_form(_add_due_form(commitment.id))


async def blocked_button(context: Context) -> None:
    commitment = await actions.owned(context, await _clicked(context), "update it")
    assert commitment.id is not None
    await context.open_form(_blocked_form(commitment.id))


async def move_form(context: Context) -> None:
    """Move the due date; a date it cannot use is asked again."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    commitment = await actions.owned(context, await _clicked(context), "move it")
    assert commitment.id is not None
    with asking_again(_more_time_form(commitment.id), event.values, "due"):
        due = await _new_due(context, str(event.values.get("due", "")))
    await actions.move(context, commitment, due)


async def add_due_form(context: Context) -> None:
    """Give a commitment made without one a due date; a date it cannot use is asked again."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    commitment = await actions.owned(context, await _clicked(context), "give it a due date")
    assert commitment.id is not None
    with asking_again(_add_due_form(commitment.id), event.values, "due"):
        due = await _new_due(context, str(event.values.get("due", "")))
    await actions.move(context, commitment, due)


async def block_form(context: Context) -> None:
    """Mark it blocked; a reason it cannot keep (too long, not plain text) is asked again."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    commitment = await actions.owned(context, await _clicked(context), "update it")
    assert commitment.id is not None
    why = str(event.values.get("why", ""))
    with asking_again(_blocked_form(commitment.id), event.values, "why"):
        actions.clean_note(why)
    await actions.block(context, commitment, why)


_NUMBER = Positional("n")

COMMANDS = (
    CommandSpec(
        path=("commit",),
        handler=commit,
        summary="Commit to something, with a due date in plain words.",
        usage=COMMIT,
        example="/commit Draft the discharge checklist by Friday",
        params=(Positional("what", rest=True, max_length=LONGEST_TEXT), Flag("private")),
        group=GROUP,
        free_text=True,
    ),
    CommandSpec(
        path=("commit", "for"),
        handler=commit_for,
        summary="Ask someone to commit to something (they accept or decline).",
        usage=COMMIT_FOR,
        example="/commit for @bob Book the room by tomorrow",
        params=(
            Positional("who"),
            Positional("what", required=False, rest=True, max_length=LONGEST_TEXT),
            Flag("private"),
        ),
        group=GROUP,
        free_text=True,
    ),
    CommandSpec(
        path=("commit", "list"),
        handler=list_mine,
        summary="Your open commitments.",
        usage=LIST,
        example=LIST,
        group=GROUP,
    ),
    CommandSpec(
        path=("commit", "done"),
        handler=done,
        summary="Mark a commitment done.",
        usage=DONE,
        example="/commit done 12",
        params=(_NUMBER,),
        group=GROUP,
    ),
    CommandSpec(
        path=("commit", "update"),
        handler=update,
        summary="Say a commitment is blocked (and why), moving again, or how it is going.",
        usage=UPDATE,
        example="/commit update 12 blocked: waiting for IT",
        params=(_NUMBER, Positional("words", required=False, rest=True, max_length=LONGEST_TEXT)),
        group=GROUP,
        free_text=True,
    ),
    CommandSpec(
        path=("commit", "move"),
        handler=move,
        summary="Give a commitment a new due date.",
        usage=MOVE,
        example="/commit move 12 next friday",
        params=(_NUMBER, Positional("when", required=False, rest=True)),
        group=GROUP,
        free_text=True,
    ),
    CommandSpec(
        path=("commit", "drop"),
        handler=drop,
        summary="Let go of a commitment.",
        usage=DROP,
        example="/commit drop 12",
        params=(_NUMBER,),
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "commitments"),
        handler=commitment_report.overview,
        summary="Open, overdue and done commitments, by owner and silo.",
        usage=commitment_report.USAGE,
        example="/convene commitments --overdue --silo Radiotherapy",
        params=(Flag("overdue"), Option("silo", "NAME"), Option("channel", "#CHANNEL")),
        convener_only=True,
        group=commitment_report.GROUP,
    ),
)
"""The commitment commands, in the order help lists them (after ``/commit help``)."""


def register(registry: Registry) -> None:
    """Declare ``/commit help`` and the commands, then the buttons, forms and reminder job."""

    for spec in (make_help(registry, "commit", GROUP), *COMMANDS):
        registry.command(spec)
    registry.button("commitment.done", done_button)
    registry.button("commitment.drop", drop_button)
    registry.button("commitment.more_time", more_time_button)
    registry.button("commitment.blocked", blocked_button)
    registry.button(ADD_DUE, add_due_button)
    registry.button("commitment.accept", accept_button)
    registry.button("commitment.decline", decline_button)
    registry.form(MOVE_FORM, move_form)
    registry.form(BLOCK_FORM, block_form)
    registry.form(ADD_DUE, add_due_form)
    registry.job(REMIND_JOB, remind_job)
