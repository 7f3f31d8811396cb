"""Token-bucket arithmetic for ARM's request budgets: pure, shared by the in-memory and the
database-backed bucket stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BucketLimit:
    burst: float
    refill_per_second: float


ARM_LIMITS = {
    "reads": BucketLimit(250, 25),
    "writes": BucketLimit(200, 10),
    "deletes": BucketLimit(200, 10),
}


class BucketStore(Protocol):
    def take(self, key: str, limit: BucketLimit, now: float) -> float:
        """Take one token, or return how many seconds until one is available (nothing taken)."""

    def observe(self, key: str, limit: BucketLimit, remaining: float, now: float) -> None:
        """ARM says only ``remaining`` tokens are left: never believe we have more."""

    def block(self, key: str, limit: BucketLimit, until: float, now: float) -> None:
        """ARM said 429: nothing leaves this bucket until ``until``."""


def refill(
    tokens: float, updated: float, blocked_until: float, limit: BucketLimit, now: float
) -> float:
    """The bucket's tokens at ``now`` (the one formula every store uses)."""
    start = max(updated, blocked_until)
    if now <= start:
        return tokens
    return min(limit.burst, tokens + (now - start) * limit.refill_per_second)


def wait_for_token(tokens: float, blocked_until: float, limit: BucketLimit, now: float) -> float:
    if blocked_until > now:
        return blocked_until - now + max(0.0, 1 - tokens) / limit.refill_per_second
    return max(0.0, 1 - tokens) / limit.refill_per_second


class MemoryBuckets:
    """Buckets for one process."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[float, float, float]] = {}

    def _current(self, key: str, limit: BucketLimit, now: float) -> tuple[float, float]:
        tokens, updated, blocked = self._state.get(key, (limit.burst, now, 0.0))
        return refill(tokens, updated, blocked, limit, now), blocked

    def take(self, key: str, limit: BucketLimit, now: float) -> float:
        tokens, blocked = self._current(key, limit, now)
        if blocked <= now and tokens >= 1:
            self._state[key] = (tokens - 1, now, blocked)
            return 0.0
        self._state[key] = (tokens, now, blocked)
        return wait_for_token(tokens, blocked, limit, now)

    def observe(self, key: str, limit: BucketLimit, remaining: float, now: float) -> None:
        tokens, blocked = self._current(key, limit, now)
        self._state[key] = (min(tokens, remaining), now, blocked)

    def block(self, key: str, limit: BucketLimit, until: float, now: float) -> None:
        tokens, blocked = self._current(key, limit, now)
        self._state[key] = (min(tokens, 0.0), now, max(blocked, until))
