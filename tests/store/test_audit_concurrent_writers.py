"""Several processes appending to one audit trail at once, as workers on several machines do:
every entry is kept, the keyed chain and its sealed head stay intact, on SQLite and PostgreSQL.
The processes also race to create the audit key on first use: they must agree on one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from goldfleet.store import audit
from goldfleet.store.audit_keys import KEY_ENV, KEY_FILE_ENV
from goldfleet.store.audit_verify import verify
from goldfleet.store.db import open_database
from tests.engine.postgres import PostgresUnavailable, ThrowawayPostgres, throwaway_postgres

WRITER = """
import sys
from goldfleet.store import audit
from goldfleet.store.db import connect
engine = connect(sys.argv[1])
for i in range(int(sys.argv[3])):
    audit.append(engine, at=f"t{i}", actor=sys.argv[2], action="concurrent", subject=str(i))
"""
WRITERS = 4
EACH = 30


def _run_writers(url: str, state: Path) -> None:
    env = {**os.environ, "GOLDFLEET_STATE_DIR": str(state)}
    env.pop(KEY_ENV, None)
    env.pop(KEY_FILE_ENV, None)
    env.pop("GOLDFLEET_DATABASE_URL", None)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"w{n}", str(EACH)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(WRITERS)
    ]
    for writer in writers:
        out, _ = writer.communicate(timeout=240)
        assert writer.returncode == 0, out


def _check(engine: sa.Engine) -> None:
    trail = audit.entries(engine)
    assert [e.seq for e in trail] == list(range(1, WRITERS * EACH + 1))
    assert {e.actor for e in trail} == {f"w{n}" for n in range(WRITERS)}
    verdict = verify(engine)
    assert verdict.intact and verdict.macs_checked, verdict.findings
    assert verdict.checkpoints == (WRITERS * EACH) // audit.CHECKPOINT_EVERY


def test_concurrent_writer_processes_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'goldfleet.sqlite'}"
    engine = open_database(url)  # migrated once, before the race
    _run_writers(url, tmp_path / "unused-state")
    _check(engine)


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    try:
        with throwaway_postgres() as cluster:
            yield cluster
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for this test and could not be started: {exc}")


def test_concurrent_writer_processes_on_postgresql(
    postgres: ThrowawayPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = sa.create_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE gf_audit_writers"))
    admin.dispose()
    url = postgres.url("gf_audit_writers")
    state = tmp_path / "state"  # the machines share the key through the state directory here
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("GOLDFLEET_STATE_DIR", str(state))
    engine = open_database(url)
    try:
        _run_writers(url, state)
        _check(engine)
        assert (state / "audit.key").exists()
    finally:
        engine.dispose()
