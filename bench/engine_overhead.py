"""Overhead of goldfleet's durable engine (the port over DBOS 3.4.0) per step and per workflow,
on SQLite and on PostgreSQL.

Each backend is measured in a fresh child process (DBOS is a process-wide singleton) running
the engine in-process, as a worker does, with no-op steps, so every number is the engine's own
cost: checkpointing, dispatch, polling. PostgreSQL is a throwaway cluster started here
(``initdb`` + ``pg_ctl`` on a Unix socket) with durable commits (fsync on), as in production.

Phases, per backend:

* ``sequential`` - one workflow of ``--steps`` no-op steps at a time, ``--repeat`` times:
  latency per step with nothing else running. Three flavours: goldfleet ``def`` steps,
  goldfleet ``async def`` steps, and bare DBOS steps (the baseline without goldfleet's port).
* ``start`` - ``--workflows`` workflows with no steps, started back to back: the cost of a
  ``start()`` call, and how long until all have finished.
* ``concurrent`` - ``--workflows`` workflows of ``--steps`` steps started at once: steps/s.
* ``queued`` - the same workflows enqueued on a queue (worker concurrency ``--concurrency``):
  the cost of an ``enqueue()`` call and steps/s through the queue.

    python bench/engine_overhead.py [--workflows 200] [--steps 10] [--repeat 20]

Prints a table and, last, one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the child: one backend, measured in-process -------------------------------------------


def child(config: dict[str, Any]) -> dict[str, Any]:
    from dbos import DBOS

    from goldfleet import engine
    from goldfleet.engine.dbos_engine import worker_engine
    from goldfleet.engine.settings import EngineSettings

    @engine.step("bench.noop")
    def noop(i: int) -> int:
        return i

    @engine.step("bench.noop_async")
    async def noop_async(i: int) -> int:
        return i

    @engine.workflow("bench.steps")
    def steps(count: int) -> int:
        return sum(noop(i) for i in range(count))

    @engine.workflow("bench.steps_async")
    async def steps_async(count: int) -> int:
        total = 0
        for i in range(count):
            total += await noop_async(i)
        return total

    @DBOS.step(name="bench.raw_noop")
    def raw_noop(i: int) -> int:
        return i

    @DBOS.workflow(name="bench.raw_steps")
    def raw_steps(count: int) -> int:
        return sum(raw_noop(i) for i in range(count))

    queue = engine.queue("bench.queue", worker_concurrency=config["concurrency"])
    settings = EngineSettings(
        database_url=config["url"],
        worker_id="bench-worker",
        queue_poll_seconds=0.01,
        result_poll_seconds=0.002,
    )
    n, m, repeat = config["workflows"], config["steps"], config["repeat"]
    out: dict[str, Any] = {}

    def wait_all(runs: list[Any]) -> float:
        """Wait for every run; the perf_counter instant the last one was seen finished.
        (Not the database's completed_at: DBOS on SQLite and Python < 3.12 stamps workflow
        rows with whole seconds.)"""
        for run in runs:
            run.result(timeout=600)
        return time.perf_counter()

    with worker_engine(settings, clock=engine.SystemClock()):
        engine.start("warmup", steps, 3).result(timeout=60)
        time.sleep(1.5)  # the queue's thread starts within a second of its registration

        def sequential(name: str, fn: Any, count: int) -> float:
            """Median seconds for one workflow of ``count`` steps, started and awaited."""
            latencies = []
            for r in range(repeat):
                began = time.perf_counter()
                engine.start(f"seq-{name}-{r}", fn, count).result(timeout=60)
                latencies.append(time.perf_counter() - began)
            return statistics.median(latencies)

        def raw(name: str, count: int) -> float:
            """The same with bare DBOS decorators and handles (no goldfleet port)."""
            from dbos import SetWorkflowID

            latencies = []
            for r in range(repeat):
                began = time.perf_counter()
                with SetWorkflowID(f"seq-{name}-{r}"):
                    DBOS.start_workflow(raw_steps, count).get_result()
                latencies.append(time.perf_counter() - began)
            return statistics.median(latencies)

        empty = sequential("zero", steps, 0)
        out["sequential"] = {
            "workflow_without_steps_ms": empty * 1000,
            "def_ms_per_step": (sequential("def", steps, m) - empty) / m * 1000,
            "async_ms_per_step": (sequential("async", steps_async, m) - empty) / m * 1000,
            "raw_dbos_ms_per_step": (raw("raw", m) - raw("raw-zero", 0)) / m * 1000,
        }

        began = time.perf_counter()
        calls, runs = [], []
        for i in range(n):
            t = time.perf_counter()
            runs.append(engine.start(f"start-{i}", steps, 0))
            calls.append(time.perf_counter() - t)
        finished = wait_all(runs) - began
        out["start"] = {
            "ms_per_start_call": statistics.mean(calls) * 1000,
            "workflows_per_s": n / finished,
        }

        began = time.perf_counter()
        runs = [engine.start(f"conc-{i}", steps, m) for i in range(n)]
        finished = wait_all(runs) - began
        out["concurrent"] = {
            "steps_per_s": n * m / finished,
            "ms_per_step": finished / (n * m) * 1000,
            "seconds": finished,
        }

        began = time.perf_counter()
        calls, runs = [], []
        for i in range(n):
            t = time.perf_counter()
            runs.append(engine.enqueue(queue, f"queued-{i}", steps, m))
            calls.append(time.perf_counter() - t)
        finished = wait_all(runs) - began
        out["queued"] = {
            "ms_per_enqueue_call": statistics.mean(calls) * 1000,
            "steps_per_s": n * m / finished,
            "seconds": finished,
        }
    return out


# --- the parent: start backends, run children, print -------------------------------------


def run_child(config: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(config)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    if done.returncode != 0:
        raise SystemExit(f"{config['backend']} run failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def postgres_version(bin_dir: Path) -> str:
    return subprocess.run(
        [str(bin_dir / "pg_ctl"), "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20, help="sequential runs per flavour")
    parser.add_argument("--concurrency", type=int, default=50, help="queue worker concurrency")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0

    from tests.engine.postgres import find_bin_dir, throwaway_postgres

    common = {
        "workflows": args.workflows,
        "steps": args.steps,
        "repeat": args.repeat,
        "concurrency": args.concurrency,
    }
    results: dict[str, Any] = {}
    backends = [b.strip() for b in args.backends.split(",")]
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(prefix="goldfleet-bench-") as state:
            url = f"sqlite:///{Path(state) / 'engine.sqlite'}"
            results["sqlite"] = run_child({**common, "backend": "sqlite", "url": url})
    if "postgresql" in backends:
        with throwaway_postgres(durable=True) as pg:
            url = pg.fresh_url("gf_bench")
            results["postgresql"] = run_child({**common, "backend": "postgresql", "url": url})

    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(find_bin_dir()) if "postgresql" in backends else None,
        "platform": platform.platform(),
    }
    rows = [
        ("sequential: workflow with no steps (ms)", "sequential", "workflow_without_steps_ms"),
        ("sequential: def step (ms/step)", "sequential", "def_ms_per_step"),
        ("sequential: async step (ms/step)", "sequential", "async_ms_per_step"),
        ("sequential: bare DBOS step (ms/step)", "sequential", "raw_dbos_ms_per_step"),
        ("start() call (ms)", "start", "ms_per_start_call"),
        ("started workflows finished (/s)", "start", "workflows_per_s"),
        ("concurrent steps (/s)", "concurrent", "steps_per_s"),
        ("concurrent: ms per step", "concurrent", "ms_per_step"),
        ("enqueue() call (ms)", "queued", "ms_per_enqueue_call"),
        ("queued steps (/s)", "queued", "steps_per_s"),
    ]
    names = list(results)
    print(f"{args.workflows} workflows x {args.steps} no-op steps; {machine}")
    print(f"{'':44}" + "".join(f"{name:>14}" for name in names))
    for label, phase, key in rows:
        print(f"{label:44}" + "".join(f"{results[b][phase][key]:>14.2f}" for b in names))
    print(json.dumps({"config": common, "machine": machine, "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
