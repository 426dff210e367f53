"""Slack's per-method rate limits for the Web API calls the outbox makes.

Slack sorts its methods into tiers of calls a minute for each workspace
(Tier 2: 20+, Tier 3: 50+, Tier 4: 100+) and lets short bursts through.
``chat.postMessage`` is the exception: about one a second in each channel,
and several hundred a minute across the workspace. The deliverer paces that
one (its token bucket and per-channel lanes, from the adapter's
``Capabilities``); this module paces the other methods a delivery may call,
so that a burst of vote counts edited in place does not run into
``chat.update``'s 50 a minute and a 429.

Reads made while handling an event (``users.info``, ``conversations.members``)
are not paced ahead: Slack's bursts cover a command's needs, and on a 429 the
adapter waits for ``Retry-After`` and asks again.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.ratelimit import Limiter
from bot.shared_limits import RateLimits

PER_MINUTE: dict[str, int] = {
    "chat.update": 50,  # Tier 3
    "chat.delete": 50,  # Tier 3: a part an edit no longer needs
    "chat.postEphemeral": 100,  # Tier 4
    "conversations.open": 50,  # Tier 3: a group conversation for an introduction
    "views.publish": 100,  # Tier 4: the App Home
    "files.getUploadURLExternal": 100,  # Tier 4: one for each file of a message
    "files.completeUploadExternal": 100,  # Tier 4: one for all of a message's files
    "files.delete": 50,  # Tier 3: the files of a message taken off Slack
}
BURST_SECONDS = 10
"""A bucket holds this many seconds' worth of calls, for Slack's short bursts."""


class MethodPace:
    """A token bucket for each paced method, shared by every call to it.

    With ``limits`` shared ([rate_limits] shared), every instance calling a
    method draws on the one bucket, as Slack counts the calls.
    """

    def __init__(self, clock: Clock, limits: RateLimits | None = None) -> None:
        limits = limits or RateLimits(clock)
        self._buckets: dict[str, Limiter] = {
            method: limits.bucket(
                f"slack:method:{method}",
                per_minute / 60.0,
                burst=max(1, per_minute * BURST_SECONDS // 60),
            )
            for method, per_minute in PER_MINUTE.items()
        }

    async def before(self, method: str) -> None:
        """Wait, if need be, until ``method`` may be called again."""

        bucket = self._buckets.get(method)
        if bucket is not None:
            await bucket.acquire()

    def pause(self, method: str, seconds: float) -> None:
        """Slack said 429 for ``method``: nothing calls it until ``seconds`` pass."""

        bucket = self._buckets.get(method)
        if bucket is not None:
            bucket.pause(seconds)
