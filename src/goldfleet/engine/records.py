"""The engine port's values: queue and schedule declarations, and what history returns.

Plain frozen dataclasses, free of any engine library, so that lifecycle code, the CLI and the
dashboard can hold and print them without knowing DBOS exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from goldfleet.domain.errors import GoldfleetError, UserInputError


class EngineUsageError(UserInputError):
    """The engine was used the wrong way (a programming error goldfleet reports clearly)."""


class EngineError(GoldfleetError):
    """The engine itself failed: ``<operation> workflow <id>: <cause>`` (database, recovery,
    a cancelled or abandoned workflow). A workflow's own errors are re-raised as themselves."""


class WorkflowState(StrEnum):
    """Where a workflow is in its life (DBOS's statuses, spelled the same)."""

    DELAYED = "DELAYED"
    ENQUEUED = "ENQUEUED"
    PENDING = "PENDING"  # running, or waiting for recovery after its worker died
    SUCCESS = "SUCCESS"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"
    MAX_RECOVERY_ATTEMPTS_EXCEEDED = "MAX_RECOVERY_ATTEMPTS_EXCEEDED"

    @property
    def finished(self) -> bool:
        return self in _FINISHED


_FINISHED = {
    WorkflowState.SUCCESS,
    WorkflowState.ERROR,
    WorkflowState.CANCELLED,
    WorkflowState.MAX_RECOVERY_ATTEMPTS_EXCEEDED,
}


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` workflow starts in any rolling window of ``period_seconds``."""

    limit: int
    period_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period_seconds <= 0:
            raise EngineUsageError(f"invalid rate {self.limit}/{self.period_seconds}s")


@dataclass(frozen=True)
class QueueSpec:
    """A named, database-backed queue and its limits.

    ``global_concurrency`` bounds workflows running across all workers, ``worker_concurrency``
    per worker process; ``partition_concurrency`` and ``partition_rate`` apply to each
    partition key separately (goldfleet partitions by subscription). Setting either partition
    limit makes the queue partitioned: every enqueue then names a partition key.
    """

    name: str
    global_concurrency: int | None = None
    worker_concurrency: int | None = None
    partition_concurrency: int | None = None
    partition_rate: Rate | None = None
    rate: Rate | None = None

    def __post_init__(self) -> None:
        if not self.name or self.name.startswith("_") or self.name != self.name.strip():
            raise EngineUsageError(f"invalid queue name {self.name!r}")
        for field in ("global_concurrency", "worker_concurrency", "partition_concurrency"):
            value = getattr(self, field)
            if value is not None and value < 1:
                raise EngineUsageError(f"queue {self.name}: {field} must be at least 1")

    @property
    def partitioned(self) -> bool:
        return self.partition_concurrency is not None or self.partition_rate is not None

    def partition(self, key: str) -> QueueTarget:
        """This queue, in the partition ``key`` (e.g. a subscription id)."""
        return QueueTarget(self, key)


@dataclass(frozen=True)
class QueueTarget:
    """Where an enqueued workflow waits: a queue and, for a partitioned queue, a partition."""

    queue: QueueSpec
    partition_key: str | None = None

    def __post_init__(self) -> None:
        if self.queue.partitioned and not self.partition_key:
            raise EngineUsageError(
                f"queue {self.queue.name} is partitioned: enqueue on "
                f"{self.queue.name}.partition(<key>), e.g. the subscription id"
            )
        if not self.queue.partitioned and self.partition_key is not None:
            raise EngineUsageError(
                f"queue {self.queue.name} has no partition limits; enqueue without a key"
            )


@dataclass(frozen=True)
class ScheduleSpec:
    """A cron schedule (5 fields, or 6 with seconds first) evaluated in an IANA time zone.

    Each tick starts ``workflow_name(scheduled_at, context)`` once, under a deterministic id,
    however many workers run; ``backfill`` runs the ticks missed while no worker was up.
    """

    name: str
    workflow_name: str
    cron: str
    timezone: str = "UTC"
    queue_name: str | None = None
    backfill: bool = False
    context: Any = None

    def __post_init__(self) -> None:
        if len(self.cron.split()) not in (5, 6):
            raise EngineUsageError(
                f"schedule {self.name}: cron {self.cron!r} must have 5 fields "
                "(minute hour day month weekday) or 6 (seconds first)"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise EngineUsageError(
                f"schedule {self.name}: unknown time zone {self.timezone!r}",
                hint="use an IANA name such as Europe/Berlin or Australia/Sydney",
            ) from None


@dataclass(frozen=True)
class WorkflowRecord:
    """One workflow as history sees it."""

    workflow_id: str
    name: str
    state: WorkflowState
    executor_id: str | None
    app_version: str | None
    queue: str | None
    partition_key: str | None
    created_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None
    error: str | None
    output: Any
    parent_workflow_id: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One checkpointed step (or durable sleep, or child-workflow start) of a workflow."""

    index: int
    name: str
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None
    output: Any
    child_workflow_id: str | None


@dataclass(frozen=True)
class ScheduleRecord:
    """A schedule as stored, with whether it is active and when it last fired."""

    name: str
    workflow_name: str
    cron: str
    timezone: str | None
    active: bool
    last_fired_at: datetime | None


__all__ = [
    "EngineError",
    "EngineUsageError",
    "QueueSpec",
    "QueueTarget",
    "Rate",
    "ScheduleRecord",
    "ScheduleSpec",
    "StepRecord",
    "WorkflowRecord",
    "WorkflowState",
]
