"""The append-only audit trail: who asked for what, when, under which plan and workflow.

Each entry carries two links to the one before: ``hash`` (SHA-256, unkeyed) and ``mac``
(HMAC-SHA256 with the audit key, which lives outside the database: ``audit_keys``). Each append
also moves the trail's *head* - the newest entry's number, hash and MAC, sealed with the key - in
the same transaction, and every ``CHECKPOINT_EVERY`` entries writes a signed checkpoint. So
someone who can write the database but lacks the key can neither re-hash a changed entry nor
delete the newest ones without :func:`goldfleet.store.audit_verify.verify` naming it.

An append first checks that the trail ends where its sealed head says; if not it refuses
(``AuditIntegrityError``) rather than chain onto a trail that lost entries, until someone looks
and records the loss (``audit_reseal``). Entries written before the keyed chain existed (the
*legacy* prefix, ``Head.legacy_until``) are not re-keyed: the first keyed append writes an
``audit.keyed`` entry whose MAC covers the legacy prefix's last hash as it stood then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from goldfleet.store import audit_verify
from goldfleet.store.audit_chain import (
    GENESIS,
    AuditEntry,
    AuditIntegrityError,
    Checkpoint,
    Head,
    content_hash,
    entry_mac,
    head_problem,
    head_seal,
    read_head,
    read_last,
    sign_checkpoint,
)
from goldfleet.store.audit_keys import AuditKeyMissing, AuditKeys, load_keys
from goldfleet.store.db import for_update
from goldfleet.store.tables import audit, audit_checkpoints, audit_head

CHECKPOINT_EVERY = 100  # an automatic signed checkpoint after every this many entries
_APPEND_ATTEMPTS = 20
_append_lock = threading.Lock()
_INTEGRITY_HINT = (
    "run `goldfleet audit verify` to see what is missing or changed; once it is understood,"
    " `goldfleet audit reseal --reason TEXT` records it in the trail and lets goldfleet write again"
)


def keys_for_writing(engine: Engine) -> AuditKeys:
    """The audit keys, created on first use - but only while the trail is not yet keyed: a
    keyed trail whose key went missing needs that key back, not a new one."""
    try:
        return load_keys(engine)
    except AuditKeyMissing:
        with engine.connect() as connection:
            head = read_head(connection)
        if head is not None and head.keyed:
            # Another writer may have made the key and written with it between our two reads:
            # look once more. A key that is really gone is missing again, and said so.
            return load_keys(engine)
        return load_keys(engine, create=True)


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the trail's write lock from its first statement."""
    # Read the chain's head, then write after it: on SQLite the transaction must hold the write
    # lock from BEGIN, or a writer committing in between makes the insert fail at once with
    # "database is locked" (a WAL snapshot cannot be upgraded; busy_timeout does not apply).
    with for_update(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE goldfleet_audit IN EXCLUSIVE MODE")
        yield connection


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
    once: bool = False,
) -> AuditEntry:
    """Append one entry, chained to the last. Appends are serialised: by a lock in this
    process, by a table lock on PostgreSQL, and by retrying if another process won the race
    for the next sequence number (the primary key refuses a second row with it).

    With ``once`` (a workflow's step, which runs again when its process died after the append
    but before the engine recorded the step), an entry of the same workflow, action, subject
    and details already in the trail is returned instead of a second one."""
    keys = keys_for_writing(engine)
    content: dict[str, Any] = {
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "plan_hash": plan_hash,
        "workflow_id": workflow_id,
        "details": details or {},
    }
    for attempt in range(_APPEND_ATTEMPTS):
        try:
            with _append_lock:
                return _append_once(engine, keys, content, once)
        except IntegrityError:
            if attempt == _APPEND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _append_once(
    engine: Engine, keys: AuditKeys, content: dict[str, Any], once: bool = False
) -> AuditEntry:
    with locked(engine) as connection:
        if once and content["workflow_id"] is not None:
            for found in connection.execute(
                select(audit)
                .where(audit.c.workflow_id == content["workflow_id"])
                .where(audit.c.action == content["action"])
                .where(audit.c.subject == content["subject"])
            ):
                if found.details == content["details"]:
                    return AuditEntry(**dict(found._mapping))
        head = read_head(connection)
        last = read_last(connection)
        problem = head_problem(head, last, keys)
        if problem is not None or head is None:
            raise AuditIntegrityError(
                f"appending to the audit trail: {problem}; nothing was written",
                hint=_INTEGRITY_HINT,
            )
        if not head.keyed and head.legacy_until > 0:
            last = write_entry(
                connection,
                keys,
                last,
                at=content["at"],
                actor="goldfleet",
                action="audit.keyed",
                subject="audit trail",
                plan_hash=None,
                workflow_id=None,
                details={
                    "legacyEntries": head.legacy_until,
                    "legacyHead": head.hash,
                    "note": "entries up to legacyEntries predate the keyed chain: until now"
                    " they were protected only by the unkeyed SHA-256 chain",
                },
            )
        entry = write_entry(connection, keys, last, **content)
        write_head(connection, keys, entry, head.legacy_until, content["at"])
        if entry.seq % CHECKPOINT_EVERY == 0:
            write_checkpoint(connection, keys, entry, content["at"])
    return entry


def write_entry(
    connection: Connection,
    keys: AuditKeys,
    last: AuditEntry | None,
    *,
    seq: int | None = None,
    **content: Any,
) -> AuditEntry:
    """Insert the entry after ``last`` (at ``seq`` when given: a reseal skips lost numbers)."""
    row: dict[str, Any] = {
        "seq": seq if seq is not None else (last.seq + 1 if last else 1),
        **content,
        "prev_hash": last.hash if last else GENESIS,
    }
    row["hash"] = content_hash(row)
    row["mac"] = entry_mac(keys, row, last.mac if last and last.mac else GENESIS)
    connection.execute(insert(audit).values(**row))
    return AuditEntry(**row)


def write_head(
    connection: Connection, keys: AuditKeys, entry: AuditEntry, legacy_until: int, at: str
) -> Head:
    head = Head(entry.seq, entry.hash, entry.mac, legacy_until, keys.key_id, at, None)
    head = replace(head, seal=head_seal(keys, head))
    values = {
        "seq": head.seq,
        "hash": head.hash,
        "mac": head.mac,
        "legacy_until": head.legacy_until,
        "key_id": head.key_id,
        "updated_at": head.updated_at,
        "seal": head.seal,
    }
    done = connection.execute(update(audit_head).where(audit_head.c.id == 1).values(**values))
    if done.rowcount == 0:
        connection.execute(insert(audit_head).values(id=1, **values))
    return head


def write_checkpoint(
    connection: Connection, keys: AuditKeys, entry: AuditEntry, at: str
) -> Checkpoint:
    """Sign and store a checkpoint of ``entry`` (the head)."""
    signed = sign_checkpoint(keys, entry.seq, entry.hash, entry.mac, at)
    done = connection.execute(
        insert(audit_checkpoints).values(
            seq=signed.seq,
            hash=signed.hash,
            mac=signed.mac,
            made_at=signed.made_at,
            chain_key_id=signed.chain_key_id,
            public_key=signed.public_key,
            signature=signed.signature,
        )
    )
    key = done.inserted_primary_key
    return replace(signed, id=int(key[0]) if key else None)


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
    """The sequence number of the first entry that breaks the trail, or None if it is intact
    (the whole verdict, with every finding named: ``audit_verify.verify``)."""
    return audit_verify.verify(engine).broken_at


def count_of(engine: Engine, action: str, subject: str) -> int:
    """How many entries record ``action`` on exactly ``subject``."""
    with engine.connect() as connection:
        query = (
            select(func.count())
            .select_from(audit)
            .where(audit.c.action == action)
            .where(audit.c.subject == subject)
        )
        return int(connection.execute(query).scalar_one())


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


__all__ = [
    "CHECKPOINT_EVERY",
    "GENESIS",
    "AuditEntry",
    "AuditIntegrityError",
    "append",
    "count",
    "count_for_workflow",
    "count_of",
    "entries",
    "keys_for_writing",
    "locked",
    "verify",
    "write_checkpoint",
    "write_entry",
    "write_head",
]
