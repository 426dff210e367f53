"""Answering a check-in: through a form (paged where the platform caps a form's
fields), or in the DM one answer a message (``skip`` or ``-`` passes over a question);
editing until the run closes.

Where answers go is the check-in's (``privacy``): to the run's thread in the
channel, each under the member's name and silos, an edit changing that same
thread message in place; or nowhere until the close (``private_close``): to
the conveners only, or into a summary that names nobody, quoting only those
who pressed [Quote me without my name]. A run that has closed for the member
refuses answers kindly and says when the next one is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from bot.context import Context
from bot.errors import FieldProblem, UserError, asking_again
from bot.events import ButtonClicked, FormSubmitted, MessagePosted, PlaceKind
from bot.markup import has_control_characters, plain
from bot.messages import Button, Form, FormField, OutgoingMessage
from handlers.checkins import privacy
from handlers.checkins.private_close import SKIPPED, answer_text
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
SKIP_WORDS = frozenset({"skip", "-"})
RECENTLY_CLOSED = timedelta(days=2)

_ANSWERABLE = (checkins_repo.ASKED, checkins_repo.SKIPPED, checkins_repo.ANSWERED)


# -- finding the member's prompt ---------------------------------------------------------------


async def _answering(
    context: Context, run_id: int
) -> tuple[Checkin, CheckinRun, CheckinPrompt, list[str]]:
    """The actor's prompt in a run, with their silo names (one read), refusing kindly when
    it cannot take answers now."""

    found = await checkins_repo.answering(context.session, run_id, context.actor.id or 0)
    if found is None:
        raise UserError("That check-in has been deleted, so there is nothing to answer.")
    run, checkin, prompt = found.run, found.checkin, found.prompt
    if prompt is None or prompt.status == checkins_repo.PENDING:
        raise UserError("That check-in was not asked of you, so there is nothing to answer.")
    if prompt.status not in _ANSWERABLE or prompt.close_at <= context.now:
        raise UserError(_late_text(checkin, run, prompt, context))
    return checkin, run, prompt, found.silos


async def _prompt_for(context: Context, run_id: int) -> tuple[Checkin, CheckinRun, CheckinPrompt]:
    """The actor's prompt in a run, refusing kindly when it cannot take answers now."""

    checkin, run, prompt, _ = await _answering(context, run_id)
    return checkin, run, prompt


async def _save(context: Context, prompt: CheckinPrompt) -> None:
    """Write a changed prompt: one UPDATE for a prompt read with ``_answering`` (the
    session does not hold it), the session's flush for one it holds (the DM's)."""

    if prompt in context.session:
        await checkins_repo.save_prompt(context.session, prompt)
    else:
        await checkins_repo.record_prompt(context.session, prompt)


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
    context: Context,
    checkin: Checkin,
    run: CheckinRun,
    prompt: CheckinPrompt,
    page: int,
    note: str = "",
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
        note=note,
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
    note = await privacy.goes_to_line(context.session, checkin)
    await context.open_form(_form(context, checkin, run, prompt, 0, note))


async def continue_button(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    checkin, run, prompt = await _prompt_for(context, _run_id(context))
    page_text = event.value.partition(":")[2]
    page = int(page_text) if page_text.isdigit() else 0
    note = await privacy.goes_to_line(context.session, checkin)
    await context.open_form(_form(context, checkin, run, prompt, page, note))


async def skip_button(context: Context) -> None:
    checkin, _, prompt = await _prompt_for(context, _run_id(context))
    if prompt.status == checkins_repo.ANSWERED:
        await context.reply(
            f"You have already answered this one; your answer stays {privacy.kept_where(checkin)}."
        )
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
    await _save(context, prompt)
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
    checkin, run, prompt, silos = await _answering(context, int(head))
    page = int(page_text)
    # The form as it was shown, to ask a refused field again. Its note names the
    # conveners of a conveners-only check-in, a read: made only when a field is refused.
    noted = checkin.answers_to == checkins_repo.CONVENERS
    note = "" if noted else await privacy.goes_to_line(context.session, checkin)
    form = _form(context, checkin, run, prompt, page, note)
    answers = list(prompt.answers) + [""] * (len(run.questions) - len(prompt.answers))
    try:
        for field in form.fields:
            index = int(field.name[1:])
            with asking_again(form, event.values, field.name):
                answers[index] = clean_answer(
                    run.questions[index], str(event.values.get(field.name, "")), index + 1
                )
    except FieldProblem as refused:
        if not noted:
            raise
        note = await privacy.goes_to_line(context.session, checkin)
        shown = _form(context, checkin, run, prompt, page, note)
        raise FieldProblem(shown, event.values, refused.field, refused.reason) from refused
    last = (page + 1) * _page_size(context, run.questions) >= len(run.questions)
    if not last:
        prompt.answers = _without_trailing_blanks(answers)
        await _save(context, prompt)
        await context.reply(
            f"Saved page {page + 1}. Press Continue for the rest.",
            [Button("Continue", "checkin.continue", f"{run.id}:{page + 1}", "primary")],
        )
        return
    if any(not a for a in answers):
        missing = answers.index("") + 1
        raise UserError(f"Answer {missing} is still empty; press Answer to start again.")
    await _finish(context, checkin, run, prompt, answers, silos=silos)


async def _finish(
    context: Context,
    checkin: Checkin,
    run: CheckinRun,
    prompt: CheckinPrompt,
    answers: list[str],
    opening: str = "",
    *,
    silos: list[str] | None = None,
) -> None:
    """Record complete answers and show them in the run's thread (or edit them there).

    Every question skipped is the whole run skipped, as the Skip button does
    (or, for answers already in the thread, a refusal that keeps them).
    ``silos`` are the member's silo names when already read (else read here).
    """

    assert run.id is not None and context.actor.id is not None
    if all(answer == SKIPPED for answer in answers):
        if prompt.status == checkins_repo.ANSWERED:
            raise UserError(
                "That skips every question, which would leave no answer at all; your answers "
                f"stay {privacy.kept_where(checkin)} as they were. Change one, or write skip "
                "for the others."
            )
        await _skip_run(context, checkin, prompt, every_question=opening)
        return
    # Read before changing the prompt, so that it is written once (a read
    # would flush the change early, and the status change after it again).
    in_thread = checkin.answers_to == checkins_repo.THREAD
    if in_thread and silos is None:
        silos = (await members_repo.silo_names(context.session, [context.actor.id])).get(
            context.actor.id, []
        )
    editing = prompt.status == checkins_repo.ANSWERED
    prompt.answers = answers
    if editing:
        prompt.edits += 1
    else:
        prompt.status = checkins_repo.ANSWERED
        prompt.answered_at = context.now
    if in_thread:
        await _post_in_thread(
            context, checkin, run, answers, silos or [], editing=editing, edits=prompt.edits
        )
    await _save(context, prompt)
    zone = zone_of(checkin, context.actor.timezone)
    until = prompt.close_at.astimezone(zone)
    buttons = [Button("Edit answer", "checkin.edit", str(run.id))]
    if checkin.answers_to == checkins_repo.SUMMARY and not prompt.quote_ok:
        buttons.append(Button(QUOTE_ME, "checkin.quote", str(run.id)))
    await context.reply(
        f"{opening}{_done_text(checkin, editing)} You can change them until "
        f"{until:%H:%M} your time ({day_text(until.date())}).",
        buttons,
    )


QUOTE_ME = "Quote me without my name"


def _done_text(checkin: Checkin, editing: bool) -> str:
    """What answering did, by where the answers go."""

    if checkin.answers_to == checkins_repo.CONVENERS:
        return (
            "Updated your answers: the conveners only read them."
            if editing
            else "Thank you! Your answers go to the conveners only; nothing is posted in "
            f"#{checkin.channel_name}."
        )
    if checkin.answers_to == checkins_repo.SUMMARY:
        lead = "Updated your answers" if editing else "Thank you! Your answers are kept"
        return (
            f"{lead} for the summary in #{checkin.channel_name} at the close, which names "
            "nobody. Press Quote me without my name if your written answers may be quoted "
            "there, without your name."
        )
    done = "Updated your answer in" if editing else "Thank you! Your answers are in"
    return f"{done} the thread in #{checkin.channel_name}."


async def _post_in_thread(
    context: Context,
    checkin: Checkin,
    run: CheckinRun,
    answers: list[str],
    silos: list[str],
    *,
    editing: bool,
    edits: int,
) -> None:
    """The answers under the member's name in the run's thread (an edit changes them there)."""

    assert run.id is not None and context.actor.id is not None
    key = answer_key(run.id, context.actor.id)
    text = answer_text(context.actor.display_name, silos, run.questions, answers)
    if editing:
        await context.outbox.send(
            f"{key}:edit:{edits}", OutgoingMessage(thread_of(checkin, run.id), text, replaces=key)
        )
    else:
        await context.outbox.send(key, OutgoingMessage(thread_of(checkin, run.id), text))


async def quote_button(context: Context) -> None:
    """[Quote me without my name]: this member's written answers may be quoted in the summary."""

    checkin, _, prompt = await _prompt_for(context, _run_id(context))
    if checkin.answers_to != checkins_repo.SUMMARY:
        raise UserError(
            f"*{plain(checkin.name)}* does not post a summary, so there is nothing to quote."
        )
    if prompt.status != checkins_repo.ANSWERED:
        raise UserError("Answer first; then you can let your answers be quoted without your name.")
    if not prompt.quote_ok:
        prompt.quote_ok = True
        await _save(context, prompt)
    await context.reply(
        f"Thank you: your written answers may be quoted in the summary of *{plain(checkin.name)}* "
        "in no particular order, without your name; your 1-to-5 answers only count in the "
        "averages."
    )


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
        await _save(context, prompt)
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
