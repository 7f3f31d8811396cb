"""goldfleet's durable-execution port: the only engine API lifecycle code uses.

Declare at import time, by stable names (the names are what the database remembers)::

    HOSTS = engine.queue("host-replacement", partition_concurrency=3)

    @engine.step("hosts.replace", retry=engine.Retry(attempts=5))
    async def replace(host: str) -> str: ...

    @engine.workflow("hosts.rollout")
    async def rollout(pool: str) -> None:
        await replace(...)
        await engine.sleep_until_async(window_start)   # durable, on the engine's clock

then run: ``engine.start("rollout:pool-1", rollout, "pool-1")`` (same id again = same run) or
``engine.enqueue(HOSTS.partition(subscription), "rollout:pool-1", rollout, "pool-1")``, and
read history with ``list_workflows`` / ``list_steps``.

Behind the port sits a :class:`Backend` - the DBOS adapter (``dbos_engine``) in a worker or in a
client process. Decorators only record definitions; the backend binds them when it is installed,
so importing lifecycle code never imports DBOS. Without a backend, steps and workflows are plain
function calls (handy in unit tests of their bodies).

Rules for workflow code (docs/engine.md): deterministic between steps - read time with
:func:`now` (a step), wait with :func:`sleep_until`, do I/O only in steps; arguments and
results are pickled into the database, so keep them plain data.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, cast, overload

from goldfleet.engine.clock import Clock, SystemClock
from goldfleet.engine.records import (
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
from goldfleet.engine.retry import Retry, checkpointable, with_retries

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$")
_WORKFLOW_ID = re.compile(r"^[^\s]{1,255}$")
DEFAULT_STEP_RETRY = Retry()


def check_workflow_id(workflow_id: str) -> str:
    """Workflow ids are deterministic, non-empty and without whitespace (DBOS #759)."""
    if not isinstance(workflow_id, str) or not _WORKFLOW_ID.match(workflow_id):
        raise EngineUsageError(
            f"invalid workflow id {workflow_id!r}: 1-255 characters, no whitespace",
            hint="derive it from what the workflow acts on, e.g. 'release:2026.1123.1742'",
        )
    return workflow_id


@dataclass(eq=False)
class WorkflowDefinition:
    name: str
    fn: Callable[..., Any]
    is_async: bool
    max_recovery_attempts: int
    bound: Callable[..., Any] | None = None


@dataclass(eq=False)
class StepDefinition:
    name: str
    fn: Callable[..., Any]
    body: Callable[..., Any]  # fn with retries, and errors made checkpointable
    is_async: bool
    retry: Retry
    bound: Callable[..., Any] | None = None


class Backend(Protocol):
    """What an engine implementation provides to the port."""

    def bind_workflow(self, definition: WorkflowDefinition) -> Callable[..., Any] | None: ...
    def bind_step(self, definition: StepDefinition) -> Callable[..., Any] | None: ...
    def in_workflow(self) -> bool: ...
    def current_workflow_id(self) -> str | None: ...
    # start and enqueue may return an engine handle, which ``wait`` may use to wait faster
    def start(
        self, definition: WorkflowDefinition, workflow_id: str, args: Any, kwargs: Any
    ) -> Any: ...
    def enqueue(
        self, target: QueueTarget, workflow_name: str, workflow_id: str, args: Any, kwargs: Any
    ) -> Any: ...
    def run_async_step(self, definition: StepDefinition, args: Any, kwargs: Any) -> Any: ...
    def wait(self, workflow_id: str, timeout: float | None, handle: Any = None) -> Any: ...
    def get_workflow(self, workflow_id: str) -> WorkflowRecord | None: ...
    def list_workflows(
        self,
        *,
        state: WorkflowState | None,
        name: str | None,
        queue: str | None,
        id_prefix: str | None,
        limit: int | None,
    ) -> list[WorkflowRecord]: ...
    def list_steps(self, workflow_id: str) -> list[StepRecord]: ...
    def list_schedules(self) -> list[ScheduleRecord]: ...
    def backfill_schedule(self, name: str, start: datetime, end: datetime) -> list[str]: ...
    def patched(self, name: str) -> bool: ...
    async def patched_async(self, name: str) -> bool: ...


class _Registry:
    def __init__(self) -> None:
        self.workflows: dict[str, WorkflowDefinition] = {}
        self.steps: dict[str, StepDefinition] = {}
        self.queues: dict[str, QueueSpec] = {}
        self.schedules: dict[str, ScheduleSpec] = {}
        self.backend: Backend | None = None
        self.clock: Clock = SystemClock()
        self.shutdown_hooks: list[Callable[[], None]] = []

    def _check_name(self, kind: str, name: str, fn: Callable[..., Any], taken: Any) -> None:
        if not _NAME.match(name):
            raise EngineUsageError(f"invalid {kind} name {name!r}")
        previous = taken.get(name)
        if previous is not None and (
            previous.fn.__module__,
            previous.fn.__qualname__,
        ) != (fn.__module__, fn.__qualname__):
            raise EngineUsageError(
                f"{kind} name {name!r} is already used by "
                f"{previous.fn.__module__}.{previous.fn.__qualname__}",
                hint="names are stable ids stored in the database: give each its own",
            )

    def bind(self, definition: WorkflowDefinition | StepDefinition) -> None:
        if self.backend is None or definition.bound is not None:
            return
        if isinstance(definition, WorkflowDefinition):
            definition.bound = self.backend.bind_workflow(definition)
        else:
            definition.bound = self.backend.bind_step(definition)


_registry = _Registry()


# --- installation (used by backends and tests) -------------------------------------------


def install(backend: Backend) -> None:
    """Make ``backend`` the process's engine and bind every definition made so far."""
    _registry.backend = backend
    for workflow_def in _registry.workflows.values():
        _registry.bind(workflow_def)
    for step_def in _registry.steps.values():
        _registry.bind(step_def)


def uninstall(backend: Backend) -> None:
    if _registry.backend is backend:
        _registry.backend = None


def on_shutdown(hook: Callable[[], None]) -> None:
    """Run ``hook`` when the engine in this process shuts down, before it stops running steps
    (e.g. to close connections that steps kept open). Registered once; runs at every shutdown."""
    if hook not in _registry.shutdown_hooks:
        _registry.shutdown_hooks.append(hook)


def run_shutdown_hooks() -> None:
    """Called by a backend as it shuts down. A failing hook does not stop the others."""
    for hook in _registry.shutdown_hooks:
        with contextlib.suppress(Exception):
            hook()


def current_backend() -> Backend:
    if _registry.backend is None:
        raise EngineUsageError(
            "no engine is running in this process",
            hint="start a worker (goldfleet worker run) or open an engine client first",
        )
    return _registry.backend


def use_clock(new_clock: Clock) -> Clock:
    """Install the clock steps read and durable sleeps wait on; returns the previous one."""
    previous, _registry.clock = _registry.clock, new_clock
    return previous


def clock() -> Clock:
    """The engine's clock. Read it in steps only (or use :func:`now`)."""
    return _registry.clock


def definitions() -> tuple[list[WorkflowDefinition], list[QueueSpec], list[ScheduleSpec]]:
    """Everything declared so far: what a backend registers when it launches."""
    return (
        list(_registry.workflows.values()),
        list(_registry.queues.values()),
        list(_registry.schedules.values()),
    )


def workflow_definition(name_or_fn: str | Callable[..., Any]) -> WorkflowDefinition:
    if not isinstance(name_or_fn, str):
        definition = getattr(name_or_fn, "__goldfleet_workflow__", None)
        if definition is None:
            raise EngineUsageError(f"{name_or_fn!r} is not a goldfleet workflow")
        return cast(WorkflowDefinition, definition)
    try:
        return _registry.workflows[name_or_fn]
    except KeyError:
        raise EngineUsageError(f"no workflow is named {name_or_fn!r}") from None


# --- declarations --------------------------------------------------------------------------


def workflow(name: str, *, max_recovery_attempts: int = 50) -> Callable[[F], F]:
    """Declare a durable workflow (``def`` or ``async def``) under a stable ``name``.

    Called directly inside another workflow, it runs as a child workflow.
    """

    def decorate(fn: F) -> F:
        _registry._check_name("workflow", name, fn, _registry.workflows)
        definition = WorkflowDefinition(
            name, fn, inspect.iscoroutinefunction(fn), max_recovery_attempts
        )
        _registry.workflows[name] = definition
        _registry.bind(definition)
        return _dispatcher(fn, definition, "__goldfleet_workflow__")

    return decorate


def step(name: str, *, retry: Retry = DEFAULT_STEP_RETRY) -> Callable[[F], F]:
    """Declare a checkpointed step (``def`` or ``async def``) under a stable ``name``.

    Inside a workflow a completed step never runs again (its recorded result is replayed); an
    interrupted one runs again, so it must be idempotent. Temporary errors are retried per
    ``retry`` (see :mod:`goldfleet.engine.retry`); anything else fails the step at once.
    """

    def decorate(fn: F) -> F:
        _registry._check_name("step", name, fn, _registry.steps)
        body = _checkpointing(with_retries(fn, retry, clock))
        definition = StepDefinition(name, fn, body, inspect.iscoroutinefunction(fn), retry)
        _registry.steps[name] = definition
        _registry.bind(definition)
        return _dispatcher(fn, definition, "__goldfleet_step__")

    return decorate


def _checkpointing(fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_body(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except Exception as error:
                replacement = checkpointable(error)
                if replacement is error:
                    raise
                raise replacement from error

        return async_body

    @functools.wraps(fn)
    def body(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            replacement = checkpointable(error)
            if replacement is error:
                raise
            raise replacement from error

    return body


def _dispatcher(fn: F, definition: WorkflowDefinition | StepDefinition, marker: str) -> F:
    """What the decorator returns: calls go to the bound engine function when there is one."""
    plain = definition.body if isinstance(definition, StepDefinition) else definition.fn

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_call(*args: Any, **kwargs: Any) -> Any:
            return await (definition.bound or plain)(*args, **kwargs)

        call: Callable[..., Any] = async_call
    else:

        @functools.wraps(fn)
        def sync_call(*args: Any, **kwargs: Any) -> Any:
            return (definition.bound or plain)(*args, **kwargs)

        call = sync_call
    setattr(call, marker, definition)
    return cast(F, call)


def queue(
    name: str,
    *,
    global_concurrency: int | None = None,
    worker_concurrency: int | None = None,
    partition_concurrency: int | None = None,
    partition_rate: Rate | None = None,
    rate: Rate | None = None,
) -> QueueSpec:
    """Declare a queue (registered in the database when a worker starts)."""
    spec = QueueSpec(
        name, global_concurrency, worker_concurrency, partition_concurrency, partition_rate, rate
    )
    previous = _registry.queues.get(name)
    if previous is not None and previous != spec:
        raise EngineUsageError(f"queue {name!r} is already declared with other limits")
    _registry.queues[name] = spec
    return spec


def schedule(
    name: str,
    workflow_fn: Callable[[datetime, Any], Any],
    cron: str,
    *,
    timezone: str = "UTC",
    queue: QueueSpec | None = None,
    backfill: bool = False,
    context: Any = None,
) -> ScheduleSpec:
    """Declare a cron schedule; workers apply it (create or replace) when they start.

    ``workflow_fn(scheduled_at, context)`` runs once per tick. Ticks follow the real clock.
    """
    definition = workflow_definition(workflow_fn)
    if len(inspect.signature(definition.fn).parameters) != 2:
        raise EngineUsageError(
            f"scheduled workflow {definition.name} must take (scheduled_at, context)"
        )
    if queue is not None and queue.partitioned:
        raise EngineUsageError(f"schedule {name}: a schedule cannot target a partitioned queue")
    spec = ScheduleSpec(
        name, definition.name, cron, timezone, queue.name if queue else None, backfill, context
    )
    _registry.schedules[name] = spec
    return spec


# --- running ---------------------------------------------------------------------------------


class WorkflowRun(Generic[T]):
    """A handle on one workflow by id: wait for its result, or read its record."""

    def __init__(self, workflow_id: str, backend: Backend, handle: Any = None) -> None:
        self.workflow_id = workflow_id
        self._backend = backend
        self._handle = handle

    def result(self, timeout: float | None = None) -> T:
        """Block until the workflow finishes; return its result or raise its error
        (``TimeoutError`` if it is still running after ``timeout`` seconds)."""
        return cast(T, self._backend.wait(self.workflow_id, timeout, self._handle))

    def record(self) -> WorkflowRecord:
        found = self._backend.get_workflow(self.workflow_id)
        if found is None:
            raise EngineUsageError(f"workflow {self.workflow_id} does not exist")
        return found

    def __repr__(self) -> str:
        return f"WorkflowRun({self.workflow_id!r})"


@overload
def start(
    workflow_id: str,
    workflow_fn: Callable[P, Coroutine[Any, Any, T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> WorkflowRun[T]: ...
@overload
def start(
    workflow_id: str, workflow_fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> WorkflowRun[T]: ...
def start(
    workflow_id: str, workflow_fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> WorkflowRun[Any]:
    """Start ``workflow_fn(*args, **kwargs)`` in this worker under ``workflow_id``.

    Idempotent: if that id exists (running or finished), nothing new runs and the handle is
    for the existing workflow. Inside a workflow this starts a child workflow.
    """
    backend = current_backend()
    definition = workflow_definition(workflow_fn)
    handle = backend.start(definition, check_workflow_id(workflow_id), args, kwargs)
    return WorkflowRun(workflow_id, backend, handle)


@overload
def enqueue(
    target: QueueSpec | QueueTarget,
    workflow_id: str,
    workflow_fn: Callable[P, Coroutine[Any, Any, T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> WorkflowRun[T]: ...
@overload
def enqueue(
    target: QueueSpec | QueueTarget,
    workflow_id: str,
    workflow_fn: Callable[P, T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> WorkflowRun[T]: ...
def enqueue(
    target: QueueSpec | QueueTarget,
    workflow_id: str,
    workflow_fn: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> WorkflowRun[Any]:
    """Put ``workflow_fn(*args, **kwargs)`` on a queue under ``workflow_id`` (idempotent like
    :func:`start`); any worker listening on the queue runs it within the queue's limits.

    Works from a worker or from a client process (the CLI), which only writes the row.
    """
    backend = current_backend()
    where = target if isinstance(target, QueueTarget) else QueueTarget(target)
    definition = workflow_definition(workflow_fn)
    handle = backend.enqueue(where, definition.name, check_workflow_id(workflow_id), args, kwargs)
    return WorkflowRun(workflow_id, backend, handle)


def run(workflow_id: str) -> WorkflowRun[Any]:
    """A handle on an existing workflow."""
    return WorkflowRun(check_workflow_id(workflow_id), current_backend())


def run_async_step(
    step_fn: Callable[P, Coroutine[Any, Any, T]], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run an ``async def`` step from a plain ``def`` workflow (blocks until it is done)."""
    definition = getattr(step_fn, "__goldfleet_step__", None)
    if not isinstance(definition, StepDefinition) or not definition.is_async:
        raise EngineUsageError(f"{step_fn!r} is not an async goldfleet step")
    return cast(T, current_backend().run_async_step(definition, args, kwargs))


# --- inside workflows ----------------------------------------------------------------------


def in_workflow() -> bool:
    """Whether the caller is workflow code (not a step, not outside any workflow)."""
    backend = _registry.backend
    return backend is not None and backend.in_workflow()


def require_workflow(what: str) -> None:
    if not in_workflow():
        raise EngineUsageError(
            f"{what} is for workflow code",
            hint="outside a workflow, use the clock directly (engine.clock())",
        )


def workflow_id() -> str:
    """The id of the workflow this code runs in (to derive its children's ids from)."""
    require_workflow("workflow_id()")
    found = current_backend().current_workflow_id()
    assert found is not None
    return found


def patched(name: str) -> bool:
    """Branch for a breaking change to a workflow's steps, safe for workflows in flight::

        if engine.patched("replicate-before-validate"):
            ...new steps...
        else:
            ...old steps...

    True for executions that reach this point with the new code (recorded, so replays agree),
    False when replaying a workflow that passed here before the change existed."""
    require_workflow("patched()")
    return current_backend().patched(name)


async def patched_async(name: str) -> bool:
    """:func:`patched` for ``async def`` workflows (call it from sequential code)."""
    require_workflow("patched_async()")
    return await current_backend().patched_async(name)


def aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise EngineUsageError(f"sleep_until needs a timezone-aware instant, got {instant}")
    return instant.astimezone(UTC)


# --- history -----------------------------------------------------------------------------------


def list_workflows(
    *,
    state: WorkflowState | None = None,
    name: str | None = None,
    queue: str | None = None,
    id_prefix: str | None = None,
    limit: int | None = 100,
) -> list[WorkflowRecord]:
    """Workflows, newest first, filtered by state, workflow name, queue or id prefix."""
    return current_backend().list_workflows(
        state=state, name=name, queue=queue, id_prefix=id_prefix, limit=limit
    )


def get_workflow(workflow_id: str) -> WorkflowRecord | None:
    return current_backend().get_workflow(workflow_id)


def list_steps(workflow_id: str) -> list[StepRecord]:
    """A workflow's checkpointed steps, in order."""
    return current_backend().list_steps(workflow_id)


def list_schedules() -> list[ScheduleRecord]:
    return current_backend().list_schedules()


def backfill_schedule(name: str, start: datetime, end: datetime) -> list[WorkflowRun[Any]]:
    """Run every tick of schedule ``name`` strictly between ``start`` and ``end`` that has not
    run yet (ticks have deterministic ids, so a second backfill runs nothing new)."""
    backend = current_backend()
    ids = backend.backfill_schedule(name, aware(start), aware(end))
    return [WorkflowRun(workflow_id, backend) for workflow_id in ids]
