"""A capture of the example estate's master VM and an Image Builder build of its monthly
pipeline, on the emulator: ARM calls and simulated time of each, against the lower bound.

The world is the example estate (examples/emulator/msp-estate.yaml) with the example
configuration applied; each pipeline is given only its first (staging) target, so what is
measured is the capture or build itself, not the release to other galleries (bench/distribution.py
measures that). goldfleet runs here, its engine on SQLite; the emulator runs in this process on
its own thread.

Lower bound: the time Azure itself was busy - the union of the intervals of every long-running
operation the job started, from its start to the instant the emulator's model finished it (read
from the emulator's state; ``operations`` lists them): for a capture the snapshots, disk, VM,
the two Run Commands (the scripts' modelled durations), deallocate, the image version (its
creation ends when it has replicated) and the resource group's deletion; for a build the
template's provisioning, its run (queue, build VM, every customization, sysprep, distribution,
clean-up) and its deletion. Every one of them depends on the one before, so no orchestrator can
finish sooner; what is above the bound is goldfleet's own time (real seconds, magnified by the
simulated speed) and how late it notices that an operation ended.

    .venv/bin/python bench/builds.py [--speed 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SECRET = "gf-emulator-secret-not-for-azure"


def first_target_only(config: Path) -> None:
    """Each pipeline distributes to its first target only (host pools, which need the
    others, are left out)."""
    import yaml

    (config / "pools.yaml").unlink()
    images = config / "images.yaml"
    docs = list(yaml.safe_load_all(images.read_text()))
    for doc in docs:
        if doc and doc.get("kind") == "ImagePipeline":
            doc["spec"]["distribution"]["targets"] = doc["spec"]["distribution"]["targets"][:1]
    images.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def measure(emu: Any, job: Any) -> dict[str, Any]:
    emu.control("DELETE", "/requests")
    sim_start = emu.control("GET", "/clock")["timestamp"]
    real_start = time.perf_counter()
    result = job()
    real = time.perf_counter() - real_start
    sim_end = emu.control("GET", "/clock")["timestamp"]
    log = emu.control("GET", "/requests")["value"]
    state = emu.control("GET", "/state")
    finished = [
        o
        for o in state["operations"]
        if o["start"] >= sim_start and o["end"] is not None and o["end"] <= sim_end + 1
    ]
    ops = [(o["start"], o["end"]) for o in finished]
    bound = union_seconds(ops)
    kinds = Counter(
        "poll"
        if "/operations/" in e["path"].lower() or "operationresults" in e["path"].lower()
        else e["method"]
        for e in log
    )
    return {
        "state": result.state,
        "version": result.version,
        "simulated_minutes": round((sim_end - sim_start) / 60, 1),
        "lower_bound_minutes": round(bound / 60, 1),
        "ratio": round((sim_end - sim_start) / bound, 3) if bound else None,
        "operations": [
            f"{(o['start'] - sim_start) / 60:6.1f} +{(o['end'] - o['start']) / 60:5.1f} min "
            f"{(o.get('resource_id') or '').rsplit('/providers/', 1)[-1]}"
            for o in sorted(finished, key=lambda o: o["start"])
        ],
        "arm_calls": len(log),
        "arm_calls_by_kind": dict(sorted(kinds.items())),
        "http_429": sum(1 for e in log if e["status"] == 429),
        "real_seconds": round(real, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=20.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="goldfleet-bench-builds-"))
    config = work / "config"
    shutil.copytree(REPO / "examples" / "goldfleet", config)
    first_target_only(config)
    from goldfleet.emulator import EmulatorOptions, running_emulator

    options = EmulatorOptions(
        scenario=REPO / "examples/emulator/msp-estate.yaml", state_dir=work / "emu", speed=3000
    )
    with running_emulator(options) as emu:
        os.environ.update(
            {
                "GOLDFLEET_CLIENT_SECRET": SECRET,
                "GOLDFLEET_STATE_DIR": str(work / "state"),
                "GOLDFLEET_EMULATOR_ENDPOINT": emu.endpoint,
                "GOLDFLEET_EMULATOR_CA": str(emu.ca_path),
            }
        )
        os.environ.pop("GOLDFLEET_DATABASE_URL", None)
        from goldfleet.api import builds, changes
        from goldfleet.api.session import Target, resolve_cloud

        target = Target(resolve_cloud(), work / "state")
        changes.apply(config, target)  # set-up, not measured
        emu.control("PUT", "/clock", {"speed": args.speed})
        report = {
            "speed": args.speed,
            "capture": measure(emu, lambda: builds.capture(config, target, "win11-legal-capture")),
            "build": measure(emu, lambda: builds.build(config, target, "win11-avd-monthly")),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
