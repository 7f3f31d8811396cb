"""Where the engine keeps its state and how its workers behave, read once from the environment.

* ``GOLDFLEET_DATABASE_URL`` - PostgreSQL (``postgresql+psycopg://user@host/db``) for several
  workers; unset means SQLite in the state directory (one worker process).
* ``GOLDFLEET_STATE_DIR`` - the state directory (default ``~/.goldfleet/state``); the SQLite
  database is ``engine.sqlite`` in it.
* ``GOLDFLEET_WORKER_ID`` - this worker's stable executor id (default ``worker-0``).
* Tuning, in seconds (tests make them small): ``GOLDFLEET_QUEUE_POLL_SECONDS`` (1),
  ``GOLDFLEET_HEARTBEAT_SECONDS`` (5), ``GOLDFLEET_WORKER_DEAD_AFTER_SECONDS`` (60),
  ``GOLDFLEET_SWEEP_SECONDS`` (15), ``GOLDFLEET_SCHEDULER_POLL_SECONDS`` (30).

This module only describes; it opens nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from goldfleet import __version__
from goldfleet.domain.errors import UserInputError

APP_NAME = "goldfleet"
DEFAULT_WORKER_ID = "worker-0"
DEFAULT_STATE_DIR = Path.home() / ".goldfleet" / "state"
SQLITE_FILE = "engine.sqlite"
_WORKER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class EngineConfigError(UserInputError):
    """The engine cannot start as configured (bad URL, worker id, runtime, second worker)."""


def check_worker_id(worker_id: str) -> str:
    """A worker id is DBOS's executor id: stable, non-empty, lowercase, no spaces."""
    if not _WORKER_ID.match(worker_id):
        raise EngineConfigError(
            f"invalid worker id {worker_id!r}",
            hint="use 1-63 characters: lowercase letters, digits, '.', '_' or '-' "
            "(for example worker-1); keep it the same across restarts of that worker",
        )
    return worker_id


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the driver goldfleet installs)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


@dataclass(frozen=True)
class EngineSettings:
    """Everything the DBOS adapter and the worker need to know."""

    database_url: str
    worker_id: str = DEFAULT_WORKER_ID
    # DBOS recovers only workflows of the same application version: goldfleet's version,
    # never a hash of the source (docs/engine.md, "Upgrades").
    app_version: str = __version__
    app_name: str = APP_NAME
    queue_poll_seconds: float = 1.0
    result_poll_seconds: float = 0.2
    scheduler_poll_seconds: float = 30.0
    heartbeat_seconds: float = 5.0
    dead_after_seconds: float = 60.0
    sweep_seconds: float = 15.0
    log_level: str = "WARNING"
    # "worker" for `goldfleet worker run`; "command" for a command running its own workflows
    # (on SQLite a command waits for another command's worker to end, but uses a worker's).
    role: str = "worker"

    def __post_init__(self) -> None:
        check_worker_id(self.worker_id)
        if not (self.is_sqlite or self.is_postgres):
            raise EngineConfigError(
                f"unsupported engine database URL scheme in {self.redacted_url}",
                hint="use postgresql+psycopg://user@host:5432/goldfleet, or unset "
                "GOLDFLEET_DATABASE_URL for SQLite in the state directory",
            )
        if self.dead_after_seconds <= 2 * self.heartbeat_seconds:
            raise EngineConfigError(
                "a worker must be declared dead only after several missed heartbeats",
                hint="make GOLDFLEET_WORKER_DEAD_AFTER_SECONDS more than twice "
                "GOLDFLEET_HEARTBEAT_SECONDS",
            )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql", "postgres://"))

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split(":///", 1)[1])

    @property
    def redacted_url(self) -> str:
        """The URL without its password, for messages and logs."""
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", self.database_url)

    def with_worker(self, worker_id: str) -> EngineSettings:
        return replace(self, worker_id=check_worker_id(worker_id))

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        worker_id: str | None = None,
        state_dir: Path | None = None,
        database_url: str | None = None,
    ) -> EngineSettings:
        env = os.environ if environ is None else environ
        url = normalize_url(database_url or env.get("GOLDFLEET_DATABASE_URL", "").strip())
        if not url:
            directory = state_dir or Path(env.get("GOLDFLEET_STATE_DIR") or DEFAULT_STATE_DIR)
            directory.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{(directory / SQLITE_FILE).resolve()}"

        def seconds(name: str, default: float) -> float:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = float(raw)
            except ValueError:
                raise EngineConfigError(f"{name}={raw!r} is not a number of seconds") from None
            if value <= 0:
                raise EngineConfigError(f"{name} must be positive, got {raw}")
            return value

        return cls(
            database_url=url,
            worker_id=worker_id or env.get("GOLDFLEET_WORKER_ID") or DEFAULT_WORKER_ID,
            queue_poll_seconds=seconds("GOLDFLEET_QUEUE_POLL_SECONDS", 1.0),
            scheduler_poll_seconds=seconds("GOLDFLEET_SCHEDULER_POLL_SECONDS", 30.0),
            heartbeat_seconds=seconds("GOLDFLEET_HEARTBEAT_SECONDS", 5.0),
            dead_after_seconds=seconds("GOLDFLEET_WORKER_DEAD_AFTER_SECONDS", 60.0),
            sweep_seconds=seconds("GOLDFLEET_SWEEP_SECONDS", 15.0),
        )


__all__ = [
    "APP_NAME",
    "DEFAULT_STATE_DIR",
    "DEFAULT_WORKER_ID",
    "EngineConfigError",
    "EngineSettings",
    "check_worker_id",
    "normalize_url",
]
