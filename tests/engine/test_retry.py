"""Retry intent as types: temporary failures are retried with backoff on the engine's clock
(or after the delay the failure asked for), everything else fails at once, and an error that
cannot be checkpointed is replaced by one that can, keeping its message and intent."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from goldfleet.domain.errors import AzureCallError, ThrottledError, TransientAzureError
from goldfleet.engine.clock import FakeClock
from goldfleet.engine.retry import (
    NO_RETRY,
    PermanentError,
    Retry,
    StepFailedError,
    TemporaryError,
    checkpointable,
    is_temporary,
    with_retries,
)


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def waits(clock: FakeClock) -> list[float]:
    return [(b - a).total_seconds() for a, b in clock.waits]


def test_backoff_grows_and_is_capped():
    policy = Retry(attempts=6, initial_delay=10, backoff=3, max_delay=100)
    assert [policy.delay(n, TemporaryError("x")) for n in range(1, 5)] == [10, 30, 90, 100]


def test_a_delay_asked_for_by_the_failure_wins():
    policy = Retry(max_delay=300)
    assert policy.delay(1, TemporaryError("busy", delay=42)) == 42
    throttled = ThrottledError("writing", "rg", "429", retry_after=17)
    assert policy.delay(3, throttled) == 17
    assert policy.delay(1, TemporaryError("busy", delay=9999)) == 300


def test_what_counts_as_temporary():
    assert is_temporary(TemporaryError("x"))
    assert is_temporary(TransientAzureError("reading", "rg", "503"))
    assert is_temporary(ThrottledError("reading", "rg", "429"))
    assert not is_temporary(PermanentError("x"))
    assert not is_temporary(AzureCallError("reading", "rg", "403 denied"))
    assert not is_temporary(ValueError("a bug is not retried"))


def test_temporary_failures_are_retried_on_the_clock():
    clock = FakeClock()
    flaky = Flaky([TemporaryError("busy"), TemporaryError("busy", delay=5)])
    call = with_retries(flaky, Retry(attempts=3, initial_delay=2), lambda: clock)
    assert call() == "ok"
    assert (flaky.calls, waits(clock)) == (3, [2, 5])


def test_async_steps_retry_the_same_way():
    clock = FakeClock()
    flaky = Flaky([TransientAzureError("reading", "rg", "503")])

    async def step() -> str:
        return flaky()

    call = with_retries(step, Retry(attempts=2, initial_delay=7), lambda: clock)
    assert asyncio.run(call()) == "ok"
    assert waits(clock) == [7]


def test_permanent_and_unknown_failures_are_not_retried():
    clock = FakeClock()
    for error in (PermanentError("no"), KeyError("bug")):
        flaky = Flaky([error])
        with pytest.raises(type(error)):
            with_retries(flaky, Retry(attempts=5), lambda: clock)()
        assert flaky.calls == 1
    assert clock.waits == []


def test_the_last_temporary_failure_is_raised_when_attempts_run_out():
    clock = FakeClock()
    flaky = Flaky([TemporaryError(f"busy {i}") for i in range(5)])
    with pytest.raises(TemporaryError, match="busy 2"):
        with_retries(flaky, Retry(attempts=3, initial_delay=1), lambda: clock)()
    assert flaky.calls == 3
    assert with_retries(flaky, NO_RETRY, lambda: clock) is flaky


class _Stubborn(Exception):
    """An exception pickle cannot rebuild: its __init__ needs two arguments, args holds one."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")
        self.temporary = True


def test_an_error_that_does_not_survive_pickling_is_replaced_by_one_that_does():
    original = _Stubborn("writing rg-images", "too many requests")
    replaced = checkpointable(original)
    assert isinstance(replaced, StepFailedError)
    assert str(replaced) == "writing rg-images: too many requests"
    assert replaced.error_type.endswith("_Stubborn")
    assert not is_temporary(replaced)  # unknown types are not retried
    restored = pickle.loads(pickle.dumps(replaced))
    assert restored.error_type == replaced.error_type


def test_goldfleet_errors_survive_pickling_as_themselves():
    original = ThrottledError("writing", "rg-images", "too many requests", retry_after=3)
    assert checkpointable(original) is original
    restored = pickle.loads(pickle.dumps(original))
    assert isinstance(restored, ThrottledError) and restored.retry_after == 3
    assert is_temporary(restored)


def test_picklable_errors_are_kept_as_themselves():
    error = PermanentError("denied", hint="grant a role")
    assert checkpointable(error) is error
    temporary = pickle.loads(pickle.dumps(TemporaryError("busy", delay=4)))
    assert temporary.delay == 4


def test_invalid_policies_are_refused():
    with pytest.raises(ValueError):
        Retry(attempts=0)
    with pytest.raises(ValueError):
        Retry(backoff=0.5)
