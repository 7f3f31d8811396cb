"""The engine's public API is pinned, and importing it does not import DBOS (lifecycle code
imports the port; only workers and clients load the adapter)."""

from __future__ import annotations

import subprocess
import sys

import goldfleet.engine


def test_the_engine_public_api_is_pinned():
    assert sorted(goldfleet.engine.__all__) == [
        "Clock",
        "EmulatorClock",
        "EngineConfigError",
        "EngineError",
        "EngineSettings",
        "EngineUsageError",
        "FakeClock",
        "NO_RETRY",
        "PermanentError",
        "QueueSpec",
        "QueueTarget",
        "Rate",
        "Retry",
        "ScheduleRecord",
        "ScheduleSpec",
        "StepFailedError",
        "StepRecord",
        "SystemClock",
        "TemporaryError",
        "WorkflowRecord",
        "WorkflowRun",
        "WorkflowState",
        "backfill_schedule",
        "check_workflow_id",
        "clock",
        "enqueue",
        "get_workflow",
        "list_schedules",
        "list_steps",
        "list_workflows",
        "now",
        "now_async",
        "on_shutdown",
        "patched",
        "patched_async",
        "queue",
        "run",
        "run_async_step",
        "schedule",
        "sleep_until",
        "sleep_until_async",
        "start",
        "step",
        "use_clock",
        "workflow",
        "workflow_id",
    ]


def test_importing_the_port_does_not_import_dbos():
    code = "import sys, goldfleet.engine, goldfleet.cli.main; print('dbos' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
