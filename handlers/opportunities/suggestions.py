"""After a check-in run closes: who should meet, put to every convener.

The check-ins job announces ``RUN_CLOSED`` in the transaction that closes a
run (from the run's timer, or a command that happens to close it). Here, if
the workspace has suggestions on, the needs and offers of its last weeks are
matched across silos under the workspace's rules (``passages.load_rules``),
keeping only matches where the need or the offer is an answer of this run,
so a run repeats no suggestion an earlier one made; the best (at most
``cards.MOST``) are kept as ``Opportunity`` rows and each convener gets one DM per
suggestion with [Introduce them] [Not now] [Never these two]
(``decisions``).

A replayed timer or a second instance sends nothing twice: a run already
read makes no new rows, a pending pair is never suggested again, and every
DM's key is the suggestion's and the convener's. Matching is read first and
written after, so a failure to suggest is logged and never keeps the run
from closing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import Context, JobContext
from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from bot.platform_reads import before_transaction
from bot.registry import Registry
from handlers.opportunities import cards
from handlers.shared.checkin_hooks import RUN_CLOSED, RunClosed
from handlers.shared.passages import DEFAULT_WEEKS, PairRules, load_passages, load_rules, window
from handlers.shared.topics import Match, library_loaded, load_library, match
from storage.models import Member, Opportunity, Workspace
from storage.repositories import members as members_repo
from storage.repositories import opportunities as opportunities_repo
from storage.repositories import workspace_settings as settings_repo

log = logging.getLogger("convene.opportunities")


def suggestion_key(opportunity_id: int, convener_id: int) -> str:
    return f"opportunity:{opportunity_id}:to:{convener_id}"


def run_prefix(run_id: int) -> str:
    """How a passage of this run's answers begins its ``ref``."""

    return f"run:{run_id}:"


async def _load_library() -> None:
    await asyncio.to_thread(load_library)


_load_library_apart = before_transaction("opportunities.text_library", _load_library)
"""The text libraries loaded with no transaction open: the run's job rolls back, they are
loaded, and the job runs again (``bot/platform_reads.py``); once a process."""


@dataclass(frozen=True, slots=True)
class Found:
    matches: list[Match]
    rules: PairRules


async def find(
    session: AsyncSession, workspace_id: int, run_id: int, now: datetime
) -> Found | None:
    """The best matches a run brought (None when the workspace has suggestions off)."""

    settings = await settings_repo.get(session, workspace_id)
    if not settings.opportunities_enabled:
        return None
    rules = await load_rules(session, workspace_id, now)
    passages = await load_passages(
        session, workspace_id, since=window(now, settings.opportunity_weeks or DEFAULT_WEEKS)
    )
    prefix = run_prefix(run_id)
    if not any(p.ref.startswith(prefix) for p in passages):
        # Nothing of this run to match: no need to read across at all (nor to load the
        # text library, which takes most of a second the first time, in a transaction).
        return Found([], rules)
    if not library_loaded():
        await _load_library_apart()
    found = await asyncio.to_thread(
        match,
        passages,
        allowed=rules.allowed,
        limit=cards.MOST,
        fresh=lambda m: m.need.ref.startswith(prefix) or m.offer.ref.startswith(prefix),
    )
    return Found(found, rules)


def opportunity_of(
    found: Match, rules: PairRules, workspace_id: int, run_id: int, now: datetime
) -> Opportunity:
    need, offer = found.need, found.offer
    bridge = rules.bridge(need.member_id, offer.member_id)
    if bridge is not None and bridge[0] not in rules.silos.get(need.member_id, frozenset()):
        bridge = (bridge[1], bridge[0])  # the need's silo first, as the card reads it
    return Opportunity(
        workspace_id=workspace_id,
        run_id=run_id,
        need_member_id=need.member_id,
        offer_member_id=offer.member_id,
        need_text=need.text,
        offer_text=offer.text,
        need_source=need.source,
        offer_source=offer.source,
        need_quotable=need.quotable,
        offer_quotable=offer.quotable,
        score=round(found.score, 4),
        silo_a=bridge[0] if bridge else None,
        silo_b=bridge[1] if bridge else None,
        created_at=now,
    )


async def suggest_after_run(
    session: AsyncSession, outbox: Outbox, workspace: Workspace, closed: RunClosed, now: datetime
) -> None:
    """Keep the run's best suggestions and DM each convener one message per suggestion."""

    wid, run_id = workspace.id, closed.run.id
    assert wid is not None and run_id is not None
    if await opportunities_repo.made_for_run(session, run_id):
        return
    conveners = [c for c in await members_repo.conveners(session, wid) if c.id is not None]
    if not conveners:
        log.info("check-in run %s closed: no convener to suggest anything to", run_id)
        return
    try:
        found = await find(session, wid, run_id, now)
    except Exception:
        log.exception("could not read suggestions after check-in run %s", run_id)
        return
    if found is None:
        return
    if not found.matches:
        log.debug("check-in run %s closed: no suggestion to make", run_id)
        return
    rows = await opportunities_repo.add_many(
        session, [opportunity_of(m, found.rules, wid, run_id, now) for m in found.matches]
    )
    landscape = await cards.load_landscape(session, wid, found.rules.outcomes)
    await send_cards(outbox, rows, conveners, landscape)
    log.info(
        "check-in run %s closed: %d suggestions sent to %d conveners",
        run_id,
        len(rows),
        len(conveners),
    )


async def send_cards(
    outbox: Outbox,
    rows: list[Opportunity],
    conveners: list[Member],
    landscape: cards.Landscape,
) -> None:
    await outbox.send_many(
        (
            suggestion_key(row.id, convener.id),
            OutgoingMessage(
                Target.dm(convener.platform_user_id),
                cards.card(row, landscape),
                cards.buttons(row.id),
            ),
        )
        for row in rows
        for convener in conveners
        if row.id is not None and convener.id is not None
    )


async def after_run(context: Context | JobContext, closed: RunClosed) -> None:
    """``RUN_CLOSED``, from a command or from a schedule's or timer's work."""

    await suggest_after_run(context.session, context.outbox, context.workspace, closed, context.now)


def register(registry: Registry) -> None:
    """Suggestions after each run, the conveners' buttons and their settings command."""

    from handlers.opportunities import decisions, settings

    registry.listen_in_jobs(RUN_CLOSED, after_run)
    registry.listen(RUN_CLOSED, after_run)
    decisions.register(registry)
    settings.register(registry)
