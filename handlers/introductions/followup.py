"""After an introduction: did you meet, what did you take away, and who may read it.

``[We met]`` opens a form with the take-away and the member's choice of how
it may be used (``handlers/shared/stories.py``): conveners only, which is
what a blank choice means, or shared with or without their name. Every
report, map, export and dashboard page reads stories through that one gate,
so the choice made here is the only permission there is. The thank-you says
what was chosen and offers a button to change it later.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import FieldProblem
from bot.events import ButtonClicked, FormSubmitted
from bot.markup import has_control_characters
from bot.messages import Button, Form, FormField
from handlers.shared.stories import (
    ANONYMOUS,
    CONSENT_LABELS,
    CONSENTS,
    CONVENERS_ONLY,
    NAMED,
)
from storage.models import PairingGroupMember
from storage.repositories import pairings as pairings_repo

MAX_LEARNING = 2000
LEARNING_FORM = "pairing.learning"
CHANGE_CONSENT = "pairing.story"
CHANGE_LABEL = "Change who may read it"
OUTCOMES = {"pairing.met": "met", "pairing.notyet": "not_yet", "pairing.wont": "wont"}

CONSENT_MEANING = {
    CONVENERS_ONLY: "only conveners will read it",
    NAMED: "it may be shared in reports, maps and the dashboard, with your name",
    ANONYMOUS: "it may be shared in reports, maps and the dashboard, without your name",
}


async def _my_place(context: Context, group_ref: str) -> PairingGroupMember | None:
    """The actor's place in the group a button or form names (None if not theirs)."""

    assert context.actor.id is not None
    group_id = int(group_ref) if group_ref.isdigit() else 0
    return await pairings_repo.group_member(context.session, group_id, context.actor.id)


async def followup_answer(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    group_id = event.value
    place = await _my_place(context, group_id)
    if place is None:
        await context.reply("That follow-up belongs to someone else's introduction.")
        return
    outcome = OUTCOMES[event.action_id]
    place.outcome = outcome
    place.answered_at = context.now
    place.met_marked_by = None  # their own answer, whatever a convener marked before
    pairings_repo.stage(context.session, place)
    if outcome == "met":
        await context.open_form(learning_form(group_id, place))
        await context.reply("Wonderful, thank you for meeting!", private=False)
    elif outcome == "not_yet":
        await context.reply(
            "No rush. Press the button when you have met.",
            [Button("We met", "pairing.met", group_id, "primary")],
            private=False,
        )
    elif await _outside_the_rounds(context, place):
        await context.reply("Thanks for letting me know.", private=False)
    else:
        await context.reply(
            "Thanks for letting me know; there will be new people next round.", private=False
        )


async def _outside_the_rounds(context: Context, place: PairingGroupMember) -> bool:
    """Whether the introduction was made outside the rounds (no "next round" to promise)."""

    group = await pairings_repo.group(context.session, place.group_id)
    found = await pairings_repo.pairing_round(context.session, group.round_id) if group else None
    return found is not None and found.programme_id is None


def learning_form(group_id: str, place: PairingGroupMember | None = None) -> Form:
    """The take-away and who may read it, filled with what the member said before."""

    consent = place.learning_consent if place is not None else CONVENERS_ONLY
    return Form(
        form_id=LEARNING_FORM,
        title="What did you take away?",
        fields=(
            FormField(
                "learning",
                "What did you learn or take away?",
                kind="long_text",
                required=False,
                max_length=MAX_LEARNING,
                initial=(place.learning or "") if place is not None else "",
            ),
            FormField(
                "consent",
                "Who may read it?",
                kind="choice",
                required=False,
                choices=tuple(CONSENT_LABELS[c] for c in CONSENTS),
                initial=CONSENT_LABELS.get(consent, CONSENT_LABELS[CONVENERS_ONLY]),
            ),
        ),
        context=group_id,
    )


def consent_chosen(value: str) -> str | None:
    """The consent a submitted choice means: its label or its key, any case; blank is
    conveners only; None for anything else."""

    said = " ".join(value.replace(",", " ").split()).casefold()
    if not said:
        return CONVENERS_ONLY
    for consent in CONSENTS:
        label = " ".join(CONSENT_LABELS[consent].replace(",", " ").split()).casefold()
        if said in (label, consent):
            return consent
    return None


async def learning_submitted(context: Context) -> None:
    """Keep what the member took away and how it may be used; a refused field is asked
    again, with the rest kept."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    place = await _my_place(context, event.context)
    if place is None:
        await context.reply("That form belongs to someone else's introduction; nothing was saved.")
        return
    form = learning_form(event.context)
    learning = (event.values.get("learning") or "").strip()
    refused = None
    if len(learning) > MAX_LEARNING:
        refused = f"That is {len(learning):,} characters; keep it to {MAX_LEARNING:,}."
    elif has_control_characters(learning.replace("\n", " ")):
        refused = "It holds control characters; write it as plain text."
    if refused is not None:
        raise FieldProblem(form, event.values, "learning", refused)
    consent = consent_chosen(event.values.get("consent") or "")
    if consent is None:
        choices = ", ".join(f'"{CONSENT_LABELS[c]}"' for c in CONSENTS)
        raise FieldProblem(form, event.values, "consent", f"Choose one of {choices}.")
    place.learning = learning or None
    place.learning_consent = consent
    pairings_repo.stage(context.session, place)
    if not learning:
        await context.reply("Thanks!", private=False)
        return
    await context.reply(
        f"Thank you, saved. You chose {CONSENT_LABELS[consent]}: {CONSENT_MEANING[consent]}. "
        f"To change that, press [{CHANGE_LABEL}].",
        [Button(CHANGE_LABEL, CHANGE_CONSENT, event.context)],
        private=False,
    )


async def change_clicked(context: Context) -> None:
    """``[Change who may read it]``: the same form again, filled with what was saved."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    place = await _my_place(context, event.value)
    if place is None:
        await context.reply("That story belongs to someone else's introduction.")
        return
    await context.open_form(learning_form(event.value, place))
