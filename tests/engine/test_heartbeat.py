"""Worker liveness on PostgreSQL: the heartbeat table, the sweeper's claim (two sweepers never
recover the same dead worker), fencing of a worker declared dead, and stable worker ids."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from goldfleet.engine.heartbeat import Heartbeats, workers_table
from goldfleet.engine.settings import EngineConfigError, EngineSettings


@pytest.fixture
def database(postgres) -> str:
    return postgres.fresh_url("gf_heartbeat")


def heartbeats(url: str, worker_id: str) -> Heartbeats:
    settings = EngineSettings(database_url=url, worker_id=worker_id, dead_after_seconds=30)
    return Heartbeats(settings)


def age(hb: Heartbeats, worker_id: str, seconds: int) -> None:
    """Pretend ``worker_id`` last beat ``seconds`` ago (the database's clock)."""
    t = workers_table
    with hb.db.begin() as conn:
        conn.execute(
            sa.update(t)
            .where(t.c.worker_id == worker_id)
            .values(last_seen=sa.func.now() - sa.text(f"interval '{seconds} seconds'"))
        )


def test_two_sweepers_never_recover_the_same_dead_worker(database):
    dead, a, b = (heartbeats(database, w) for w in ("worker-9", "worker-1", "worker-2"))
    for hb in (dead, a, b):
        hb.register()
    age(dead, "worker-9", 120)
    calls: list[tuple[str, str]] = []
    a_is_recovering = threading.Event()
    b_has_swept = threading.Event()

    def recover_by_a(worker_id: str) -> list[str]:
        calls.append(("worker-1", worker_id))
        a_is_recovering.set()
        assert b_has_swept.wait(timeout=10)  # keep the claim while B sweeps
        return ["wf-1", "wf-2"]

    def recover_by_b(worker_id: str) -> list[str]:
        calls.append(("worker-2", worker_id))
        return []

    results: dict[str, object] = {}
    sweeping = threading.Thread(target=lambda: results.update(a=a.sweep(recover_by_a)))
    sweeping.start()
    assert a_is_recovering.wait(timeout=10)
    results["b"] = b.sweep(recover_by_b)
    b_has_swept.set()
    sweeping.join(timeout=10)

    assert calls == [("worker-1", "worker-9")]
    assert results["b"] == []
    assert [(r.dead_worker, r.workflow_ids) for r in results["a"]] == [
        ("worker-9", ["wf-1", "wf-2"])
    ]
    assert b.sweep(recover_by_b) == []  # already marked dead: nothing more to do
    (row,) = [r for r in a.rows() if r.worker_id == "worker-9"]
    assert (row.state, row.recovered_by, row.recovered_workflows) == ("dead", "worker-1", 2)
    for hb in (dead, a, b):
        hb.close()


def test_a_worker_declared_dead_is_fenced(database):
    victim, sweeper = heartbeats(database, "worker-1"), heartbeats(database, "worker-2")
    victim.register()
    sweeper.register()
    assert victim.beat() is True
    age(victim, "worker-1", 120)
    sweeper.sweep(lambda worker_id: [])
    assert victim.beat() is False  # its work was handed on: it must stop
    victim.close()
    sweeper.close()


def test_a_failed_recovery_leaves_the_dead_worker_for_the_next_sweep(database):
    dead, live = heartbeats(database, "worker-9"), heartbeats(database, "worker-1")
    dead.register()
    live.register()
    age(dead, "worker-9", 120)

    def broken(worker_id: str) -> list[str]:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        live.sweep(broken)
    assert [r.dead_worker for r in live.sweep(lambda worker_id: ["wf"])] == ["worker-9"]
    dead.close()
    live.close()


def test_a_stopped_worker_is_swept_once_stale_and_a_fresh_one_is_not(database):
    stopped, fresh, live = (heartbeats(database, w) for w in ("worker-8", "worker-7", "worker-1"))
    for hb in (stopped, fresh, live):
        hb.register()
    stopped.mark_stopped()
    assert live.sweep(lambda worker_id: []) == []
    age(stopped, "worker-8", 120)
    assert [r.dead_worker for r in live.sweep(lambda worker_id: [])] == ["worker-8"]
    for hb in (stopped, fresh, live):
        hb.close()


def test_a_worker_id_held_by_a_live_process_elsewhere_is_refused(database):
    first = heartbeats(database, "worker-1")
    first.register()
    with first.db.begin() as conn:
        conn.execute(sa.update(workers_table).values(host="other-machine", pid=4242))
    second = heartbeats(database, "worker-1")
    with pytest.raises(EngineConfigError, match="already running on other-machine"):
        second.register()
    first.close()
    second.close()


def test_a_worker_id_whose_process_died_on_this_host_is_taken_over(database):
    first = heartbeats(database, "worker-1")
    first.register()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with first.db.begin() as conn:
        conn.execute(sa.update(workers_table).values(pid=int(gone.stdout)))
    second = heartbeats(database, "worker-1")
    second.register()  # a restart right after a SIGKILL: same id, same host, dead pid
    assert [r.pid for r in second.rows()] != [int(gone.stdout)]
    first.close()
    second.close()


def test_sqlite_has_no_sweeper(tmp_path):
    hb = Heartbeats(EngineSettings(database_url=f"sqlite:///{tmp_path / 'e.sqlite'}"))
    hb.register()
    assert hb.beat() is True
    assert hb.sweep(lambda worker_id: ["never"]) == []
    assert [r.state for r in hb.rows()] == ["alive"]
    hb.close()
