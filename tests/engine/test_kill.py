"""The issue's Done-means: a worker process is SIGKILLed in the middle of a multi-step workflow
that writes to the emulator through the real Azure SDK; a worker started again (SQLite: the
same id; PostgreSQL: the *other* worker, through the sweeper) finishes it; the emulator's
request log shows that no completed step's write was sent twice, and the end state is right.

The workflow creates resource groups ``<prefix>-1`` .. ``<prefix>-5``, one per step. Two ways
to interrupt it:

* while it waits in a durable ``sleep_until`` on the emulator's (frozen) simulated clock after
  step 2 - every write must then appear exactly once, and the wait must survive the kill;
* right after step 3's write, before its checkpoint (the step holds until a file appears) -
  step 3 is then the one write allowed to appear twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goldfleet.engine.dbos_engine import DbosClient
from goldfleet.engine.records import QueueTarget, WorkflowState
from goldfleet.engine.settings import EngineSettings
from tests.conftest import PROVIDER_SUB, SECRET, resource_client
from tests.engine import kill_workflows
from tests.engine.helpers import WorkerProcess, group_writes, last_seq, wait_for

COUNT = 5


def emulator_env(emu, **extra: str) -> dict[str, str]:
    return {
        "GF_KILLTEST_ENDPOINT": emu.endpoint,
        "GF_KILLTEST_CA": str(emu.ca_path),
        "GF_KILLTEST_SECRET": SECRET,
        **extra,
    }


def worker(worker_id: str, emu, tmp_path: Path, env: dict[str, str]) -> WorkerProcess:
    return WorkerProcess(
        worker_id,
        env,
        tmp_path,
        "--emulator-clock",
        emu.endpoint,
        "--emulator-ca",
        str(emu.ca_path),
    )


def groups_in_emulator(emu, prefix: str) -> set[str]:
    client = resource_client(emu)
    try:
        return {g.name for g in client.resource_groups.list() if g.name.startswith(prefix)}
    finally:
        client.close()


def enqueue(settings: EngineSettings, workflow: str, workflow_id: str, args: tuple) -> DbosClient:
    client = DbosClient(settings)
    client.enqueue(QueueTarget(kill_workflows.KILL_QUEUE), workflow, workflow_id, args, {})
    return client


def sim_now(emu) -> datetime:
    return datetime.fromtimestamp(emu.control("GET", "/clock")["timestamp"], UTC)


@pytest.mark.parametrize("workflow", ["enginetest.build_groups", "enginetest.build_groups_sync"])
def test_a_killed_sqlite_worker_resumes_after_its_durable_sleep_without_repeating_a_write(
    emu, tmp_path, state_dir, workflow
):
    prefix = f"rg-kill-{'async' if workflow.endswith('groups') else 'sync'}"
    env = emulator_env(emu, GOLDFLEET_STATE_DIR=str(state_dir))
    settings = EngineSettings.from_env(env)
    since = last_seq(emu)
    wake_at = sim_now(emu) + timedelta(hours=2)  # the emulator's clock is frozen (speed 0)

    first = worker("worker-0", emu, tmp_path, env).start().wait_ready()
    client = enqueue(settings, workflow, f"kill:{prefix}", (prefix, COUNT, 2, wake_at))
    try:
        wait_for(lambda: group_writes(emu, prefix, since)[f"{prefix}-2"], "step 2's write")
        wait_for(lambda: _sleeping(client, prefix), "the workflow to enter its durable sleep")
        first.kill()
        assert client.get_workflow(f"kill:{prefix}").state is WorkflowState.PENDING

        second = worker("worker-0", emu, tmp_path, env).start().wait_ready()
        try:
            emu.control("PUT", "/clock", {"advanceSeconds": 3 * 3600})  # past wake_at
            created = client.wait(f"kill:{prefix}", timeout=60)
        finally:
            second.stop()
    finally:
        first.stop()
        client.close()

    writes = group_writes(emu, prefix, since)
    assert writes == {f"{prefix}-{i}": 1 for i in range(1, COUNT + 1)}, writes
    assert len(created) == COUNT
    assert groups_in_emulator(emu, prefix) == {f"{prefix}-{i}" for i in range(1, COUNT + 1)}


def _steps(client: DbosClient, prefix: str):
    return client.list_steps(f"kill:{prefix}")


def _sleeping(client: DbosClient, prefix: str) -> bool:
    """The sleep step records only when it ends: 'in the sleep' = two steps done, PENDING."""
    steps = _steps(client, prefix)
    record = client.get_workflow(f"kill:{prefix}")
    return len(steps) == 2 and record is not None and record.state is WorkflowState.PENDING


def test_only_the_step_interrupted_after_its_write_sends_that_write_again(emu, tmp_path, state_dir):
    prefix = "rg-kill-midstep"
    go_file = tmp_path / "go"
    env = emulator_env(
        emu, GOLDFLEET_STATE_DIR=str(state_dir), GF_KILLTEST_HOLD=f"{prefix}-3|{go_file}"
    )
    settings = EngineSettings.from_env(env)
    since = last_seq(emu)

    first = worker("worker-0", emu, tmp_path, env).start().wait_ready()
    client = enqueue(
        settings, "enginetest.build_groups", f"kill:{prefix}", (prefix, COUNT, 0, None)
    )
    try:
        wait_for(lambda: group_writes(emu, prefix, since)[f"{prefix}-3"], "step 3's write")
        first.kill()  # step 3 wrote, but its checkpoint was never recorded
        go_file.touch()
        second = worker("worker-0", emu, tmp_path, env).start().wait_ready()
        try:
            client.wait(f"kill:{prefix}", timeout=60)
        finally:
            second.stop()
    finally:
        first.stop()
        client.close()

    writes = group_writes(emu, prefix, since)
    assert writes == {f"{prefix}-1": 1, f"{prefix}-2": 1, f"{prefix}-3": 2, f"{prefix}-4": 1,
                      f"{prefix}-5": 1}, writes  # fmt: skip
    assert groups_in_emulator(emu, prefix) == {f"{prefix}-{i}" for i in range(1, COUNT + 1)}


def test_a_second_worker_on_the_same_sqlite_database_is_refused(emu, tmp_path, state_dir):
    env = emulator_env(emu, GOLDFLEET_STATE_DIR=str(state_dir))
    first = worker("worker-0", emu, tmp_path, env).start().wait_ready()
    try:
        second = worker("worker-1", emu, tmp_path, env).start()
        assert second.wait_exit(timeout=60) == 2
        assert "exactly one worker process may run" in second.output
        assert "worker-0 (worker), pid" in second.output
        assert "Traceback" not in second.output
    finally:
        first.stop()
    assert first.wait_exit() == 0


def test_a_dead_postgres_worker_is_recovered_by_the_other_worker(emu, tmp_path, postgres):
    prefix = "rg-kill-pg"
    env = emulator_env(emu, GOLDFLEET_DATABASE_URL=postgres.fresh_url("gf_kill"))
    settings = EngineSettings.from_env(env)
    since = last_seq(emu)
    wake_at = sim_now(emu) + timedelta(hours=2)

    workers = {
        name: worker(name, emu, tmp_path, env).start().wait_ready()
        for name in ("worker-1", "worker-2")
    }
    client = enqueue(
        settings, "enginetest.build_groups", f"kill:{prefix}", (prefix, COUNT, 2, wake_at)
    )
    try:
        wait_for(lambda: _sleeping(client, prefix), "the workflow to enter its durable sleep")
        victim = client.get_workflow(f"kill:{prefix}").executor_id
        survivor = next(name for name in workers if name != victim)
        workers[victim].kill()
        emu.control("PUT", "/clock", {"advanceSeconds": 3 * 3600})
        created = client.wait(f"kill:{prefix}", timeout=60)
        record = client.get_workflow(f"kill:{prefix}")
        assert record.executor_id == survivor
        assert workers[survivor].proc.poll() is None
    finally:
        for process in workers.values():
            process.stop()
        client.close()

    writes = group_writes(emu, prefix, since)
    assert writes == {f"{prefix}-{i}": 1 for i in range(1, COUNT + 1)}, writes
    assert len(created) == COUNT
    assert groups_in_emulator(emu, prefix) == {f"{prefix}-{i}" for i in range(1, COUNT + 1)}
    assert PROVIDER_SUB in created[0]
