"""``goldfleet status`` before any workflow has run: an empty answer, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def status(state_dir) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLDFLEET_STATE_DIR": str(state_dir)}
    env.pop("GOLDFLEET_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "goldfleet", "status", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_of_a_fresh_state_directory_is_empty(tmp_path):
    done = status(tmp_path / "fresh")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [] and "Traceback" not in done.stderr


def test_status_when_only_goldfleets_own_tables_exist_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDFLEET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GOLDFLEET_DATABASE_URL", raising=False)
    from goldfleet.store.db import open_database

    open_database()  # the store is there (an audit entry, a lock...), the engine's tables not
    for _ in range(2):  # and asking does not leave anything behind that breaks the next time
        done = status(tmp_path / "state")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == []
