"""The append-only audit trail: who asked for what, when, under which plan and workflow.

Each row carries the hash of the previous row and its own hash over its content and that link,
so changing, removing or reordering a row breaks the chain and :func:`verify` finds where.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from goldfleet.store.db import for_update
from goldfleet.store.tables import audit

GENESIS = "0" * 64
_APPEND_ATTEMPTS = 20
_append_lock = threading.Lock()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    plan_hash: str | None
    workflow_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("seq", "at", "actor", "action", "subject", "plan_hash", "workflow_id", "details")
    return {k: entry[k] for k in keys} | {"prev_hash": entry["prev_hash"]}


def append(
    engine: Engine,
    *,
    at: str,
    actor: str,
    action: str,
    subject: str,
    plan_hash: str | None = None,
    workflow_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last. Appends are serialised: by a lock in this
    process, by a table lock on PostgreSQL, and by retrying if another process won the race
    for the next sequence number (the primary key refuses a second row with it)."""
    for attempt in range(_APPEND_ATTEMPTS):
        try:
            with _append_lock:
                return _append_once(
                    engine, at, actor, action, subject, plan_hash, workflow_id, details
                )
        except IntegrityError:
            if attempt == _APPEND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _append_once(
    engine: Engine,
    at: str,
    actor: str,
    action: str,
    subject: str,
    plan_hash: str | None,
    workflow_id: str | None,
    details: dict[str, Any] | None,
) -> AuditEntry:
    # Read the chain's head, then write after it: on SQLite the transaction must hold the write
    # lock from BEGIN, or a writer committing in between makes the insert fail at once with
    # "database is locked" (a WAL snapshot cannot be upgraded; busy_timeout does not apply).
    with for_update(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE goldfleet_audit IN EXCLUSIVE MODE")
        last = connection.execute(
            select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        row: dict[str, Any] = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "plan_hash": plan_hash,
            "workflow_id": workflow_id,
            "details": details or {},
            "prev_hash": prev,
        }
        row["hash"] = _digest(_content(row))
        connection.execute(insert(audit).values(**row))
    return AuditEntry(**row)


def entries(engine: Engine, limit: int | None = None) -> list[AuditEntry]:
    query = select(audit).order_by(audit.c.seq)
    if limit is not None:
        query = select(audit).order_by(audit.c.seq.desc()).limit(limit)
    with engine.connect() as connection:
        rows = [AuditEntry(**dict(r._mapping)) for r in connection.execute(query)]
    return sorted(rows, key=lambda e: e.seq)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit)).scalar_one())


def verify(engine: Engine) -> int | None:
    """The sequence number of the first entry that breaks the chain, or None if it is intact."""
    prev = GENESIS
    expected_seq = 1
    for entry in entries(engine):
        fields = {k: getattr(entry, k) for k in AuditEntry.__dataclass_fields__}
        if (
            entry.seq != expected_seq
            or entry.prev_hash != prev
            or entry.hash != _digest(_content(fields))
        ):
            return entry.seq
        prev = entry.hash
        expected_seq += 1
    return None


def count_for_workflow(engine: Engine, workflow_prefix: str, action_prefix: str) -> int:
    """How many entries of a workflow (and its children) start with ``action_prefix``."""
    with engine.connect() as connection:
        query = (
            select(func.count())
            .select_from(audit)
            .where(audit.c.workflow_id.startswith(workflow_prefix))
            .where(audit.c.action.startswith(action_prefix))
        )
        return int(connection.execute(query).scalar_one())
