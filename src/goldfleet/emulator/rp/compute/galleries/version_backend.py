"""Rules and state of gallery image versions being created and updated: Major.Minor.Patch
names, the source checked against the definition (OS type, OS state, Hyper-V generation), the
publishing profile (regions the subscription offers, the version's own region included, no
duplicates, 1-100 replicas), the safety profile (no silent removal of replicated regions),
end-of-life in the future, restoring a soft-deleted version, and the per-region limit of
versions. Replication is replication.py's; deletion and ``latest`` are retirement.py's. No HTTP.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors, machine_contents, operations, settings
from goldfleet.emulator.rp.compute.galleries import replication, security, sources
from goldfleet.emulator.rp.compute.galleries.gallery_backend import (
    require_location,
    subscription_galleries,
)
from goldfleet.emulator.rp.compute.naming import (
    GALLERY,
    IMAGE,
    STORAGE_ACCOUNT_TYPES,
    VERSION,
    check_version_name,
    display_region,
    enum_value,
    gallery_id,
    image_id,
    object_at,
    parse_date,
    region_name,
    version_id,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

PREFIX = "galleryImageVersion"
PUBLISHING = f"{PREFIX}.properties.publishingProfile"


def definition_of(
    world: World, subscription_id: str, group: str, gallery: str, image: str
) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    found = world.store.get(image_id(gallery_id(subscription_id, group, gallery), image))
    if found is None:
        raise errors.parent_not_found(f"{gallery}/{image}")
    return found


def get_version(
    world: World,
    subscription_id: str,
    group: str,
    gallery: str,
    image: str,
    name: str,
    *,
    soft_deleted: bool = False,
) -> StoredResource:
    definition = definition_of(world, subscription_id, group, gallery, image)
    item = world.store.get(version_id(definition.id, name))
    if item is None or (item.meta.get("softDeleted") and not soft_deleted):
        raise not_found(VERSION, f"{gallery}/images/{image}/versions/{name}", group)
    return item


def versions_of(world: World, definition: StoredResource) -> list[StoredResource]:
    return [
        v for v in world.store.children(definition.id, VERSION) if not v.meta.get("softDeleted")
    ]


def put_version(
    world: World,
    sub: Subscription,
    names: tuple[str, str, str, str],
    body: dict[str, Any],
    caller: Caller,
    linked: sources.LinkedCheck,
    *,
    check_security: bool = True,
) -> tuple[StoredResource, Operation, bool]:
    """GalleryImageVersions_CreateOrUpdate: the version, its operation, whether it was created.
    ``check_security=False`` is for Image Builder, whose own capture keeps the build VM's
    security state (the managed image it passes is the emulator's shortcut, not the user's)."""
    group, gallery, image, name = names
    definition = definition_of(world, sub.subscription_id, group, gallery, image)
    check_version_name(name)
    location = require_location(body)
    if location != definition.body["location"]:
        raise errors.child_location_mismatch(
            "gallery image version", location, definition.body["location"]
        )
    existing = world.store.get(version_id(definition.id, name))
    if existing is not None and not existing.meta.get("softDeleted"):
        return (*_update(world, sub, existing, body, caller, linked, replace=True), False)
    props = object_at(body, "properties", f"{PREFIX}.properties")
    profile = object_at(props, "storageProfile", f"{PREFIX}.properties.storageProfile")
    publishing = object_at(props, "publishingProfile", PUBLISHING)
    targets = _targets(world, sub, publishing, location, None)
    end_of_life = _end_of_life(world, publishing, None)
    source = sources.resolve(world, profile, location, sub.subscription_id, linked)
    _check_compatible(definition, source)
    if check_security:
        security.check_source(definition, source)
    _check_limit(world, sub, location)
    if existing is not None:  # a soft-deleted version of that name is replaced
        world.delete_resource(existing.id)
    safety = object_at(props, "safetyProfile", f"{PREFIX}.properties.safetyProfile")
    out_publishing: dict[str, Any] = {
        "targetRegions": targets,
        "replicaCount": _replicas(world, publishing.get("replicaCount", 1), "replicaCount"),
        "excludeFromLatest": bool(publishing.get("excludeFromLatest", False)),
        "publishedDate": iso(world.now_dt()),
        "storageAccountType": _account_type(publishing.get("storageAccountType")),
    }
    if end_of_life:
        out_publishing["endOfLifeDate"] = end_of_life
    for key in ("replicationMode", "storageAccountStrategy", "targetExtendedLocations"):
        if publishing.get(key) is not None:
            out_publishing[key] = publishing[key]
    properties: dict[str, Any] = {
        "publishingProfile": out_publishing,
        "storageProfile": source.storage_profile(),
        "safetyProfile": {
            "allowDeletionOfReplicatedLocations": bool(
                safety.get("allowDeletionOfReplicatedLocations", False)
            ),
            "reportedForPolicyViolation": False,
            "blockDeletionBeforeEndOfLife": bool(safety.get("blockDeletionBeforeEndOfLife", False)),
        },
        "provisioningState": "Creating",
    }
    if isinstance(props.get("securityProfile"), dict):
        properties["securityProfile"] = props["securityProfile"]
    disks = [source.os_disk, *source.data_disks]
    item = world.store.put(
        {
            "id": version_id(definition.id, name),
            "name": name,
            "type": VERSION,
            "location": location,
            "tags": body.get("tags") or {},
            "properties": properties,
        },
        {
            "sizeGB": source.size_gb,
            "largestDiskGB": max(d.size_gb for d in disks),
            "source": {"kind": source.kind, "id": source.id},
            "replication": {},
        },
    )
    operations.stamp_system_data(world, item.body, caller)
    machine_contents.copy_from(world, source.id, item.id)  # the guest contents travel along
    for target in targets:
        replication.plan_region(
            world, item, region_name(target["name"]), target["regionalReplicaCount"], full=True
        )
    op = operations.begin(world, item, caller.tenant_id, caller.object_id, location)
    return item, op, True


def patch_version(
    world: World,
    sub: Subscription,
    names: tuple[str, str, str, str],
    body: dict[str, Any],
    caller: Caller,
    linked: sources.LinkedCheck,
) -> tuple[StoredResource, Operation]:
    """GalleryImageVersions_Update (also restores a soft-deleted version: ``restore: true``)."""
    group, gallery, image, name = names
    props = object_at(body, "properties", f"{PREFIX}.properties")
    item = get_version(
        world,
        sub.subscription_id,
        group,
        gallery,
        image,
        name,
        soft_deleted=bool(props.get("restore")),
    )
    return _update(world, sub, item, body, caller, linked, replace=False)


def _update(
    world: World,
    sub: Subscription,
    item: StoredResource,
    body: dict[str, Any],
    caller: Caller,
    linked: sources.LinkedCheck,
    *,
    replace: bool,
) -> tuple[StoredResource, Operation]:
    """Validate everything, then apply: new regions replicate, removed ones go, failed retry."""
    props = object_at(body, "properties", f"{PREFIX}.properties")
    current = item.body["properties"]
    _check_source_unchanged(current.get("storageProfile") or {}, props.get("storageProfile"))
    publishing = object_at(props, "publishingProfile", PUBLISHING)
    safety = {**current.get("safetyProfile", {})}
    given_safety = object_at(props, "safetyProfile", f"{PREFIX}.properties.safetyProfile")
    for key in ("allowDeletionOfReplicatedLocations", "blockDeletionBeforeEndOfLife"):
        if given_safety.get(key) is not None:
            safety[key] = bool(given_safety[key])
    old_publishing = current["publishingProfile"]
    targets = old_publishing["targetRegions"]
    if publishing.get("targetRegions"):
        targets = _targets(world, sub, publishing, item.body["location"], old_publishing)
    old_regions = {region_name(t["name"]): t for t in old_publishing["targetRegions"]}
    new_regions = {region_name(t["name"]): t for t in targets}
    removed = [r for r in old_regions if r not in new_regions]
    replicated = [r for r in removed if replication.region_state(world, item, r) == "Completed"]
    if replicated and not safety.get("allowDeletionOfReplicatedLocations"):
        raise errors.replicated_region_removed(item.body["name"])
    end_of_life = _end_of_life(world, publishing, old_publishing.get("endOfLifeDate"))
    # --- apply --------------------------------------------------------------------------------
    if props.get("restore") and item.meta.pop("softDeleted", None) is not None:
        item.body["properties"].pop("provisioningState", None)
    old_publishing["targetRegions"] = targets
    for key in ("replicaCount",):
        if publishing.get(key) is not None:
            old_publishing[key] = _replicas(world, publishing[key], key)
    if publishing.get("excludeFromLatest") is not None:
        old_publishing["excludeFromLatest"] = bool(publishing["excludeFromLatest"])
    if end_of_life:
        old_publishing["endOfLifeDate"] = end_of_life
    current["safetyProfile"] = safety
    if replace or "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    for region in removed:
        replication.drop_region(item, region)
    for region, target in new_regions.items():
        state = replication.region_state(world, item, region)
        replicas = int(target["regionalReplicaCount"])
        if region not in old_regions or state in (None, "Failed"):
            replication.plan_region(world, item, region, replicas, full=True)
        elif replicas != int(old_regions[region]["regionalReplicaCount"]):
            replication.plan_region(world, item, region, replicas, full=False)
    current["provisioningState"] = "Updating"
    operations.stamp_system_data(world, item.body, caller)
    op = operations.begin(world, item, caller.tenant_id, caller.object_id, item.body["location"])
    replication.schedule_settle(world, item)
    return item, op


def _check_source_unchanged(current: dict[str, Any], given: Any) -> None:
    if not isinstance(given, dict) or not given:
        return
    for path, old, new in (
        ("storageProfile.source.id", current.get("source"), given.get("source")),
        (
            "storageProfile.osDiskImage.source.id",
            (current.get("osDiskImage") or {}).get("source"),
            (given.get("osDiskImage") or {}).get("source"),
        ),
    ):
        if not isinstance(new, dict) or not new:
            continue
        old_ids = {str(v).lower() for v in (old or {}).values() if v}
        new_ids = {str(v).lower() for v in new.values() if v}
        if new_ids and new_ids != old_ids:
            raise errors.property_change_not_allowed(PREFIX, path)


def _targets(
    world: World,
    sub: Subscription,
    publishing: dict[str, Any],
    location: str,
    old: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The validated target regions, defaults filled in, names as Azure shows them."""
    given = publishing.get("targetRegions")
    old_targets = {region_name(t["name"]): t for t in (old or {}).get("targetRegions", [])}
    if not given:
        given = [{"name": location}]
    if not isinstance(given, list) or not all(isinstance(t, dict) for t in given):
        raise errors.invalid_parameter(
            f"The value of parameter {PUBLISHING}.targetRegions is invalid.",
            f"{PUBLISHING}.targetRegions",
        )
    default_replicas = publishing.get("replicaCount", (old or {}).get("replicaCount", 1))
    default_type = publishing.get("storageAccountType") or (old or {}).get("storageAccountType")
    out = []
    seen: set[str] = set()
    for target in given:
        if not target.get("name"):
            raise errors.required(f"{PUBLISHING}.targetRegions.name")
        region = resources.check_location(sub, str(target["name"]), GALLERY)
        if region in seen:
            raise errors.duplicate_regions()
        seen.add(region)
        previous = old_targets.get(region, {})
        replicas = target.get("regionalReplicaCount")
        if replicas is None:
            replicas = previous.get("regionalReplicaCount", default_replicas)
        account = _account_type(
            target.get("storageAccountType") or previous.get("storageAccountType") or default_type
        )
        if previous and account != previous.get("storageAccountType"):
            raise errors.property_change_not_allowed(
                PREFIX, "publishingProfile.targetRegions.storageAccountType"
            )
        entry: dict[str, Any] = {
            "name": display_region(region),
            "regionalReplicaCount": _replicas(
                world, replicas, "targetRegions.regionalReplicaCount"
            ),
            "storageAccountType": account,
        }
        encryption = target.get("encryption", previous.get("encryption"))
        if encryption is not None:
            entry["encryption"] = encryption
        entry["excludeFromLatest"] = bool(
            target.get("excludeFromLatest", previous.get("excludeFromLatest", False))
        )
        if target.get("additionalReplicaSets") is not None:
            entry["additionalReplicaSets"] = target["additionalReplicaSets"]
        out.append(entry)
    if location not in seen:
        raise errors.regions_miss_source_region(
            [display_region(region_name(t["name"])) for t in out], display_region(location)
        )
    return out


def _replicas(world: World, value: Any, field: str) -> int:
    high = settings.limit(world, "replicasPerRegion")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise errors.out_of_range(value, f"{PUBLISHING}.{field}", 1, high)
    return value


def _account_type(value: Any) -> str:
    if value is None:
        return "Standard_LRS"
    return enum_value(value, STORAGE_ACCOUNT_TYPES, f"{PUBLISHING}.storageAccountType")


def _end_of_life(world: World, publishing: dict[str, Any], old: str | None) -> str | None:
    value = publishing.get("endOfLifeDate")
    if value is None or value == old:
        return None
    when = parse_date(value, f"{PUBLISHING}.endOfLifeDate")
    if when.timestamp() <= world.now():
        raise errors.end_of_life_in_past(f"{PUBLISHING}.endOfLifeDate")
    return str(value)


def _check_compatible(definition: StoredResource, source: sources.Source) -> None:
    props = definition.body.get("properties") or {}
    if source.os_type and props.get("osType") and source.os_type != props["osType"]:
        raise errors.os_type_mismatch(source.id, source.os_type, props["osType"])
    if source.os_state and props.get("osState") and source.os_state != props["osState"]:
        raise errors.os_state_mismatch(source.id, props["osState"], source.os_state)
    wanted = props.get("hyperVGeneration") or "V1"
    if source.hyper_v_generation and source.hyper_v_generation != wanted:
        raise errors.generation_mismatch(source.id, source.hyper_v_generation, wanted)


def _check_limit(world: World, sub: Subscription, location: str) -> None:
    allowed = settings.limit(world, "imageVersionsPerSubscriptionPerRegion")
    count = sum(
        1
        for g in subscription_galleries(world, sub.subscription_id)
        for i in world.store.children(g.id, IMAGE)
        for v in world.store.children(i.id, VERSION)
        if region_name(v.body.get("location", "")) == location
    )
    if count >= allowed:
        raise errors.limit_reached("image versions", allowed, sub.subscription_id, location)
