"""Retry intent for steps, as types: a temporary failure is retried with backoff, a permanent
one is not, and anything else is treated as permanent (never a blind ``retry on Exception``).

Temporary means: :class:`TemporaryError` (optionally with the delay the service asked for), and
the Azure errors goldfleet's error tree already marks as transient
(:class:`~goldfleet.domain.errors.TransientAzureError`, and
:class:`~goldfleet.domain.errors.ThrottledError` with its ``Retry-After``).

Attempts run inside one step execution, and the waits between them go through the engine's
clock; only the final outcome (a value or the last error) is checkpointed. A worker killed
between attempts re-runs the step from its first attempt - steps are idempotent anyway.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from goldfleet.domain.errors import GoldfleetError, ThrottledError, TransientAzureError
from goldfleet.engine.clock import Clock


class TemporaryError(GoldfleetError):
    """A failure that may go away: retry after ``delay`` seconds (or the policy's backoff)."""

    def __init__(self, message: str, *, delay: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.delay = delay


class PermanentError(GoldfleetError):
    """A failure that retrying cannot fix (bad input, missing permission): fail the step now."""


@dataclass(frozen=True)
class Retry:
    """How a step retries temporary failures: ``attempts`` in total (1 = never retry),
    waiting ``initial_delay * backoff**n`` clock seconds (capped at ``max_delay``) before
    attempt ``n + 2``, unless the error names its own delay."""

    attempts: int = 5
    initial_delay: float = 1.0
    backoff: float = 2.0
    max_delay: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("Retry.attempts must be at least 1")
        if self.initial_delay < 0 or self.backoff < 1 or self.max_delay < 0:
            raise ValueError("Retry delays must be >= 0 and backoff >= 1")

    def delay(self, failed_attempts: int, error: BaseException) -> float:
        """Seconds to wait after ``failed_attempts`` failures, the last being ``error``."""
        hinted = requested_delay(error)
        if hinted is not None:
            return min(max(hinted, 0.0), self.max_delay)
        return min(self.initial_delay * self.backoff ** (failed_attempts - 1), self.max_delay)


NO_RETRY = Retry(attempts=1)


class StepFailedError(GoldfleetError):
    """Stands in for a step's error that cannot be checkpointed as itself (it does not survive
    pickling, e.g. an exception whose ``__init__`` takes several required arguments): same
    message, hint and retry intent, and the original type's name in :attr:`error_type`."""

    def __init__(  # defaults: pickle rebuilds it from the message, then restores the fields
        self,
        message: str,
        *,
        error_type: str = "",
        temporary: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.error_type = error_type
        self.temporary = temporary


def checkpointable(error: Exception) -> Exception:
    """``error`` itself when it survives a pickle round trip (how DBOS records step errors,
    and replays them), otherwise a :class:`StepFailedError` carrying what it said."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return StepFailedError(
            str(error),
            error_type=f"{type(error).__module__}.{type(error).__qualname__}",
            temporary=is_temporary(error),
            hint=getattr(error, "hint", None),
        )
    return error


def is_temporary(error: BaseException) -> bool:
    """Whether retrying ``error`` may succeed. Unknown errors are permanent."""
    if isinstance(error, PermanentError):
        return False
    if isinstance(error, StepFailedError):
        return error.temporary
    return isinstance(error, TemporaryError | TransientAzureError | ThrottledError)


def requested_delay(error: BaseException) -> float | None:
    """The delay the failure itself asked for (``TemporaryError.delay``, ``Retry-After``)."""
    if isinstance(error, TemporaryError):
        return error.delay
    if isinstance(error, ThrottledError):
        return error.retry_after
    return None


def with_retries(
    fn: Callable[..., Any], policy: Retry, clock: Callable[[], Clock]
) -> Callable[..., Any]:
    """Wrap ``fn`` (sync or async) so temporary failures are retried under ``policy``, waiting
    on the clock ``clock()`` returns at call time (so tests can swap in a fake clock)."""
    if policy.attempts == 1:
        return fn
    if inspect.iscoroutinefunction(fn):
        async_fn = cast(Callable[..., Awaitable[Any]], fn)

        @functools.wraps(fn)
        async def retrying_async(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(1, policy.attempts + 1):
                try:
                    return await async_fn(*args, **kwargs)
                except Exception as error:
                    if attempt == policy.attempts or not is_temporary(error):
                        raise
                    await clock().sleep_async(policy.delay(attempt, error))
            raise AssertionError("unreachable")  # pragma: no cover

        return retrying_async

    @functools.wraps(fn)
    def retrying(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, policy.attempts + 1):
            try:
                return fn(*args, **kwargs)
            except Exception as error:
                if attempt == policy.attempts or not is_temporary(error):
                    raise
                clock().sleep(policy.delay(attempt, error))
        raise AssertionError("unreachable")  # pragma: no cover

    return retrying


__all__ = [
    "NO_RETRY",
    "PermanentError",
    "Retry",
    "StepFailedError",
    "TemporaryError",
    "checkpointable",
    "is_temporary",
    "requested_delay",
    "with_retries",
]
