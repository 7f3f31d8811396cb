"""One writer per object: two commands on one store never change the same object at once.

Before a command starts its workflow it claims the objects the workflow will change - the
owners of its resources (``pool/contoso-pooled``, ``pipeline/win11-avd-monthly``, a tenant's
resource groups...). A claim holds while its holder is unfinished: a workflow (PENDING or
ENQUEUED in the engine, so a killed command's workflow keeps its claim until it is resumed and
finishes), or a command that runs without one (released when it returns; a crashed one's claim
lapses when its process is gone). The same holder claims again freely - running the same
command again resumes the same workflow. Anyone else waits (``--wait``) or is refused with who
holds what since when: never a traceback, never two writers.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from goldfleet import engine
from goldfleet.api.session import actor, waiting_for
from goldfleet.domain.errors import BusyError, GoldfleetError
from goldfleet.engine import EngineSettings, EngineUsageError, WorkflowRecord, WorkflowState
from goldfleet.store import locks
from goldfleet.store.db import shared_database

BUSY_EXIT_CODE = 75  # EX_TEMPFAIL: try again later
UNSTARTED_GRACE = timedelta(minutes=2)  # a claim whose workflow has not appeared yet
POLL_SECONDS = 1.0
PROCESS_PREFIX = "process:"


@dataclass(frozen=True)
class Claim:
    holder: str
    objects: tuple[str, ...]
    previous: tuple[locks.Lock, ...]  # rows another (finished) holder left on these objects

    def changed_since(self, instant: datetime) -> bool:
        """Whether another command took any of the objects at or after ``instant`` (so what
        this command read before claiming may be stale)."""
        return any(
            datetime.fromisoformat(p.acquired_at) >= instant and p.holder != self.holder
            for p in self.previous
        )


def _now() -> datetime:
    return datetime.now(UTC)


def process_holder() -> str:
    """The holder name of a command that runs no workflow: this process."""
    return f"{PROCESS_PREFIX}{socket.gethostname()}:{os.getpid()}:{time.time_ns()}"


def _process_alive(holder: str) -> bool:
    host, _, rest = holder[len(PROCESS_PREFIX) :].partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: held until it lets go
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def active(lock: locks.Lock, now: datetime) -> bool:
    """Whether the lock's holder can still change its objects."""
    if lock.holder.startswith(PROCESS_PREFIX):
        return _process_alive(lock.holder)
    record = _workflow(lock.holder)
    if record is None:
        return now - datetime.fromisoformat(lock.acquired_at) < UNSTARTED_GRACE
    return record.state in (WorkflowState.PENDING, WorkflowState.ENQUEUED, WorkflowState.DELAYED)


def _workflow(workflow_id: str) -> WorkflowRecord | None:
    """The holder's record from the engine this command runs, or from a client opened for the
    question when it runs none (a command without a workflow)."""
    try:
        return engine.get_workflow(workflow_id)
    except EngineUsageError:
        pass
    from goldfleet.engine.dbos_engine import client_engine

    try:
        with client_engine(EngineSettings.from_env(), install=False) as client:
            return client.get_workflow(workflow_id)
    except (GoldfleetError, SQLAlchemyError):
        return None  # no engine tables yet: no workflow can hold anything


def _describe(blockers: Sequence[locks.Lock]) -> str:
    """One line per holder: what it holds (the first few objects), what it is, since when."""
    by_holder: dict[str, list[locks.Lock]] = {}
    for b in blockers:
        by_holder.setdefault(b.holder, []).append(b)
    lines = []
    for holder, held in sorted(by_holder.items()):
        names = sorted(b.object for b in held)
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        first = held[0]
        since = datetime.fromisoformat(first.acquired_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        lines.append(
            f"{shown} {'is' if len(names) == 1 else 'are'} held by `{first.command}`"
            f" ({holder}, run by {first.actor} since {since})"
        )
    return "; ".join(lines)


def claim(objects: Sequence[str], holder: str, command: str) -> Claim:
    """Hold ``objects`` for ``holder``; inside :func:`waiting`, wait that long for others to
    finish, else refuse at once with :class:`BusyError`. Needs an installed engine unless every
    holder involved is a process."""
    wait = waiting_for()
    database = shared_database()
    wanted = tuple(sorted(set(objects)))
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        now = _now()
        rows = locks.read(database, wanted)
        blockers = [r for r in rows if r.holder != holder and active(r, now)]
        if not blockers:
            seen: dict[str, str | None] = {r.object: r.holder for r in rows}
            taken = locks.take(
                database,
                wanted,
                seen,
                holder=holder,
                command=command,
                actor=actor(),
                at=now.isoformat(),
            )
            if taken:
                return Claim(holder, wanted, tuple(r for r in rows if r.holder != holder))
            continue  # another command moved in between: look again
        if deadline is None or time.monotonic() > deadline:
            waited = "" if wait is None else f" after waiting {wait:.0f} s"
            raise BusyError(
                f"another command is changing what `{command}` would change{waited}: "
                + _describe(blockers),
                hint="let it finish (goldfleet status shows it; running that same command again "
                "follows it), or add --wait to wait for it here",
                blockers=tuple(blockers),
            )
        time.sleep(POLL_SECONDS)


def release(holder: str) -> None:
    locks.release(shared_database(), holder)


@contextmanager
def holding(objects: Sequence[str], command: str) -> Iterator[Claim]:
    """Hold ``objects`` for this process while the block runs (commands with no workflow)."""
    holder = process_holder()
    found = claim(objects, holder, command)
    try:
        yield found
    finally:
        release(holder)
