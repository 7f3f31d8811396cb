"""A trail written before the keyed chain (migration 0004) is kept as it was, not re-keyed: its
entries are the legacy prefix, and the first keyed append seals that prefix's last hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from goldfleet.store import audit
from goldfleet.store.audit_keys import KEY_ENV, KEY_FILE_ENV
from goldfleet.store.audit_verify import verify
from goldfleet.store.db import MIGRATIONS, connect, upgrade

LEGACY = 5


@pytest.fixture(autouse=True)
def _no_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)


def _legacy_hash(row: dict[str, object]) -> str:
    """The chain as goldfleet wrote it before 0004: plain SHA-256 of content and prev_hash."""
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture
def legacy(tmp_path: Path) -> Engine:
    engine = connect(f"sqlite:///{tmp_path / 'goldfleet.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    prev = "0" * 64
    with engine.begin() as connection:
        for seq in range(1, LEGACY + 1):
            row: dict[str, object] = {
                "seq": seq,
                "at": f"2025-12-01T00:00:0{seq}+00:00",
                "actor": "alice@host",
                "action": "apply.requested",
                "subject": "plan x",
                "plan_hash": None,
                "workflow_id": None,
                "details": {"n": seq},
                "prev_hash": prev,
            }
            row["hash"] = prev = _legacy_hash(row)
            connection.execute(
                text(
                    "INSERT INTO goldfleet_audit VALUES (:seq, :at, :actor, :action, :subject,"
                    " :plan_hash, :workflow_id, :details, :prev_hash, :hash)"
                ),
                {**row, "details": json.dumps(row["details"])},
            )
    upgrade(engine)
    return engine


def test_legacy_entries_are_kept_and_the_first_keyed_append_seals_them(legacy: Engine) -> None:
    assert verify(legacy).intact and verify(legacy).legacy_until == LEGACY  # no key needed yet
    entry = audit.append(legacy, at="2026-01-01T00:00:00Z", actor="bob", action="a", subject="s")
    trail = audit.entries(legacy)
    assert [e.mac is None for e in trail] == [True] * LEGACY + [False, False]
    keyed = trail[LEGACY]
    assert keyed.action == "audit.keyed" and keyed.details["legacyEntries"] == LEGACY
    assert keyed.details["legacyHead"] == trail[LEGACY - 1].hash
    assert entry.seq == LEGACY + 2
    verdict = verify(legacy)
    assert verdict.intact and verdict.macs_checked and verdict.legacy_until == LEGACY


def test_a_legacy_entry_rewritten_after_the_upgrade_is_detected(legacy: Engine) -> None:
    audit.append(legacy, at="2026-01-01T00:00:00Z", actor="bob", action="a", subject="s")
    rows = [e for e in audit.entries(legacy)]
    prev = rows[1].hash  # rewrite entry 3 and recompute the unkeyed chain up to the keyed part
    with legacy.begin() as connection:
        for entry in rows[2 : LEGACY + 1]:
            fields = {
                "seq": entry.seq,
                "at": entry.at,
                "actor": "mallory" if entry.seq == 3 else entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "plan_hash": entry.plan_hash,
                "workflow_id": entry.workflow_id,
                "details": entry.details,
                "prev_hash": prev,
            }
            prev = _legacy_hash(fields)
            connection.execute(
                text(
                    "UPDATE goldfleet_audit SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"
                ),
                {"a": fields["actor"], "p": fields["prev_hash"], "h": prev, "s": entry.seq},
            )
    problems = verify(legacy).problems
    # the legacy entries themselves carry no MAC; the keyed entry that sealed them does
    assert [(f.kind, f.first) for f in problems] == [("rehashed", LEGACY + 1)]


def test_truncating_the_legacy_prefix_before_the_first_keyed_append_is_refused(
    legacy: Engine,
) -> None:
    with legacy.begin() as connection:
        connection.execute(text("DELETE FROM goldfleet_audit WHERE seq > 3"))
    assert [(f.kind, f.first, f.last) for f in verify(legacy).problems] == [
        ("truncated", 4, LEGACY)
    ]
    with pytest.raises(audit.AuditIntegrityError, match="recorded at the upgrade names entry 5"):
        audit.append(legacy, at="2026-01-01T00:00:00Z", actor="bob", action="a", subject="s")
