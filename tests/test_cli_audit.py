"""``goldfleet audit`` as a user runs it (a process of its own): verify names what was changed or
lost and exits 1, an export kept elsewhere exposes a tail rolled back with its head, reseal
records a loss, an export goes to a new blob (never over an old one), and every mistake is a
message with a hint, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from goldfleet.store import audit
from goldfleet.store.db import open_database
from tests.conftest import raw

Run = Callable[..., subprocess.CompletedProcess[str]]
SAS = "sv=2024-11-04&sp=cw&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    engine = open_database(f"sqlite:///{path / 'goldfleet.sqlite'}")
    for i in range(1, 7):
        audit.append(
            engine, at=f"2026-01-01T00:00:0{i}Z", actor="alice", action="a", subject=str(i)
        )
    engine.dispose()
    return path


@pytest.fixture
def goldfleet(state: Path) -> Run:
    env = {**os.environ, "GOLDFLEET_STATE_DIR": str(state), "COLUMNS": "200"}
    for name in ("GOLDFLEET_DATABASE_URL", "GOLDFLEET_AUDIT_KEY", "GOLDFLEET_AUDIT_KEY_FILE"):
        env.pop(name, None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "goldfleet", "audit", *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    return run


def _sql(state: Path, statement: str, **params: Any) -> None:
    engine = open_database(f"sqlite:///{state / 'goldfleet.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def test_verify_names_a_truncated_tail_and_exits_1(goldfleet: Run, state: Path) -> None:
    assert "intact (6 entries)" in goldfleet("verify").stdout
    _sql(state, "DELETE FROM goldfleet_audit WHERE seq > 4")
    done = goldfleet("verify")
    assert done.returncode == 1
    assert "broken at entry 5" in done.stdout and "truncated entries 5-6" in done.stdout
    verdict = json.loads(goldfleet("verify", "-o", "json").stdout)
    assert [(p["kind"], p["first"], p["last"]) for p in verdict["problems"]] == [
        ("truncated", 5, 6)
    ]


def test_an_export_exposes_a_tail_rolled_back_with_its_head(
    goldfleet: Run, state: Path, tmp_path: Path
) -> None:
    engine = open_database(f"sqlite:///{state / 'goldfleet.sqlite'}")
    with engine.connect() as connection:
        head = dict(connection.execute(text("SELECT * FROM goldfleet_audit_head")).one()._mapping)
    engine.dispose()
    published = tmp_path / "published.json"
    done = goldfleet("export", "--to", str(published))
    assert done.returncode == 0 and "Exported 7 entries" in done.stdout, done.stderr
    public_key = goldfleet("public-key").stdout.strip()
    assert goldfleet("verify-export", str(published), "--public-key", public_key).returncode == 0

    _sql(state, "DELETE FROM goldfleet_audit WHERE seq > 6")  # the export's own entry, 7
    _sql(state, "DELETE FROM goldfleet_audit_checkpoints")
    _sql(state, "DELETE FROM goldfleet_audit_head")
    _sql(
        state,
        "INSERT INTO goldfleet_audit_head VALUES "
        "(:id, :seq, :hash, :mac, :legacy_until, :key_id, :updated_at, :seal)",
        **head,
    )
    assert goldfleet("verify").returncode == 0  # the database alone cannot tell
    against = goldfleet("verify", "--against", str(published))
    assert against.returncode == 1 and "truncated entry 7" in against.stdout


def test_reseal_records_a_loss_and_lets_goldfleet_write_again(goldfleet: Run, state: Path) -> None:
    _sql(state, "DELETE FROM goldfleet_audit WHERE seq = 6")
    refused = goldfleet("checkpoint")
    assert refused.returncode == 1 and "audit reseal" in refused.stderr
    asked = goldfleet("reseal", "--reason", "INC-7")
    assert asked.returncode == 2 and "truncated entry 6" in asked.stdout and "--yes" in asked.stderr
    assert goldfleet("reseal", "--reason", "INC-7", "--yes").returncode == 0
    done = goldfleet("verify")
    assert done.returncode == 0 and "acknowledged deleted entry 6" in done.stdout
    assert "INC-7" in done.stdout
    assert goldfleet("checkpoint").returncode == 0


def test_mistakes_are_messages_with_hints(goldfleet: Run, tmp_path: Path) -> None:
    missing = goldfleet("verify", "--against", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "reading the audit export" in missing.stderr
    (tmp_path / "other.json").write_text('{"hello": 1}')
    wrong = goldfleet("verify-export", str(tmp_path / "other.json"))
    assert wrong.returncode == 2 and "not a goldfleet-audit-export" in wrong.stderr
    assert goldfleet("export", "--to", str(tmp_path / "other.json")).returncode == 2
    bad_key = goldfleet("verify", GOLDFLEET_AUDIT_KEY="xyz")
    assert bad_key.returncode == 1 and "64 hexadecimal characters" in bad_key.stdout
    refused = goldfleet("checkpoint", GOLDFLEET_AUDIT_KEY="ab" * 32)
    assert refused.returncode == 1 and "keyed with audit key" in refused.stderr


def test_an_export_goes_to_a_new_blob_and_never_over_an_old_one(goldfleet: Run, emu: Any) -> None:
    blob = "https://staudit.blob.core.windows.net/audit/2026-01-01.json"
    cloud = {"GOLDFLEET_EMULATOR_ENDPOINT": emu.endpoint, "GOLDFLEET_EMULATOR_CA": str(emu.ca_path)}
    done = goldfleet("export", "--to", f"{blob}?{SAS}", **cloud)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sig=" not in done.stdout + done.stderr
    stored = raw(emu, "GET", "/_storage/staudit/audit/2026-01-01.json")
    document = json.loads(stored.content)
    assert len(document["entries"]) == 7 and document["entries"][-1]["details"] == {"to": blob}
    again = goldfleet("export", "--to", f"{blob}?{SAS}", **cloud)
    assert again.returncode == 2 and "BlobAlreadyExists" in again.stderr
    assert "sig=" not in again.stdout + again.stderr
    unsigned = goldfleet("export", "--to", blob, **cloud)
    assert unsigned.returncode == 2 and "carries no SAS" in unsigned.stderr
