"""Workflows, steps, queues and schedules the in-process engine tests run. Declared at import,
before the session's engine launches (DBOS must know every workflow before launch)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from goldfleet import engine

CALLS: Counter[str] = Counter()  # step executions by "<step>:<argument>"
_lock = threading.Lock()


def called(key: str) -> int:
    with _lock:
        CALLS[key] += 1
        return CALLS[key]


# --- plain pipelines -------------------------------------------------------------------------


@engine.step("sample.add_one")
def add_one(x: int) -> int:
    called(f"add_one:{x}")
    return x + 1


@engine.step("sample.double")
async def double(x: int) -> int:
    called(f"double:{x}")
    return x * 2


@engine.workflow("sample.pipeline")
def pipeline(x: int) -> int:
    """def workflow: a def step, then an async step through run_async_step."""
    return engine.run_async_step(double, add_one(x))


@engine.workflow("sample.pipeline_async")
async def pipeline_async(x: int) -> int:
    """async workflow: an async step (awaited), then a def step."""
    return add_one(await double(x))


@engine.workflow("sample.other")
def other(x: int) -> int:
    return x


# --- time --------------------------------------------------------------------------------


@engine.workflow("sample.wait_hours")
def wait_hours(hours: float) -> tuple[datetime, datetime]:
    start = engine.now()
    engine.sleep_until(start + timedelta(hours=hours))
    return start, engine.now()


@engine.workflow("sample.wait_hours_async")
async def wait_hours_async(hours: float) -> tuple[datetime, datetime]:
    start = await engine.now_async()
    await engine.sleep_until_async(start + timedelta(hours=hours))
    return start, await engine.now_async()


# --- retry intent -----------------------------------------------------------------------


@engine.step("sample.busy_twice", retry=engine.Retry(attempts=4, initial_delay=60, backoff=2))
def busy_twice(key: str) -> str:
    if called(f"busy_twice:{key}") <= 2:
        raise engine.TemporaryError("the service is busy")
    return "done"


@engine.step("sample.denied", retry=engine.Retry(attempts=4))
def denied(key: str) -> str:
    called(f"denied:{key}")
    raise engine.PermanentError(f"{key}: permission denied", hint="grant Contributor")


@engine.workflow("sample.retrying")
def retrying(key: str) -> str:
    return busy_twice(key)


@engine.workflow("sample.failing")
def failing(key: str) -> str:
    return denied(key)


# --- queues ------------------------------------------------------------------------------

BY_SUBSCRIPTION = engine.queue("sample.by-subscription", partition_concurrency=1)
GATES: dict[str, threading.Event] = {}
RUNNING: dict[str, int] = {}
STARTED: list[str] = []


@engine.step("sample.hold")
def hold(key: str) -> str:
    with _lock:
        STARTED.append(key)
    GATES[key].wait(timeout=30)
    return key


@engine.workflow("sample.held")
def held(key: str) -> str:
    return hold(key)


# --- schedules ---------------------------------------------------------------------------


@engine.workflow("sample.nightly")
def nightly(scheduled_at: datetime, context: Any) -> str:
    return scheduled_at.isoformat()


NIGHTLY = engine.schedule(
    "sample.nightly-sydney", nightly, "0 2 * * *", timezone="Australia/Sydney"
)


# --- children ----------------------------------------------------------------------------


@engine.workflow("sample.parent")
def parent(n: int) -> list[int]:
    """Starts children under ids derived from its own, and waits for them (checkpointed)."""
    me = engine.workflow_id()
    runs = [engine.start(f"{me}:child-{i}", pipeline, i) for i in range(n)]
    return [run.result() for run in runs]


# --- patches -----------------------------------------------------------------------------


@engine.workflow("sample.patched")
def patched_pipeline(x: int) -> int:
    if engine.patched("sample.add-before-double"):
        return engine.run_async_step(double, add_one(x))
    return add_one(engine.run_async_step(double, x))


# --- async composition ---------------------------------------------------------------------


@engine.workflow("sample.async_parent")
async def async_parent(x: int) -> int:
    """An async workflow awaits a child workflow by calling it."""
    return await pipeline_async(x) + 1


@engine.workflow("sample.blocking_sleep_in_async")
async def blocking_sleep_in_async() -> None:
    engine.sleep_until(datetime(2030, 1, 1, tzinfo=UTC))
