"""The DBOS Transact adapter behind the engine port (the only goldfleet module importing dbos).

* :class:`DbosWorker` - DBOS launched in this process: it binds every declared workflow and
  step, registers queues and applies schedules, executes work, and can recover the pending
  workflows of a dead executor (for the sweeper).
* :class:`DbosClient` - a process that only enqueues and reads history (the CLI, the
  dashboard) through ``DBOSClient``: it executes nothing.

Pinned facts (see docs/engine.md and ../shared/reference/engine-notes.md):

* ``application_version`` is goldfleet's version, not DBOS's hash of the source, and the
  executor id is the stable worker id; DBOS recovers only workflows that match both.
* SQLite (the default) is for one worker process: a second one is refused by a file lock.
  On Python >= 3.12 DBOS needs SQLite >= 3.42 (``unixepoch('subsec')``); older is refused.
* Step retries are goldfleet's (``retry.py``); DBOS's own step retries stay off.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from dbos import (
    DBOS,
    DBOSClient,
    DBOSConfig,
    EnqueueOptions,
    SetEnqueueOptions,
    SetWorkflowID,
    StepInfo,
    WorkflowSchedule,
    WorkflowStatus,
)
from dbos import error as dbos_error

from goldfleet.engine import port
from goldfleet.engine.clock import Clock
from goldfleet.engine.records import (
    EngineError,
    EngineUsageError,
    QueueSpec,
    QueueTarget,
    ScheduleRecord,
    ScheduleSpec,
    StepRecord,
    WorkflowRecord,
    WorkflowState,
)
from goldfleet.engine.settings import EngineSettings
from goldfleet.engine.sqlite_mode import SingleWorkerLock, check_sqlite_runtime

# --- conversions ------------------------------------------------------------------------


def _instant(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC)


def _error_text(error: BaseException | None) -> str | None:
    return None if error is None else f"{type(error).__name__}: {error}"


def workflow_record(status: WorkflowStatus) -> WorkflowRecord:
    return WorkflowRecord(
        workflow_id=status.workflow_id,
        name=status.name,
        state=WorkflowState(status.status),
        executor_id=status.executor_id,
        app_version=status.app_version,
        queue=status.queue_name,
        partition_key=status.queue_partition_key,
        created_at=_instant(status.created_at),
        updated_at=_instant(status.updated_at),
        completed_at=_instant(status.completed_at),
        error=_error_text(status.error),
        output=status.output,
        parent_workflow_id=status.parent_workflow_id,
    )


def step_record(step: StepInfo) -> StepRecord:
    return StepRecord(
        index=step["function_id"],
        name=step["function_name"],
        started_at=_instant(step["started_at_epoch_ms"]),
        completed_at=_instant(step["completed_at_epoch_ms"]),
        error=_error_text(step["error"]),
        output=step["output"],
        child_workflow_id=step["child_workflow_id"],
    )


def schedule_record(schedule: WorkflowSchedule) -> ScheduleRecord:
    fired = schedule["last_fired_at"]
    return ScheduleRecord(
        name=schedule["schedule_name"],
        workflow_name=schedule["workflow_name"],
        cron=schedule["schedule"],
        timezone=schedule["cron_timezone"],
        active=schedule["status"] == "ACTIVE",
        last_fired_at=datetime.fromisoformat(fired) if fired else None,
    )


@contextlib.contextmanager
def _translated(operation: str, workflow_id: str) -> Iterator[None]:
    """DBOS's own exceptions become goldfleet errors; a workflow's errors pass through."""
    try:
        yield
    except dbos_error.DBOSConflictingWorkflowError as exc:
        raise EngineUsageError(
            f"{operation} workflow {workflow_id}: the id is taken by another workflow ({exc})",
            hint="workflow ids are deterministic per workflow: include the workflow's name",
        ) from exc
    except dbos_error.DBOSNonExistentWorkflowError as exc:
        raise EngineUsageError(f"{operation} workflow {workflow_id}: no such workflow") from exc
    except (
        dbos_error.DBOSAwaitedWorkflowCancelledError,
        dbos_error.DBOSAwaitedWorkflowMaxRecoveryAttemptsExceeded,
    ) as exc:
        raise EngineError(f"{operation} workflow {workflow_id}: {exc}") from exc
    except dbos_error.DBOSException as exc:
        raise EngineError(f"{operation} workflow {workflow_id}: {exc}") from exc


class _History:
    """History and waiting, shared by the worker (``DBOS``) and the client (``DBOSClient``)."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings

    def _status(self, workflow_id: str) -> WorkflowStatus | None:
        raise NotImplementedError

    def _result(self, workflow_id: str) -> Any:
        raise NotImplementedError

    def wait(self, workflow_id: str, timeout: float | None, handle: Any = None) -> Any:
        """Wait for the workflow's outcome: on the in-process future when this process runs
        it, else by polling its status (real time: this is the database, not the clock)."""
        future = getattr(handle, "future", None)
        if isinstance(future, concurrent.futures.Future):
            if not concurrent.futures.wait([future], timeout=timeout).done:
                raise TimeoutError(f"workflow {workflow_id} is still running")
            with _translated("waiting for", workflow_id):
                return handle.get_result()
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = 0.005
        while True:
            with _translated("waiting for", workflow_id):
                status = self._status(workflow_id)
            if status is None:
                raise EngineUsageError(f"waiting for workflow {workflow_id}: no such workflow")
            if WorkflowState(status.status).finished:
                with _translated("waiting for", workflow_id):
                    return self._result(workflow_id)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"workflow {workflow_id} is still {status.status}")
            time.sleep(interval)
            interval = min(interval * 2, self.settings.result_poll_seconds)

    def get_workflow(self, workflow_id: str) -> WorkflowRecord | None:
        status = self._status(workflow_id)
        return None if status is None else workflow_record(status)

    def _list(self, **filters: Any) -> list[WorkflowStatus]:
        raise NotImplementedError

    def list_workflows(
        self,
        *,
        state: WorkflowState | None,
        name: str | None,
        queue: str | None,
        id_prefix: str | None,
        limit: int | None,
    ) -> list[WorkflowRecord]:
        found = self._list(
            status=state.value if state else None,
            name=name,
            queue_name=queue,
            workflow_id_prefix=id_prefix,
            limit=limit,
            sort_desc=True,
            load_input=False,
        )
        return [workflow_record(s) for s in found]


class DbosWorker(_History):
    """DBOS launched in this process, installed as the port's backend."""

    def __init__(self, settings: EngineSettings) -> None:
        super().__init__(settings)
        self._lock: SingleWorkerLock | None = None
        self.launched = False

    # lifecycle

    def dbos_config(self) -> DBOSConfig:
        s = self.settings
        return {
            "name": s.app_name,
            "system_database_url": s.database_url,
            "application_version": s.app_version,
            "executor_id": s.worker_id,
            "log_level": s.log_level,
            "scheduler_polling_interval_sec": s.scheduler_poll_seconds,
            "notification_listener_polling_interval_sec": min(1.0, s.queue_poll_seconds),
        }

    def launch(self, before_launch: Callable[[], None] | None = None) -> None:
        """Lock (SQLite), run ``before_launch`` (the worker registers its heartbeat row),
        then launch DBOS: bind, recover this executor's pending workflows, start polling."""
        path = self.settings.sqlite_path
        if path is not None:
            check_sqlite_runtime()
            self._lock = SingleWorkerLock(path)
            self._lock.acquire(self.settings.worker_id, self.settings.role)
        try:
            if before_launch is not None:
                before_launch()
            DBOS(config=self.dbos_config())
            port.install(self)
            DBOS.launch()
            self.launched = True
            _, queues, schedules = port.definitions()
            for spec in queues:
                self._register_queue(spec)
            if schedules:
                DBOS.apply_schedules([self._schedule_input(s) for s in schedules])
        except BaseException:
            self.shutdown()
            raise

    def shutdown(self) -> None:
        if self.launched:
            port.run_shutdown_hooks()
        port.uninstall(self)
        if self.launched:
            DBOS.destroy()
            self.launched = False
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _register_queue(self, spec: QueueSpec) -> None:
        def limit(rate: Any) -> Any:
            return None if rate is None else {"limit": rate.limit, "period": rate.period_seconds}

        DBOS.register_queue(
            spec.name,
            global_concurrency=spec.global_concurrency,
            worker_concurrency=spec.worker_concurrency,
            partition_concurrency=spec.partition_concurrency,
            partition_limiter=limit(spec.partition_rate),
            limiter=limit(spec.rate),
            polling_interval_sec=self.settings.queue_poll_seconds,
        )

    def _schedule_input(self, spec: ScheduleSpec) -> Any:
        definition = port.workflow_definition(spec.workflow_name)
        return {
            "schedule_name": spec.name,
            "workflow_fn": definition.bound,
            "schedule": spec.cron,
            "context": spec.context,
            "automatic_backfill": spec.backfill,
            "cron_timezone": spec.timezone,
            "queue_name": spec.queue_name,
        }

    # binding

    def bind_workflow(self, definition: port.WorkflowDefinition) -> Callable[..., Any]:
        return DBOS.workflow(
            name=definition.name, max_recovery_attempts=definition.max_recovery_attempts
        )(definition.fn)

    def bind_step(self, definition: port.StepDefinition) -> Callable[..., Any]:
        return DBOS.step(name=definition.name)(definition.body)

    def in_workflow(self) -> bool:
        return DBOS.workflow_id is not None and DBOS.step_id is None

    def current_workflow_id(self) -> str | None:
        return DBOS.workflow_id

    def patched(self, name: str) -> bool:
        return DBOS.patch(name)

    async def patched_async(self, name: str) -> bool:
        return await DBOS.patch_async(name)

    # running

    def start(
        self, definition: port.WorkflowDefinition, workflow_id: str, args: Any, kwargs: Any
    ) -> Any:
        with _translated("starting", workflow_id), SetWorkflowID(workflow_id):
            return DBOS.start_workflow(definition.bound or definition.fn, *args, **kwargs)

    def enqueue(
        self, target: QueueTarget, workflow_name: str, workflow_id: str, args: Any, kwargs: Any
    ) -> Any:
        bound = port.workflow_definition(workflow_name).bound
        assert bound is not None, "a launched worker binds every workflow"
        with (
            _translated("enqueueing", workflow_id),
            SetWorkflowID(workflow_id),
            SetEnqueueOptions(queue_partition_key=target.partition_key),
        ):
            return DBOS.enqueue_workflow(target.queue.name, bound, *args, **kwargs)

    def run_async_step(self, definition: port.StepDefinition, args: Any, kwargs: Any) -> Any:
        return DBOS.run_step({"name": definition.name}, definition.body, *args, **kwargs)

    def wait(self, workflow_id: str, timeout: float | None, handle: Any = None) -> Any:
        if not self.in_workflow():
            return super().wait(workflow_id, timeout, handle)
        # In a workflow, the wait is one checkpointed operation (never a polling loop, whose
        # number of status reads would differ on replay), and it has no timeout.
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise EngineUsageError(
                f"waiting for workflow {workflow_id} would block an async workflow's event loop",
                hint="in an async workflow, await the child workflow function directly",
            )
        if timeout is not None:
            raise EngineUsageError(
                f"waiting for workflow {workflow_id} inside a workflow takes no timeout",
                hint="a timeout would not replay deterministically; wait, or sleep_until",
            )
        with _translated("waiting for", workflow_id):
            return handle.get_result() if handle is not None else DBOS.get_result(workflow_id)

    def recover_executor(self, executor_id: str) -> list[str]:
        """Hand the PENDING workflows of a dead executor to the live workers (through DBOS's
        queue, which admits exactly one runner). DBOS has no public API for this: open-source
        DBOS recovers only its own executor id on restart (docs/engine.md, "Sweeper")."""
        handles = DBOS._recover_pending_workflows([executor_id])
        return [h.get_workflow_id() for h in handles]

    # history

    def _status(self, workflow_id: str) -> WorkflowStatus | None:
        return DBOS.get_workflow_status(workflow_id)

    def _result(self, workflow_id: str) -> Any:
        return DBOS.retrieve_workflow(workflow_id).get_result()

    def _list(self, **filters: Any) -> list[WorkflowStatus]:
        return DBOS.list_workflows(**filters)

    def list_steps(self, workflow_id: str) -> list[StepRecord]:
        return [step_record(s) for s in DBOS.list_workflow_steps(workflow_id)]

    def list_schedules(self) -> list[ScheduleRecord]:
        return [schedule_record(s) for s in DBOS.list_schedules()]

    def backfill_schedule(self, name: str, start: datetime, end: datetime) -> list[str]:
        with _translated("backfilling schedule", name):
            return [h.get_workflow_id() for h in DBOS.backfill_schedule(name, start, end)]


class DbosClient(_History):
    """Enqueue and read history from a process that runs no workflows (``DBOSClient``)."""

    def __init__(self, settings: EngineSettings) -> None:
        super().__init__(settings)
        self.client = DBOSClient(
            system_database_url=settings.database_url, application_name=settings.app_name
        )

    def close(self) -> None:
        port.uninstall(self)
        self.client.destroy()

    def bind_workflow(self, definition: port.WorkflowDefinition) -> None:
        return None

    def bind_step(self, definition: port.StepDefinition) -> None:
        return None

    def in_workflow(self) -> bool:
        return False

    def current_workflow_id(self) -> None:
        return None

    def patched(self, name: str) -> bool:
        raise EngineUsageError("patched() is for workflow code, and a client runs no workflows")

    async def patched_async(self, name: str) -> bool:
        return self.patched(name)

    def start(
        self, definition: port.WorkflowDefinition, workflow_id: str, args: Any, kwargs: Any
    ) -> None:
        raise EngineUsageError(
            f"starting workflow {workflow_id}: a client runs no workflows",
            hint="enqueue it on a queue that a worker listens on",
        )

    def enqueue(
        self, target: QueueTarget, workflow_name: str, workflow_id: str, args: Any, kwargs: Any
    ) -> None:
        options: EnqueueOptions = {
            "workflow_name": workflow_name,
            "queue_name": target.queue.name,
            "workflow_id": workflow_id,
            # Without it only an executor on the latest registered version would dequeue it.
            "app_version": self.settings.app_version,
        }
        if target.partition_key is not None:
            options["queue_partition_key"] = target.partition_key
        with _translated("enqueueing", workflow_id):
            self.client.enqueue(options, *args, **kwargs)

    def run_async_step(self, definition: port.StepDefinition, args: Any, kwargs: Any) -> Any:
        raise EngineUsageError("steps run in workflows, and a client runs no workflows")

    def _status(self, workflow_id: str) -> WorkflowStatus | None:
        found = self.client.list_workflows(workflow_ids=[workflow_id], load_input=False)
        return found[0] if found else None

    def _result(self, workflow_id: str) -> Any:
        return self.client.retrieve_workflow(workflow_id).get_result()

    def _list(self, **filters: Any) -> list[WorkflowStatus]:
        return self.client.list_workflows(**filters)

    def list_steps(self, workflow_id: str) -> list[StepRecord]:
        return [step_record(s) for s in self.client.list_workflow_steps(workflow_id)]

    def list_schedules(self) -> list[ScheduleRecord]:
        return [schedule_record(s) for s in self.client.list_schedules()]

    def backfill_schedule(self, name: str, start: datetime, end: datetime) -> list[str]:
        with _translated("backfilling schedule", name):
            return [h.get_workflow_id() for h in self.client.backfill_schedule(name, start, end)]


@contextlib.contextmanager
def worker_engine(settings: EngineSettings, *, clock: Clock | None = None) -> Iterator[DbosWorker]:
    """Launch DBOS in this process as the port's backend for the duration of the block."""
    previous = port.use_clock(clock) if clock is not None else None
    worker = DbosWorker(settings)
    try:
        worker.launch()
        yield worker
    finally:
        worker.shutdown()
        if previous is not None:
            port.use_clock(previous)


@contextlib.contextmanager
def client_engine(settings: EngineSettings, *, install: bool = True) -> Iterator[DbosClient]:
    """A client backend (enqueue, history) for the block; installed in the port if asked."""
    client = DbosClient(settings)
    if install:
        port.install(client)
    try:
        yield client
    finally:
        client.close()


__all__ = [
    "DbosClient",
    "DbosWorker",
    "client_engine",
    "worker_engine",
]
