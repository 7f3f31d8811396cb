"""The one ``Clock`` port: what time it is and how to wait for an instant.

Three clocks, one protocol:

* :class:`SystemClock` - production: the machine's UTC clock, real sleeping.
* :class:`FakeClock` - unit tests: time moves only when told (``advance``), and waiting moves
  it instead of sleeping, so seven virtual hours pass in microseconds.
* :class:`EmulatorClock` - with the emulator: follows its simulated clock (start instant +
  speed), read from ``GET {endpoint}/_emulator/clock`` over HTTPS with the emulator's CA and
  its control secret (the ``x-goldfleet-emulator-secret`` header).
  Waiting for a simulated instant takes ``(instant - simulated_now) / speed`` real seconds;
  the clock is re-read while waiting, so a jump or speed change made through the control API
  is honoured. It talks HTTP only: the engine never imports the emulator package.

Workflow code never reads a clock directly: it reads time in steps (``engine.now()``) and waits
with ``engine.sleep_until()``, which run on the clock installed in the engine.
"""

from __future__ import annotations

import asyncio
import json
import math
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from goldfleet.domain.errors import UserInputError

CONTROL_SECRET_HEADER = "x-goldfleet-emulator-secret"


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"instant must be timezone-aware, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """Time for the engine: read it, and wait (blocking or asynchronously) for an instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...

    def sleep_until(self, instant: datetime) -> None:
        """Return once this clock reads ``instant`` or later (at once if already past)."""
        ...

    async def sleep_async(self, seconds: float) -> None:
        """:meth:`sleep` without blocking the event loop."""
        ...

    async def sleep_until_async(self, instant: datetime) -> None:
        """:meth:`sleep_until` without blocking the event loop."""
        ...


class SystemClock:
    """The machine's clock. Long waits are cut into slices of at most ``max_slice`` seconds
    and re-checked, so a wall-clock adjustment (NTP) cannot make a wait overshoot by much."""

    def __init__(self, max_slice: float = 60.0) -> None:
        self.max_slice = max_slice

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep_until(self.now() + timedelta(seconds=seconds))

    def sleep_until(self, instant: datetime) -> None:
        target = _aware(instant)
        while (left := (target - self.now()).total_seconds()) > 0:
            time.sleep(min(left, self.max_slice))

    async def sleep_async(self, seconds: float) -> None:
        if seconds > 0:
            await self.sleep_until_async(self.now() + timedelta(seconds=seconds))

    async def sleep_until_async(self, instant: datetime) -> None:
        target = _aware(instant)
        while (left := (target - self.now()).total_seconds()) > 0:
            await asyncio.sleep(min(left, self.max_slice))


class FakeClock:
    """A clock for unit tests: it stands still until :meth:`advance` or :meth:`set` moves it,
    and every wait moves it to the end of the wait at once (recorded in :attr:`waits`).

    Thread-safe: DBOS runs workflows on worker threads and an event-loop thread.
    """

    DEFAULT_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _aware(start or self.DEFAULT_START)
        self._lock = threading.Lock()
        self.waits: list[tuple[datetime, datetime]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float | timedelta) -> datetime:
        delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        if delta < timedelta(0):
            raise ValueError("a FakeClock only moves forward; use set() to jump back")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = _aware(instant)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep_until(self.now() + timedelta(seconds=seconds))

    def sleep_until(self, instant: datetime) -> None:
        target = _aware(instant)
        with self._lock:
            if target > self._now:
                self.waits.append((self._now, target))
                self._now = target

    async def sleep_async(self, seconds: float) -> None:
        self.sleep(seconds)

    async def sleep_until_async(self, instant: datetime) -> None:
        self.sleep_until(instant)


@dataclass(frozen=True)
class EmulatorTime:
    """One reading of the emulator's clock."""

    now: datetime
    speed: float  # simulated seconds per real second; 0 = frozen

    def real_seconds_until(self, instant: datetime) -> float:
        """Real seconds until the simulated clock reaches ``instant`` (inf when frozen)."""
        simulated = (_aware(instant) - self.now).total_seconds()
        if simulated <= 0:
            return 0.0
        return simulated / self.speed if self.speed > 0 else math.inf


class EmulatorClock:
    """The emulator's simulated clock, read over HTTPS. A reading is extrapolated (simulated
    time = reading + real time elapsed x speed) for up to ``max_age`` real seconds, shared by
    every thread, so that many waiting workflows cost one request now and then, not one each.
    While waiting, it re-reads at least every ``poll_interval`` real seconds, so that jumps made
    through the control API are seen. ``control_secret`` is the emulator's (the control API
    refuses a caller without it)."""

    def __init__(
        self,
        endpoint: str,
        ca_bundle: Path | str | None = None,
        *,
        control_secret: str | None = None,
        poll_interval: float = 1.0,
        timeout: float = 10.0,
        max_age: float = 0.5,
    ) -> None:
        self.url = endpoint.rstrip("/") + "/_emulator/clock"
        self._headers = {CONTROL_SECRET_HEADER: control_secret} if control_secret else {}
        self._context = ssl.create_default_context(
            cafile=str(ca_bundle) if ca_bundle is not None else None
        )
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_age = max_age
        self._lock = threading.Lock()
        self._last: tuple[float, EmulatorTime] | None = None  # (monotonic read time, reading)

    def _fetch(self) -> EmulatorTime:
        """``GET /_emulator/clock``: ``{now, timestamp, speed}``."""
        request = urllib.request.Request(self.url, headers=self._headers)
        try:
            with urllib.request.urlopen(request, context=self._context, timeout=self.timeout) as r:
                body = json.loads(r.read())
        except urllib.error.HTTPError as exc:
            if exc.code not in (401, 403):
                raise
            raise UserInputError(
                f"the emulator at {self.url} refused to tell the time: its control secret is "
                + ("wrong" if self._headers else "missing"),
                hint="set GOLDFLEET_EMULATOR_SECRET to the secret 'goldfleet emulator serve' "
                "printed, or keep the control-secret file it writes beside its CA (ca.pem)",
            ) from exc
        return EmulatorTime(
            now=datetime.fromtimestamp(float(body["timestamp"]), UTC), speed=float(body["speed"])
        )

    def read(self) -> EmulatorTime:
        with self._lock:
            at = time.monotonic()
            if self._last is None or at - self._last[0] > self.max_age:
                self._last = (at, self._fetch())
                return self._last[1]
            read_at, reading = self._last
        elapsed = timedelta(seconds=(at - read_at) * reading.speed)
        return EmulatorTime(now=reading.now + elapsed, speed=reading.speed)

    def now(self) -> datetime:
        return self.read().now

    def _next_wait(self, target: datetime) -> float:
        return min(self.read().real_seconds_until(target), self.poll_interval)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep_until(self.now() + timedelta(seconds=seconds))

    def sleep_until(self, instant: datetime) -> None:
        target = _aware(instant)
        while (wait := self._next_wait(target)) > 0:
            time.sleep(wait)

    async def sleep_async(self, seconds: float) -> None:
        if seconds > 0:
            start = await asyncio.to_thread(self.now)
            await self.sleep_until_async(start + timedelta(seconds=seconds))

    async def sleep_until_async(self, instant: datetime) -> None:
        target = _aware(instant)
        while (wait := await asyncio.to_thread(self._next_wait, target)) > 0:
            await asyncio.sleep(wait)


__all__ = ["Clock", "EmulatorClock", "EmulatorTime", "FakeClock", "SystemClock"]
