"""A retro's actions become commitments, and come back at the channel's next retro.

The retros job posts a "Make it a commitment" button under a closed retro's
top items and announces each opening (``handlers.shared.retro_hooks``); this
module answers the button with a form, makes the commitment in the retro's
thread, and, when the channel opens its next retro, reviews there what was
promised at the last one, first thing in the thread.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.context import Context
from bot.errors import UserError, asking_again
from bot.events import ButtonClicked, FormSubmitted
from bot.markup import plain
from bot.messages import Form, FormField, OutgoingMessage
from bot.registry import Registry
from handlers.commitments import actions
from handlers.commitments.reminders import status_buttons
from handlers.shared.date_order import workspace_date_order
from handlers.shared.dates import DUE_EXAMPLE, due_text, parse_due
from handlers.shared.retro_hooks import MAKE_COMMITMENT, RETRO_OPENED, RetroOpened, thread_key
from handlers.shared.text import plural
from storage.models import Commitment, Member, Retro, RetroItem
from storage.repositories import commitments as commitments_repo
from storage.repositories import retros as retros_repo

# -- from item to commitment ------------------------------------------------------------------


async def _item_and_retro(context: Context, value: str) -> tuple[RetroItem, Retro]:
    """The item a button or form names, only if it belongs to this workspace."""

    row_id = int(value) if value.isdecimal() and len(value) <= 9 else 0
    item = await retros_repo.item(context.session, row_id)
    retro = await retros_repo.get(context.session, item.retro_id) if item is not None else None
    if item is None or retro is None or retro.workspace_id != context.workspace.id:
        raise UserError("That item no longer exists; nothing was made.")
    return item, retro


def commit_form(item: RetroItem) -> Form:
    return Form(
        MAKE_COMMITMENT,
        "Make it a commitment",
        (
            FormField(
                "owner",
                "Who will do it? (@name; you, if left empty)",
                required=False,
                max_length=80,
            ),
            FormField(
                "what",
                "What will they do?",
                "long_text",
                max_length=actions.MAX_COMMITMENT,
                initial=item.text[: actions.MAX_COMMITMENT],
            ),
            FormField(
                "due",
                "By when? (friday, 31/12, in a fortnight)",
                required=False,
                max_length=60,
            ),
        ),
        context=str(item.id),
        submit_label="Commit",
    )


async def commit_button(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    item, _ = await _item_and_retro(context, event.value)
    await context.open_form(commit_form(item))


async def commit_form_submitted(context: Context) -> None:
    """Make the commitment; a field it cannot use is asked again, the others kept."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    item, retro = await _item_and_retro(context, event.context)
    assert retro.id is not None
    form, values = commit_form(item), event.values
    who = str(values.get("owner", "")).strip()
    owner: Member = context.actor
    if who:
        with asking_again(form, values, "owner"):
            owner = await actions.owner_named(context, who, "Name the owner as @name.")
    with asking_again(form, values, "what"):
        text = actions.clean_text(str(values.get("what", "")))
    due_words = str(values.get("due", "")).strip()
    due = None
    if due_words:
        now = actions.local_now(context.actor, context)
        order = await workspace_date_order(context)
        with asking_again(form, values, "due"):
            due = parse_due(
                due_words, now.date(), f"By when: {DUE_EXAMPLE}.", order=order, clock=now.time()
            )
    await actions.make(
        context,
        owner=owner,
        text=text,
        due=due,
        private=False,
        made_in=actions.MadeIn(
            channel_id=retro.channel_id,
            thread_root_key=thread_key(retro.id),
            retro_id=retro.id,
            item_id=item.id,
        ),
    )


# -- the review at the next retro -------------------------------------------------------------


async def review(context: Context, opened: RetroOpened) -> None:
    """Post the open commitments made at the channel's previous retro, first thing in the thread."""

    retro, last, thread = opened.retro, opened.previous, opened.thread
    if last is None:
        return
    assert retro.id is not None and last.id is not None
    made = await commitments_repo.of_retro(context.session, last.id)
    if not made:
        return
    still = [c for c in made if c.status in commitments_repo.UNFINISHED]
    done = sum(1 for c in made if c.status == commitments_repo.DONE)
    head = (
        f'Before we start: from the last retro, "{plain(last.name)}", '
        f"{done} of {plural(len(made), 'commitment')} done"
    )
    head += f"; {len(still)} still open:" if still else ". Nothing is left open: well done."
    await context.outbox.send(f"retro:{retro.id}:review", OutgoingMessage(thread, head))
    names = await commitments_repo.owner_names(context.session, [c.owner_id for c in still])
    for commitment in still:
        await context.outbox.send(
            f"retro:{retro.id}:review:{commitment.id}",
            OutgoingMessage(
                thread,
                review_line(commitment, names.get(commitment.owner_id, "?"), context.now),
                status_buttons(commitment.id or 0)
                if commitment.status in commitments_repo.ACTIVE
                else (),
            ),
        )


def review_line(commitment: Commitment, owner: str, now: datetime) -> str:
    due = (
        f"due {due_text(date.fromisoformat(commitment.due_on))}"
        if commitment.due_on
        else "no due date"
    )
    late = " (overdue)" if commitment.due_on and commitment.due_on < now.date().isoformat() else ""
    status = {
        commitments_repo.BLOCKED: f"blocked: {plain(commitment.note or '')}",
        commitments_repo.PROPOSED: "not accepted yet",
    }.get(commitment.status, commitment.status)
    what = f"*{plain(commitment.text)}*"
    return f"{commitment.number} · {what} · {plain(owner)} · {due}{late} · {status}"


def register(registry: Registry) -> None:
    """Answer the retros' button and form, and review at each opening."""

    registry.button(MAKE_COMMITMENT, commit_button)
    registry.form(MAKE_COMMITMENT, commit_form_submitted)
    registry.listen(RETRO_OPENED, review)
