"""apply on PostgreSQL: the CLI only enqueues; two worker processes share the queues, and the
audit trail and the ARM gate's buckets live in the same database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goldfleet.emulator import EmulatorOptions, running_emulator
from tests.engine.helpers import wait_for
from tests.engine.postgres import PostgresUnavailable, throwaway_postgres

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    try:
        with throwaway_postgres() as pg:
            yield pg
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for this test and could not be started: {exc}")


def test_apply_is_carried_out_by_postgres_workers(cluster, tmp_path):
    options = EmulatorOptions(
        scenario=REPO / "examples/emulator/msp-estate.yaml", state_dir=tmp_path / "emu", speed=3000
    )
    with running_emulator(options) as emu:
        env = {
            **os.environ,
            "GOLDFLEET_DATABASE_URL": cluster.fresh_url(),
            "GOLDFLEET_CLIENT_SECRET": "gf-emulator-secret-not-for-azure",
            "GOLDFLEET_EMULATOR_ENDPOINT": emu.endpoint,
            "GOLDFLEET_EMULATOR_CA": str(emu.ca_path),
            "GOLDFLEET_STATE_DIR": str(tmp_path / "state"),
        }

        def goldfleet(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "goldfleet", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )

        logs = [(tmp_path / f"w{i}.log").open("w") for i in (1, 2)]
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "goldfleet", "worker", "run", "--id", f"w{i}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i, log in zip((1, 2), logs, strict=True)
        ]
        try:
            wait_for(
                lambda: all("ready" in (tmp_path / f"w{i}.log").read_text() for i in (1, 2)),
                "both workers ready",
                timeout=60,
            )
            done = goldfleet("apply", "-c", str(REPO / "examples/goldfleet"), "--yes", "-o", "json")
            assert done.returncode == 0, done.stdout + done.stderr
            result = json.loads(done.stdout)
            assert result["ranIn"] == "client" and len(result["applied"]) == 33
            runs = json.loads(goldfleet("status", "-o", "json").stdout)
            assert {r["state"] for r in runs} == {"SUCCESS"}
            assert {r["worker"] for r in runs} <= {"w1", "w2"}
            assert "intact (36 entries)" in goldfleet("audit", "verify").stdout
            puts = [e for e in emu.control("GET", "/requests")["value"] if e["method"] == "PUT"]
            assert len(puts) == 33  # each change sent once
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
            for log in logs:
                log.close()
