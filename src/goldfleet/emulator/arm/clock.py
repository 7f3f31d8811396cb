"""The simulated clock: a chosen start instant running at ``speed`` times real time.

Every duration inside the emulator (operations, replication, users, token buckets) is measured
on this clock. ``speed=0`` freezes it; then only :meth:`SimClock.advance` moves time, which is
what deterministic tests use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    """Simulated time = anchor + (real elapsed since anchoring) x speed."""

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        real_time: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start instant must be timezone-aware")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._real_time = real_time
        self._anchor_sim = start.timestamp()
        self._anchor_real = real_time()
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def timestamp(self) -> float:
        """Simulated POSIX seconds."""
        return self._anchor_sim + (self._real_time() - self._anchor_real) * self._speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def _reanchor(self, sim_timestamp: float) -> None:
        self._anchor_sim = sim_timestamp
        self._anchor_real = self._real_time()

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (forward or backward) and keep running at the same speed."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        self._reanchor(instant.timestamp())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only advances forward; use set() to jump back")
        self._reanchor(self.timestamp() + seconds)

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._reanchor(self.timestamp())
        self._speed = speed

    def real_seconds(self, simulated_seconds: float) -> float:
        """How long ``simulated_seconds`` take in real time (infinite when frozen)."""
        if self._speed == 0:
            return float("inf")
        return simulated_seconds / self._speed


def iso(instant: datetime) -> str:
    """ARM's timestamp form: ``2026-11-23T18:09:47.1234567Z`` (seven fractional digits)."""
    instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond:06d}0Z"


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant; a naive value is taken as UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    # Python 3.11 accepts up to 6 fractional digits; ARM sends 7.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        rest = ""
        for i, ch in enumerate(tail):
            if not ch.isdigit():
                rest = tail[i:]
                break
            digits += ch
        value = f"{head}.{digits[:6]}{rest}"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


__all__ = ["SimClock", "iso", "parse_instant"]
