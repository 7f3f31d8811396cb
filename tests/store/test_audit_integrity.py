"""The audit trail against someone who can write the database but does not hold the audit key.

Each test tampers with the database the way such a person could (plain SQL), then checks that
verification names what was done: which entries, which kind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from goldfleet.store import audit, audit_admin, audit_export
from goldfleet.store.audit_chain import AuditIntegrityError
from goldfleet.store.audit_keys import (
    KEY_ENV,
    KEY_FILE_ENV,
    AuditKeyError,
    AuditKeyMissing,
    load_keys,
    signature_valid,
)
from goldfleet.store.audit_verify import judge_export, verify
from goldfleet.store.db import open_database

ENTRIES = 8


@pytest.fixture(autouse=True)
def _no_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    (tmp_path / "state").mkdir()
    return open_database(f"sqlite:///{tmp_path / 'state' / 'goldfleet.sqlite'}")


def _fill(engine: Engine, n: int = ENTRIES, start: int = 1) -> None:
    for i in range(start, start + n):
        audit.append(
            engine,
            at=f"2026-01-01T00:00:{i:02d}+00:00",
            actor="alice@host",
            action="change.create",
            subject=f"/subscriptions/s/resourceGroups/rg/providers/x/{i}",
            plan_hash="p" * 64,
            workflow_id="apply:p",
            details={"n": i},
        )


@pytest.fixture
def trail(engine: Engine) -> Engine:
    _fill(engine)
    assert verify(engine).intact
    return engine


def _sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def _rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM goldfleet_audit ORDER BY seq"))
        return [dict(r._mapping) for r in rows]


def _plain_sha256(row: dict[str, Any]) -> str:
    """The unkeyed chain's formula, as an attacker would re-implement it."""
    keys = ("seq", "at", "actor", "action", "subject", "plan_hash", "workflow_id", "details")
    content = {k: row[k] for k in keys} | {"prev_hash": row["prev_hash"]}
    if isinstance(content["details"], str):
        content["details"] = json.loads(content["details"])
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _rehash_from(
    engine: Engine, seq: int, mac_key: bytes | None = None, *, head: bool = True
) -> None:
    """Recompute every hash from ``seq`` on (and, with ``mac_key``, every MAC and the head's
    seal with that key), as someone without the audit key would to hide a change."""
    rows = _rows(engine)
    prev_hash = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
    prev_mac = rows[seq - 2]["mac"] if seq > 1 else "0" * 64
    for row in rows[seq - 1 :]:
        row["prev_hash"] = prev_hash
        row["hash"] = _plain_sha256(row)
        if mac_key is not None:
            keys = ("seq", "at", "actor", "action", "subject", "plan_hash", "workflow_id")
            content = {k: row[k] for k in keys} | {
                "details": json.loads(row["details"]),
                "prev_hash": row["prev_hash"],
            }
            canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
            row["mac"] = hmac.new(
                mac_key, canonical.encode() + prev_mac.encode(), hashlib.sha256
            ).hexdigest()
        _sql(
            engine,
            "UPDATE goldfleet_audit SET prev_hash = :p, hash = :h, mac = :m WHERE seq = :s",
            p=row["prev_hash"],
            h=row["hash"],
            m=row["mac"],
            s=row["seq"],
        )
        prev_hash, prev_mac = row["hash"], row["mac"]
    if head:
        _sql(engine, "UPDATE goldfleet_audit_head SET hash = :h, mac = :m", h=prev_hash, m=prev_mac)


def _kinds(engine: Engine, **kwargs: Any) -> list[tuple[str, int, int]]:
    return [(f.kind, f.first, f.last) for f in verify(engine, **kwargs).problems]


def test_an_intact_trail_verifies_with_its_macs_checked(trail: Engine) -> None:
    verdict = verify(trail)
    assert verdict.intact and verdict.macs_checked and verdict.entries == ENTRIES
    assert all(e.mac for e in audit.entries(trail))
    assert audit.verify(trail) is None


def test_a_modified_entry_is_named(trail: Engine) -> None:
    _sql(trail, "UPDATE goldfleet_audit SET actor = 'mallory@host' WHERE seq = 3")
    assert _kinds(trail) == [("modified", 3, 3)]
    assert audit.verify(trail) == 3


def test_a_chain_rehashed_with_plain_sha256_is_named_from_the_changed_entry(trail: Engine) -> None:
    _sql(trail, "UPDATE goldfleet_audit SET actor = 'mallory@host' WHERE seq = 4")
    _rehash_from(trail, 4)
    rows = _rows(trail)
    assert all(_plain_sha256(r) == r["hash"] for r in rows)  # the unkeyed chain is consistent
    # and the head moved to the new hash, which its seal does not cover
    assert _kinds(trail) == [("rehashed", 4, ENTRIES), ("head", ENTRIES, ENTRIES)]


def test_a_chain_rehashed_with_another_key_is_named(trail: Engine) -> None:
    _sql(trail, "UPDATE goldfleet_audit SET details = '{\"n\": 99}' WHERE seq = 5")
    _rehash_from(trail, 5, mac_key=os.urandom(32))
    kinds = _kinds(trail)
    assert ("rehashed", 5, ENTRIES) in kinds
    assert ("head", ENTRIES, ENTRIES) in kinds  # the head's seal no longer matches it


def test_a_deleted_middle_entry_is_named(trail: Engine) -> None:
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq = 3")
    assert _kinds(trail) == [("deleted", 3, 3)]


def test_a_deleted_and_renumbered_middle_entry_is_named(trail: Engine) -> None:
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq = 3")
    for seq in range(4, ENTRIES + 1):
        _sql(trail, "UPDATE goldfleet_audit SET seq = :n WHERE seq = :s", n=seq - 1, s=seq)
    _rehash_from(trail, 3, head=False)
    assert _kinds(trail) == [("rehashed", 3, ENTRIES - 1), ("truncated", ENTRIES, ENTRIES)]


def test_reordered_entries_are_named(trail: Engine) -> None:
    _sql(trail, "UPDATE goldfleet_audit SET seq = -1 WHERE seq = 3")
    _sql(trail, "UPDATE goldfleet_audit SET seq = 3 WHERE seq = 4")
    _sql(trail, "UPDATE goldfleet_audit SET seq = 4 WHERE seq = -1")
    verdict = verify(trail)
    assert [(f.kind, f.first, f.last) for f in verdict.problems] == [("reordered", 3, 4)]
    assert "written as entry 4" in verdict.problems[0].detail


def test_a_stripped_mac_is_named(trail: Engine) -> None:
    _sql(trail, "UPDATE goldfleet_audit SET mac = NULL WHERE seq >= 6")
    assert ("unkeyed", 6, ENTRIES) in _kinds(trail)


def test_a_truncated_tail_is_named_against_the_sealed_head(trail: Engine) -> None:
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq > 5")
    assert _kinds(trail) == [("truncated", 6, ENTRIES)]
    assert audit.verify(trail) == 6


def test_a_truncated_tail_with_the_head_rolled_back_is_named_by_the_latest_checkpoint(
    trail: Engine,
) -> None:
    with trail.connect() as connection:
        old_head = dict(
            connection.execute(text("SELECT * FROM goldfleet_audit_head")).one()._mapping
        )
    _fill(trail, 2, start=ENTRIES + 1)
    audit_admin.checkpoint(trail, "2026-01-02T00:00:00+00:00")
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq > :n", n=ENTRIES)
    _sql(trail, "DELETE FROM goldfleet_audit_head")
    _sql(
        trail,
        "INSERT INTO goldfleet_audit_head VALUES "
        "(:id, :seq, :hash, :mac, :legacy_until, :key_id, :updated_at, :seal)",
        **old_head,
    )
    assert _kinds(trail) == [("truncated", ENTRIES + 1, ENTRIES + 2)]


def test_a_truncated_tail_with_head_and_checkpoints_rolled_back_is_named_against_an_export(
    trail: Engine, tmp_path: Path
) -> None:
    with trail.connect() as connection:
        old_head = dict(
            connection.execute(text("SELECT * FROM goldfleet_audit_head")).one()._mapping
        )
    _fill(trail, 3, start=ENTRIES + 1)
    published = tmp_path / "published.json"
    published.write_bytes(audit_export.dumps(audit_admin.export(trail, "2026-01-02T00:00:00Z")))
    # the database is rolled back, head and checkpoints included: alone, it looks intact
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq > :n", n=ENTRIES)
    _sql(trail, "DELETE FROM goldfleet_audit_checkpoints")
    _sql(trail, "DELETE FROM goldfleet_audit_head")
    _sql(
        trail,
        "INSERT INTO goldfleet_audit_head VALUES "
        "(:id, :seq, :hash, :mac, :legacy_until, :key_id, :updated_at, :seal)",
        **old_head,
    )
    assert verify(trail).intact  # what a database-only check can see: why exports matter
    export = audit_export.parse(published.read_bytes(), str(published))
    kinds = _kinds(trail, against=export)
    assert ("truncated", ENTRIES + 1, ENTRIES + 3) in kinds


def test_an_append_refuses_to_write_after_a_truncated_tail_until_resealed(trail: Engine) -> None:
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq > 6")
    with pytest.raises(AuditIntegrityError, match="sealed head names entry 8"):
        _fill(trail, 1, start=99)
    assert audit.count(trail) == 6  # nothing written
    resealed = audit_admin.reseal(
        trail, at="2026-01-03T00:00:00Z", actor="bob@host", reason="INC-42: restore lost 7-8"
    )
    assert resealed.entry.seq == ENTRIES + 1  # the lost numbers stay unused
    _fill(trail, 1, start=99)
    verdict = verify(trail)
    assert verdict.intact
    assert [(f.kind, f.first, f.last) for f in verdict.findings] == [("deleted", 7, 8)]
    assert "INC-42" in (verdict.findings[0].acknowledged or "")


def test_a_forged_reseal_does_not_acknowledge_anything(trail: Engine) -> None:
    _sql(trail, "DELETE FROM goldfleet_audit WHERE seq > 6")
    forged = dict(_rows(trail)[-1])
    forged.update(
        seq=9,
        action="audit.resealed",
        actor="mallory@host",
        details=json.dumps(
            {"reason": "nothing", "acknowledged": [{"kind": "truncated", "first": 7, "last": 8}]}
        ),
        prev_hash=forged["hash"],
    )
    forged["hash"] = _plain_sha256(forged)
    _sql(
        trail,
        "INSERT INTO goldfleet_audit VALUES (:seq, :at, :actor, :action, :subject, :plan_hash,"
        " :workflow_id, :details, :prev_hash, :hash, :mac)",
        **forged,
    )
    verdict = verify(trail)
    assert not verdict.intact
    assert ("deleted", 7, 8) in [(f.kind, f.first, f.last) for f in verdict.problems]


def test_checkpoints_verify_with_only_the_public_key(
    trail: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = load_keys(trail)
    document = audit_admin.export(trail, "2026-01-02T00:00:00Z")
    (tmp_path / "state" / "audit.key").unlink()  # the checker holds no secret at all
    monkeypatch.setenv("GOLDFLEET_STATE_DIR", str(tmp_path / "elsewhere"))
    export = audit_export.parse(audit_export.dumps(document), "export.json")
    [checkpoint] = export.checkpoints
    assert signature_valid(keys.public_key, checkpoint.signature, checkpoint.statement())
    assert judge_export(export, keys.public_key).intact

    (tmp_path / "other").mkdir()
    other = load_keys(open_database(f"sqlite:///{tmp_path / 'other' / 'gf.sqlite'}"), create=True)
    wrong_key = judge_export(export, other.public_key)
    assert [f.kind for f in wrong_key.problems] == ["checkpoint", "checkpoint"]

    forged = dict(document, checkpoints=[dict(document["checkpoints"][0], seq=3)])
    assert [
        f.kind
        for f in judge_export(audit_export.parse(audit_export.dumps(forged), "f"), None).problems
    ] == ["checkpoint", "unsigned"]

    edited = json.loads(audit_export.dumps(document))
    edited["entries"][2]["actor"] = "mallory@host"
    assert [
        (f.kind, f.first)
        for f in judge_export(
            audit_export.parse(json.dumps(edited).encode(), "e"), keys.public_key
        ).problems
    ] == [("modified", 3)]

    extra = json.loads(audit_export.dumps(document))
    extra["entries"].append(dict(extra["entries"][-1], seq=ENTRIES + 1))
    assert "unsigned" in [
        f.kind
        for f in judge_export(
            audit_export.parse(json.dumps(extra).encode(), "x"), keys.public_key
        ).problems
    ]


def test_export_round_trip(trail: Engine, tmp_path: Path) -> None:
    document = audit_admin.export(trail, "2026-01-02T00:00:00Z")
    path = tmp_path / "export.json"
    path.write_bytes(audit_export.dumps(document))
    export = audit_export.parse(path.read_bytes(), str(path))
    assert export.entries == audit.entries(trail)
    assert export.public_key == load_keys(trail).public_key
    assert export.checkpoints[-1].seq == ENTRIES
    assert verify(trail, against=export).intact
    _fill(trail, 2, start=ENTRIES + 1)  # a trail that grew since the export still matches it
    assert verify(trail, against=export).intact
    _sql(trail, "UPDATE goldfleet_audit SET subject = 'x' WHERE seq = 2")
    _rehash_from(trail, 2)
    assert ("diverged", 2, 2) in _kinds(trail, against=export)


def test_a_malformed_export_is_refused_with_a_message() -> None:
    with pytest.raises(audit_export.AuditExportError, match="not a goldfleet-audit-export"):
        audit_export.parse(b'{"entries": []}', "x.json")
    with pytest.raises(audit_export.AuditExportError, match=r"reading the audit export y\.json"):
        audit_export.parse(b"not json", "y.json")


def test_the_key_file_is_created_outside_the_database_with_mode_0600(
    trail: Engine, tmp_path: Path
) -> None:
    key_file = tmp_path / "state" / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert len(secret) == 64
    database = (tmp_path / "state" / "goldfleet.sqlite").read_bytes()
    assert secret.encode() not in database and bytes.fromhex(secret) not in database


def test_a_key_file_others_can_read_is_refused(trail: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / "state" / "audit.key"
    key_file.chmod(0o644)
    with pytest.raises(AuditKeyError, match="can be read or written by others") as refused:
        _fill(trail, 1, start=50)
    assert refused.value.hint == f"chmod 600 {key_file}"
    assert not verify(trail).intact  # and verify says it could not check


def test_a_lost_key_is_not_silently_replaced(trail: Engine, tmp_path: Path) -> None:
    (tmp_path / "state" / "audit.key").unlink()
    with pytest.raises(AuditKeyMissing):
        _fill(trail, 1, start=50)
    assert not (tmp_path / "state" / "audit.key").exists()
    assert [f.kind for f in verify(trail).problems] == ["key"]


def test_the_key_from_the_environment_is_used_and_another_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(KEY_ENV, "ab" * 32)
    _fill(engine, 3)
    assert not (tmp_path / "state" / "audit.key").exists()
    assert verify(engine).intact
    monkeypatch.setenv(KEY_ENV, "cd" * 32)  # another machine with its own key
    with pytest.raises(AuditIntegrityError, match="keyed with audit key"):
        _fill(engine, 1, start=9)
    assert [f.kind for f in verify(engine).problems] == ["key"]
    monkeypatch.setenv(KEY_ENV, "not hex")
    with pytest.raises(AuditKeyError, match="64 hexadecimal"):
        _fill(engine, 1, start=9)


def test_a_checkpoint_is_written_every_hundred_entries(engine: Engine) -> None:
    _fill(engine, audit.CHECKPOINT_EVERY + 1)
    with engine.connect() as connection:
        seqs = [
            r[0] for r in connection.execute(text("SELECT seq FROM goldfleet_audit_checkpoints"))
        ]
    assert seqs == [audit.CHECKPOINT_EVERY]
    assert verify(engine).intact
