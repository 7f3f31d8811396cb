"""What an operator does to the audit trail besides reading it: sign a checkpoint of its head,
export it, and reseal it after a loss was investigated.

Each takes the trail's write lock (``audit.locked``), so it sees a head no append is moving.
A checkpoint or an export is refused while the trail does not end where its sealed head says:
signing that would vouch for a trail that lost entries. A reseal never rewrites an entry: it
appends an ``audit.resealed`` entry that records every finding of the moment (kind and entries)
and the operator's reason, numbered after everything any record names, so lost numbers stay
unused; the findings stay listed by ``verify``, as acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from goldfleet.domain.errors import UserInputError
from goldfleet.store import audit_export
from goldfleet.store.audit import (
    keys_for_writing,
    locked,
    write_checkpoint,
    write_entry,
    write_head,
)
from goldfleet.store.audit_chain import (
    AuditEntry,
    AuditIntegrityError,
    Checkpoint,
    head_problem,
    read_checkpoints,
    read_entries,
    read_head,
    read_last,
)
from goldfleet.store.audit_export import Export
from goldfleet.store.audit_keys import load_keys
from goldfleet.store.audit_verify import RESEALED, Verdict, inferred_legacy_until, judge


@dataclass(frozen=True)
class Resealed:
    entry: AuditEntry
    verdict: Verdict  # what was found, and recorded


def checkpoint(engine: Engine, at: str) -> Checkpoint:
    """Sign the trail's head now (refused if the trail does not end at its head)."""
    keys = keys_for_writing(engine)
    with locked(engine) as connection:
        head = read_head(connection)
        last = read_last(connection)
        problem = head_problem(head, last, keys)
        if problem is not None:
            raise AuditIntegrityError(
                f"signing a checkpoint of the audit trail: {problem}; nothing was signed",
                hint="run `goldfleet audit verify`, then `goldfleet audit reseal --reason TEXT`",
            )
        if last is None or last.mac is None:
            raise UserInputError(
                "signing a checkpoint of the audit trail: it has no keyed entry yet",
                hint="a checkpoint names the newest entry; goldfleet writes one with each command",
            )
        return write_checkpoint(connection, keys, last, at)


def export(engine: Engine, at: str) -> dict[str, Any]:
    """A new checkpoint of the head, then the whole trail as an export document."""
    made = checkpoint(engine, at)
    keys = load_keys(engine)
    with engine.connect() as connection, connection.begin():
        head = read_head(connection)
        entries = [e for e in read_entries(connection) if e.seq <= made.seq]
        checkpoints = [c for c in read_checkpoints(connection) if (c.id or 0) <= (made.id or 0)]
    if head is None:  # deleted since the checkpoint: the export would have no head to show
        raise AuditIntegrityError("exporting the audit trail: its head record just disappeared")
    # the export's head is the entry its last checkpoint names, whatever was appended since
    head = replace(head, seq=made.seq, hash=made.hash, mac=made.mac, updated_at=made.made_at)
    return audit_export.build(at, keys.key_id, keys.public_key, head, entries, checkpoints)


def reseal(
    engine: Engine, *, at: str, actor: str, reason: str, against: Export | None = None
) -> Resealed:
    """Record what is wrong with the trail now, and let goldfleet write after it again."""
    if not reason.strip():
        raise UserInputError("a reseal needs a reason", hint="--reason 'what happened, ticket'")
    keys = load_keys(engine)
    with locked(engine) as connection:
        entries = read_entries(connection)
        head = read_head(connection)
        checkpoints = read_checkpoints(connection)
        if head is not None and head.keyed and head.key_id != keys.key_id:
            raise UserInputError(
                f"resealing the audit trail: it is keyed with audit key {head.key_id}, and the"
                f" key here ({keys.source}) is {keys.key_id}",
                hint="use the key the trail was written with; a reseal does not change keys",
            )
        verdict = judge(entries, head, checkpoints, keys, None, against)
        if verdict.intact:
            raise UserInputError(
                "resealing the audit trail: it is intact; there is nothing to record",
            )
        last = entries[-1] if entries else None
        named = [f.last for f in verdict.problems] + [last.seq if last else 0]
        legacy_until = (
            head.legacy_until
            if head is not None and not any(f.kind == "head" for f in verdict.problems)
            else inferred_legacy_until(entries)
        )
        entry = write_entry(
            connection,
            keys,
            last,
            seq=max(named) + 1,
            at=at,
            actor=actor,
            action=RESEALED,
            subject="audit trail",
            plan_hash=None,
            workflow_id=None,
            details={
                "reason": reason,
                "acknowledged": [
                    {"kind": f.kind, "first": f.first, "last": f.last, "detail": f.detail}
                    for f in verdict.problems
                ],
            },
        )
        write_head(connection, keys, entry, legacy_until, at)
        write_checkpoint(connection, keys, entry, at)
    return Resealed(entry, verdict)


__all__ = ["Resealed", "checkpoint", "export", "reseal"]
