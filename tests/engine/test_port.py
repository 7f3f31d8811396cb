"""The engine port on DBOS + SQLite, in process: steps run once, a started id is a recorded
result, durable sleeps wait on the engine's clock, retry intent, queues, schedules, history."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from goldfleet import engine
from goldfleet.engine.dbos_engine import client_engine
from goldfleet.engine.records import QueueTarget
from tests.engine import sample_workflows as wf
from tests.engine.helpers import wait_for

pytestmark = pytest.mark.usefixtures("running_engine")


def test_completed_steps_run_once_and_a_started_id_returns_the_recorded_result(wid):
    first = engine.start(f"{wid}:pipeline", wf.pipeline, 20)
    assert first.result(timeout=10) == 42
    again = engine.start(f"{wid}:pipeline", wf.pipeline, 20)
    assert again.result(timeout=10) == 42
    assert wf.CALLS["add_one:20"] == 1 and wf.CALLS["double:21"] == 1
    assert again.record().state is engine.WorkflowState.SUCCESS


def test_async_workflow_awaits_async_steps_and_calls_def_steps(wid):
    run = engine.start(f"{wid}:async", wf.pipeline_async, 100)
    assert run.result(timeout=10) == 201
    assert [s.name for s in engine.list_steps(run.workflow_id)] == [
        "sample.double",
        "sample.add_one",
    ]
    assert engine.start(f"{wid}:async", wf.pipeline_async, 100).result(timeout=10) == 201
    assert wf.CALLS["double:100"] == 1 and wf.CALLS["add_one:200"] == 1


def test_an_id_already_used_by_another_workflow_is_refused(wid):
    engine.start(f"{wid}:taken", wf.other, 1).result(timeout=10)
    with pytest.raises(engine.EngineUsageError, match="taken by another workflow"):
        engine.start(f"{wid}:taken", wf.pipeline, 1)


@pytest.mark.parametrize("workflow_fn", [wf.wait_hours, wf.wait_hours_async])
def test_durable_sleep_waits_on_the_engine_clock_not_in_real_time(wid, fake_clock, workflow_fn):
    began = time.monotonic()
    start, end = engine.start(f"{wid}:wait", workflow_fn, 7).result(timeout=10)
    assert end - start == timedelta(hours=7)
    assert (start, end) in fake_clock.waits
    assert time.monotonic() - began < 5
    names = [s.name for s in engine.list_steps(f"{wid}:wait")]
    assert names[1].startswith("goldfleet.sleep_until")
    assert engine.list_steps(f"{wid}:wait")[1].output == end


def test_history_lists_a_workflows_steps_in_order_with_their_outputs(wid):
    engine.start(f"{wid}:history", wf.pipeline, 1).result(timeout=10)
    steps = engine.list_steps(f"{wid}:history")
    assert [(s.index, s.name, s.output, s.error) for s in steps] == [
        (1, "sample.add_one", 2, None),
        (2, "sample.double", 4, None),
    ]
    assert all(s.started_at and s.completed_at for s in steps)
    record = engine.get_workflow(f"{wid}:history")
    assert record is not None
    assert (record.name, record.executor_id, record.app_version) == (
        "sample.pipeline",
        "test-worker",
        "0.1.0",
    )


def test_list_workflows_filters_by_state_name_and_id_prefix(wid):
    engine.start(f"{wid}:a", wf.pipeline, 5).result(timeout=10)
    with pytest.raises(engine.PermanentError):
        engine.start(f"{wid}:b", wf.failing, wid).result(timeout=10)
    listed = engine.list_workflows(id_prefix=f"{wid}:")
    assert {r.workflow_id for r in listed} == {f"{wid}:a", f"{wid}:b"}
    failed = engine.list_workflows(id_prefix=f"{wid}:", state=engine.WorkflowState.ERROR)
    assert [r.workflow_id for r in failed] == [f"{wid}:b"]
    assert failed[0].error is not None and "permission denied" in failed[0].error
    named = engine.list_workflows(id_prefix=f"{wid}:", name="sample.pipeline")
    assert [r.workflow_id for r in named] == [f"{wid}:a"]


def test_temporary_errors_are_retried_with_backoff_on_the_engine_clock(wid, fake_clock):
    before = len(fake_clock.waits)
    assert engine.start(f"{wid}:retry", wf.retrying, wid).result(timeout=10) == "done"
    assert wf.CALLS[f"busy_twice:{wid}"] == 3
    waited = [(b - a).total_seconds() for a, b in fake_clock.waits[before:]]
    assert waited == [60.0, 120.0]
    assert [s.name for s in engine.list_steps(f"{wid}:retry")] == ["sample.busy_twice"]


def test_permanent_errors_fail_the_workflow_at_once_and_replay_as_themselves(wid):
    with pytest.raises(engine.PermanentError, match="permission denied") as failure:
        engine.start(f"{wid}:fail", wf.failing, wid).result(timeout=10)
    assert failure.value.hint == "grant Contributor"
    assert wf.CALLS[f"denied:{wid}"] == 1
    with pytest.raises(engine.PermanentError):
        engine.start(f"{wid}:fail", wf.failing, wid).result(timeout=10)
    assert wf.CALLS[f"denied:{wid}"] == 1


def test_a_partitioned_queue_runs_one_workflow_per_partition_at_a_time(wid):
    keys = {name: f"{wid}:{name}" for name in ("a1", "a2", "b1")}
    for key in keys.values():
        wf.GATES[key] = threading.Event()
    queue = wf.BY_SUBSCRIPTION
    runs = {
        "a1": engine.enqueue(queue.partition("sub-a"), keys["a1"], wf.held, keys["a1"]),
        "a2": engine.enqueue(queue.partition("sub-a"), keys["a2"], wf.held, keys["a2"]),
        "b1": engine.enqueue(queue.partition("sub-b"), keys["b1"], wf.held, keys["b1"]),
    }
    first_a = wait_for(
        lambda: next((k for k in ("a1", "a2") if keys[k] in wf.STARTED), None), "sub-a to start"
    )
    second_a = "a2" if first_a == "a1" else "a1"
    wait_for(lambda: keys["b1"] in wf.STARTED, "sub-b to start alongside sub-a")
    time.sleep(0.3)  # several queue polls: the second sub-a workflow must still wait
    assert keys[second_a] not in wf.STARTED
    assert runs[second_a].record().state is engine.WorkflowState.ENQUEUED
    wf.GATES[keys[first_a]].set()
    wf.GATES[keys["b1"]].set()
    wait_for(lambda: keys[second_a] in wf.STARTED, "the second sub-a workflow")
    wf.GATES[keys[second_a]].set()
    assert {k: r.result(timeout=10) for k, r in runs.items()} == keys
    record = runs["b1"].record()
    assert (record.queue, record.partition_key) == ("sample.by-subscription", "sub-b")


def test_enqueueing_needs_a_partition_key_exactly_when_the_queue_is_partitioned(wid):
    with pytest.raises(engine.EngineUsageError, match="partitioned"):
        engine.enqueue(wf.BY_SUBSCRIPTION, f"{wid}:x", wf.held, "x")
    plain = engine.queue("sample.plain")
    with pytest.raises(engine.EngineUsageError, match="no partition limits"):
        QueueTarget(plain, "sub-a")


def test_a_schedule_runs_at_local_instants_of_its_time_zone(wid):
    (schedule,) = [s for s in engine.list_schedules() if s.name == "sample.nightly-sydney"]
    assert (schedule.cron, schedule.timezone, schedule.active) == (
        "0 2 * * *",
        "Australia/Sydney",
        True,
    )
    start = datetime(2026, 3, 31, 0, 0, tzinfo=UTC)  # Sydney leaves daylight saving on 5 April
    runs = engine.backfill_schedule("sample.nightly-sydney", start, start + timedelta(days=7))
    ticks = sorted(datetime.fromisoformat(r.result(timeout=10)) for r in runs)
    assert [t.isoformat() for t in ticks] == [
        "2026-04-01T02:00:00+11:00",
        "2026-04-02T02:00:00+11:00",
        "2026-04-03T02:00:00+11:00",
        "2026-04-04T02:00:00+11:00",
        # 02:00 happens twice the night clocks go back, and the schedule fires twice
        # (croniter's semantics): what it starts must be idempotent per local date.
        "2026-04-05T02:00:00+11:00",
        "2026-04-05T02:00:00+10:00",
        "2026-04-06T02:00:00+10:00",
        "2026-04-07T02:00:00+10:00",  # the window ends 7 April 10:00 in Sydney
    ]
    again = engine.backfill_schedule("sample.nightly-sydney", start, start + timedelta(days=7))
    assert sorted(r.workflow_id for r in again) == sorted(r.workflow_id for r in runs)


def test_a_client_process_enqueues_and_reads_history_without_running_anything(
    wid, engine_settings, running_engine
):
    with client_engine(engine_settings, install=False) as client:
        target = QueueTarget(wf.BY_SUBSCRIPTION, "sub-client")
        wf.GATES[f"{wid}:c"] = threading.Event()
        wf.GATES[f"{wid}:c"].set()
        client.enqueue(target, "sample.held", f"{wid}:c", (f"{wid}:c",), {})
        assert client.wait(f"{wid}:c", timeout=10) == f"{wid}:c"
        record = client.get_workflow(f"{wid}:c")
        assert record is not None and record.executor_id == "test-worker"
        assert [s.name for s in client.list_steps(f"{wid}:c")] == ["sample.hold"]
        with pytest.raises(engine.EngineUsageError, match="client runs no workflows"):
            client.start(engine.port.workflow_definition(wf.pipeline), f"{wid}:d", (1,), {})


def test_time_and_sleep_are_for_workflow_code_only():
    with pytest.raises(engine.EngineUsageError, match="for workflow code"):
        engine.sleep_until(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(engine.EngineUsageError, match="for workflow code"):
        engine.now()


@pytest.mark.parametrize("bad", ["", " padded", "two words", "x" * 256])
def test_workflow_ids_are_checked(bad):
    with pytest.raises(engine.EngineUsageError, match="invalid workflow id"):
        engine.start(bad, wf.pipeline, 1)


def test_waiting_for_an_unknown_workflow_says_so():
    with pytest.raises(engine.EngineUsageError, match="no such workflow"):
        engine.run("never-started").result(timeout=1)


def test_a_workflow_starts_children_under_derived_ids_and_waits_for_them(wid):
    assert engine.start(f"{wid}:parent", wf.parent, 3).result(timeout=10) == [2, 4, 6]
    children = engine.list_workflows(id_prefix=f"{wid}:parent:child-")
    assert sorted(c.workflow_id for c in children) == [f"{wid}:parent:child-{i}" for i in range(3)]
    assert {c.parent_workflow_id for c in children} == {f"{wid}:parent"}
    steps = engine.list_steps(f"{wid}:parent")
    # each child appears twice: the step that started it and the one that read its result
    assert {s.child_workflow_id for s in steps if s.child_workflow_id} == {
        c.workflow_id for c in children
    }
    assert len(steps) == 6
    assert engine.start(f"{wid}:parent", wf.parent, 3).result(timeout=10) == [2, 4, 6]
    assert wf.CALLS["add_one:0"] == 1


def test_a_patch_marks_new_executions_and_replays_agree(wid):
    assert engine.start(f"{wid}:patched", wf.patched_pipeline, 7).result(timeout=10) == 16
    names = [s.name for s in engine.list_steps(f"{wid}:patched")]
    assert names == ["DBOS.patch-sample.add-before-double", "sample.add_one", "sample.double"]
    assert engine.start(f"{wid}:patched", wf.patched_pipeline, 7).result(timeout=10) == 16


def test_an_async_workflow_awaits_a_child_workflow_by_calling_it(wid):
    assert engine.start(f"{wid}:async-parent", wf.async_parent, 50).result(timeout=10) == 102
    (child,) = [
        r
        for r in engine.list_workflows(name="sample.pipeline_async", limit=None)
        if r.parent_workflow_id == f"{wid}:async-parent"
    ]
    assert child.state is engine.WorkflowState.SUCCESS


def test_a_blocking_sleep_in_an_async_workflow_is_refused(wid):
    with pytest.raises(engine.EngineUsageError, match="would block the event loop"):
        engine.start(f"{wid}:blocking", wf.blocking_sleep_in_async).result(timeout=10)
