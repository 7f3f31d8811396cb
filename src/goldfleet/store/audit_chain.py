"""The audit trail's records and formulas: what an entry, the head and a checkpoint hold, and
how each is hashed, MAC'd, sealed or signed. Also the readers of those rows.

- ``hash``: SHA-256 of the entry's canonical content and the previous entry's hash (the unkeyed
  chain; anyone can recompute it, so it proves nothing against someone who can write the
  database, but it lets a holder of the public key check an export against a checkpoint);
- ``mac``: HMAC-SHA256 with the chain key over the same canonical content followed by the
  previous entry's MAC (``GENESIS`` for the first keyed entry) - the keyed chain;
- the head's ``seal``: HMAC over the head's fields, so it cannot be moved without the key;
- a checkpoint's ``signature``: Ed25519 over a canonical statement of the head.

Nothing here decides what is wrong with a trail (``audit_verify``) or writes (``audit``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select

from goldfleet.domain.errors import GoldfleetError
from goldfleet.store.audit_keys import AuditKeys
from goldfleet.store.tables import audit, audit_checkpoints, audit_head

GENESIS = "0" * 64
CONTENT_FIELDS = ("seq", "at", "actor", "action", "subject", "plan_hash", "workflow_id", "details")
CHECKPOINT_STATEMENT = "goldfleet audit checkpoint v1"


class AuditIntegrityError(GoldfleetError):
    """The trail does not end where its signed head says: goldfleet refuses to write after it
    (that would make the loss or the change look legitimate) until someone looks."""


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
    mac: str | None = None


@dataclass(frozen=True)
class Head:
    """The newest entry as last written by goldfleet, sealed with the chain key."""

    seq: int
    hash: str
    mac: str | None
    legacy_until: int
    key_id: str | None
    updated_at: str | None
    seal: str | None

    @property
    def keyed(self) -> bool:
        return self.seal is not None


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: entry ``seq`` of the trail keyed ``chain_key_id`` is ``hash``/``mac``."""

    seq: int
    hash: str
    mac: str | None
    made_at: str
    chain_key_id: str
    public_key: str
    signature: str
    id: int | None = None

    def statement(self) -> bytes:
        return checkpoint_statement(self.seq, self.hash, self.mac, self.made_at, self.chain_key_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "hash": self.hash,
            "mac": self.mac,
            "madeAt": self.made_at,
            "chainKeyId": self.chain_key_id,
            "publicKey": self.public_key,
            "signature": self.signature,
        }


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _content(fields: Mapping[str, Any], seq: int | None = None) -> dict[str, Any]:
    content = {k: fields[k] for k in CONTENT_FIELDS} | {"prev_hash": fields["prev_hash"]}
    if seq is not None:
        content["seq"] = seq
    return content


def fields_of(entry: AuditEntry) -> dict[str, Any]:
    return asdict(entry)


def content_hash(fields: Mapping[str, Any], *, seq: int | None = None) -> str:
    """The unkeyed link: SHA-256 of the content and ``prev_hash`` (as ``seq`` if given)."""
    return hashlib.sha256(canonical(_content(fields, seq))).hexdigest()


def entry_mac(keys: AuditKeys, fields: Mapping[str, Any], prev_mac: str) -> str:
    """The keyed link: HMAC(chain key, canonical content + previous MAC)."""
    return keys.mac(canonical(_content(fields)) + prev_mac.encode())


def head_seal(keys: AuditKeys, head: Head) -> str:
    return keys.mac(
        canonical(
            {
                "head": {
                    "seq": head.seq,
                    "hash": head.hash,
                    "mac": head.mac,
                    "legacyUntil": head.legacy_until,
                    "keyId": head.key_id,
                }
            }
        )
    )


def checkpoint_statement(
    seq: int, hash_: str, mac: str | None, made_at: str, chain_key_id: str
) -> bytes:
    """What a checkpoint signs: the entry's number, SHA-256 and MAC, when, and which chain."""
    return canonical(
        {
            "statement": CHECKPOINT_STATEMENT,
            "seq": seq,
            "hash": hash_,
            "mac": mac,
            "madeAt": made_at,
            "chainKeyId": chain_key_id,
        }
    )


def sign_checkpoint(keys: AuditKeys, seq: int, hash_: str, mac: str | None, at: str) -> Checkpoint:
    statement = checkpoint_statement(seq, hash_, mac, at, keys.key_id)
    return Checkpoint(seq, hash_, mac, at, keys.key_id, keys.public_key, keys.sign(statement))


def head_problem(head: Head | None, last: AuditEntry | None, keys: AuditKeys) -> str | None:
    """Why the trail's tail is not the one its head names (None when it is)."""
    tail_seq, tail_hash, tail_mac = (last.seq, last.hash, last.mac) if last else (0, GENESIS, None)
    if head is None:
        return "its head record is missing (it was deleted)"
    if not head.keyed:
        if tail_mac is not None or tail_seq > head.legacy_until:
            return "its head record was reset to before the keyed chain began"
        if (head.seq, head.hash) != (tail_seq, tail_hash):
            return (
                f"its newest entry is {tail_seq} but the head recorded at the upgrade names"
                f" entry {head.seq}"
            )
        return None
    if head.key_id != keys.key_id:
        return (
            f"it is keyed with audit key {head.key_id}, and the key here ({keys.source}) is"
            f" {keys.key_id}"
        )
    if head.seal != head_seal(keys, head):
        return "its head record was altered (its seal does not match)"
    if head.seq != tail_seq:
        more = "deleted" if head.seq > tail_seq else "added without the key"
        return f"its newest entry is {tail_seq} but its sealed head names entry {head.seq}" + (
            f" (entries were {more}, or the database was restored from an older copy)"
            if head.seq > tail_seq
            else f" (entries were {more})"
        )
    if (head.hash, head.mac) != (tail_hash, tail_mac):
        return f"its newest entry {tail_seq} is not the entry its sealed head names"
    return None


def read_head(connection: Connection) -> Head | None:
    row = connection.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    if row is None:
        return None
    values = dict(row._mapping)
    values.pop("id")
    return Head(**values)


def read_last(connection: Connection) -> AuditEntry | None:
    row = connection.execute(select(audit).order_by(audit.c.seq.desc()).limit(1)).first()
    return AuditEntry(**dict(row._mapping)) if row else None


def read_entries(connection: Connection) -> list[AuditEntry]:
    rows = connection.execute(select(audit).order_by(audit.c.seq))
    return [AuditEntry(**dict(r._mapping)) for r in rows]


def read_checkpoints(connection: Connection) -> list[Checkpoint]:
    rows = connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id))
    return [Checkpoint(**dict(r._mapping)) for r in rows]


__all__ = [
    "CHECKPOINT_STATEMENT",
    "CONTENT_FIELDS",
    "GENESIS",
    "AuditEntry",
    "AuditIntegrityError",
    "Checkpoint",
    "Head",
    "canonical",
    "checkpoint_statement",
    "content_hash",
    "entry_mac",
    "fields_of",
    "head_problem",
    "head_seal",
    "read_checkpoints",
    "read_entries",
    "read_head",
    "read_last",
    "sign_checkpoint",
]
