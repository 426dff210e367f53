"""Answering a check-in: through a form (paged where the platform caps a form's
fields), or in the DM one answer a message (``skip`` or ``-`` passes over a question);
editing until the run closes.

Answers go to the run's thread in the channel, each under the member's name
and silos; an edit changes that same thread message in place. A run that has
closed for the member refuses answers kindly and says when the next one is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from bot.context import Context
from bot.errors import UserError, asking_again
from bot.events import ButtonClicked, FormSubmitted, MessagePosted, PlaceKind
from bot.markup import has_control_characters, plain
from bot.messages import Button, Form, FormField, OutgoingMessage
from handlers.checkins.runs import (
    answer_key,
    day_text,
    next_text,
    thread_of,
    zone_of,
)
from handlers.checkins.templates import SCALE_HIGH, SCALE_LOW, is_scale
from storage.models import Checkin, CheckinPrompt, CheckinRun
from storage.repositories import checkins as checkins_repo
from storage.repositories import members as members_repo

MAX_ANSWER = 1000
FORM_ID = "checkin.answers"
SKIPPED = "-"
"""A question's answer when the member skipped it (``skip`` or ``-``): kept, so the next
question comes, and left out of the thread."""
SKIP_WORDS = frozenset({"skip", "-"})
RECENTLY_CLOSED = timedelta(days=2)

_ANSWERABLE = (checkins_repo.ASKED, checkins_repo.SKIPPED, checkins_repo.ANSWERED)


# -- finding the member's prompt ---------------------------------------------------------------


async def _prompt_for(context: Context, run_id: int) -> tuple[Checkin, CheckinRun, CheckinPrompt]:
    """The actor's prompt in a run, refusing kindly when it cannot take answers now."""

    found = await checkins_repo.run_with_prompt(context.session, run_id, context.actor.id or 0)
    if found is None:
        raise UserError("That check-in has been deleted, so there is nothing to answer.")
    run, checkin, prompt = found
    if prompt is None or prompt.status == checkins_repo.PENDING:
        raise UserError("That check-in was not asked of you, so there is nothing to answer.")
    if prompt.status not in _ANSWERABLE or prompt.close_at <= context.now:
        raise UserError(_late_text(checkin, run, prompt, context))
    return checkin, run, prompt


def _late_text(checkin: Checkin, run: CheckinRun, prompt: CheckinPrompt, context: Context) -> str:
    zone = zone_of(checkin, context.actor.timezone)
    closed = prompt.close_at.astimezone(zone)
    return (
        f"*{plain(checkin.name)}* for {day_text(date.fromisoformat(run.run_date))} closed at "
        f"{closed:%H:%M} your time, so late answers are not added; thank you all the same. "
        f"{next_text(checkin, zone, context.now)}"
    )


def _page_size(context: Context, questions: Sequence[Any]) -> int:
    cap = context.capabilities.max_form_fields
    return max(1, min(cap, len(questions))) if cap else max(1, len(questions))


def _form(
    context: Context, checkin: Checkin, run: CheckinRun, prompt: CheckinPrompt, page: int
) -> Form:
    questions = run.questions
    size = _page_size(context, questions)
    pages = (len(questions) + size - 1) // size
    first = page * size
    fields = []
    for index in range(first, min(first + size, len(questions))):
        question = questions[index]
        initial = prompt.answers[index] if index < len(prompt.answers) else ""
        if is_scale(question):
            fields.append(
                FormField(
                    f"q{index}",
                    str(question["text"]),
                    kind="choice",
                    choices=tuple(str(n) for n in range(SCALE_LOW, SCALE_HIGH + 1)),
                    initial=initial,
                )
            )
        else:
            fields.append(
                FormField(
                    f"q{index}",
                    str(question["text"]),
                    "long_text",
                    max_length=MAX_ANSWER,
                    initial=initial,
                )
            )
    title = checkin.name if pages == 1 else f"{checkin.name} ({page + 1} of {pages})"
    return Form(
        FORM_ID,
        title[:80],
        tuple(fields),
        context=f"{run.id}:{page}",
        submit_label="Next" if page + 1 < pages else "Send",
    )


def _without_trailing_blanks(answers: list[str]) -> list[str]:
    """Answers so far, as stored: a draft ends at its last answered question."""

    kept = list(answers)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def skips(text: str) -> bool:
    """Whether an answer says "skip this question" (``skip`` or ``-``).

    Not ``pass``: "Pass" is a fair answer to "How did the exam go?".
    """

    return text.strip().casefold() in SKIP_WORDS


def clean_answer(question: dict[str, Any], text: str, number: int) -> str:
    """An answer fit to keep (``SKIPPED`` for a question skipped), or a refusal that says
    what to send instead."""

    answer = text.strip()
    if skips(answer):
        return SKIPPED
    if not answer:
        raise UserError(f"Answer {number} is empty; write something, or press Skip this time.")
    if has_control_characters(answer.replace("\n", " ")):
        raise UserError(f"Answer {number} holds control characters; send it as plain text.")
    if len(answer) > MAX_ANSWER:
        raise UserError(
            f"Answer {number} is {len(answer):,} characters long; answers take at most "
            f"{MAX_ANSWER:,}. Nothing was saved: send a shorter one."
        )
    if is_scale(question) and answer not in {str(n) for n in range(SCALE_LOW, SCALE_HIGH + 1)}:
        raise UserError(
            f"Answer {number} takes a number from {SCALE_LOW} to {SCALE_HIGH}, like 4; "
            "nothing was saved."
        )
    return answer


# -- buttons -----------------------------------------------------------------------------


def _run_id(context: Context) -> int:
    event = context.event
    assert isinstance(event, ButtonClicked)
    head = event.value.split(":", 1)[0]
    if not head.isdigit():
        raise UserError("That button no longer does anything; it belongs to something that ended.")
    return int(head)


async def answer_button(context: Context) -> None:
    checkin, run, prompt = await _prompt_for(context, _run_id(context))
    await context.open_form(_form(context, checkin, run, prompt, 0))


async def continue_button(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    checkin, run, prompt = await _prompt_for(context, _run_id(context))
    page_text = event.value.partition(":")[2]
    page = int(page_text) if page_text.isdigit() else 0
    await context.open_form(_form(context, checkin, run, prompt, page))


async def skip_button(context: Context) -> None:
    checkin, _, prompt = await _prompt_for(context, _run_id(context))
    if prompt.status == checkins_repo.ANSWERED:
        await context.reply("You have already answered this one; your answer stays in the thread.")
        return
    await _skip_run(context, checkin, prompt)


async def _skip_run(
    context: Context, checkin: Checkin, prompt: CheckinPrompt, *, every_question: str | None = None
) -> None:
    """This run skipped as a whole: nothing in the thread, the streak kept.

    ``every_question`` is said first when the member skipped each question
    one by one rather than pressing Skip.
    """

    prompt.status = checkins_repo.SKIPPED
    prompt.answers = []
    await checkins_repo.save_prompt(context.session, prompt)
    zone = zone_of(checkin, context.actor.timezone)
    name = plain(checkin.name)
    said = (
        f"Skipped *{name}* this time"
        if every_question is None
        else f"{every_question}With every question skipped, *{name}* counts as skipped this time"
    )
    await context.reply(f"{said}; your streak is safe. {next_text(checkin, zone, context.now)}")


# -- the form ------------------------------------------------------------------------------


async def form_submitted(context: Context) -> None:
    event = context.event
    assert isinstance(event, FormSubmitted)
    head, _, page_text = event.context.partition(":")
    if not head.isdigit() or not page_text.isdigit():
        raise UserError("That form belongs to something that has ended; nothing was saved.")
    checkin, run, prompt = await _prompt_for(context, int(head))
    page = int(page_text)
    form = _form(context, checkin, run, prompt, page)
    answers = list(prompt.answers) + [""] * (len(run.questions) - len(prompt.answers))
    for field in form.fields:
        index = int(field.name[1:])
        with asking_again(form, event.values, field.name):
            answers[index] = clean_answer(
                run.questions[index], str(event.values.get(field.name, "")), index + 1
            )
    last = (page + 1) * _page_size(context, run.questions) >= len(run.questions)
    if not last:
        prompt.answers = _without_trailing_blanks(answers)
        await checkins_repo.save_prompt(context.session, prompt)
        await context.reply(
            f"Saved page {page + 1}. Press Continue for the rest.",
            [Button("Continue", "checkin.continue", f"{run.id}:{page + 1}", "primary")],
        )
        return
    if any(not a for a in answers):
        missing = answers.index("") + 1
        raise UserError(f"Answer {missing} is still empty; press Answer to start again.")
    await _finish(context, checkin, run, prompt, answers)


async def _finish(
    context: Context,
    checkin: Checkin,
    run: CheckinRun,
    prompt: CheckinPrompt,
    answers: list[str],
    opening: str = "",
) -> None:
    """Record complete answers and show them in the run's thread (or edit them there).

    Every question skipped is the whole run skipped, as the Skip button does
    (or, for answers already in the thread, a refusal that keeps them).
    """

    assert run.id is not None and context.actor.id is not None
    if all(answer == SKIPPED for answer in answers):
        if prompt.status == checkins_repo.ANSWERED:
            raise UserError(
                "That skips every question, which would leave no answer at all; your answers "
                "stay in the thread as they were. Change one, or write skip for the others."
            )
        await _skip_run(context, checkin, prompt, every_question=opening)
        return
    # Read before changing the prompt, so that it is written once (a read
    # would flush the change early, and the status change after it again).
    silos = await members_repo.silo_names(context.session, [context.actor.id])
    editing = prompt.status == checkins_repo.ANSWERED
    prompt.answers = answers
    key = answer_key(run.id, context.actor.id)
    text = _thread_text(context.actor.display_name, silos.get(context.actor.id, []), run, answers)
    if editing:
        prompt.edits += 1
        await context.outbox.send(
            f"{key}:edit:{prompt.edits}",
            OutgoingMessage(thread_of(checkin, run.id), text, replaces=key),
        )
    else:
        prompt.status = checkins_repo.ANSWERED
        prompt.answered_at = context.now
        await context.outbox.send(key, OutgoingMessage(thread_of(checkin, run.id), text))
    await checkins_repo.save_prompt(context.session, prompt)
    zone = zone_of(checkin, context.actor.timezone)
    until = prompt.close_at.astimezone(zone)
    done = "Updated your answer in" if editing else "Thank you! Your answers are in"
    await context.reply(
        f"{opening}{done} the thread in #{checkin.channel_name}. You can change them until "
        f"{until:%H:%M} your time ({day_text(until.date())}).",
        [Button("Edit answer", "checkin.edit", str(run.id))],
    )


def _thread_text(name: str, silos: Sequence[str], run: CheckinRun, answers: Sequence[str]) -> str:
    where = f" ({', '.join(plain(s) for s in silos)})" if silos else ""
    lines = [f"*{plain(name)}*{where}"]
    for question, answer in zip(run.questions, answers, strict=False):
        if answer != SKIPPED:
            lines.append(f"*{question['text']}* {plain(answer)}")
    return "\n".join(lines)


# -- answering in the DM -----------------------------------------------------------------------


def wants_dm(event: MessagePosted) -> bool:
    return event.place.kind is PlaceKind.DM and not event.text.startswith("/")


async def dm_message(context: Context) -> None:
    """A member writing to the bot: the next answer of a check-in in progress, if any."""

    event = context.event
    assert isinstance(event, MessagePosted) and context.actor.id is not None
    now = context.now
    mine = await checkins_repo.prompts_of_member(
        context.session,
        context.actor.id,
        (checkins_repo.ASKED, checkins_repo.ANSWERED, checkins_repo.MISSED),
    )
    for item in mine:
        if item.prompt.status == checkins_repo.ASKED and item.prompt.close_at > now:
            await _answer_in_dm(context, item.checkin, item.run, item.prompt, event.text)
            return
    for item in mine:
        if item.prompt.status == checkins_repo.ANSWERED and item.prompt.close_at > now:
            await context.reply(
                f"You have answered *{plain(item.checkin.name)}* already. To change your "
                "answer, press Edit answer.",
                [Button("Edit answer", "checkin.edit", str(item.run.id))],
                private=False,
            )
            return
    for item in mine:
        if (
            item.prompt.status == checkins_repo.MISSED
            and now - item.prompt.close_at < RECENTLY_CLOSED
        ):
            await context.reply(
                _late_text(item.checkin, item.run, item.prompt, context), private=False
            )
            return
    await context.reply(
        "Hello! I'm Convene. Type /convene help to see what I can do for you.", private=False
    )


async def _answer_in_dm(
    context: Context, checkin: Checkin, run: CheckinRun, prompt: CheckinPrompt, text: str
) -> None:
    answers = list(prompt.answers) + [""] * (len(run.questions) - len(prompt.answers))
    index = answers.index("")  # the first question still without an answer
    answers[index] = clean_answer(run.questions[index], text, index + 1)
    said = f"Skipped question {index + 1}." if answers[index] == SKIPPED else "Got it."
    if "" in answers:
        prompt.answers = _without_trailing_blanks(answers)
        await checkins_repo.save_prompt(context.session, prompt)
        following = answers.index("")
        question = run.questions[following]
        hint = f" ({SCALE_LOW} to {SCALE_HIGH})" if is_scale(question) else ""
        await context.reply(
            f"{said} {following + 1} of {len(run.questions)}: {question['text']}{hint}",
            private=False,
        )
        return
    opening = f"{said} " if answers[index] == SKIPPED else ""
    await _finish(context, checkin, run, prompt, answers, opening)
