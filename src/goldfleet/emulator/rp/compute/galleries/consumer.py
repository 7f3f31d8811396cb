"""What consumers of a shared or community gallery see of it: in which regions a gallery and
its versions are visible, and the properties of definitions and versions they may read (sizes
as ``diskSizeGB``, ``imageState``, ``consumptionEndTime`` for soft-deleted versions)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.galleries import replication
from goldfleet.emulator.rp.compute.naming import IMAGE, VERSION, region_name
from goldfleet.emulator.world import World


def visible_at(world: World, gallery: StoredResource, location: str) -> bool:
    if region_name(gallery.body.get("location", "")) == location:
        return True
    return any(
        replication.region_state(world, v, location) == "Completed"
        for i in world.store.children(gallery.id, IMAGE)
        for v in world.store.children(i.id, VERSION)
    )


def consumer_versions(
    world: World, definition: StoredResource, location: str
) -> list[StoredResource]:
    """Versions replicated to ``location`` (soft-deleted ones too, until they are purged)."""
    location = region_name(location)
    return [
        v
        for v in world.store.children(definition.id, VERSION)
        if replication.region_state(world, v, location) == "Completed"
    ]


def not_found(path: str) -> ArmError:
    return ArmError(
        404, "ResourceNotFound", f"The Resource 'Microsoft.Compute/{path}' was not found."
    )


def image_properties(definition: StoredResource) -> dict[str, Any]:
    """The definition's properties a consumer may see (shared and community alike)."""
    props = definition.body.get("properties") or {}
    keep = (
        "osType",
        "osState",
        "endOfLifeDate",
        "identifier",
        "recommended",
        "disallowed",
        "hyperVGeneration",
        "features",
        "purchasePlan",
        "architecture",
        "privacyStatementUri",
        "eula",
    )
    out = {k: copy.deepcopy(props[k]) for k in keep if k in props}
    out["artifactTags"] = {}
    return out


def version_properties(world: World, version: StoredResource, location: str) -> dict[str, Any]:
    """A version's properties as consumers see them in ``location``."""
    props = version.body.get("properties") or {}
    publishing = props.get("publishingProfile") or {}
    storage = props.get("storageProfile") or {}
    target: dict[str, Any] = next(
        (
            t
            for t in publishing.get("targetRegions") or []
            if region_name(t.get("name", "")) == region_name(location)
        ),
        {},
    )
    osd = storage.get("osDiskImage") or {}
    out: dict[str, Any] = {"publishedDate": publishing.get("publishedDate")}
    if publishing.get("endOfLifeDate"):
        out["endOfLifeDate"] = publishing["endOfLifeDate"]
    out["excludeFromLatest"] = bool(
        publishing.get("excludeFromLatest") or target.get("excludeFromLatest")
    )
    disks: dict[str, Any] = {
        "osDiskImage": {"diskSizeGB": osd.get("sizeInGB"), "hostCaching": osd.get("hostCaching")}
    }
    if storage.get("dataDiskImages"):
        disks["dataDiskImages"] = [
            {"lun": d["lun"], "diskSizeGB": d.get("sizeInGB"), "hostCaching": d.get("hostCaching")}
            for d in storage["dataDiskImages"]
        ]
    out["storageProfile"] = disks
    out["artifactTags"] = {}
    deleted = version.meta.get("softDeleted")
    if deleted:
        out["consumptionEndTime"] = iso(datetime.fromtimestamp(deleted["until"], UTC))
    out["imageState"] = "SoftDeleted" if deleted else "Active"
    return out
