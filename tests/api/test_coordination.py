"""One writer per object: claims on the store (rule 4 of docs/safety.md).

Unit level: what a claim decides for live, finished and dead holders, atomically. End to end:
two `goldfleet apply` started together on one state directory - the second refuses with who
runs (exit 75), or waits with --wait and then finds nothing left to do; the audit records each
create once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from goldfleet.api import coordination
from goldfleet.api.coordination import claim, holding, release
from goldfleet.api.session import waiting
from goldfleet.domain.errors import BusyError
from goldfleet.store import locks
from goldfleet.store.db import shared_database
from tests.api.estate import CONFIG, REPO, SECRET, environment


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDFLEET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GOLDFLEET_DATABASE_URL", raising=False)
    return shared_database()


def dead_process_holder() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    import socket

    return f"process:{socket.gethostname()}:{done.stdout.strip()}:1"


def test_a_live_holder_refuses_others_and_says_who_and_since_when(store):
    with (
        holding(["goldfleet/pool/a", "goldfleet/pool/b"], "goldfleet pool rollout a"),
        pytest.raises(BusyError) as busy,
        holding(["goldfleet/pool/b"], "goldfleet pool rollout b"),
    ):
        pass
    message = busy.value.message
    assert "goldfleet/pool/b is held by `goldfleet pool rollout a`" in message
    assert "since 20" in message and " UTC" in message
    assert "--wait" in (busy.value.hint or "")
    assert busy.value.exit_code == 75
    # released at the end of the block: free again
    with holding(["goldfleet/pool/b"], "goldfleet pool rollout b"):
        pass


def test_the_same_holder_claims_again_and_a_dead_one_is_taken_over(store):
    claim(["goldfleet/pipeline/p"], "process:elsewhere-host:1:1", "a command on another host")
    with pytest.raises(BusyError):  # another machine's process: held until it lets go
        claim(["goldfleet/pipeline/p"], "release:p:1.0.0", "goldfleet release")
    release("process:elsewhere-host:1:1")
    dead = dead_process_holder()
    claim(["goldfleet/pipeline/p"], dead, "a killed command")
    taken = claim(["goldfleet/pipeline/p"], coordination.process_holder(), "goldfleet retire")
    assert [p.holder for p in taken.previous] == [dead]
    again = claim(["goldfleet/pipeline/p"], taken.holder, "goldfleet retire")
    assert again.previous == ()


def test_waiting_gives_up_with_the_same_clear_refusal(store, monkeypatch):
    monkeypatch.setattr(coordination, "POLL_SECONDS", 0.05)
    with holding(["goldfleet/pool/a"], "goldfleet pool rollout a"):
        started = time.monotonic()
        with (
            waiting(0.3),
            pytest.raises(BusyError, match="after waiting 0 s"),
            holding(["goldfleet/pool/a"], "goldfleet pool rollback a"),
        ):
            pass
        assert time.monotonic() - started >= 0.3


def test_waiting_takes_the_object_when_its_holder_lets_go(store, monkeypatch):
    monkeypatch.setattr(coordination, "POLL_SECONDS", 0.05)
    first = coordination.process_holder()
    claim(["goldfleet/pool/a"], first, "goldfleet pool rollout a")
    threading.Timer(0.3, release, args=(first,)).start()
    with waiting(10), holding(["goldfleet/pool/a"], "goldfleet pool rollback a") as held:
        assert [r.holder for r in locks.read(store, ["goldfleet/pool/a"])] == [held.holder]


def test_a_take_fails_when_another_command_moved_in_between(store):
    assert locks.take(store, ["x"], {}, holder="h1", command="c", actor="a", at="2026-01-01")
    # h2 decided while the row was empty: its swap must not happen
    assert not locks.take(store, ["x"], {}, holder="h2", command="c", actor="a", at="2026-01-01")
    assert [r.holder for r in locks.read(store, ["x"])] == ["h1"]


# --- end to end -------------------------------------------------------------------------------


@pytest.fixture
def slow_estate(tmp_path):
    from goldfleet.emulator import EmulatorOptions, running_emulator

    options = EmulatorOptions(
        scenario=REPO / "examples/emulator/msp-estate.yaml",
        state_dir=tmp_path / "estate",
        speed=60,  # slow enough that the second apply starts while the first one runs
    )
    with running_emulator(options) as emu:
        yield emu


def start_apply(env, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "apply",
            "-c",
            str(CONFIG),
            "--yes",
            "-o",
            "json",
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_apply_refuses_while_the_first_runs_then_waits_with_wait(slow_estate, tmp_path):
    env = environment(slow_estate, tmp_path / "state") | {"GOLDFLEET_CLIENT_SECRET": SECRET}
    first = start_apply(env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the first apply has claimed its objects
        database = tmp_path / "state" / "goldfleet.sqlite"
        if database.exists() and _claimed(env):
            break
        time.sleep(0.1)
    refused = subprocess.run(
        [sys.executable, "-m", "goldfleet", "apply", "-c", str(CONFIG), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # SQLite mode runs one command at a time: the second says who runs, and what to do
    assert refused.returncode == 75, refused.stdout + refused.stderr
    assert "another goldfleet command (worker-0 (command), pid" in refused.stderr
    assert "add --wait" in refused.stderr and "Traceback" not in refused.stderr
    waited = start_apply(env, "--wait")
    out, err = waited.communicate(timeout=300)
    assert waited.returncode == 0, out + err
    assert json.loads(out)["ranIn"] == "nothing"  # the first one did it all
    first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_out + first_err
    trail = subprocess.run(
        [sys.executable, "-m", "goldfleet", "audit", "list", "-o", "json", "--limit", "500"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    actions = [e["action"] for e in json.loads(trail.stdout)]
    assert actions.count("change.create") == 33  # each create once: what happened, no more
    assert actions.count("apply.requested") == 1


def _claimed(env) -> bool:
    import sqlite3

    try:
        with sqlite3.connect(os.path.join(env["GOLDFLEET_STATE_DIR"], "goldfleet.sqlite")) as db:
            return db.execute("SELECT count(*) FROM goldfleet_locks").fetchone()[0] > 0
    except sqlite3.Error:
        return False
