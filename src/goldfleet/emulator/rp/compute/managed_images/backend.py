"""Rules and state of managed images (Microsoft.Compute/images): made from a generalized
virtual machine (``sourceVirtualMachine``; a VM that is not generalized - a running one never is
- is refused with Azure's error) or from an OS disk given in ``storageProfile.osDisk`` as a
snapshot, a managed disk or a VHD (``blobUri``, not read); ``hyperVGeneration`` from the
request, the source, or V1. A Trusted Launch VM cannot be captured (Azure's OperationNotAllowed).
The image gets a copy of the source's guest contents. No HTTP here.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.ids import parent_and_type, scope_of
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.machine_contents import contents_key, copy_from
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.naming import (
    DISK,
    HYPER_V_GENERATIONS,
    MANAGED_IMAGE,
    OS_STATES,
    OS_TYPES,
    SNAPSHOT,
    VIRTUAL_MACHINE,
    enum_value,
    object_at,
    region_name,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

READ = {
    VIRTUAL_MACHINE.lower(): "Microsoft.Compute/virtualMachines/read",
    DISK.lower(): "Microsoft.Compute/disks/read",
    SNAPSHOT.lower(): "Microsoft.Compute/snapshots/read",
}


def is_generalized(vm: StoredResource) -> bool:
    """A VM marked generalized (by VirtualMachines_Generalize, or seeded so)."""
    if vm.meta.get("generalized"):
        return True
    statuses = ((vm.body.get("properties") or {}).get("instanceView") or {}).get("statuses") or []
    return any(str(s.get("code", "")).lower() == "osstate/generalized" for s in statuses)


def _source(
    world: World, value: str, location: str, sub: Subscription, linked: LinkedCheck, field: str
) -> StoredResource:
    if not value.startswith("/"):
        value = "/" + value
    rtype = parent_and_type(value)[1].lower()
    if rtype not in READ:
        raise errors.invalid_value(field)
    if (scope_of(value).subscription_id or "").lower() != sub.subscription_id.lower():
        linked(value, READ[rtype])
    item = world.store.get(value)
    if item is None or region_name(item.body.get("location", "")) != location:
        raise errors.source_resource_not_found(value)
    return item


def _from_vm(vm: StoredResource, world: World) -> tuple[dict[str, Any], str]:
    security = ((vm.body.get("properties") or {}).get("securityProfile") or {}).get("securityType")
    if str(security or "").lower() == "trustedlaunch":
        raise errors.managed_image_of_trusted_launch_vm()
    if not is_generalized(vm):
        raise errors.image_needs_generalized_vm(vm.body["name"])
    storage = (vm.body.get("properties") or {}).get("storageProfile") or {}
    osd = storage.get("osDisk") or {}
    disk = world.store.get(str((osd.get("managedDisk") or {}).get("id") or ""))
    dprops = (disk.body.get("properties") or {}) if disk else {}
    profile: dict[str, Any] = {
        "osDisk": {
            "osType": osd.get("osType") or dprops.get("osType") or "Windows",
            "osState": "Generalized",
            "managedDisk": {"id": disk.id} if disk else {},
            "caching": osd.get("caching") or "ReadWrite",
            "diskSizeGB": int(dprops.get("diskSizeGB") or osd.get("diskSizeGB") or 127),
            "storageAccountType": (disk.body.get("sku") or {}).get("name", "Premium_LRS")
            if disk
            else "Premium_LRS",
        },
        "dataDisks": [
            {
                "lun": d.get("lun", i),
                "managedDisk": d.get("managedDisk") or {},
                "caching": d.get("caching") or "None",
                "diskSizeGB": d.get("diskSizeGB"),
            }
            for i, d in enumerate(storage.get("dataDisks") or [])
        ],
        "zoneResilient": False,
    }
    return profile, str(dprops.get("hyperVGeneration") or "V1")


def _from_vhd(osd: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
    """``storageProfile.osDisk.blobUri``: a VHD page blob (``https://{account}.blob.core.
    windows.net/{container}/{name}.vhd``). The blob itself is not read (the emulator's blob
    store holds block blobs only): its size is the request's ``diskSizeGB`` when given."""
    uri = str(osd["blobUri"])
    if not re.match(r"^https://[a-z0-9]{3,24}\.blob\.[^/]+/[^/]+/.+\.vhd$", uri, re.IGNORECASE):
        raise errors.invalid_parameter(
            f"The value of parameter storageProfile.osDisk.blobUri is invalid: '{uri}'.",
            "storageProfile.osDisk.blobUri",
        )
    if not osd.get("osType"):
        raise errors.required("storageProfile.osDisk.osType")
    if not osd.get("osState"):
        raise errors.required("storageProfile.osDisk.osState")
    out: dict[str, Any] = {
        "osType": enum_value(osd["osType"], OS_TYPES, "storageProfile.osDisk.osType"),
        "osState": enum_value(osd["osState"], OS_STATES, "storageProfile.osDisk.osState"),
        "blobUri": uri,
        "caching": osd.get("caching") or "ReadWrite",
        "storageAccountType": osd.get("storageAccountType") or "Standard_LRS",
    }
    if isinstance(osd.get("diskSizeGB"), int):
        out["diskSizeGB"] = osd["diskSizeGB"]
    return out, None, None


def _from_disk(
    world: World, osd: dict[str, Any], location: str, sub: Subscription, linked: LinkedCheck
) -> tuple[dict[str, Any], str | None, str | None]:
    if osd.get("blobUri"):
        return _from_vhd(osd)
    ref = osd.get("snapshot") or osd.get("managedDisk") or {}
    if not isinstance(ref, dict) or not ref.get("id"):
        raise errors.required("storageProfile.osDisk.snapshot")
    field = (
        "storageProfile.osDisk." + ("snapshot" if osd.get("snapshot") else "managedDisk") + ".id"
    )
    item = _source(world, str(ref["id"]), location, sub, linked, field)
    if not osd.get("osType"):
        raise errors.required("storageProfile.osDisk.osType")
    if not osd.get("osState"):
        raise errors.required("storageProfile.osDisk.osState")
    props = item.body.get("properties") or {}
    out = dict(osd)
    out["osType"] = enum_value(osd["osType"], OS_TYPES, "storageProfile.osDisk.osType")
    out["osState"] = enum_value(osd["osState"], OS_STATES, "storageProfile.osDisk.osState")
    out.setdefault("caching", "ReadWrite")
    out.setdefault("diskSizeGB", props.get("diskSizeGB"))
    if out.get("diskSizeGB") is None:
        out.pop("diskSizeGB")
    return out, props.get("hyperVGeneration"), item.id


def put_image(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    linked: LinkedCheck,
) -> tuple[StoredResource, Operation, bool]:
    """Images_CreateOrUpdate: the image, its operation, and whether it was created."""
    resources.get_group(world, sub.subscription_id, group)
    item_id = disk_backend.resource_id(sub.subscription_id, group, MANAGED_IMAGE, name)
    existing = world.store.get(item_id)
    if existing is not None:
        item, op = patch_image(world, sub, group, name, {"tags": body.get("tags") or {}}, caller)
        return item, op, False
    if not body.get("location"):
        raise errors.required("location")
    location = resources.check_location(sub, str(body["location"]), MANAGED_IMAGE)
    props = object_at(body, "properties", "properties")
    vm_ref = object_at(props, "sourceVirtualMachine", "properties.sourceVirtualMachine")
    storage = object_at(props, "storageProfile", "properties.storageProfile")
    out: dict[str, Any] = {}
    source_id: str | None
    if vm_ref.get("id"):
        vm = _source(world, str(vm_ref["id"]), location, sub, linked, "sourceVirtualMachine.id")
        profile, generation = _from_vm(vm, world)
        out["sourceVirtualMachine"] = {"id": vm.id}
        source_id = contents_key(world, vm.id)
    else:
        osd = object_at(storage, "osDisk", "properties.storageProfile.osDisk")
        if not osd:
            raise errors.required("storageProfile.osDisk")
        os_disk, source_generation, source_id = _from_disk(world, osd, location, sub, linked)
        profile = {
            "osDisk": os_disk,
            "dataDisks": list(storage.get("dataDisks") or []),
            "zoneResilient": bool(storage.get("zoneResilient", False)),
        }
        generation = str(source_generation or "V1")
    if props.get("hyperVGeneration"):
        generation = enum_value(props["hyperVGeneration"], HYPER_V_GENERATIONS, "hyperVGeneration")
    out.update(storageProfile=profile, provisioningState="Creating", hyperVGeneration=generation)
    item = world.store.put(
        {
            "id": item_id,
            "name": name,
            "type": MANAGED_IMAGE,
            "location": location,
            "tags": dict(body.get("tags") or {}),
            "properties": out,
        },
        {},
    )
    operations.stamp_system_data(world, item.body, caller)
    vhd = str(profile["osDisk"].get("blobUri") or "")
    copy_from(world, source_id, item.id, GuestContents(base_image=vhd) if vhd else None)
    op = machine_operations.begin(world, item, caller, location)
    operations.next_generation(item)
    operations.schedule_settle(world, item, seconds(world, "imageCreate"), "provision")
    return item, op, True


def get_image(world: World, sub: Subscription, group: str, name: str) -> StoredResource:
    return disk_backend.get_item(world, sub.subscription_id, group, MANAGED_IMAGE, name)


def patch_image(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], caller: Caller
) -> tuple[StoredResource, Operation]:
    """Images_Update: tags (and hyperVGeneration, which Azure lets an update set)."""
    item = get_image(world, sub, group, name)
    if "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    props = object_at(body, "properties", "properties")
    if props.get("hyperVGeneration"):
        item.body.setdefault("properties", {})["hyperVGeneration"] = enum_value(
            props["hyperVGeneration"], HYPER_V_GENERATIONS, "hyperVGeneration"
        )
    operations.stamp_system_data(world, item.body, caller)
    item.body.setdefault("properties", {})["provisioningState"] = "Updating"
    op = machine_operations.begin(world, item, caller, item.body["location"])
    operations.next_generation(item)
    operations.schedule_settle(world, item, seconds(world, "imageUpdate"), "provision")
    return item, op


def delete_image(
    world: World, sub: Subscription, group: str, name: str, caller: Caller
) -> Operation | None:
    """Images_Delete: 202 then gone; None when there is no such image."""
    resources.get_group(world, sub.subscription_id, group)
    item = world.store.get(
        disk_backend.resource_id(sub.subscription_id, group, MANAGED_IMAGE, name)
    )
    if item is None:
        return None
    operations.preempt_pending(world, item)
    operations.next_generation(item)
    op = machine_operations.begin(world, item, caller, item.body["location"])
    operations.schedule_settle(world, item, seconds(world, "imageDelete"), "delete")
    return op
