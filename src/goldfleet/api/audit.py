"""The audit trail for the CLI and the dashboard: list it, verify it (against an export kept
elsewhere, too), sign a checkpoint, export it to a file or a blob, reseal it after a loss was
investigated, and check an export with only the public key.

Checkpoints, exports and reseals are stamped with the system clock: they are events of the
operator's world, not of the (possibly simulated) cloud. Exporting is itself audited, with the
destination's address but never its SAS.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from goldfleet.api.session import Target, actor
from goldfleet.azure.blob_upload import upload_new_blob, without_secret
from goldfleet.domain.errors import GoldfleetError, UserInputError
from goldfleet.engine.clock import SystemClock
from goldfleet.store import audit, audit_admin, audit_export
from goldfleet.store.audit_verify import Finding, Verdict, judge_export
from goldfleet.store.audit_verify import verify as verify_trail
from goldfleet.store.db import shared_database


@dataclass(frozen=True)
class AuditView:
    entries: list[dict[str, Any]]
    intact: bool
    broken_at: int | None
    findings: list[dict[str, Any]] = field(default_factory=list)


class AuditStoreError(GoldfleetError):
    """goldfleet's database could not be read or written (not a finding about the trail)."""


@contextmanager
def _store(doing: str) -> Iterator[None]:
    """Database failures as a message naming what was being done, never a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise AuditStoreError(
            f"{doing}: the database failed: {cause}",
            hint="check GOLDFLEET_DATABASE_URL (or the state directory) and that the database"
            " is reachable",
        ) from exc


def _now() -> str:
    return SystemClock().now().isoformat()


def _entry_row(e: audit.AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "subject": e.subject,
        "plan": e.plan_hash,
        "workflowId": e.workflow_id,
        "details": e.details,
    }


def audit_trail(limit: int | None = 100) -> AuditView:
    """The newest ``limit`` entries (all with None), and whether the whole trail is intact."""
    with _store("reading the audit trail"):
        database = shared_database()
        verdict = verify_trail(database)
        rows = [_entry_row(e) for e in audit.entries(database, limit)]
    findings = [f.as_json() for f in verdict.findings]
    return AuditView(rows, verdict.intact, verdict.broken_at, findings)


def read_export(path: Path) -> audit_export.Export:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"reading the audit export {path}: {exc.strerror or exc}") from exc
    return audit_export.parse(data, str(path))


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "intact": verdict.intact,
        "entries": verdict.entries,
        "legacyEntries": verdict.legacy_until,
        "checkpoints": verdict.checkpoints,
        "macsChecked": verdict.macs_checked,
        "brokenAt": verdict.broken_at,
        "problems": [f.as_json() for f in verdict.problems],
        "acknowledged": [f.as_json() for f in verdict.findings if f.acknowledged is not None],
    }


def verify(against: Path | None = None) -> Verdict:
    """The whole trail checked: chain, MACs, head, checkpoints, and ``against`` an export."""
    export = read_export(against) if against is not None else None
    with _store("verifying the audit trail"):
        return verify_trail(shared_database(), against=export)


def verify_export(path: Path, public_key: str | None) -> Verdict:
    """An export checked on its own with only the public key (raw hex, or a file holding it)."""
    pinned = _public_key_value(public_key) if public_key else None
    return judge_export(read_export(path), pinned)


def _public_key_value(given: str) -> str:
    candidate = Path(given).expanduser()
    text = candidate.read_text(encoding="ascii").strip() if candidate.is_file() else given.strip()
    try:
        if len(bytes.fromhex(text)) == 32:
            return text.lower()
    except ValueError:
        pass
    raise UserInputError(
        f"{given!r} is not an Ed25519 public key (64 hexadecimal characters) or a file holding one",
        hint="`goldfleet audit public-key` prints it",
    )


def public_key() -> dict[str, Any]:
    """What others need to check checkpoints: the public key and the chain key's fingerprint."""
    with _store("reading the audit trail's key"):
        keys = audit.keys_for_writing(shared_database())
    return {
        "publicKey": keys.public_key,
        "algorithm": "Ed25519",
        "chainKeyId": keys.key_id,
        "keyFrom": keys.source,
    }


def checkpoint() -> dict[str, Any]:
    """Sign the trail's head now."""
    with _store("signing a checkpoint of the audit trail"):
        return audit_admin.checkpoint(shared_database(), _now()).as_json()


@dataclass(frozen=True)
class ExportResult:
    to: str  # without any SAS
    entries: int
    checkpoint: dict[str, Any]
    bytes: int


def export(to: str, target: Target | None = None, *, overwrite: bool = False) -> ExportResult:
    """Record the export, sign a checkpoint of the head, and write the whole trail to ``to``: a
    file path, or an https blob URI with a SAS (a new blob: never overwritten)."""
    is_blob = to.lower().startswith("https://")
    shown = without_secret(to) if is_blob else str(Path(to).expanduser().resolve())
    if not is_blob:
        _check_writable(Path(to).expanduser(), overwrite)
    with _store("exporting the audit trail"):
        database = shared_database()
        audit.append(
            database,
            at=_now(),
            actor=actor(),
            action="audit.exported",
            subject="audit trail",
            details={"to": shown},
        )
        document = audit_admin.export(database, _now())
    data = audit_export.dumps(document)
    if is_blob:
        if target is None:
            raise UserInputError("exporting to a blob needs a cloud to upload to")
        asyncio.run(upload_new_blob(target.cloud, to, data))
    else:
        _write_file(Path(to).expanduser(), data)
    return ExportResult(shown, len(document["entries"]), document["checkpoints"][-1], len(data))


def _check_writable(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise UserInputError(
            f"exporting the audit trail: {path} exists; an export is not overwritten",
            hint="give a new file name, or --overwrite",
        )
    if not path.parent.is_dir():
        raise UserInputError(f"exporting the audit trail: no directory {path.parent}")


def _write_file(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UserInputError(f"writing the audit export {path}: {exc.strerror or exc}") from exc


def reseal(reason: str, against: Path | None = None) -> audit_admin.Resealed:
    """Record the trail's current findings in it, with ``reason``, so goldfleet writes again."""
    export_ = read_export(against) if against is not None else None
    with _store("resealing the audit trail"):
        return audit_admin.reseal(
            shared_database(), at=_now(), actor=actor(), reason=reason, against=export_
        )


def pending_findings(against: Path | None = None) -> list[Finding]:
    """What a reseal would record now."""
    return verify(against).problems


__all__ = [
    "AuditStoreError",
    "AuditView",
    "ExportResult",
    "audit_trail",
    "checkpoint",
    "export",
    "pending_findings",
    "public_key",
    "read_export",
    "reseal",
    "verdict_json",
    "verify",
    "verify_export",
]
