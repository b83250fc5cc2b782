"""Token buckets in Redis, shared by every process that points at the same server: one Lua
script a check takes the token atomically, by the server's clock (``TIME``), so neither two
processes at once nor their clocks' drift can let a client past its rate. A bucket is a hash
that expires once it would have refilled: an idle client leaves nothing behind."""

from __future__ import annotations

from typing import Final

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from dcmx_adapters.rate_buckets import Rate, StoreUnreachable

TAKE: Final = """
local per_minute = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if state[1] then
  local elapsed = math.max(now - tonumber(state[2]), 0)
  tokens = math.min(burst, tonumber(state[1]) + elapsed * per_minute / 60000000)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 60000000 / per_minute)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 60000 / per_minute) + 1000)
return wait
"""
"""Takes a token of the bucket ``KEYS[1]`` at ``ARGV`` = (per minute, burst); answers 0, or
the microseconds until the next token."""

TIMEOUT_SECONDS: Final = 0.5
"""How long a check waits for Redis before counting in this process instead."""


class RedisBuckets:
    """Token buckets in the Redis at ``url`` (``redis://host:port/db``), under keys that begin
    with ``prefix``. A Redis that does not answer within ``timeout`` seconds raises
    ``StoreUnreachable``."""

    name = "redis"

    def __init__(self, url: str, prefix: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.prefix = prefix
        self._client = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            # One try: a check waits no longer than the timeout, then counts in this process.
            retry=Retry(NoBackoff(), 0),
        )
        self._take = self._client.register_script(TAKE)

    def take(self, key: str, rate: Rate) -> float:
        try:
            micros = self._take(keys=[self.prefix + key], args=[rate.per_minute, rate.burst])
        except redis.RedisError as error:
            raise StoreUnreachable(self.name, str(error) or type(error).__name__) from error
        return int(micros) / 1_000_000

    def close(self) -> None:
        self._client.close()
