"""Rules and state of managed disks and snapshots (one model: a snapshot is a disk that no VM
uses): ``creationData.createOption`` Empty (disks), Copy (from a disk or a snapshot; an attached
disk may be copied, as in Azure), FromImage (a platform image or a gallery image version via
``galleryImageReference``), the rest answer 501; sizes that only grow; ``diskState`` and
``managedBy`` as VMs attach and detach disks; deleting an attached disk is refused with Azure's
error. Every disk or snapshot made from a source gets a copy of its guest contents. Incremental
snapshots finish their background copy (``completionPercent``) after a simulated copy time.
No HTTP here.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents, put_contents
from goldfleet.emulator.rp.compute import image_sources, machine_operations, operations
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.machine_contents import copy_from
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.naming import (
    DISK,
    HYPER_V_GENERATIONS,
    OS_TYPES,
    SNAPSHOT,
    enum_value,
    object_at,
    region_name,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

DISK_SKUS = (
    "Standard_LRS",
    "Premium_LRS",
    "StandardSSD_LRS",
    "UltraSSD_LRS",
    "Premium_ZRS",
    "StandardSSD_ZRS",
    "PremiumV2_LRS",
)
SNAPSHOT_SKUS = ("Standard_LRS", "Premium_LRS", "Standard_ZRS")
UNSUPPORTED_OPTIONS = (
    "Import",
    "Upload",
    "Restore",
    "CopyStart",
    "ImportSecure",
    "UploadPreparedSecure",
    "CopyFromSanSnapshot",
)
COPY_EVENT = "compute.snapshot.copied"
VERSION_READ = "Microsoft.Compute/galleries/images/versions/read"
DISK_READ = {
    DISK.lower(): "Microsoft.Compute/disks/read",
    SNAPSHOT.lower(): "Microsoft.Compute/snapshots/read",
}


def resource_id(subscription_id: str, group: str, rtype: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{rtype}/{name}"


def get_item(
    world: World, subscription_id: str, group: str, rtype: str, name: str
) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(resource_id(subscription_id, group, rtype, name))
    if item is None or str(item.body.get("type", "")).lower() != rtype.lower():
        raise not_found(rtype, name, group)
    return item


def items_in(world: World, scope: str, rtype: str) -> list[StoredResource]:
    return [
        i for i in world.store.under(scope) if str(i.body.get("type", "")).lower() == rtype.lower()
    ]


def _sku(given: Any, rtype: str, default: str) -> dict[str, str]:
    allowed = SNAPSHOT_SKUS if rtype == SNAPSHOT else DISK_SKUS
    name = enum_value((given or {}).get("name") or default, allowed, "sku.name")
    tier = "Premium" if name.startswith("Premium") else "Standard"
    return {"name": name, "tier": tier}


def new_disk(
    world: World,
    disk_id: str,
    location: str,
    *,
    rtype: str = DISK,
    size_gb: int,
    creation: dict[str, Any],
    os_type: str | None = None,
    generation: str | None = None,
    sku: str = "Premium_LRS",
    tags: dict[str, Any] | None = None,
    managed_by: str | None = None,
    state: str = "Succeeded",
    extra: dict[str, Any] | None = None,
    security_type: str | None = None,
) -> StoredResource:
    """Store a disk or snapshot as Azure returns it (no operation, no contents). A disk attached
    at birth (``managed_by``) has its ``LastOwnershipUpdateTime``; a Premium disk its ``tier``;
    ``security_type`` (TrustedLaunch, ConfidentialVM) becomes ``securityProfile.securityType``."""
    props: dict[str, Any] = {"creationData": creation}
    if os_type:
        props["osType"] = os_type
    if generation:
        props["hyperVGeneration"] = generation
    if security_type and security_type != "Standard":
        props["securityProfile"] = {"securityType": security_type}
    props.update(
        diskSizeGB=size_gb,
        diskSizeBytes=size_gb * 1024**3,
        uniqueId=world.new_uuid(),
        timeCreated=iso(world.now_dt()),
        provisioningState=state,
        diskState="Attached" if managed_by else ("Unattached"),
        encryption={"type": "EncryptionAtRestWithPlatformKey"},
        networkAccessPolicy="AllowAll",
        publicNetworkAccess="Enabled",
    )
    if rtype == DISK:
        props.update(diskIOPSReadWrite=500, diskMBpsReadWrite=100)
        tier = premium_tier(sku, size_gb)
        if tier:
            props["tier"] = tier
    if managed_by:
        props["LastOwnershipUpdateTime"] = iso(world.now_dt())
    props.update(extra or {})
    body: dict[str, Any] = {
        "id": disk_id,
        "name": disk_id.rsplit("/", 1)[1],
        "type": rtype,
        "location": location,
        "tags": dict(tags or {}),
        "sku": _sku({"name": sku}, rtype, sku),
        "properties": props,
    }
    if managed_by:
        body["managedBy"] = managed_by
    return world.store.put(body, {})


# Premium SSD performance tiers by provisioned size (GiB), from Microsoft Learn's disk types page.
PREMIUM_TIERS = (
    (4, "P1"),
    (8, "P2"),
    (16, "P3"),
    (32, "P4"),
    (64, "P6"),
    (128, "P10"),
    (256, "P15"),
    (512, "P20"),
    (1024, "P30"),
    (2048, "P40"),
    (4096, "P50"),
    (8192, "P60"),
    (16384, "P70"),
    (32767, "P80"),
)


def premium_tier(sku: str, size_gb: int) -> str | None:
    """The default performance tier of a Premium SSD of that size (None for other skus)."""
    if not sku.lower().startswith("premium_") or sku.lower().startswith("premiumv2"):
        return None
    return next((tier for limit, tier in PREMIUM_TIERS if size_gb <= limit), "P80")


def attach(world: World, disk: StoredResource, vm_id: str) -> None:
    disk.body["managedBy"] = vm_id
    disk.body["properties"]["diskState"] = "Attached"
    disk.body["properties"]["LastOwnershipUpdateTime"] = iso(world.now_dt())


def detach(world: World, disk: StoredResource) -> None:
    disk.body.pop("managedBy", None)
    disk.body["properties"]["diskState"] = "Unattached"
    disk.body["properties"]["LastOwnershipUpdateTime"] = iso(world.now_dt())


def _source_disk(
    world: World, value: str, location: str, own_subscription: str, linked: LinkedCheck
) -> StoredResource:
    from goldfleet.emulator.arm.ids import parent_and_type, scope_of

    rtype = parent_and_type(value)[1].lower()
    if rtype not in DISK_READ:
        raise errors.invalid_parameter(
            f"The value of parameter creationData.sourceResourceId is invalid: '{value}'.",
            "creationData.sourceResourceId",
        )
    if (scope_of(value).subscription_id or "").lower() != own_subscription.lower():
        linked(value, DISK_READ[rtype])
    item = world.store.get(value)
    if item is None or region_name(item.body.get("location", "")) != location:
        raise errors.source_resource_not_found(value)
    return item


def _keep_given(
    stored: dict[str, Any], props: dict[str, Any], inherited: dict[str, Any], rtype: str
) -> None:
    """What the source passes on (a copy keeps its security state), then what the request says:
    ``supportedCapabilities``, ``securityProfile``, ``purchasePlan``, ``supportsHibernation`` and a
    disk's ``tier``."""
    stored.update(inherited)
    for key in ("supportedCapabilities", "securityProfile", "purchasePlan"):
        if isinstance(props.get(key), dict):
            stored[key] = props[key]
    if isinstance(props.get("supportsHibernation"), bool):
        stored["supportsHibernation"] = props["supportsHibernation"]
    if rtype == DISK and props.get("tier"):
        stored["tier"] = str(props["tier"])


class Made(NamedTuple):
    """What a disk's ``creationData`` gives it: the echo, the source's size, OS type and
    generation, where its guest contents come from, and the properties it inherits (a copy
    keeps its source's ``securityProfile`` and ``supportsHibernation``)."""

    creation: dict[str, Any]
    size_gb: int | None
    os_type: str | None
    generation: str | None
    source_id: str | None
    fallback: GuestContents | None
    inherited: dict[str, Any]


def _creation(
    world: World,
    sub: Subscription,
    location: str,
    props: dict[str, Any],
    rtype: str,
    linked: LinkedCheck,
) -> Made:
    """What ``creationData`` makes the disk from."""
    creation = object_at(props, "creationData", "properties.creationData")
    if not creation.get("createOption"):
        raise errors.required("creationData.createOption")
    option = str(creation["createOption"])
    echo = dict(creation)
    if option.lower() == "empty":
        if rtype == SNAPSHOT:
            raise errors.invalid_parameter(
                "Snapshots cannot be created with createOption 'Empty'.",
                "creationData.createOption",
            )
        echo["createOption"] = "Empty"
        return Made(echo, None, None, None, None, None, {})
    if option.lower() == "copy":
        value = str(creation.get("sourceResourceId") or "")
        if not value:
            raise errors.required("creationData.sourceResourceId")
        source = _source_disk(
            world,
            value if value.startswith("/") else "/" + value,
            location,
            sub.subscription_id,
            linked,
        )
        sprops = source.body.get("properties") or {}
        echo["createOption"] = "Copy"
        echo.setdefault("sourceUniqueId", sprops.get("uniqueId"))
        inherited = {
            k: copy.deepcopy(sprops[k])
            for k in ("securityProfile", "supportsHibernation")
            if k in sprops
        }
        return Made(
            echo,
            int(sprops.get("diskSizeGB") or 0) or None,
            sprops.get("osType"),
            sprops.get("hyperVGeneration"),
            source.id,
            None,
            inherited,
        )
    if option.lower() == "fromimage":
        gallery = object_at(creation, "galleryImageReference", "creationData.galleryImageReference")
        image = object_at(creation, "imageReference", "creationData.imageReference")
        consumer_key = next(
            (k for k in ("sharedGalleryImageId", "communityGalleryImageId") if gallery.get(k)),
            None,
        )
        if consumer_key is not None:
            found = image_sources.from_consumer_reference(
                world,
                sub,
                consumer_key,
                str(gallery[consumer_key]),
                location,
                f"creationData.galleryImageReference.{consumer_key}",
            )
        else:
            reference = str(gallery.get("id") or image.get("id") or "")
            if not reference:
                raise errors.required("creationData.imageReference")
            found = image_sources.from_id(world, reference, location, sub.subscription_id, linked)
        echo["createOption"] = "FromImage"
        guest_state = (
            {"securityProfile": {"securityType": found.security_type}}
            if found.security_type
            else {}
        )
        return Made(
            echo,
            found.size_gb,
            found.os_type,
            found.generation,
            found.id,
            found.contents,
            guest_state,
        )
    if option in UNSUPPORTED_OPTIONS or option.lower() in (o.lower() for o in UNSUPPORTED_OPTIONS):
        raise errors.not_implemented(f"disk createOption '{option}'")
    raise errors.invalid_value("creationData.createOption")


def put_disk(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    linked: LinkedCheck,
    rtype: str = DISK,
) -> tuple[StoredResource, Operation]:
    """Disks_CreateOrUpdate / Snapshots_CreateOrUpdate."""
    resources.get_group(world, sub.subscription_id, group)
    item_id = resource_id(sub.subscription_id, group, rtype, name)
    existing = world.store.get(item_id)
    if existing is not None:
        return patch_disk(world, sub, group, name, body, caller, rtype, replace=True)
    if not body.get("location"):
        raise errors.required("location")
    location = resources.check_location(sub, str(body["location"]), rtype)
    props = object_at(body, "properties", "properties")
    creation, source_size, os_type, generation, source_id, fallback, inherited = _creation(
        world, sub, location, props, rtype, linked
    )
    size = props.get("diskSizeGB")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise errors.invalid_value("diskSizeGB")
    if size is None:
        if source_size is None:
            raise errors.required("diskSizeGB")
        size = source_size
    if source_size is not None and size < source_size:
        raise errors.disk_shrink(source_size, size)
    if props.get("osType"):
        os_type = enum_value(props["osType"], OS_TYPES, "properties.osType")
    if props.get("hyperVGeneration"):
        generation = enum_value(
            props["hyperVGeneration"], HYPER_V_GENERATIONS, "properties.hyperVGeneration"
        )
    incremental = bool(props.get("incremental", False))
    extra: dict[str, Any] = {}
    if rtype == SNAPSHOT:
        extra["incremental"] = incremental
        if incremental:
            extra["completionPercent"] = 0.0
    default_sku = "Standard_LRS" if rtype == SNAPSHOT else "Premium_LRS"
    item = new_disk(
        world,
        item_id,
        location,
        rtype=rtype,
        size_gb=size,
        creation=creation,
        os_type=os_type,
        generation=generation,
        sku=str((body.get("sku") or {}).get("name") or default_sku),
        tags=body.get("tags"),
        state="Updating",
        extra=extra,
    )
    _keep_given(item.body["properties"], props, inherited, rtype)
    operations.stamp_system_data(world, item.body, caller)
    if source_id or fallback is not None:
        copy_from(world, source_id, item.id, fallback)
    elif os_type:
        put_contents(world, item.id, GuestContents(base_image=""))
    op = machine_operations.begin(world, item, caller, location, machine_operations.DISK_OPERATIONS)
    duration = seconds(world, "snapshotCreate" if rtype == SNAPSHOT else "diskCreate")
    if rtype == SNAPSHOT and incremental:
        duration = seconds(world, "incrementalSnapshotCopy")
    operations.next_generation(item)
    operations.schedule_settle(world, item, duration, "provision")
    if rtype == SNAPSHOT and incremental:
        machine_operations.later(world, duration, COPY_EVENT, {"id": item.id})
    return item, op


def patch_disk(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    rtype: str = DISK,
    *,
    replace: bool = False,
) -> tuple[StoredResource, Operation]:
    """Disks_Update / Snapshots_Update (and a PUT on an existing one): tags, size (grow only),
    sku, osType, hyperVGeneration, network access."""
    item = get_item(world, sub.subscription_id, group, rtype, name)
    props = object_at(body, "properties", "properties")
    current = item.body["properties"]
    size = props.get("diskSizeGB")
    old_size, old_sku = int(current.get("diskSizeGB") or 0), str(item.body["sku"]["name"])
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise errors.invalid_value("diskSizeGB")
        if size < int(current.get("diskSizeGB") or 0):
            raise errors.disk_shrink(int(current["diskSizeGB"]), size)
        current["diskSizeGB"], current["diskSizeBytes"] = size, size * 1024**3
    if props.get("osType"):
        current["osType"] = enum_value(props["osType"], OS_TYPES, "properties.osType")
    if props.get("hyperVGeneration"):
        current["hyperVGeneration"] = enum_value(
            props["hyperVGeneration"], HYPER_V_GENERATIONS, "properties.hyperVGeneration"
        )
    for key in ("networkAccessPolicy", "publicNetworkAccess", "supportedCapabilities"):
        if props.get(key) is not None:
            current[key] = props[key]
    if isinstance(props.get("supportsHibernation"), bool):
        current["supportsHibernation"] = props["supportsHibernation"]
    if isinstance(body.get("sku"), dict):
        item.body["sku"] = _sku(body["sku"], rtype, item.body["sku"]["name"])
    if rtype == DISK:
        _retier(current, props, old_sku, old_size, str(item.body["sku"]["name"]))
    if replace or "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    operations.stamp_system_data(world, item.body, caller)
    current["provisioningState"] = "Updating"
    op = machine_operations.begin(
        world, item, caller, item.body["location"], machine_operations.DISK_OPERATIONS
    )
    operations.next_generation(item)
    operations.schedule_settle(world, item, seconds(world, "diskUpdate"), "provision")
    return item, op


def _retier(
    current: dict[str, Any], props: dict[str, Any], old_sku: str, old_size: int, sku: str
) -> None:
    """A given ``tier`` is kept; a default tier follows the size and sku (Premium only)."""
    if props.get("tier"):
        current["tier"] = str(props["tier"])
        return
    default_before = premium_tier(old_sku, old_size)
    if current.get("tier") in (None, default_before):
        tier = premium_tier(sku, int(current.get("diskSizeGB") or 0))
        if tier:
            current["tier"] = tier
        else:
            current.pop("tier", None)


def delete_disk(
    world: World, sub: Subscription, group: str, name: str, caller: Caller, rtype: str = DISK
) -> Operation | None:
    """Disks_Delete / Snapshots_Delete: refused while a VM uses the disk; None when absent."""
    resources.get_group(world, sub.subscription_id, group)
    item = world.store.get(resource_id(sub.subscription_id, group, rtype, name))
    if item is None:
        return None
    if item.body.get("managedBy"):
        raise errors.disk_attached(item.body["name"], str(item.body["managedBy"]))
    operations.preempt_pending(world, item)
    operations.next_generation(item)
    op = machine_operations.begin(
        world, item, caller, item.body["location"], machine_operations.DISK_OPERATIONS
    )
    delay = seconds(world, "snapshotDelete" if rtype == SNAPSHOT else "diskDelete")
    operations.schedule_settle(world, item, delay, "delete")
    return op


def _copied(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is not None:
        item.body["properties"]["completionPercent"] = 100.0


def register_events(world: World) -> None:
    world.scheduler.register(COPY_EVENT, _copied)
