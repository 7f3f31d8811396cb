"""Worker liveness: goldfleet's ``goldfleet_workers`` table and the dead-worker sweeper.

Every worker upserts its row when it starts and refreshes ``last_seen`` every few seconds. On
PostgreSQL every worker also sweeps: a worker whose ``last_seen`` is older than the threshold
is dead, and the sweeper hands its PENDING workflows to the live workers (open-source DBOS only
recovers an executor's workflows when a process with the *same* id starts again).

Two sweepers never recover the same dead worker at once: the sweep claims the row with
``SELECT ... FOR UPDATE SKIP LOCKED`` and marks it ``dead`` in the same transaction. A worker
that finds its own row marked dead (it stalled past the threshold and its work was handed on)
is *fenced*: it must stop rather than run workflows that another worker now owns.

Times are the database server's (``now()``), so workers on different machines agree; on
SQLite (one machine, one worker) they are the local UTC clock. Liveness is real time, never
the engine's (possibly simulated) clock.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from goldfleet.engine.settings import EngineConfigError, EngineSettings

log = logging.getLogger("goldfleet.engine.workers")

metadata = sa.MetaData()
workers_table = sa.Table(
    "goldfleet_workers",
    metadata,
    sa.Column("worker_id", sa.String(64), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("app_version", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # alive | stopped | dead
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recovered_by", sa.String(64)),
    sa.Column("recovered_at", sa.DateTime(timezone=True)),
    sa.Column("recovered_workflows", sa.Integer),
)


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    host: str
    pid: int
    app_version: str
    state: str
    started_at: datetime
    last_seen: datetime
    seconds_since_seen: float
    recovered_by: str | None
    recovered_workflows: int | None


@dataclass(frozen=True)
class Recovery:
    """What one sweep did about one dead worker."""

    dead_worker: str
    workflow_ids: list[str]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet (DBOS would,
    but goldfleet's table and the duplicate-worker check come before DBOS's launch)."""
    target = sa.make_url(url)
    if not target.drivername.startswith("postgres") or not target.database:
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).first()
            if exists is None:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    except sa.exc.ProgrammingError as exc:  # created concurrently by another worker
        if "already exists" not in str(exc):
            raise
    finally:
        admin.dispose()


class Heartbeats:
    """The ``goldfleet_workers`` table, seen from one worker."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.me = settings.worker_id
        self.host = socket.gethostname()
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if settings.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            ensure_database(settings.database_url)
            kwargs.update(pool_size=2, max_overflow=2)
        self.db = sa.create_engine(settings.database_url, **kwargs)
        metadata.create_all(self.db, checkfirst=True)

    def close(self) -> None:
        self.db.dispose()

    def _now(self) -> Any:
        """The database's clock on PostgreSQL; the local UTC clock on SQLite."""
        return datetime.now(UTC) if self.settings.is_sqlite else sa.func.now()

    def _db_now(self, conn: sa.Connection) -> datetime:
        if self.settings.is_sqlite:
            return datetime.now(UTC)
        return _utc(conn.execute(sa.select(sa.func.now())).scalar_one())

    def register(self) -> None:
        """Claim this worker id; refuse if a live process elsewhere holds it."""
        t = workers_table
        with self.db.begin() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.worker_id == self.me).with_for_update()
            ).first()
            if row is not None and row.state == "alive":
                age = (self._db_now(conn) - _utc(row.last_seen)).total_seconds()
                same_host = row.host == self.host
                holder_gone = same_host and (row.pid == os.getpid() or not _pid_alive(row.pid))
                if age < self.settings.dead_after_seconds and not holder_gone:
                    raise EngineConfigError(
                        f"worker {self.me} is already running on {row.host} (pid {row.pid}, "
                        f"last seen {age:.0f} s ago)",
                        hint="give this worker another --id, or stop the other one first",
                    )
            values = {
                "host": self.host,
                "pid": os.getpid(),
                "app_version": self.settings.app_version,
                "state": "alive",
                "started_at": self._now(),
                "last_seen": self._now(),
                "recovered_by": None,
                "recovered_at": None,
                "recovered_workflows": None,
            }
            if row is None:
                conn.execute(sa.insert(t).values(worker_id=self.me, **values))
            else:
                conn.execute(sa.update(t).where(t.c.worker_id == self.me).values(**values))

    def beat(self) -> bool:
        """Refresh ``last_seen``. False means this worker was declared dead: it is fenced."""
        t = workers_table
        with self.db.begin() as conn:
            updated = conn.execute(
                sa.update(t)
                .where(t.c.worker_id == self.me, t.c.state == "alive")
                .values(last_seen=self._now())
            )
        return updated.rowcount == 1

    def mark_stopped(self) -> None:
        """A clean shutdown: the row stays (its in-flight workflows are swept once it is stale,
        unless the worker comes back first)."""
        t = workers_table
        with self.db.begin() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.worker_id == self.me, t.c.state == "alive")
                .values(state="stopped", last_seen=self._now())
            )

    def rows(self) -> list[WorkerRow]:
        t = workers_table
        with self.db.connect() as conn:
            now = self._db_now(conn)
            rows = conn.execute(sa.select(t).order_by(t.c.worker_id)).all()
        return [
            WorkerRow(
                worker_id=r.worker_id,
                host=r.host,
                pid=r.pid,
                app_version=r.app_version,
                state=r.state,
                started_at=_utc(r.started_at),
                last_seen=_utc(r.last_seen),
                seconds_since_seen=(now - _utc(r.last_seen)).total_seconds(),
                recovered_by=r.recovered_by,
                recovered_workflows=r.recovered_workflows,
            )
            for r in rows
        ]

    def sweep(self, recover: Callable[[str], list[str]]) -> list[Recovery]:
        """One sweep (PostgreSQL): claim each stale worker row, ``recover(worker_id)`` its
        workflows, mark it dead - all while holding the row lock, so a concurrent sweeper
        skips that row. A failed recovery rolls back and is retried by the next sweep."""
        if self.settings.is_sqlite:
            return []
        t = workers_table
        cutoff = sa.func.now() - timedelta(seconds=self.settings.dead_after_seconds)
        done: list[Recovery] = []
        with self.db.begin() as conn:
            stale = conn.execute(
                sa.select(t.c.worker_id)
                .where(
                    t.c.worker_id != self.me,
                    t.c.state.in_(("alive", "stopped")),
                    t.c.last_seen < cutoff,
                )
                .order_by(t.c.worker_id)
                .with_for_update(skip_locked=True)
            ).scalars()
            for dead in list(stale):
                workflow_ids = recover(dead)
                conn.execute(
                    sa.update(t)
                    .where(t.c.worker_id == dead)
                    .values(
                        state="dead",
                        recovered_by=self.me,
                        recovered_at=sa.func.now(),
                        recovered_workflows=len(workflow_ids),
                    )
                )
                log.warning(
                    "worker %s is dead (no heartbeat for %g s): %d workflow(s) recovered by %s",
                    dead,
                    self.settings.dead_after_seconds,
                    len(workflow_ids),
                    self.me,
                )
                done.append(Recovery(dead, workflow_ids))
        return done


__all__ = ["Heartbeats", "Recovery", "WorkerRow", "ensure_database", "workers_table"]
