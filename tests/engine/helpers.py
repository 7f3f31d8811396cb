"""Helpers for engine tests: worker processes (``python -m goldfleet worker run``) that a test
can start, wait for, SIGKILL and stop; and reading the emulator's request log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# Small intervals so that a kill, a sweep and a recovery take about a second, not minutes.
FAST_WORKER_ENV = {
    "GOLDFLEET_QUEUE_POLL_SECONDS": "0.05",
    "GOLDFLEET_HEARTBEAT_SECONDS": "0.2",
    "GOLDFLEET_WORKER_DEAD_AFTER_SECONDS": "3",  # generous: a busy CI box must not fence a live worker
    "GOLDFLEET_SWEEP_SECONDS": "0.25",
}


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


class WorkerProcess:
    """One ``goldfleet worker run`` subprocess with its output in a log file."""

    def __init__(self, worker_id: str, env: dict[str, str], log_dir: Path, *args: str) -> None:
        self.worker_id = worker_id
        self.env = {**os.environ, **FAST_WORKER_ENV, "PYTHONPATH": str(REPO), **env}
        self.log = log_dir / f"{worker_id}-{time.monotonic_ns()}.log"
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        command = [sys.executable, "-m", "goldfleet", "worker", "run", "--id", self.worker_id]
        command += ["--module", "tests.engine.kill_workflows", *self.args]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60.0) -> WorkerProcess:
        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.worker_id} exited:\n{self.output}")
            return f"worker {self.worker_id} ready" in self.output

        wait_for(ready, f"worker {self.worker_id} to be ready", timeout)
        return self

    def wait_exit(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the worker."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)  # reaped, so its pid is gone, not a zombie

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def requests_since(emu: Any, seq: int) -> list[dict[str, Any]]:
    return list(emu.control("GET", f"/requests?since={seq}")["value"])


def last_seq(emu: Any) -> int:
    entries = emu.control("GET", "/requests?since=0")["value"]
    return int(entries[-1]["seq"]) if entries else 0


def group_writes(emu: Any, prefix: str, since: int) -> Counter[str]:
    """How many times each ``prefix-*`` resource group was PUT (successfully) since ``since``."""
    counts: Counter[str] = Counter()
    for entry in requests_since(emu, since):
        path = entry["path"].lower()
        marker = f"/resourcegroups/{prefix.lower()}-"
        if entry["method"] == "PUT" and marker in path and entry["status"] < 300:
            counts[path.rsplit("/", 1)[1]] += 1
    return counts
