"""Forms that never lose what was typed: a draft kept when one field is refused.

Where a submitted modal is already closed when Convene reads it (Slack, whose
submission is acknowledged first; Discord, where a modal's submission cannot
open another modal), a form refused for one field (``FieldProblem``) is kept
as a draft. The member hears the reason privately with a button, ``[Fix
"By when?"]``, that opens the form again with every field as they typed it.

A draft lasts until that form about that thing goes through (or a newer draft
of it replaces it, or it is ``KEPT_FOR`` old), not merely until the button is
pressed: closing the reopened modal by mistake loses nothing, the button opens
it again. Only the member who typed it may open it.
"""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import FieldProblem, UserError
from bot.events import ButtonClicked, FormSubmitted
from bot.messages import Button, Form
from bot.registry import Registry
from storage.models import FormDraft
from storage.repositories import form_drafts as drafts_repo
from storage.repositories.form_drafts import KEPT_FOR as KEPT_FOR

FIX_BUTTON = "form.fix"
LONGEST_LABEL = 60
"""Of the field's label on the button (Slack takes 75 characters, Discord 80)."""

STALE = (
    "There is nothing left to fix there: that form has been sent since, or what was typed "
    f"in it was kept for {KEPT_FOR.days} days and let go. Press the button that opened it "
    "to start again."
)
_ASIDE = re.compile(r"\s*\([^)]*\)")


def short_label(label: str) -> str:
    """A field's label fit for a button: without its examples in brackets, not too long."""

    short = _ASIDE.sub("", label).strip() or label.strip()
    return short if len(short) <= LONGEST_LABEL else short[: LONGEST_LABEL - 1] + "…"


def fix_label(problem: FieldProblem) -> str:
    return f"Fix “{short_label(problem.label)}”"


async def offer_fix(context: Context, problem: FieldProblem) -> None:
    """Keep what was typed as a draft and answer with the reason and a button to fix it.

    Runs in the fresh transaction that answers the refusal (the handler's own
    was rolled back), so the draft is all that refusal writes.
    """

    assert context.workspace.id is not None and context.actor.id is not None
    form = problem.form
    await drafts_repo.forget_older_than(context.session, context.now - KEPT_FOR)
    await drafts_repo.forget_of_form(context.session, context.actor.id, form.form_id, form.context)
    draft = await drafts_repo.add(
        context.session,
        FormDraft(
            workspace_id=context.workspace.id,
            member_id=context.actor.id,
            form=form.to_dict(),
            field=problem.field[:64],
            reason=problem.reason,
            created_at=context.now,
        ),
    )
    await context.reply(
        f"{problem.reason} What you typed is kept: the button opens the form again, filled in.",
        [Button(fix_label(problem), FIX_BUTTON, drafts_repo.button_value(draft), style="primary")],
    )


async def fix_button(context: Context) -> None:
    """Open a kept form again, every field as the member typed it."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    found = await drafts_repo.named(context.session, event.value, context.workspace.id)
    if found is None or found[0].created_at < context.now - KEPT_FOR:
        raise UserError(STALE)
    draft = found[0]
    if draft.member_id != context.actor.id:
        raise UserError(
            "That form holds what someone else typed, so only they can fix it and send it."
        )
    await context.open_form(Form.from_dict(draft.form))


async def forget_sent(context: Context) -> None:
    """A form that went through needs no draft of it any more (run after every event)."""

    event = context.event
    if not isinstance(event, FormSubmitted) or context.actor.id is None:
        return
    await drafts_repo.forget_of_form(
        context.session, context.actor.id, event.form_id, event.context
    )


def register(registry: Registry) -> None:
    """The core's own button and clean-up (once, however many dispatchers share a registry)."""

    if FIX_BUTTON in registry.buttons:
        return
    registry.button(FIX_BUTTON, fix_button)
    registry.afterwards(forget_sent)
