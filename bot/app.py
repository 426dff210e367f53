"""ConveneApp: one running Convene, whatever adapters it has.

It owns the engine, the dispatcher, the inbox, one deliverer per adapter and
the scheduler, and knows how to ``settle`` (run what is due, deliver what is
queued, handle events left in the inbox) so that the shell and tests can step
through time deterministically.

Adapters are started with an ``Intake``: calling it handles an event now,
its ``keep`` writes an event the platform has its acknowledgement for to the
inbox first (``bot.inbox``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import Adapter
from bot.clock import Clock, ManualClock, OffsetClock
from bot.config import Settings
from bot.context import JobContext
from bot.deliverer import Deliverer
from bot.dispatcher import Dispatcher
from bot.events import Event
from bot.http_endpoints import HealthEndpoints
from bot.inbox import Inbox, Intake
from bot.outbox import Outbox
from bot.platform_reads import before_transaction
from bot.registry import Registry, ServiceHost
from bot.scheduler import Scheduler
from bot.shared_limits import rate_limits_for
from storage import migrate
from storage.busy import retry_when_busy
from storage.engine import create_engine, session_factory
from storage.models import Schedule, Timer
from storage.repositories import members as members_repo
from storage.repositories import workspaces as workspaces_repo

log = logging.getLogger("convene.app")


class ConveneApp:
    def __init__(
        self,
        settings: Settings,
        adapters: Sequence[Adapter],
        registry: Registry,
        clock: Clock,
        *,
        engine: AsyncEngine | None = None,
        bootstrap_conveners: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.registry = registry
        self.adapters = {adapter.platform: adapter for adapter in adapters}
        self.engine = engine or create_engine(settings.convene.database_url)
        self.sessions = session_factory(self.engine)
        self._database_opened = False
        self._services = AsyncExitStack()
        self.health = HealthEndpoints(self.engine, clock, self.adapters)
        # Every instance on one PostgreSQL database (or Redis) keeps to the platforms' limits
        # together: the deliverers' and the adapters' own paces ([rate_limits] shared).
        self.rate_limits = rate_limits_for(settings, self.engine, clock)
        for adapter in adapters:
            share = getattr(adapter, "share_rate_limits", None)
            if share is not None:
                share(self.rate_limits)
        self.deliverers = {
            platform: Deliverer(
                self.sessions,
                adapter,
                clock,
                worker=f"{settings.instance}:{platform}",
                max_attempts=settings.outbox.max_attempts,
                base_backoff=settings.outbox.base_backoff_seconds,
                max_backoff=settings.outbox.max_backoff_seconds,
                lease_seconds=settings.outbox.lease_seconds,
                batch_size=settings.outbox.batch_size,
                limits=self.rate_limits,
            )
            for platform, adapter in self.adapters.items()
        }
        conveners = set(settings.convene.conveners)
        self.dispatcher = Dispatcher(
            self.sessions,
            clock,
            registry,
            settings,
            self.adapters,
            on_queued=self._wake_deliverer,
            bootstrap_conveners=bootstrap_conveners
            or {platform: frozenset(conveners) for platform in self.adapters},
        )
        self.inbox = Inbox(
            self.sessions,
            clock,
            # Unique to this process, whatever the instance id: a restart is another holder.
            holder=f"{settings.instance}:{secrets.token_hex(4)}"[-128:],
            lease=timedelta(seconds=settings.outbox.lease_seconds),
            wanted=self.dispatcher.wants,
            handle=self.dispatch,
        )
        self.intake = Intake(self.dispatch, self.inbox.keep)
        self.scheduler = Scheduler(
            self.sessions,
            clock,
            self._run_job,
            instance=settings.instance,
            grace=timedelta(minutes=settings.scheduler.grace_period_minutes),
            idle_poll=settings.scheduler.poll_seconds,
            on_ran=self._wake_all,
            timer_runner=self._run_timer,
            platforms=frozenset(self.adapters),
        )

    # -- lifecycle ---------------------------------------------------------

    async def upgrade_database(self) -> None:
        await migrate.upgrade(self.engine)
        self._database_opened = True

    async def start(self, *, background: bool = True) -> None:
        """Upgrade the database, resume delivery, start adapters.

        With ``background=False`` nothing runs by itself: the caller steps
        with ``settle`` (the scripted shell and the tests do).
        """

        if self.settings.http.port:
            await self.health.serve(self.settings.http.host, self.settings.http.port)
        await self.upgrade_database()
        for deliverer in self.deliverers.values():
            if background:
                await deliverer.start()
            else:
                await deliverer.resume()
        if background:
            await self.scheduler.start()
            host = ServiceHost(self.sessions, self.clock, self.settings)
            for service in self.registry.services.values():
                await self._services.enter_async_context(service(host))
        self.health.offer_to(self.adapters.values())
        for adapter in self.adapters.values():
            await adapter.start(self.intake)
        self.health.started = True
        if background:
            # Events left by an instance that died are taken over once their lease is out.
            self.inbox.start(poll_seconds=max(1.0, self.settings.outbox.lease_seconds / 3))

    async def stop(self) -> None:
        self.health.started = False
        try:
            await self._services.aclose()
        except Exception:
            log.exception("stopping a service beside the bot failed")
        for adapter in self.adapters.values():
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        await self.scheduler.stop()
        for deliverer in self.deliverers.values():
            await deliverer.stop()
        if self._database_opened:  # one that never opened holds none of the inbox's rows
            await self.inbox.stop()
        await self.health.close()
        await self.rate_limits.close()
        await self.engine.dispose()

    async def ensure_member(
        self,
        *,
        platform: str,
        workspace_external_id: str,
        workspace_name: str,
        platform_user_id: str,
        display_name: str,
        timezone: str | None,
        convener: bool,
    ) -> None:
        """Make sure a member exists (the shell's operator, before they say a word).

        A member seen for the first time gets ``timezone`` and ``convener``;
        an existing one is left as they are, so later changes stick.
        """

        now = self.clock.now()

        async def ensure() -> None:
            async with self.sessions.begin() as session:
                workspace = await workspaces_repo.get_or_create(
                    session, platform, workspace_external_id, workspace_name, now
                )
                assert workspace.id is not None
                member, created = await members_repo.get_or_create(
                    session, workspace.id, platform_user_id, display_name, now
                )
                if created:
                    member.timezone = timezone
                    member.is_convener = convener
                    members_repo.stage(session, member)

        await retry_when_busy(ensure, what=f"adding the member {platform_user_id}")

    async def dispatch(self, event: Event) -> None:
        kept = self.inbox.holds(event)
        try:
            await self.dispatcher.dispatch(event, kept=kept)
        finally:
            if kept:
                self.inbox.let_go(event)

    def _wake_deliverer(self, platform: str) -> None:
        deliverer = self.deliverers.get(platform)
        if deliverer is not None:
            deliverer.wake()
        # A handler may have added a schedule or a timer due sooner than the
        # scheduler's next wake-up.
        self.scheduler.wake()

    def _wake_all(self) -> None:
        for deliverer in self.deliverers.values():
            deliverer.wake()

    # -- stepping time -------------------------------------------------------

    async def settle(self) -> None:
        """Handle events left in the inbox, run every schedule slot due now, then
        deliver everything queued."""

        while True:
            ran = await self.inbox.take_over()
            ran += await self.scheduler.run_due()
            for deliverer in self.deliverers.values():
                await deliverer.drain()  # until nothing is due, threads' roots first
            # Sending creates no event, schedule or timer, so only a round that ran
            # something can have left more to do (a timer due now, say).
            if not ran:
                return

    async def advance_clock_to(self, when: datetime) -> None:
        """Move a manual clock forward, firing each due slot at its own time."""

        if not isinstance(self.clock, ManualClock | OffsetClock):
            raise TypeError("only a manual or offset clock can be moved")
        await self.settle()
        while True:
            upcoming = await self.scheduler.next_slot()
            if upcoming is None or upcoming > when:
                break
            if upcoming > self.clock.now():
                self.clock.set(upcoming)
            await self.settle()
        if when > self.clock.now():
            self.clock.set(when)
        await self.settle()

    # -- schedules -------------------------------------------------------------

    async def _run_job(self, session: AsyncSession, schedule: Schedule, slot: datetime) -> None:
        await self._run(
            session,
            job=schedule.job,
            workspace_id=schedule.workspace_id,
            subject_id=schedule.subject_id,
            slot=slot,
            schedule=schedule,
            what=f"schedule {schedule.id}",
        )

    async def _run_timer(self, session: AsyncSession, timer: Timer) -> None:
        await self._run(
            session,
            job=timer.job,
            workspace_id=timer.workspace_id,
            subject_id=timer.subject_id,
            slot=timer.due_at,
            schedule=None,
            what=f"timer {timer.key}",
        )

    async def _run(
        self,
        session: AsyncSession,
        *,
        job: str,
        workspace_id: int,
        subject_id: int | None,
        slot: datetime,
        schedule: Schedule | None,
        what: str,
    ) -> None:
        handler = self.registry.jobs.get(job)
        if handler is None:
            log.warning("%s names job %r, which nothing handles", what, job)
            return
        workspace = await workspaces_repo.get(session, workspace_id)
        if workspace is None:
            return
        adapter = self.adapters.get(workspace.platform)
        if adapter is None:
            log.info("%s belongs to %s, which this instance does not run", what, workspace.platform)
            return
        outbox = Outbox(
            session, workspace.platform, workspace.external_id, self.clock, buffered=True
        )
        await handler(
            JobContext(
                schedule=schedule,
                subject_id=subject_id,
                slot=slot,
                workspace=workspace,
                session=session,
                clock=self.clock,
                outbox=outbox,
                capabilities=adapter.capabilities,
                settings=self.settings,
                list_channel_on_platform=before_transaction(
                    "list_channel_members", adapter.list_channel_members
                ),
                hooks=self.registry.hooks,
            )
        )
        await outbox.flush()
