"""The convener's report on a check-in: response rates, streaks, the pulse over time.

A streak counts a member's answered runs in a row, newest first. Runs they
skipped (a button, ``/checkin skip``) or were never asked in (Convene was
down, they had not joined yet) neither break nor extend it; a run they were
asked in and let close unanswered ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.markup import plain
from handlers.checkins.private_close import FEWEST_FOR_DETAIL
from handlers.checkins.runs import day_text
from handlers.checkins.templates import is_scale
from handlers.shared.text import table
from storage.models import Checkin, CheckinPrompt, CheckinRun, Member
from storage.repositories import checkins as checkins_repo

MAX_NAMES = 15
MAX_MEMBER_ROWS = 25


def streaks(statuses: Sequence[str]) -> tuple[int, int]:
    """(current, best) streak from statuses ordered oldest run first."""

    current = best = 0
    for status in statuses:
        if status == checkins_repo.ANSWERED:
            current += 1
            best = max(best, current)
        elif status == checkins_repo.MISSED:
            current = 0
    return current, best


async def streak_of(session: AsyncSession, checkin: Checkin, member_id: int) -> int:
    assert checkin.id is not None
    mine = await checkins_repo.prompts_of_member(
        session,
        member_id,
        (checkins_repo.ANSWERED, checkins_repo.MISSED, checkins_repo.SKIPPED),
    )
    ordered = sorted((m for m in mine if m.checkin.id == checkin.id), key=lambda m: m.run.run_date)
    return streaks([m.prompt.status for m in ordered])[0]


def _pulse(checkin: Checkin, run: CheckinRun, prompts: Sequence[CheckinPrompt]) -> str:
    """The run's 1-to-5 average; for a check-in whose answers go into a summary that names
    nobody, only where its summary gives one (beside who answered, fewer would name)."""

    scales = [i for i, q in enumerate(run.questions) if is_scale(q)]
    if not scales:
        return ""
    answered = sum(1 for p in prompts if p.status == checkins_repo.ANSWERED)
    if checkin.answers_to == checkins_repo.SUMMARY and answered < FEWEST_FOR_DETAIL:
        return "-"
    values = [
        int(p.answers[i])
        for p in prompts
        if p.status == checkins_repo.ANSWERED
        for i in scales
        if i < len(p.answers) and p.answers[i].isdigit()
    ]
    return f"{sum(values) / len(values):.1f}" if values else "-"


async def report_text(session: AsyncSession, checkin: Checkin, limit: int) -> str:
    assert checkin.id is not None
    runs = await checkins_repo.runs(session, checkin.id, limit)
    if not runs:
        return f'"{plain(checkin.name)}" has not run yet; its report starts after the first run.'
    rows = await checkins_repo.prompts_of_runs(session, [r.id for r in runs if r.id is not None])
    by_run: dict[int, list[tuple[CheckinPrompt, Member]]] = {}
    for prompt, member in rows:
        by_run.setdefault(prompt.run_id, []).append((prompt, member))
    has_scale = any(is_scale(q) for r in runs for q in r.questions)
    headers = ["run", "asked", "answered", "rate"] + (["pulse"] if has_scale else [])
    table_rows = []
    history: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for run in runs:
        entries = by_run.get(run.id or 0, [])
        asked = [p for p, _ in entries if p.status in _ASKED]
        answered = [p for p in asked if p.status == checkins_repo.ANSWERED]
        rate = f"{round(100 * len(answered) / len(asked))}%" if asked else "-"
        label = day_text(date.fromisoformat(run.run_date))
        if run.status == checkins_repo.OPEN:
            label += " (open)"
        cells = [label, str(len(asked)), str(len(answered)), rate]
        if has_scale:
            cells.append(_pulse(checkin, run, [p for p, _ in entries]))
        table_rows.append(cells)
        for prompt, member in entries:
            history.setdefault(prompt.member_id, []).append(prompt.status)
            names[prompt.member_id] = member.display_name
    lines = [
        f"*{plain(checkin.name)}* (#{checkin.channel_name}), the last "
        + ("run:" if len(runs) == 1 else f"{len(runs)} runs:"),
        table(headers, table_rows),
    ]
    asked_runs = [r for r in runs if any(p.status in _ASKED for p, _ in by_run.get(r.id or 0, []))]
    latest = by_run.get(asked_runs[-1].id or 0, []) if asked_runs else []
    silent = sorted(
        m.display_name for p, m in latest if p.status in (checkins_repo.MISSED, checkins_repo.ASKED)
    )
    if silent:
        shown = ", ".join(plain(n) for n in silent[:MAX_NAMES])
        more = f" and {len(silent) - MAX_NAMES} more" if len(silent) > MAX_NAMES else ""
        lines.append(f"Not answered in the latest run: {shown}{more}.")
    member_rows = []
    for member_id, statuses in history.items():
        current, best = streaks(statuses)
        asked_count = sum(1 for s in statuses if s in _ASKED)
        answered_count = statuses.count(checkins_repo.ANSWERED)
        member_rows.append((current, best, names[member_id], answered_count, asked_count))
    member_rows.sort(key=lambda r: (-r[0], -r[1], r[2].lower()))
    lines.append("Members (streaks within these runs; skipped runs do not break them):")
    lines.append(
        table(
            ["member", "streak", "best", "answered"],
            [
                [plain(name), str(current), str(best), f"{done} of {asked}"]
                for current, best, name, done, asked in member_rows[:MAX_MEMBER_ROWS]
            ],
        )
    )
    if len(member_rows) > MAX_MEMBER_ROWS:
        lines.append(f"... and {len(member_rows) - MAX_MEMBER_ROWS} more members.")
    return "\n".join(lines)


_ASKED = (checkins_repo.ASKED, checkins_repo.ANSWERED, checkins_repo.MISSED)
