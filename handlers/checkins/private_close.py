"""What the close of a run sends when its answers were not posted as they came.

``conveners``: each convener gets one DM, the run's digest, with every
answer under its author's name: nobody else reads them. ``summary``: the
run's thread gets one message that names nobody: how many answered, each
1-to-5 question's average, and the written answers of those who pressed
[Quote me without my name], shuffled within each question so that neither
the order of answering nor a member's answers to two questions tell who
wrote what. Fewer than ``FEWEST_FOR_DETAIL`` answers give counts only: in a
group that small, an average or a quote points at a person.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.markup import plain
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from handlers.checkins.templates import is_scale
from storage.models import Checkin, CheckinPrompt, CheckinRun, Member
from storage.repositories import checkins as checkins_repo
from storage.repositories import members as members_repo

SKIPPED = "-"
"""A question's answer when the member skipped it (``skip`` or ``-``): kept, so the next
question comes, and left out of what anyone reads."""
FEWEST_FOR_DETAIL = 3
QUOTES_PER_QUESTION = 10


def answer_text(
    name: str, silos: Sequence[str], questions: Sequence[Mapping[str, Any]], answers: Sequence[str]
) -> str:
    """One member's answers under their name and silos (the thread's and the digest's)."""

    where = f" ({', '.join(plain(s) for s in silos)})" if silos else ""
    lines = [f"*{plain(name)}*{where}"]
    for question, answer in zip(questions, answers, strict=False):
        if answer != SKIPPED:
            lines.append(f"*{question['text']}* {plain(answer)}")
    return "\n".join(lines)


def _heading(checkin: Checkin, run: CheckinRun, answered: int, asked: int) -> str:
    day = date.fromisoformat(run.run_date)
    rate = f" ({round(100 * answered / asked)}%)" if asked else ""
    return (
        f"*{plain(checkin.name)}* for {day:%A} {day.day} {day:%B} is closed: "
        f"{answered} of {asked} answered{rate}."
    )


def summary_text(
    checkin: Checkin, run: CheckinRun, answered: Sequence[CheckinPrompt], asked: int
) -> str:
    """The one message a summary check-in's thread gets at the close."""

    lines = [_heading(checkin, run, len(answered), asked)]
    if len(answered) < FEWEST_FOR_DETAIL:
        lines.append(
            f"With fewer than {FEWEST_FOR_DETAIL} answers this summary gives counts only, so "
            "that nobody can be told apart. Thank you!"
        )
        return "\n".join(lines)
    shuffle = random.Random(f"checkin-run:{run.id}:summary")
    # Ordered by member before shuffling: never in the order people answered.
    by_member = sorted(answered, key=lambda p: p.member_id)
    for index, question in enumerate(run.questions):
        given = [
            p.answers[index]
            for p in by_member
            if index < len(p.answers) and p.answers[index] not in ("", SKIPPED)
        ]
        if is_scale(question):
            numbers = [int(a) for a in given if a.isdigit()]
            average = f"{sum(numbers) / len(numbers):.1f} on average" if numbers else "no answers"
            lines.append(f"*{question['text']}* {average}")
            continue
        quotes = [
            " ".join(p.answers[index].split())
            for p in by_member
            if p.quote_ok and index < len(p.answers) and p.answers[index] not in ("", SKIPPED)
        ]
        if not quotes:
            continue
        shuffle.shuffle(quotes)
        lines.append(f"*{question['text']}*")
        lines.extend(f'- "{plain(quote)}"' for quote in quotes[:QUOTES_PER_QUESTION])
        if len(quotes) > QUOTES_PER_QUESTION:
            lines.append(f"- and {len(quotes) - QUOTES_PER_QUESTION} more")
    lines.append(
        "Quotes are only from those who allowed it, without names and in no particular "
        "order. Thank you!"
    )
    return "\n".join(lines)


def digest_text(
    checkin: Checkin,
    run: CheckinRun,
    rows: Sequence[tuple[CheckinPrompt, Member]],
    silos: Mapping[int, Sequence[str]],
    asked: int,
) -> str:
    """Each convener's DM at the close of a conveners-only run: every answer, named."""

    answered = sorted(
        ((p, m) for p, m in rows if p.status == checkins_repo.ANSWERED),
        key=lambda pm: pm[1].display_name.casefold(),
    )
    lines = [_heading(checkin, run, len(answered), asked) + " Its answers, for conveners only:"]
    if not answered:
        lines.append("Nobody answered this time.")
    for prompt, member in answered:
        lines.append(
            answer_text(
                member.display_name, silos.get(member.id or 0, []), run.questions, prompt.answers
            )
        )
    silent = sorted(
        m.display_name for p, m in rows if p.status in (checkins_repo.MISSED, checkins_repo.ASKED)
    )
    if silent:
        lines.append("Not answered: " + ", ".join(plain(n) for n in silent) + ".")
    return "\n\n".join(lines)


async def send_close(
    session: AsyncSession,
    *,
    checkin: Checkin,
    run: CheckinRun,
    asked: int,
    outbox: Outbox,
    thread: Target,
) -> None:
    """The close of a ``conveners`` or ``summary`` run (nothing for ``thread``)."""

    assert run.id is not None
    if checkin.answers_to == checkins_repo.THREAD or not asked:
        return
    rows = await checkins_repo.prompts_of_runs(session, [run.id])
    if checkin.answers_to == checkins_repo.SUMMARY:
        answered = [p for p, _ in rows if p.status == checkins_repo.ANSWERED]
        await outbox.send(
            f"checkin-run:{run.id}:summary",
            OutgoingMessage(thread, summary_text(checkin, run, answered, asked)),
        )
        return
    ids = [m.id for _, m in rows if m.id is not None]
    silos = await members_repo.silo_names(session, ids)
    text = digest_text(checkin, run, rows, silos, asked)
    conveners = await members_repo.conveners(session, checkin.workspace_id)
    await outbox.send_many(
        (
            f"checkin-run:{run.id}:digest:{c.id}",
            OutgoingMessage(Target.dm(c.platform_user_id), text),
        )
        for c in conveners
    )
