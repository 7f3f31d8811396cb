"""Replication of an image version to its target regions, as a process in simulated time.

Every target region goes through its own states, concurrently with the others::

    Queued --(queue delay)--> Replicating --(duration)--> Completed
                                         \\--(a fault, at some progress)--> Failed

The model (simple on purpose, documented in docs/emulator/compute-gallery.md):

* queue delay: 15 s x a seeded factor in [0.5, 1.5);
* a full copy lasts ``(size in GB x 20 s + replicas x 30 s) x spread``, where the size is the
  sum of the source's disks and ``spread`` a seeded factor in [0.85, 1.15) drawn from the
  world's seed, the version's id, the region and the attempt - so the same scenario always
  gives the same timings, whatever order requests arrive in;
* changing only a region's replica count lasts ``(20 s + |change| x 30 s) x spread``;
* a source disk larger than 2048 GB fails every region early, with Azure's error; injected
  replication faults (see settings.py) fail the regions they match at ``atProgress``.

Progress is read from the clock (0 while queued, then linear, 100 when completed). When no
region is queued or replicating any more, the version becomes ``Succeeded`` - or ``Failed`` if a
region failed - and its pending operations finish. Azure's REST enum has no ``Queued`` state, so
a queued region shows as ``Replicating`` with progress 0 and details ``Queued``.
"""

from __future__ import annotations

import random
from typing import Any

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import operations, settings
from goldfleet.emulator.rp.compute.naming import display_region, region_name
from goldfleet.emulator.world import World

EVENT = "compute.replication"
QUEUE_SECONDS = 15.0
PER_GB_SECONDS = 20.0
PER_REPLICA_SECONDS = 30.0
SCALE_SECONDS = 20.0
SETTLE_SECONDS = 3.0
MAX_SOURCE_GB = 2048
ACTIVE = ("Queued", "Replicating")


def records(item: StoredResource) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = item.meta.setdefault("replication", {})
    return found


def _rng(world: World, item: StoredResource, region: str, attempt: int) -> random.Random:
    return random.Random(f"{world.seed}|{item.id.lower()}|{region}|{attempt}")


def plan_region(
    world: World, item: StoredResource, region: str, replicas: int, *, full: bool
) -> None:
    """(Re)start replication of ``item`` to ``region``; events of earlier attempts go stale."""
    old = records(item).get(region)
    attempt = int(old["attempt"]) + 1 if old else 1
    rng = _rng(world, item, region, attempt)
    queue = QUEUE_SECONDS * (0.5 + rng.random())
    spread = 0.85 + 0.3 * rng.random()
    size = int(item.meta.get("sizeGB", 0))
    if full:
        duration = (size * PER_GB_SECONDS + replicas * PER_REPLICA_SECONDS) * spread
    else:
        change = abs(replicas - int(old["replicas"])) if old else replicas
        duration = (SCALE_SECONDS + change * PER_REPLICA_SECONDS) * spread
    start = world.now() + queue
    fail: dict[str, Any] | None = None
    if full and int(item.meta.get("largestDiskGB", 0)) > MAX_SOURCE_GB:
        fail = {
            "atProgress": 1.0,
            "code": "GallerySourceResourceExceedsMaxSize",
            "reason": f"The GalleryImageVersion source resource size "
            f"{item.meta['largestDiskGB']} exceeds the max size {MAX_SOURCE_GB} supported.",
        }
    else:
        rule = settings.take_replication_fault(world, item.id, region)
        if rule is not None:
            fail = {k: rule[k] for k in ("atProgress", "code", "reason")}
    records(item)[region] = {
        "state": "Queued",
        "attempt": attempt,
        "replicas": replicas,
        "start": start,
        "end": start + duration,
        "fail": fail,
        "progress": 0,
    }
    args = {"id": item.id, "region": region, "attempt": attempt, "step": "start"}
    world.scheduler.at(start, EVENT, args)


def drop_region(item: StoredResource, region: str) -> None:
    records(item).pop(region, None)


def schedule_settle(world: World, item: StoredResource) -> None:
    """Settle soon even if no region has anything to do (an update of metadata only)."""
    world.scheduler.at(world.now() + SETTLE_SECONDS, EVENT, {"id": item.id, "step": "settle"})


def step(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: a region starts, completes or fails; then the version may settle."""
    item = world.store.get(args["id"])
    if item is None or item.body.get("properties", {}).get("provisioningState") == "Deleting":
        return
    if args["step"] != "settle":
        record = records(item).get(args["region"])
        if record is None or int(record["attempt"]) != int(args["attempt"]):
            return
        if args["step"] == "start":
            record["state"] = "Replicating"
            fail = record.get("fail")
            due = record["end"]
            if fail:
                due = record["start"] + (record["end"] - record["start"]) * fail["atProgress"] / 100
            world.scheduler.at(due, EVENT, {**args, "step": "end"})
            return
        fail = record.get("fail")
        if fail:
            record.update(state="Failed", progress=int(fail["atProgress"]))
        else:
            record.update(state="Completed", progress=100)
    settle_version(world, item)


def settle_version(world: World, item: StoredResource) -> None:
    """When every region is done: Succeeded or Failed, and the pending operations finish."""
    from goldfleet.emulator.rp.compute.galleries.render import resource_view

    regions = records(item)
    if any(r["state"] in ACTIVE for r in regions.values()):
        return
    failed = {name: r for name, r in regions.items() if r["state"] == "Failed"}
    properties = item.body["properties"]
    if failed:
        properties["provisioningState"] = "Failed"
        first = next(iter(failed.values()))
        error = {
            "code": first["fail"]["code"],
            "message": _failure_details(first),
            "details": [
                {
                    "code": r["fail"]["code"],
                    "target": display_region(n),
                    "message": _failure_details(r),
                }
                for n, r in failed.items()
            ],
        }
        operations.finish_pending(world, item, error=error)
        return
    properties["provisioningState"] = "Succeeded"
    operations.finish_pending(world, item, body=resource_view(world, item))


def _failure_details(record: dict[str, Any]) -> str:
    return f"Replication failed in this region due to '{record['fail']['reason']}'"


def region_state(world: World, item: StoredResource, region: str) -> str | None:
    """``Queued``, ``Replicating``, ``Completed`` or ``Failed`` for one region, None if absent.

    A version seeded without replication records counts as completed in its target regions.
    """
    region = region_name(region)
    found = item.meta.get("replication")
    if found is not None:
        record = found.get(region)
        return str(record["state"]) if record else None
    targets = (item.body.get("properties", {}).get("publishingProfile") or {}).get(
        "targetRegions"
    ) or [{"name": item.body.get("location", "")}]
    names = {region_name(t.get("name", "")) for t in targets}
    return "Completed" if region in names else None


def _progress(world: World, record: dict[str, Any]) -> int:
    if record["state"] == "Completed":
        return 100
    if record["state"] == "Failed":
        return int(record["progress"])
    if record["state"] == "Queued":
        return 0
    span = max(record["end"] - record["start"], 1e-9)
    return max(0, min(99, int(100 * (world.now() - record["start"]) / span)))


def replication_status(world: World, item: StoredResource) -> dict[str, Any]:
    """``properties.replicationStatus`` as ``$expand=ReplicationStatus`` shows it."""
    targets = (item.body.get("properties", {}).get("publishingProfile") or {}).get(
        "targetRegions"
    ) or []
    summary = []
    states = []
    for target in targets:
        region = region_name(target.get("name", ""))
        record = (item.meta.get("replication") or {}).get(region)
        if record is None:
            record = {"state": region_state(world, item, region) or "Unknown", "progress": 0}
        state = record["state"]
        states.append(state)
        details = ""
        if state == "Failed":
            details = _failure_details(record)
        elif state == "Queued":
            details = "Queued"
        summary.append(
            {
                "region": display_region(region),
                "state": "Replicating" if state == "Queued" else state,
                "details": details,
                "progress": _progress(world, record) if state != "Unknown" else 0,
            }
        )
    if any(s == "Failed" for s in states):
        aggregated = "Failed"
    elif any(s in ACTIVE for s in states):
        aggregated = "InProgress"
    elif states and all(s == "Completed" for s in states):
        aggregated = "Completed"
    else:
        aggregated = "Unknown"
    return {"aggregatedState": aggregated, "summary": summary}


def register_events(world: World) -> None:
    world.scheduler.register(EVENT, step)
