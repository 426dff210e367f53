"""Convene's Prometheus metrics: counters on the hot paths, backlogs read at scrape.

One process is one instance, so the counters are the process's own, in a
registry of Convene's (beside the process's CPU, memory and garbage
collection). The dispatcher, the deliverer and the adapters bump them with a
single call each: a dictionary lookup and an increment, no I/O, so counting
costs the event path well under a microsecond.

What a counter cannot say (how much is waiting) is read from the database
when Prometheus scrapes (``scrape``): the outbox's unsent messages and how
far their delivery is behind, the inbox's unhandled events and the age of the
oldest. They are the database's, so every instance reports the same. An
instance whose database does not answer still serves its counters, with
``convene_database_up 0``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import Event
from storage.repositories import backlog

log = logging.getLogger("convene.metrics")

if TYPE_CHECKING:
    import aiohttp

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format every Prometheus since 2.0 reads."""

SCRAPE_TIMEOUT_SECONDS = 2.0
"""How long a scrape waits for the database before answering without the backlogs."""

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

EVENTS_HANDLED = Counter(
    "convene_events_handled",
    "Events the dispatcher took to a handler (a repeat the platform sent again included), "
    "by platform and kind of event.",
    ["platform", "event"],
    registry=REGISTRY,
)
HANDLER_FAILURES = Counter(
    "convene_handler_failures",
    "Events whose handler failed with an unexpected error (rolled back, the member told "
    "the convener was told), by platform and kind of event.",
    ["platform", "event"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "convene_deliveries",
    "Attempts to send an outbox message, by platform and what came of it: sent, "
    "retried (failed, tried again later), given_up, rate_limited (a 429, put off).",
    ["platform", "status"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "convene_rate_limited",
    "Answers of 429 (slow down) from a platform, to sends and reads alike.",
    ["platform"],
    registry=REGISTRY,
)

SENT = "sent"
RETRIED = "retried"
GIVEN_UP = "given_up"
PUT_OFF = "rate_limited"

_children: dict[tuple[Counter, str, str], Counter] = {}
_event_names: dict[type[Event], str] = {}


def _child(counter: Counter, platform: str, label: str = "") -> Counter:
    """The counter's child for these labels, looked up once (``labels`` takes a lock)."""

    key = (counter, platform, label)
    child = _children.get(key)
    if child is None:
        child = counter.labels(platform, label) if label else counter.labels(platform)
        _children[key] = child
    return child


def _event_name(event: Event) -> str:
    """``FormSubmitted`` -> ``form_submitted``: the label a query filters on."""

    kind = type(event)
    name = _event_names.get(kind)
    if name is None:
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()
        _event_names[kind] = name
    return name


def event_handled(event: Event) -> None:
    _child(EVENTS_HANDLED, event.platform, _event_name(event)).inc()


def handler_failed(event: Event) -> None:
    _child(HANDLER_FAILURES, event.platform, _event_name(event)).inc()


def delivery(platform: str, status: str) -> None:
    """One outbox message tried: ``SENT``, ``RETRIED``, ``GIVEN_UP`` or ``PUT_OFF``."""

    _child(DELIVERIES, platform, status).inc()


def rate_limited(platform: str) -> None:
    """The platform answered 429."""

    _child(RATE_LIMITED, platform).inc()


def rate_limit_trace(platform: str) -> aiohttp.TraceConfig:
    """Counts the 429s an aiohttp session receives, for a client that retries them itself.

    discord.py waits out most 429s inside its HTTP client and tries again, so
    the adapter never sees them; its session's trace sees every answer.
    """

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.response.status == 429:
            rate_limited(platform)

    import aiohttp  # the platforms' adapters have loaded it already

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


class _Snapshot:
    """Gauges read for one scrape, in the shape ``generate_latest`` collects."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def scrape(engine: AsyncEngine, now: datetime) -> bytes:
    """The whole /metrics page: the process's counters, then the database's backlogs."""

    up = GaugeMetricFamily("convene_database_up", "1 if the database answered this scrape, else 0.")
    families: list[Metric] = [up]
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS), engine.connect() as connection:
            unsent = await backlog.unsent_messages(connection)
            unhandled = await backlog.unhandled_events(connection)
    except Exception as failure:
        # Said at DEBUG: /readyz names an unreachable database; a query this code
        # got wrong would otherwise only show as "database down".
        log.debug("the backlog gauges could not be read: %r", failure)
        up.add_metric([], 0)
    else:
        up.add_metric([], 1)
        families += [
            _gauge(
                "convene_outbox_unsent",
                "Outbox messages not yet sent nor given up on (every instance's: the database's).",
                unsent.count,
            ),
            _gauge(
                "convene_outbox_lag_seconds",
                "Seconds since the most overdue unsent message fell due (0: none is overdue); "
                "a message put off by a retry or a 429 falls due when its wait ends.",
                _seconds_since(unsent.since, now),
            ),
            _gauge(
                "convene_inbox_unhandled",
                "Events acknowledged to the platform and not handled yet.",
                unhandled.count,
            ),
            _gauge(
                "convene_inbox_oldest_age_seconds",
                "Seconds the oldest of those events has waited (0: none waits).",
                _seconds_since(unhandled.since, now),
            ),
        ]
    return generate_latest(REGISTRY) + generate_latest(_Snapshot(families))


def _gauge(name: str, documentation: str, value: float) -> Metric:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge


def _seconds_since(then: datetime | None, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0
