"""Time inside workflows: read the engine's clock and wait for an instant, durably.

Both go through checkpointed steps, so a replay after a crash sees the same instants: ``now()``
returns the recorded reading, and a finished ``sleep_until`` is skipped. A wait interrupted by
a crash runs again on recovery and waits only for what is left - the instant is absolute, so
the wait is durable by construction, on any clock: the system clock, a fake clock in tests, or
the emulator's simulated clock (re-read while waiting, so jumps and speed changes count).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from goldfleet.engine.port import aware, clock, require_workflow, step
from goldfleet.engine.records import EngineUsageError
from goldfleet.engine.retry import NO_RETRY


@step("goldfleet.now", retry=NO_RETRY)
def _now_step() -> datetime:
    return clock().now()


@step("goldfleet.now_async", retry=NO_RETRY)
async def _now_step_async() -> datetime:
    return clock().now()


@step("goldfleet.sleep_until", retry=NO_RETRY)
def _sleep_step(instant: datetime) -> datetime:
    clock().sleep_until(instant)
    return instant


@step("goldfleet.sleep_until_async", retry=NO_RETRY)
async def _sleep_step_async(instant: datetime) -> datetime:
    await clock().sleep_until_async(instant)
    return instant


def now() -> datetime:
    """The engine clock's time, checkpointed: a replay sees the same instant."""
    require_workflow("now()")
    return _now_step()


async def now_async() -> datetime:
    """:func:`now` for ``async def`` workflows."""
    require_workflow("now_async()")
    return await _now_step_async()


def sleep_until(instant: datetime) -> None:
    """Durably wait, in a workflow, until the engine's clock reads ``instant``
    (a checkpointed step named ``goldfleet.sleep_until``)."""
    require_workflow("sleep_until()")
    if _loop_running():
        raise EngineUsageError(
            "sleep_until() would block the event loop of an async workflow",
            hint="await engine.sleep_until_async(...) instead",
        )
    _sleep_step(aware(instant))


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def sleep_until_async(instant: datetime) -> None:
    """:func:`sleep_until` for ``async def`` workflows."""
    require_workflow("sleep_until_async()")
    await _sleep_step_async(aware(instant))


__all__ = ["now", "now_async", "sleep_until", "sleep_until_async"]
