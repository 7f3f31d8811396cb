"""The worker process (``goldfleet worker run``): DBOS executing goldfleet's workflows, plus a
heartbeat and, on PostgreSQL, the dead-worker sweeper.

Start order matters: import the modules that declare workflows (DBOS must know every workflow
before it launches, or it cannot recover them) -> on SQLite take the single-worker lock ->
claim the worker id in ``goldfleet_workers`` -> launch DBOS (which recovers this id's pending
workflows) -> heartbeat and sweep until stopped. A worker that learns it was declared dead
stops at once (it is *fenced*) and exits with :data:`EXIT_FENCED`.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from goldfleet.engine import port
from goldfleet.engine.clock import Clock
from goldfleet.engine.dbos_engine import DbosWorker
from goldfleet.engine.heartbeat import Heartbeats
from goldfleet.engine.settings import EngineSettings

log = logging.getLogger("goldfleet.engine.workers")
EXIT_FENCED = 3


class Worker:
    """One worker: start it, let it run, stop it (any thread may ask it to stop)."""

    def __init__(
        self,
        settings: EngineSettings,
        *,
        modules: Sequence[str] = (),
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.modules = list(modules)
        self.clock = clock
        self.fenced = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._previous_clock: Clock | None = None
        self.heartbeats: Heartbeats | None = None
        self.engine: DbosWorker | None = None

    def start(self) -> None:
        for module in self.modules:
            importlib.import_module(module)
        if self.clock is not None:
            self._previous_clock = port.use_clock(self.clock)
        self.heartbeats = Heartbeats(self.settings)
        self.engine = DbosWorker(self.settings)
        try:
            self.engine.launch(before_launch=self.heartbeats.register)
        except BaseException:
            self.heartbeats.close()
            raise
        self._spawn("goldfleet-heartbeat", self._heartbeat_loop)
        if self.settings.is_postgres:
            self._spawn("goldfleet-sweeper", self._sweep_loop)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def request_stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until asked to stop (or fenced); True once stopping."""
        return self._stop.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.heartbeats is not None:
            if not self.fenced:
                self.heartbeats.mark_stopped()
            self.heartbeats.close()
        if self.engine is not None:
            self.engine.shutdown()
        if self._previous_clock is not None:
            port.use_clock(self._previous_clock)

    def sweep_once(self) -> list[str]:
        """Run one sweep now; the ids of the dead workers whose workflows were recovered."""
        assert self.heartbeats is not None and self.engine is not None
        return [r.dead_worker for r in self.heartbeats.sweep(self.engine.recover_executor)]

    def _heartbeat_loop(self) -> None:
        assert self.heartbeats is not None
        while not self._stop.wait(self.settings.heartbeat_seconds):
            try:
                alive = self.heartbeats.beat()
            except Exception:  # the database may be briefly away; the next beat retries
                log.exception("heartbeat of worker %s failed", self.settings.worker_id)
                continue
            if not alive:
                log.error(
                    "worker %s was declared dead and its workflows were recovered elsewhere: "
                    "stopping",
                    self.settings.worker_id,
                )
                self.fenced = True
                self._stop.set()

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.settings.sweep_seconds):
            try:
                self.sweep_once()
            except Exception:  # logged; a failed sweep rolled back and the next one retries
                log.exception("sweep by worker %s failed", self.settings.worker_id)


def run_worker(
    settings: EngineSettings,
    *,
    modules: Sequence[str] = (),
    clock: Clock | None = None,
    on_ready: Callable[[Worker], None] | None = None,
) -> int:
    """Run a worker in the foreground until SIGINT/SIGTERM; the process exit code."""
    worker = Worker(settings, modules=modules, clock=clock)

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.start()
        try:
            if on_ready is not None:
                on_ready(worker)
            worker.wait()
        finally:
            worker.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_FENCED if worker.fenced else 0


__all__ = ["EXIT_FENCED", "Worker", "run_worker"]
