"""Image versions leaving, and which one ``latest`` means: deletion (refused before the end of
life when the safety profile says so), soft deletion when the gallery's policy enables it (the
version is hidden from its owner, visible to consumers as ``SoftDeleted`` until its retention
ends, and restorable with ``restore: true``), and the resolution of ``latest`` honouring
``excludeFromLatest`` per version and per region. No HTTP here.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors, operations
from goldfleet.emulator.rp.compute.galleries import replication
from goldfleet.emulator.rp.compute.galleries.version_backend import PUBLISHING, definition_of
from goldfleet.emulator.rp.compute.naming import (
    VERSION,
    gallery_id,
    parse_date,
    region_name,
    version_id,
    version_key,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

DELETE_SECONDS = 10.0
DELETE_PER_REGION_SECONDS = 5.0
DELETE_EVENT = "compute.version_delete"
DEFAULT_RETENTION_DAYS = 7


def delete_version(
    world: World,
    subscription_id: str,
    names: tuple[str, str, str, str],
    caller: Caller,
    *,
    bypass_soft_delete: bool,
) -> Operation | None:
    """GalleryImageVersions_Delete: soft when the gallery's policy says so (unless bypassed)."""
    group, gallery, image, name = names
    definition = definition_of(world, subscription_id, group, gallery, image)
    item = world.store.get(version_id(definition.id, name))
    if item is None or item.meta.get("softDeleted"):
        return None
    props = item.body["properties"]
    end = props["publishingProfile"].get("endOfLifeDate")
    blocked = (props.get("safetyProfile") or {}).get("blockDeletionBeforeEndOfLife")
    if blocked and end and parse_date(end, f"{PUBLISHING}.endOfLifeDate").timestamp() > world.now():
        raise errors.deletion_blocked_before_end_of_life(name, end)
    gallery_item = world.store.get(gallery_id(subscription_id, group, gallery))
    policy = ((gallery_item.body.get("properties") or {}) if gallery_item else {}).get(
        "softDeletePolicy"
    ) or {}
    soft = bool(policy.get("isSoftDeleteEnabled")) and not bypass_soft_delete
    operations.preempt_pending(world, item)
    props["provisioningState"] = "Deleting"
    gen = operations.next_generation(item)
    op = operations.begin(world, item, caller.tenant_id, caller.object_id, item.body["location"])
    regions = len(props["publishingProfile"].get("targetRegions") or [])
    due = world.now() + DELETE_SECONDS + DELETE_PER_REGION_SECONDS * regions
    retention = int(policy.get("retentionPeriodInDays") or DEFAULT_RETENTION_DAYS)
    world.scheduler.at(
        due, DELETE_EVENT, {"id": item.id, "gen": gen, "soft": soft, "retentionDays": retention}
    )
    return op


def finish_delete(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: a version goes (or is soft-deleted, then purged after its retention)."""
    item = world.store.get(args["id"])
    if item is None or int(item.meta.get("generation", 0)) != int(args["gen"]):
        return
    if args.get("purge"):
        if item.meta.get("softDeleted"):
            world.delete_resource(item.id)
        return
    if args.get("soft"):
        item.meta["softDeleted"] = {
            "at": world.now(),
            "until": world.now() + int(args["retentionDays"]) * 86400,
        }
        item.body["properties"]["provisioningState"] = "Succeeded"
        world.scheduler.at(item.meta["softDeleted"]["until"], DELETE_EVENT, {**args, "purge": True})
        operations.finish_pending(world, item)
        return
    world.delete_resource(item.id)
    operations.finish_pending(world, item)


def latest_version(world: World, definition_id: str, region: str | None = None) -> StoredResource:
    """The version 'latest' resolves to (in ``region``, when given), honouring excludeFromLatest."""
    candidates = []
    for version in world.store.children(definition_id, VERSION):
        props = version.body.get("properties") or {}
        publishing = props.get("publishingProfile") or {}
        key = version_key(version.body["name"])
        if key is None or version.meta.get("softDeleted") or publishing.get("excludeFromLatest"):
            continue
        if props.get("provisioningState", "Succeeded") not in ("Succeeded", "Updating"):
            continue
        if region is not None:
            wanted = region_name(region)
            target = next(
                (
                    t
                    for t in publishing.get("targetRegions") or []
                    if region_name(t.get("name", "")) == wanted
                ),
                None,
            )
            if target is None or target.get("excludeFromLatest"):
                continue
            if replication.region_state(world, version, wanted) != "Completed":
                continue
        candidates.append((key, version))
    if not candidates:
        raise errors.no_latest_version(definition_id)
    return max(candidates, key=lambda c: c[0])[1]


def register_events(world: World) -> None:
    world.scheduler.register(DELETE_EVENT, finish_delete)
