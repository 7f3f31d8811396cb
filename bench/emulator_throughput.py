"""Throughput and latency of the emulator for authenticated ARM GETs and PUTs over TLS.

The emulator runs in a subprocess of its own (uvicorn + uvloop + httptools, as it always runs);
the load comes from aiohttp clients in one or more further processes, so that server and client
never share a GIL. Every request carries a bearer token obtained from the emulator's own token
endpoint (client credentials) and goes through the whole front door: token verification,
api-version, tenant check, throttling bookkeeping (limits disabled through the control API),
faults, provider registration, RBAC and the request log.

Two kinds of phase per workload:

* ``max``  - closed loop: ``--connections`` keep-alive connections, each sending its next
  request as soon as the previous answer arrives. Measures the highest throughput; latency at
  saturation is mostly queueing (Little's law: connections / throughput).
* ``rate`` - open loop at ``--rate`` requests/s (GET only by default): requests are sent on a
  fixed schedule whatever the server does, and latency is measured from the scheduled send time,
  so a stalled server cannot hide its stalls (no coordinated omission).

Target (issue): at least 1,500 GET/s with p99 under 25 ms, every answer 2xx.

    python bench/emulator_throughput.py [--duration 10] [--connections 32] [--rate 1500]

Prints a table and, last, one JSON line with every number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import platform
import queue
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "emulator" / "msp-estate.yaml"
TENANT = "7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01"
APP_ID = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"
SUBSCRIPTION = "5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01"
RESOURCE_GROUP = "rg-goldfleet-images"
API = "api-version=2021-04-01"
TARGET_RPS = 1500.0
TARGET_P99_MS = 25.0

# Runs in the emulator's own process: serve until SIGINT/SIGTERM, print where it listens first.
SERVER_SCRIPT = r"""
import json, sys
from pathlib import Path
from goldfleet.emulator.server import EmulatorOptions, serve_forever

cfg = json.loads(sys.argv[1])

def ready(endpoint, ca_path, app):
    info = {"endpoint": endpoint, "ca": str(ca_path), "secret": app.control_secret}
    print(json.dumps(info), flush=True)

options = EmulatorOptions(
    host=cfg["host"],
    port=0,
    scenario=Path(cfg["scenario"]),
    state_dir=Path(cfg["state_dir"]),
    speed=cfg["speed"],
    log_level="warning",
)
profiler = None
if cfg["profile"]:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
try:
    serve_forever(options, on_ready=ready)
except KeyboardInterrupt:  # uvicorn shuts down gracefully, then re-raises the SIGINT
    pass
finally:
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(cfg["profile"])
"""


# --- the emulator process --------------------------------------------------------------------


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    endpoint: str
    ca_path: Path
    control_secret: str  # what the control API (/_emulator) asks for

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_path))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        form: dict[str, str] | None = None,
    ) -> Any:
        headers = {}
        if path.startswith("/_emulator"):
            headers["x-goldfleet-emulator-secret"] = self.control_secret
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.endpoint + path, data=data, method=method, headers=headers
        )
        with urllib.request.urlopen(request, context=self.ssl_context(), timeout=30) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the emulator process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_emulator(state_dir: Path, speed: float | None, profile: str | None) -> Emulator:
    cfg = {
        "host": "127.0.0.1",
        "scenario": str(SCENARIO),
        "state_dir": str(state_dir),
        "speed": speed,
        "profile": profile,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, json.dumps(cfg)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        raise SystemExit(f"the emulator exited before it was ready (code {process.returncode})")
    info = json.loads(line)
    emulator = Emulator(process, info["endpoint"], Path(info["ca"]), info["secret"])
    deadline = time.monotonic() + 30
    while True:  # on_ready runs just before uvicorn binds: wait until it answers
        try:
            emulator.call("GET", "/_emulator")
            return emulator
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline or process.poll() is not None:
                emulator.stop()
                raise SystemExit("the emulator did not start listening") from None
            time.sleep(0.05)


def client_secret() -> str:
    import yaml

    scenario = yaml.safe_load(SCENARIO.read_text())
    for app in scenario["applications"]:
        if app["appId"] == APP_ID:
            return str(app["secrets"][0]["value"])
    raise SystemExit(f"{SCENARIO} has no application {APP_ID}")


def get_token(emulator: Emulator) -> str:
    """Client credentials against the emulator's own token endpoint, as the SDK does."""
    answer = emulator.call(
        "POST",
        f"/{TENANT}/oauth2/v2.0/token",
        form={
            "grant_type": "client_credentials",
            "client_id": APP_ID,
            "client_secret": client_secret(),
            "scope": f"{emulator.endpoint}/.default",
        },
    )
    return str(answer["access_token"])


# --- workloads ---------------------------------------------------------------------------------

RG_PATH = f"/subscriptions/{SUBSCRIPTION}/resourceGroups"
WORKLOADS = {
    "get": ("GET", f"{RG_PATH}/{RESOURCE_GROUP}?{API}"),
    "list": ("GET", f"/subscriptions/{SUBSCRIPTION}/resourcegroups?{API}"),
    "put": ("PUT", f"{RG_PATH}/bench-rg-{{n}}?{API}"),
}


def request_for(workload: str, i: int) -> tuple[str, str, bytes | None]:
    method, path = WORKLOADS[workload]
    if workload != "put":
        return method, path, None
    body = json.dumps({"location": "uksouth", "tags": {"n": str(i)}}).encode()
    return method, path.format(n=i % 50), body


# --- the load generator (one per client process) ---------------------------------------------


def client_process(job: dict[str, Any], results: Any) -> None:
    try:
        import uvloop

        outcome = uvloop.run(_client(job))
    except BaseException as exc:
        outcome = {"fatal": repr(exc)}
    results.put(outcome)


async def _client(job: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    # Wall-clock instants from the parent, converted to this process's perf_counter.
    offset = time.time() - time.perf_counter()
    start = job["start"] - offset
    end = job["end"] - offset
    index, processes = job["index"], job["processes"]
    context = ssl.create_default_context(cafile=job["ca"])
    connector = aiohttp.TCPConnector(
        ssl=context, limit=job["connections"], limit_per_host=job["connections"]
    )
    headers = {"Authorization": f"Bearer {job['token']}"}
    base = job["endpoint"]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    cpu: dict[str, float] = {}
    counter = [index]

    async def one(session: aiohttp.ClientSession, sent_at: float | None = None) -> None:
        i = counter[0]
        counter[0] += processes
        method, path, body = request_for(job["workload"], i)
        began = time.perf_counter() if sent_at is None else sent_at
        status = 0
        try:
            async with session.request(
                method,
                base + path,
                data=body,
                headers={"Content-Type": "application/json"} if body is not None else None,
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = type(exc).__name__
        else:
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        done = time.perf_counter()
        if start <= done <= end and began >= start - 1.0:
            latencies.append(done - began)
            statuses[status] += 1
            if error:
                errors[error] += 1

    async def closed_loop(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < end:
            await one(session)

    async def open_loop(session: aiohttp.ClientSession) -> None:
        interval = processes / job["rate"]
        t0 = time.perf_counter() + index * interval / processes
        pending: set[asyncio.Task[None]] = set()
        k = 0
        while True:
            due = t0 + k * interval
            if due >= end:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.ensure_future(one(session, sent_at=due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            k += 1
        if pending:
            await asyncio.wait(pending, timeout=30)

    async def cpu_meter() -> None:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        cpu["start"] = time.process_time()
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        cpu["end"] = time.process_time()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=timeout, skip_auto_headers=["User-Agent"]
    ) as session:
        meter = asyncio.ensure_future(cpu_meter())
        if job["mode"] == "max":
            await asyncio.gather(*(closed_loop(session) for _ in range(job["connections"])))
        else:
            await open_loop(session)
        await meter
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "cpu": cpu.get("end", 0.0) - cpu.get("start", 0.0),
    }


# --- one phase: several client processes, server CPU, summary -------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    rank = max(0, math.ceil(q / 100 * len(sorted_values)) - 1)
    return sorted_values[rank]


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs, everything but idle/iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def collect(results: Any, workers: list[Any], deadline: float) -> list[dict[str, Any]]:
    """One outcome per client process; fail fast if one dies without reporting."""
    outcomes: list[dict[str, Any]] = []
    while len(outcomes) < len(workers):
        try:
            outcomes.append(results.get(timeout=1))
            continue
        except queue.Empty:
            pass
        dead = [w for w in workers if w.exitcode not in (None, 0)]
        if dead or time.monotonic() > deadline:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
            what = f"exit code {dead[0].exitcode}" if dead else "timeout"
            raise SystemExit(f"a client process did not report ({what})")
    for worker in workers:
        worker.join(timeout=30)
    return outcomes


def run_phase(
    emulator: Emulator,
    token: str,
    *,
    workload: str,
    mode: str,
    duration: float,
    warmup: float,
    connections: int,
    processes: int,
    rate: float,
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    lead = 1.5  # time for the client processes to import and start
    start = time.time() + lead + warmup
    end = start + duration
    per_process = max(1, connections // processes)
    workers = []
    for index in range(processes):
        job = {
            "index": index,
            "processes": processes,
            "workload": workload,
            "mode": mode,
            "start": start,
            "end": end,
            "connections": per_process,
            "rate": rate,
            "endpoint": emulator.endpoint,
            "ca": str(emulator.ca_path),
            "token": token,
        }
        worker = ctx.Process(target=client_process, args=(job, results), daemon=True)
        worker.start()
        workers.append(worker)
    time.sleep(max(0.0, start - time.time()))
    server_cpu_start = emulator.cpu_seconds()
    machine_start = machine_busy_seconds()
    time.sleep(max(0.0, end - time.time()))
    server_cpu = emulator.cpu_seconds() - server_cpu_start
    machine_cpu = machine_busy_seconds() - machine_start
    outcomes = collect(results, workers, deadline=time.monotonic() + 120)
    fatal = [o["fatal"] for o in outcomes if "fatal" in o]
    if fatal:
        raise SystemExit(f"a client process failed: {fatal[0]}")
    latencies = sorted(x * 1000 for o in outcomes for x in o["latencies"])
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    for o in outcomes:
        statuses.update({int(k): v for k, v in o["statuses"].items()})
        errors.update(o["errors"])
    count = len(latencies)
    client_cpu = sum(o["cpu"] for o in outcomes)
    return {
        "workload": workload,
        "mode": mode,
        "method": WORKLOADS[workload][0],
        "path": WORKLOADS[workload][1],
        "duration_s": duration,
        "connections": per_process * processes,
        "client_processes": processes,
        "offered_rps": rate if mode == "rate" else None,
        "requests": count,
        "rps": round(count / duration, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p90_ms": round(percentile(latencies, 90), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else math.nan,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_cpu_pct": round(100 * server_cpu / duration, 1),
        "client_cpu_pct": round(100 * client_cpu / duration, 1),
        # everything else the machine did meanwhile (other processes, the kernel's softirqs)
        "other_cpu_pct": round(100 * max(0.0, machine_cpu - server_cpu - client_cpu) / duration, 1),
    }


# --- main --------------------------------------------------------------------------------------


def sanity_check(emulator: Emulator, token: str) -> None:
    """One GET by hand: authenticated, 200, ARM's throttling headers present."""
    request = urllib.request.Request(
        emulator.endpoint + WORKLOADS["get"][1], headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, context=emulator.ssl_context(), timeout=30) as answer:
        body = json.loads(answer.read())
        remaining = answer.headers.get("x-ms-ratelimit-remaining-subscription-reads")
    if body.get("name") != RESOURCE_GROUP or remaining is None:
        raise SystemExit(f"unexpected answer to the sanity GET: {body!r}")
    unauthenticated = urllib.request.Request(emulator.endpoint + WORKLOADS["get"][1])
    try:
        urllib.request.urlopen(unauthenticated, context=emulator.ssl_context(), timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            raise SystemExit(f"an unauthenticated GET answered {exc.code}, not 401") from exc
    else:
        raise SystemExit("an unauthenticated GET succeeded: the benchmark would be meaningless")


def print_table(phases: list[dict[str, Any]]) -> None:
    header = (
        f"{'workload':<9}{'mode':<11}{'conns':>6}{'procs':>6}{'req/s':>9}{'p50 ms':>9}"
        f"{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'srv cpu':>9}{'cli cpu':>9}"
        f"{'other':>7}"
    )
    print(header)
    print("-" * len(header))
    for p in phases:
        mode = p["mode"] if p["mode"] == "max" else f"@{p['offered_rps']:g}/s"
        print(
            f"{p['workload']:<9}{mode:<11}{p['connections']:>6}{p['client_processes']:>6}"
            f"{p['rps']:>9.1f}{p['p50_ms']:>9.2f}{p['p90_ms']:>9.2f}{p['p99_ms']:>9.2f}"
            f"{p['max_ms']:>9.2f}{p['errors']:>8}{p['server_cpu_pct']:>8.0f}%"
            f"{p['client_cpu_pct']:>8.0f}%{p['other_cpu_pct']:>6.0f}%"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="client processes sharing the connections (1 is fastest on 2 cores)",
    )
    parser.add_argument(
        "--rate", type=float, default=TARGET_RPS, help="offered GET/s of the open-loop phase"
    )
    parser.add_argument(
        "--workloads", default="get,list,put", help="comma-separated: get, list, put"
    )
    parser.add_argument(
        "--speed", type=float, default=None, help="simulated clock speed (scenario's if unset)"
    )
    parser.add_argument(
        "--server-profile", metavar="FILE", help="run the emulator under cProfile, stats to FILE"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when the target is not met"
    )
    args = parser.parse_args(argv)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = set(workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {sorted(unknown)}")

    with tempfile.TemporaryDirectory(prefix="goldfleet-bench-") as state_dir:
        emulator = start_emulator(Path(state_dir), args.speed, args.server_profile)
        try:
            emulator.call("PUT", "/_emulator/throttling", {"enabled": False})
            token = get_token(emulator)
            sanity_check(emulator, token)
            phases = []
            common = {
                "duration": args.duration,
                "warmup": args.warmup,
                "connections": args.connections,
                "processes": args.processes,
            }
            for workload in workloads:
                phases.append(
                    run_phase(emulator, token, workload=workload, mode="max", rate=0, **common)
                )
                if workload == "get" and args.rate > 0:
                    phases.append(
                        run_phase(
                            emulator, token, workload="get", mode="rate", rate=args.rate, **common
                        )
                    )
            counters = emulator.call("GET", "/_emulator/counters")
        finally:
            emulator.stop()

    get_max = next((p for p in phases if p["workload"] == "get" and p["mode"] == "max"), None)
    get_rate = next((p for p in phases if p["workload"] == "get" and p["mode"] == "rate"), None)
    met = None
    if get_max is not None and get_rate is not None:
        met = (
            get_max["rps"] >= TARGET_RPS
            and get_rate["rps"] >= 0.98 * min(args.rate, TARGET_RPS)
            and args.rate >= TARGET_RPS
            and get_rate["p99_ms"] < TARGET_P99_MS
            and get_max["errors"] == 0
            and get_rate["errors"] == 0
        )

    print(
        f"goldfleet emulator throughput - {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"authenticated ARM requests over TLS, aiohttp clients in {args.processes} process(es), "
        f"emulator in its own process; {args.duration:g} s per phase"
    )
    print()
    print_table(phases)
    print()
    if met is not None:
        print(
            f"target (>= {TARGET_RPS:g} GET/s, p99 < {TARGET_P99_MS:g} ms at {TARGET_RPS:g}/s, "
            f"no errors): {'MET' if met else 'NOT MET'}"
        )
    print(f"emulator request log: {counters.get('requests', 0)} requests")
    print(
        json.dumps(
            {
                "benchmark": "emulator_throughput",
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "target": {"rps": TARGET_RPS, "p99_ms": TARGET_P99_MS, "met": met},
                "phases": phases,
                "server_counters": counters,
            }
        )
    )
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
