"""Token buckets, counted where the API's processes can see them: in this process, or in a store
every process shares (Redis, PostgreSQL: see ``redis_buckets`` and ``sql.rate_buckets``).

Every store obeys ``RateCounter``: ``take(key, rate)`` takes a token of ``key``'s bucket, which
holds at most ``rate.burst`` tokens and gets ``rate.per_minute`` back a minute, and answers 0 when
there was one, else the seconds until the next comes (taking nothing). A key never seen is a
full bucket; a bucket that has refilled may be forgotten, which changes nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

from attrs import define, frozen

_log = logging.getLogger("dcmx.rate_limits")

MAX_BUCKETS: Final = 10_000
"""Above this many buckets in one process, the ones that have refilled (their client went
quiet) are dropped."""


@frozen
class Rate:
    """``per_minute`` requests a minute on average, ``burst`` of them at once."""

    per_minute: int
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60

    @property
    def refill_seconds(self) -> float:
        """How long an empty bucket takes to fill up: a key idle that long may be forgotten."""
        return self.burst / self.per_second


class StoreUnreachable(Exception):
    """A shared store did not answer a check (gone, refusing connections, too slow)."""

    def __init__(self, store: str, reason: str) -> None:
        shown = " ".join(reason.split())[:200] or "no answer"
        super().__init__(f"{store} unreachable: {shown}")
        self.store = store


class RateCounter(Protocol):
    """Where token buckets are counted."""

    @property
    def name(self) -> str:
        """The store, as a log line or the metrics name it: ``in-process``, ``redis``..."""
        ...

    def take(self, key: str, rate: Rate) -> float:
        """Take a token of ``key``'s bucket at ``rate``: 0 when there was one, else the
        seconds until the next comes (and nothing is taken)."""
        ...


@define
class _Bucket:
    tokens: float
    at: float
    rate: Rate

    def refilled(self, now: float) -> float:
        elapsed = max(now - self.at, 0.0)
        return min(float(self.rate.burst), self.tokens + elapsed * self.rate.per_second)


class InProcessBuckets:
    """The buckets in this process's memory: exact and free, but each process counts alone, so
    N processes let a client make N times the rate."""

    name = "in-process"

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: Rate) -> float:
        with self._lock:
            now = self._now()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._drop_full(now)
                bucket = self._buckets[key] = _Bucket(float(rate.burst), now, rate)
            bucket.tokens = bucket.refilled(now)
            bucket.at = now
            bucket.rate = rate
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate.per_second

    def _drop_full(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.refilled(now) >= b.rate.burst]
        for key in full:
            del self._buckets[key]


class FailOpen:
    """A shared store that, while it cannot be reached, gives way to counting in this process
    (the API keeps answering, each process limiting on its own) with one log line; it is
    asked again at most every ``retry_seconds``, and takes over again once it answers, with
    one log line too."""

    def __init__(
        self,
        shared: RateCounter,
        *,
        retry_seconds: float = 5.0,
        local: RateCounter | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared = shared
        self.local = local or InProcessBuckets(now)
        self._retry_seconds = retry_seconds
        self._now = now
        self._lock = threading.Lock()
        self._retry_at: float | None = None
        """When the shared store is next asked; None while it answers."""

    @property
    def name(self) -> str:
        return self.local.name if self.falling_back else self.shared.name

    @property
    def falling_back(self) -> bool:
        return self._retry_at is not None

    def take(self, key: str, rate: Rate) -> float:
        if not self._ask_shared():
            return self.local.take(key, rate)
        try:
            wait = self.shared.take(key, rate)
        except StoreUnreachable as error:
            self._gone(error)
            return self.local.take(key, rate)
        self._back()
        return wait

    def _ask_shared(self) -> bool:
        """Whether this check goes to the shared store: always while it answers; once it is
        gone, only the first check after each ``retry_seconds``."""
        with self._lock:
            if self._retry_at is None:
                return True
            now = self._now()
            if now < self._retry_at:
                return False
            self._retry_at = now + self._retry_seconds
            return True

    def _gone(self, error: StoreUnreachable) -> None:
        with self._lock:
            first = self._retry_at is None
            self._retry_at = self._now() + self._retry_seconds
        if first:
            _log.warning(
                'rate_limits=%s reason="%s" retry_seconds=%g',
                self.local.name,
                str(error).replace('"', "'"),
                self._retry_seconds,
            )

    def _back(self) -> None:
        with self._lock:
            if self._retry_at is None:
                return
            self._retry_at = None
        _log.warning('rate_limits=%s reason="%s answers again"', self.shared.name, self.shared.name)
