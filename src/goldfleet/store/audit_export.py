"""The audit trail as one JSON document, to publish outside the database.

An export holds every entry (with its SHA-256 and MAC), every signed checkpoint, the Ed25519
public key and the chain key's fingerprint. Its last checkpoint is made for it, so it names the
newest entry: whoever keeps a copy can later show that the database lost or changed entries
(``goldfleet audit verify --against``), and anyone holding the public key can check the export
itself without any secret (``goldfleet audit verify-export``). Nothing in it is secret.

This module builds and parses the document; writing it somewhere is the API's business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from goldfleet.domain.errors import UserInputError
from goldfleet.store.audit_chain import AuditEntry, Checkpoint, Head

FORMAT = "goldfleet-audit-export"
VERSION = 1
_ENTRY_KEYS = {
    "seq": "seq",
    "at": "at",
    "actor": "actor",
    "action": "action",
    "subject": "subject",
    "plan_hash": "planHash",
    "workflow_id": "workflowId",
    "details": "details",
    "prev_hash": "prevHash",
    "hash": "hash",
    "mac": "mac",
}


class AuditExportError(UserInputError):
    """A file given as an audit export is not one (or not one this goldfleet reads)."""


@dataclass(frozen=True)
class Export:
    exported_at: str
    chain_key_id: str
    public_key: str
    legacy_until: int
    entries: list[AuditEntry] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    head: dict[str, Any] | None = None
    source: str = "the export"  # where it was read from, for messages


def build(
    exported_at: str,
    chain_key_id: str,
    public_key: str,
    head: Head,
    entries: list[AuditEntry],
    checkpoints: list[Checkpoint],
) -> dict[str, Any]:
    """The export document (plain JSON data)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exportedAt": exported_at,
        "chainKeyId": chain_key_id,
        "publicKey": {"algorithm": "Ed25519", "raw": public_key},
        "legacyUntil": head.legacy_until,
        "head": {"seq": head.seq, "hash": head.hash, "mac": head.mac, "updatedAt": head.updated_at},
        "entries": [{_ENTRY_KEYS[k]: getattr(e, k) for k in _ENTRY_KEYS} for e in entries],
        "checkpoints": [c.as_json() for c in checkpoints],
    }


def dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def parse(data: bytes, source: str) -> Export:
    """An export read back; a malformed one is the user's to fix (``AuditExportError``)."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"it is not a {FORMAT} document")
        if document.get("version") != VERSION:
            raise ValueError(f"its version {document.get('version')!r} is not {VERSION}")
        entries = [
            AuditEntry(**{k: row[json_key] for k, json_key in _ENTRY_KEYS.items()})
            for row in document["entries"]
        ]
        checkpoints = [
            Checkpoint(
                seq=int(row["seq"]),
                hash=str(row["hash"]),
                mac=row.get("mac"),
                made_at=str(row["madeAt"]),
                chain_key_id=str(row["chainKeyId"]),
                public_key=str(row["publicKey"]),
                signature=str(row["signature"]),
                id=row.get("id"),
            )
            for row in document["checkpoints"]
        ]
        return Export(
            exported_at=str(document["exportedAt"]),
            chain_key_id=str(document["chainKeyId"]),
            public_key=str(document["publicKey"]["raw"]),
            legacy_until=int(document["legacyUntil"]),
            entries=sorted(entries, key=lambda e: e.seq),
            checkpoints=checkpoints,
            head=document.get("head"),
            source=source,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditExportError(
            f"reading the audit export {source}: {type(exc).__name__}: {exc}",
            hint="give a file written by `goldfleet audit export --to FILE`",
        ) from exc


__all__ = ["FORMAT", "VERSION", "AuditExportError", "Export", "build", "dumps", "parse"]
