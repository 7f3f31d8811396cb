"""Durable execution for goldfleet: the port lifecycle code uses (``from goldfleet import
engine``), the clocks, and retry intent. The DBOS adapter (``goldfleet.engine.dbos_engine``)
and the worker process (``goldfleet.engine.workers``) are imported only by whoever runs
workflows - importing this package never imports DBOS. See docs/engine.md.
"""

from goldfleet.engine.clock import Clock, EmulatorClock, FakeClock, SystemClock
from goldfleet.engine.port import (
    WorkflowRun,
    backfill_schedule,
    check_workflow_id,
    clock,
    enqueue,
    get_workflow,
    list_schedules,
    list_steps,
    list_workflows,
    queue,
    run,
    run_async_step,
    schedule,
    start,
    step,
    use_clock,
    workflow,
    workflow_id,
)
from goldfleet.engine.records import (
    EngineError,
    EngineUsageError,
    QueueSpec,
    QueueTarget,
    Rate,
    ScheduleRecord,
    ScheduleSpec,
    StepRecord,
    WorkflowRecord,
    WorkflowState,
)
from goldfleet.engine.retry import (
    NO_RETRY,
    PermanentError,
    Retry,
    StepFailedError,
    TemporaryError,
)
from goldfleet.engine.settings import EngineConfigError, EngineSettings
from goldfleet.engine.timing import now, now_async, sleep_until, sleep_until_async

__all__ = [
    "NO_RETRY",
    "Clock",
    "EmulatorClock",
    "EngineConfigError",
    "EngineError",
    "EngineSettings",
    "EngineUsageError",
    "FakeClock",
    "PermanentError",
    "QueueSpec",
    "QueueTarget",
    "Rate",
    "Retry",
    "ScheduleRecord",
    "ScheduleSpec",
    "StepFailedError",
    "StepRecord",
    "SystemClock",
    "TemporaryError",
    "WorkflowRecord",
    "WorkflowRun",
    "WorkflowState",
    "backfill_schedule",
    "check_workflow_id",
    "clock",
    "enqueue",
    "get_workflow",
    "list_schedules",
    "list_steps",
    "list_workflows",
    "now",
    "now_async",
    "queue",
    "run",
    "run_async_step",
    "schedule",
    "sleep_until",
    "sleep_until_async",
    "start",
    "step",
    "use_clock",
    "workflow",
    "workflow_id",
]
