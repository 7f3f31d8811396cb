"""plan -> apply -> plan through the real CLI (each command a process of its own, as a user
runs them) against the emulator with the example estate and the example configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goldfleet.emulator import EmulatorOptions, running_emulator

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "examples" / "goldfleet"
SECRET = "gf-emulator-secret-not-for-azure"


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    options = EmulatorOptions(
        scenario=REPO / "examples/emulator/msp-estate.yaml",
        state_dir=tmp_path_factory.mktemp("estate"),
        speed=3000,
    )
    with running_emulator(options) as emu:
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    env = {
        **os.environ,
        "GOLDFLEET_CLIENT_SECRET": SECRET,
        "GOLDFLEET_STATE_DIR": str(tmp_path / "state"),
        "GOLDFLEET_EMULATOR_ENDPOINT": estate.endpoint,
        "GOLDFLEET_EMULATOR_CA": str(estate.ca_path),
        "COLUMNS": "200",
    }
    env.pop("GOLDFLEET_DATABASE_URL", None)
    snapshot = estate.control("GET", "/state")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "goldfleet", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    yield run
    estate.control("PUT", "/state", snapshot)


def test_plan_apply_plan_leaves_nothing_to_do(goldfleet, estate, tmp_path):
    first = json.loads(
        goldfleet(
            "plan", "-c", str(CONFIG), "-o", "json", "--out", str(tmp_path / "plan.json")
        ).stdout
    )
    # 5 resource groups (rg-goldfleet-dr, rg-goldfleet-validation, three rg-avd-images),
    # 6 galleries, 7 image definitions, 4 host pools with their Desktop application groups
    # and workspaces, and Fabrikam's DR pool with its group
    assert first["summary"]["create"] == 33
    # the estate's own groups are not goldfleet's: used as they are, never tagged or changed
    assert first["summary"]["update"] == 0
    kept = [c for c in first["changes"] if "used as it is" in c["reason"]]
    assert len(kept) == 7 and {c["kind"] for c in kept} == {"resourceGroup"}
    assert first["problems"] == []
    assert {c["owner"].split("/")[1] for c in first["changes"] if c["action"] == "create"} == {
        "tenant",
        "gallery",
        "definition",
        "pool",
        "workspace",
    }
    assert (tmp_path / "plan.json").read_text() == json.dumps(
        first, sort_keys=True, indent=2
    ) + "\n"
    estate.control("DELETE", "/requests")

    applied = json.loads(
        goldfleet(
            "apply", str(tmp_path / "plan.json"), "-c", str(CONFIG), "--yes", "-o", "json"
        ).stdout
    )
    assert len(applied["applied"]) == 33 and applied["ranIn"] == "worker"
    writes = [e for e in estate.control("GET", "/requests")["value"] if e["method"] == "PUT"]
    assert len(writes) == 33 and all(e["status"] in (200, 201) for e in writes)

    again = json.loads(goldfleet("plan", "-c", str(CONFIG), "-o", "json").stdout)
    assert again["summary"] == {"create": 0, "update": 0, "replace": 0, "delete": 0, "no-op": 45}

    stale = goldfleet("apply", str(tmp_path / "plan.json"), "-c", str(CONFIG), "--yes", check=False)
    assert stale.returncode == 2
    assert "Azure has changed since" in stale.stderr and "Traceback" not in stale.stderr

    trail = json.loads(goldfleet("audit", "list", "-o", "json").stdout)
    actions = [e["action"] for e in trail]
    assert actions[0] == "apply.requested" and actions[1] == "apply.started"
    assert actions[-2] == "apply.finished" and actions.count("change.create") == 33
    assert actions[-1] == "apply.refused"  # the stale plan, refused and recorded
    assert {e["plan"] for e in trail[:-1]} == {first["hash"]}
    assert "intact (37 entries)" in goldfleet("audit", "verify").stdout

    import sqlite3

    with sqlite3.connect(tmp_path / "state" / "goldfleet.sqlite") as connection:
        kept = connection.execute(
            "SELECT hash, applied_by_workflow FROM goldfleet_plans"
        ).fetchall()
    assert kept == [(first["hash"], applied["workflowId"])]  # the audit's plan hash leads here

    status = json.loads(goldfleet("status", "-o", "json").stdout)
    assert {w["state"] for w in status} == {"SUCCESS"} and len(
        status
    ) == 5  # plan + 4 subscriptions


def test_tampering_with_the_audit_trail_is_detected(goldfleet, tmp_path):
    import sqlite3

    goldfleet("apply", "-c", str(CONFIG), "--yes")
    database = tmp_path / "state" / "goldfleet.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE goldfleet_audit SET actor = 'someone-else' WHERE seq = 2")
    verdict = goldfleet("audit", "verify", check=False)
    assert verdict.returncode == 1 and "broken at entry 2" in verdict.stdout


def test_query_and_output_formats(goldfleet):
    names = json.loads(
        goldfleet("tenant", "list", "-c", str(CONFIG), "-o", "json", "--query", "[].name").stdout
    )
    assert names == ["adatum", "contoso", "fabrikam", "northwind"]
    tsv = goldfleet(
        "tenant", "list", "-c", str(CONFIG), "-o", "tsv", "--query", "[].[name, timeZone]"
    ).stdout
    assert "contoso\tAustralia/Sydney" in tsv
    bad = goldfleet("tenant", "list", "-c", str(CONFIG), "--query", "[?", check=False)
    assert bad.returncode == 2 and "not valid JMESPath" in bad.stderr


def test_missing_secret_is_a_clear_error(goldfleet, estate, tmp_path):
    env_less = subprocess.run(
        [sys.executable, "-m", "goldfleet", "plan", "-c", str(CONFIG)],
        env={k: v for k, v in os.environ.items() if k != "GOLDFLEET_CLIENT_SECRET"}
        | {
            "GOLDFLEET_EMULATOR_ENDPOINT": estate.endpoint,
            "GOLDFLEET_EMULATOR_CA": str(estate.ca_path),
            "GOLDFLEET_STATE_DIR": str(tmp_path / "s"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert env_less.returncode == 2
    assert "export GOLDFLEET_CLIENT_SECRET=<secret>" in env_less.stderr
    assert "Traceback" not in env_less.stderr
