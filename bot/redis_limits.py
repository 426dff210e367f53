"""Shared rate limits kept in Redis (``[rate_limits] shared = "redis"``).

The same marks as the database store (``bot.shared_limits``), each a Redis
string that expires a minute after the moment it books to (a pause of ten
minutes lives ten minutes and one). A booking
is one Lua script, so it is atomic in Redis as the UPDATE is in PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from redis.asyncio import Redis

KEEP_MS = 60_000
"""How long a mark outlives the moment it books to (it means nothing after)."""

_BOOK = """
local now = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local booked = start + span
redis.call('SET', KEYS[1], string.format('%.6f', booked),
           'PX', math.ceil((booked - now) * 1000) + tonumber(ARGV[3]))
return string.format('%.6f', start)
"""

_RAISE = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local wanted = tonumber(ARGV[i + 2])
  local booked = tonumber(redis.call('GET', key) or '0')
  if wanted > booked then
    redis.call('SET', key, string.format('%.6f', wanted),
               'PX', math.ceil(math.max(0, wanted - now) * 1000) + tonumber(ARGV[2]))
  end
end
return #KEYS
"""


class RedisLimitStore:
    """Marks under ``{prefix}{key}`` in the Redis at ``url``."""

    def __init__(self, url: str, *, prefix: str = "convene:limit:") -> None:
        self._redis: Redis = Redis.from_url(url)
        self._prefix = prefix
        self._book = self._redis.register_script(_BOOK)
        self._raise = self._redis.register_script(_RAISE)

    async def book(self, key: str, *, count: int, interval: float, now: float) -> float:
        start = await self._book(
            keys=[self._prefix + key], args=[repr(now), repr(count * interval), KEEP_MS]
        )
        return float(start)

    async def raise_to(self, wanted: Mapping[str, float], *, now: float) -> None:
        if not wanted:
            return
        keys = sorted(wanted)
        # "now" sets how long each mark lives: until its moment, and KEEP_MS more.
        await self._raise(
            keys=[self._prefix + k for k in keys],
            args=[repr(now), KEEP_MS, *(repr(wanted[k]) for k in keys)],
        )

    async def read(self, keys: Iterable[str], *, after: float) -> dict[str, float]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        values = await self._redis.mget([self._prefix + k for k in wanted])
        found = {k: float(v) for k, v in zip(wanted, values, strict=True) if v is not None}
        return {k: v for k, v in found.items() if v > after}

    async def lives_ms(self, key: str) -> int:
        """How many milliseconds the mark of ``key`` has left in Redis (-2: none)."""

        return int(await self._redis.pttl(self._prefix + key))

    async def close(self) -> None:
        await self._redis.aclose()
