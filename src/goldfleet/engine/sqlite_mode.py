"""SQLite mode's two guards: one worker process per database (a file lock), and a runtime
check for the combination that breaks DBOS (Python >= 3.12 linked to SQLite < 3.42)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from goldfleet.engine.settings import EngineConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MIN_SQLITE_ON_PY312 = (3, 42, 0)


def check_sqlite_runtime(
    python: tuple[int, ...] = tuple(sys.version_info[:3]),
    sqlite: tuple[int, ...] = sqlite3.sqlite_version_info,
) -> None:
    """Refuse the combination that crashes DBOS's launch: Python >= 3.12 with SQLite < 3.42."""
    if python[:2] >= (3, 12) and sqlite < MIN_SQLITE_ON_PY312:
        found = ".".join(map(str, sqlite))
        raise EngineConfigError(
            f"Python {python[0]}.{python[1]} is linked to SQLite {found}; the engine needs "
            "SQLite 3.42 or newer on Python 3.12+ (DBOS uses unixepoch('subsec'))",
            hint="run goldfleet on Python 3.11 (as make test does), use a Python built "
            "against a newer SQLite, or set GOLDFLEET_DATABASE_URL to PostgreSQL",
        )


class WorkerLockHeld(EngineConfigError):
    """Another process is SQLite mode's one worker; ``by_command`` when it is a command (which
    will end soon) rather than a ``goldfleet worker run`` process."""

    def __init__(
        self, message: str, *, hint: str | None = None, holder: str = "", by_command: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder
        self.by_command = by_command


class SingleWorkerLock:
    """An exclusive ``flock`` next to the SQLite database: one worker process per database.
    The kernel releases it when the process dies, even on SIGKILL."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".worker.lock")
        self._file: TextIO | None = None

    def acquire(self, owner: str, role: str = "worker") -> None:
        if fcntl is None:  # pragma: no cover
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise WorkerLockHeld(
                f"another goldfleet worker ({holder}) is running on {self.path.parent}; "
                "in SQLite mode exactly one worker process may run",
                hint="stop that worker first, or set GOLDFLEET_DATABASE_URL to PostgreSQL "
                "to run several workers",
                holder=holder,
                by_command="(command)" in holder,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{owner} ({role}), pid {os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None and fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


__all__ = ["MIN_SQLITE_ON_PY312", "SingleWorkerLock", "WorkerLockHeld", "check_sqlite_runtime"]
