"""Rules and state of virtual machines being created, updated and deleted.

A create runs the checks of ``vm_rules``, then attaches the NICs, charges the vCPU quota, and
makes the OS disk: a new managed disk (``managedBy`` the VM) with a copy of the source's guest
contents, or the attached specialized disk itself; empty data disks are made too. The VM is
``Creating`` until ``vmCreate`` seconds have passed, then ``Succeeded`` and running. Deleting it
cascades by ``deleteOption`` (Delete or Detach, Detach by default as in the REST API) on the OS
disk, data disks and NICs, removes its run commands and extensions, and releases the quota.

Power and OS state live in ``meta``: ``power`` (starting, running, stopping, stopped,
deallocating, deallocated), ``generalized``, ``charged`` (vCPU quota counted). No HTTP here.
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.machine_contents import copy_from
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.machines import quota, vm_rules
from goldfleet.emulator.rp.compute.naming import DISK, VIRTUAL_MACHINE, enum_value, object_at
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.network import backend as network
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

SETTLE_EVENT = "compute.vm.settle"
DELETED_EVENT = "compute.vm.deleted"
RUN_COMMANDS = "Microsoft.Compute/virtualMachines/runCommands"
EXTENSIONS = "Microsoft.Compute/virtualMachines/extensions"
DELETE_OPTIONS = ("Delete", "Detach")


def vm_id(subscription_id: str, group: str, name: str) -> str:
    return disk_backend.resource_id(subscription_id, group, VIRTUAL_MACHINE, name)


def get_vm(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(vm_id(subscription_id, group, name))
    if item is None or str(item.body.get("type", "")).lower() != VIRTUAL_MACHINE.lower():
        raise not_found(VIRTUAL_MACHINE, name, group)
    return item


def power_of(vm: StoredResource) -> str:
    return str(vm.meta.get("power") or "running")


def view(vm: StoredResource) -> dict[str, Any]:
    return copy.deepcopy(vm.body)


def _delete_option(value: Any, field: str) -> str:
    return enum_value(value or "Detach", DELETE_OPTIONS, field)


def put_vm(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    linked: LinkedCheck,
    *,
    resource_id: str | None = None,
    resource_type: str = VIRTUAL_MACHINE,
) -> tuple[StoredResource, Operation, bool]:
    """VirtualMachines_CreateOrUpdate: the VM, its operation, and whether it was created.
    A scale set makes its instances here too, at their own ``resource_id`` and type (a
    Uniform instance is ``virtualMachineScaleSets/virtualMachines``)."""
    resources.get_group(world, sub.subscription_id, group)
    existing = world.store.get(resource_id or vm_id(sub.subscription_id, group, name))
    if existing is not None and resource_id is None:
        item, op = patch_vm(world, sub, group, name, body, caller, replace=True)
        return item, op, False
    if not body.get("location"):
        raise errors.required("location")
    location = resources.check_location(sub, str(body["location"]), VIRTUAL_MACHINE)
    props = object_at(body, "properties", "properties")
    hardware = object_at(props, "hardwareProfile", "properties.hardwareProfile")
    if not hardware.get("vmSize"):
        raise errors.required("hardwareProfile.vmSize")
    storage = object_at(props, "storageProfile", "properties.storageProfile")
    plan = vm_rules.plan_os_disk(world, sub.subscription_id, location, storage, linked)
    os_profile = vm_rules.check_os_profile(plan, props.get("osProfile"), name)
    security = object_at(props, "securityProfile", "properties.securityProfile")
    size = vm_rules.check_size(
        world,
        sub.subscription_id,
        location,
        str(hardware["vmSize"]),
        plan,
        vm_rules.security_type(security),
    )
    nics = vm_rules.check_nics(
        world, location, object_at(props, "networkProfile", "properties.networkProfile")
    )
    os_disk_given = object_at(storage, "osDisk", "storageProfile.osDisk")
    data_given = storage.get("dataDisks") or []
    if not isinstance(data_given, list) or not all(isinstance(d, dict) for d in data_given):
        raise errors.invalid_value("storageProfile.dataDisks")
    item_id = resource_id or vm_id(sub.subscription_id, group, name)
    attached: list[str] = []
    try:
        for nic in nics:
            network.attach_nic(world, nic["id"], item_id)
            attached.append(nic["id"])
        quota.charge(world, sub.subscription_id, location, size.name)
    except Exception:
        for nic_id in attached:
            network.detach_nic(world, nic_id)
        raise
    os_disk = _make_os_disk(world, sub, group, name, item_id, location, plan, os_disk_given, body)
    data_disks = [
        _make_data_disk(world, sub, group, name, item_id, location, d, i)
        for i, d in enumerate(data_given)
    ]
    properties = _properties(world, props, plan, size.name, os_profile, nics, security)
    properties["storageProfile"].update(osDisk=os_disk, dataDisks=data_disks)
    vm_body: dict[str, Any] = {
        "id": item_id,
        "name": name,
        "type": resource_type,
        "location": location,
        "tags": dict(body.get("tags") or {}),
        "properties": properties,
    }
    for key in ("zones", "identity", "plan"):
        if body.get(key) is not None:
            vm_body[key] = body[key]
    item = world.store.put(
        vm_body,
        {"power": "starting", "generalized": False, "charged": True, "osState": plan.os_state},
    )
    operations.stamp_system_data(world, item.body, caller)
    op = machine_operations.begin(world, item, caller, location)
    _schedule_settle(world, item, seconds(world, "vmCreate"), "running")
    return item, op, True


def _properties(
    world: World,
    props: dict[str, Any],
    plan: vm_rules.OsDiskPlan,
    size_name: str,
    os_profile: dict[str, Any] | None,
    nics: list[dict[str, Any]],
    security: dict[str, Any],
) -> dict[str, Any]:
    storage_out: dict[str, Any] = {}
    if plan.image_reference is not None:
        storage_out["imageReference"] = plan.image_reference
    storage_out.update(osDisk={}, dataDisks=[], diskControllerType="SCSI")
    properties: dict[str, Any] = {
        "vmId": world.new_uuid(),
        "hardwareProfile": {"vmSize": size_name},
        "storageProfile": storage_out,
    }
    if os_profile is not None:
        properties["osProfile"] = os_profile
    properties["networkProfile"] = {"networkInterfaces": nics}
    if security:
        properties["securityProfile"] = security
    for key in (
        "diagnosticsProfile",
        "licenseType",
        "priority",
        "availabilitySet",
        "virtualMachineScaleSet",
        "additionalCapabilities",
    ):
        if props.get(key) is not None:
            properties[key] = props[key]
    properties.update(provisioningState="Creating", timeCreated=iso(world.now_dt()))
    return properties


def _disk_security_type(body: dict[str, Any], plan: vm_rules.OsDiskPlan) -> str | None:
    """A Trusted Launch (or confidential) VM's OS disk says so in its securityProfile."""
    given = ((body.get("properties") or {}).get("securityProfile") or {}).get("securityType")
    if given and str(given) != "Standard":
        return str(given)
    return plan.source.security_type if plan.source else None


def _hibernation_enabled(body: dict[str, Any]) -> bool:
    capabilities = (body.get("properties") or {}).get("additionalCapabilities") or {}
    return bool(capabilities.get("hibernationEnabled"))


def _make_os_disk(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    item_id: str,
    location: str,
    plan: vm_rules.OsDiskPlan,
    given: dict[str, Any],
    body: dict[str, Any],
) -> dict[str, Any]:
    managed = object_at(given, "managedDisk", "storageProfile.osDisk.managedDisk")
    delete_option = _delete_option(given.get("deleteOption"), "osDisk.deleteOption")
    if plan.attach is not None:
        disk = plan.attach
        disk_backend.attach(world, disk, item_id)
        create_option = "Attach"
    else:
        assert plan.source is not None
        disk_name = str(given.get("name") or f"{name}_OsDisk_1_{world.new_uuid().replace('-', '')}")
        if plan.source.gallery_reference is not None:
            creation: dict[str, Any] = {
                "createOption": "FromImage",
                "galleryImageReference": dict(plan.source.gallery_reference),
            }
        else:
            reference = plan.source.id or _platform_id(sub, location, plan)
            creation = {"createOption": "FromImage", "imageReference": {"id": reference}}
        disk = disk_backend.new_disk(
            world,
            disk_backend.resource_id(sub.subscription_id, group, DISK, disk_name),
            location,
            size_gb=plan.size_gb,
            creation=creation,
            os_type=plan.os_type,
            generation=plan.generation,
            sku=str(managed.get("storageAccountType") or "Premium_LRS"),
            managed_by=item_id,  # the VM's tags are not the disk's (Azure does not copy them)
            security_type=_disk_security_type(body, plan),
        )
        if _hibernation_enabled(body):
            disk.body["properties"]["supportsHibernation"] = True
        copy_from(world, plan.source.id, disk.id, plan.source.contents)
        create_option = "FromImage"
    return {
        "osType": plan.os_type,
        "name": disk.body["name"],
        "createOption": create_option,
        "caching": given.get("caching") or "ReadWrite",
        "managedDisk": {"storageAccountType": disk.body["sku"]["name"], "id": disk.id},
        "deleteOption": delete_option,
        "diskSizeGB": int(disk.body["properties"]["diskSizeGB"]),
    }


def _platform_id(sub: Subscription, location: str, plan: vm_rules.OsDiskPlan) -> str:
    urn = (plan.source.urn if plan.source else None) or ":::"
    publisher, offer, sku, version = urn.split(":", 3)
    return (
        f"/Subscriptions/{sub.subscription_id}/Providers/Microsoft.Compute/Locations/{location}"
        f"/Publishers/{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}"
        f"/Versions/{version}"
    )


def _make_data_disk(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    item_id: str,
    location: str,
    given: dict[str, Any],
    index: int,
) -> dict[str, Any]:
    lun = given.get("lun", index)
    option = str(given.get("createOption") or "Empty")
    managed = object_at(given, "managedDisk", "storageProfile.dataDisks.managedDisk")
    if option.lower() == "attach":
        disk = world.store.get(str(managed.get("id") or ""))
        if disk is None or str(disk.body.get("type", "")).lower() != DISK.lower():
            raise errors.source_resource_not_found(str(managed.get("id")))
        if disk.body.get("managedBy"):
            raise errors.disk_attached(disk.body["name"], str(disk.body["managedBy"]))
        disk_backend.attach(world, disk, item_id)
    elif option.lower() == "empty":
        size = given.get("diskSizeGB")
        if not isinstance(size, int) or size < 1:
            raise errors.required("storageProfile.dataDisks.diskSizeGB")
        disk_name = str(given.get("name") or f"{name}_DataDisk_{lun}")
        disk = disk_backend.new_disk(
            world,
            disk_backend.resource_id(sub.subscription_id, group, DISK, disk_name),
            location,
            size_gb=size,
            creation={"createOption": "Empty"},
            sku=str(managed.get("storageAccountType") or "Premium_LRS"),
            managed_by=item_id,
        )
    else:
        raise errors.not_implemented(f"data disks with createOption '{option}'")
    return {
        "lun": lun,
        "name": disk.body["name"],
        "createOption": "Attach" if option.lower() == "attach" else "Empty",
        "caching": given.get("caching") or "None",
        "managedDisk": {"storageAccountType": disk.body["sku"]["name"], "id": disk.id},
        "deleteOption": _delete_option(given.get("deleteOption"), "dataDisks.deleteOption"),
        "diskSizeGB": int(disk.body["properties"]["diskSizeGB"]),
        "toBeDetached": False,
    }


def patch_vm(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    *,
    replace: bool = False,
) -> tuple[StoredResource, Operation]:
    """VirtualMachines_Update (and a PUT on an existing VM): tags, size, licence, diagnostics."""
    item = get_vm(world, sub.subscription_id, group, name)
    props = object_at(body, "properties", "properties")
    current = item.body["properties"]
    size_name = (props.get("hardwareProfile") or {}).get("vmSize")
    if size_name and str(size_name).lower() != current["hardwareProfile"]["vmSize"].lower():
        size = quota.vm_size(str(size_name))
        if size is None:
            quota.charge(world, sub.subscription_id, item.body["location"], str(size_name))
            raise errors.invalid_value("hardwareProfile.vmSize")
        if item.meta.get("charged"):
            quota.release(
                world,
                sub.subscription_id,
                item.body["location"],
                current["hardwareProfile"]["vmSize"],
            )
            try:
                quota.charge(world, sub.subscription_id, item.body["location"], size.name)
            except Exception:
                quota.charge(
                    world,
                    sub.subscription_id,
                    item.body["location"],
                    current["hardwareProfile"]["vmSize"],
                )
                raise
        current["hardwareProfile"]["vmSize"] = size.name
    for key in ("diagnosticsProfile", "licenseType"):
        if props.get(key) is not None:
            current[key] = props[key]
    if replace or "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    operations.stamp_system_data(world, item.body, caller)
    current["provisioningState"] = "Updating"
    op = machine_operations.begin(world, item, caller, item.body["location"])
    _schedule_settle(world, item, seconds(world, "vmUpdate"), None)
    return item, op


def _schedule_settle(world: World, item: StoredResource, delay: float, power: str | None) -> None:
    gen = machine_operations.bump(item)
    machine_operations.later(
        world, delay, SETTLE_EVENT, {"id": item.id, "gen": gen, "power": power}
    )


def _settle(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None or machine_operations.generation(item) != int(args["gen"]):
        return
    item.body["properties"]["provisioningState"] = "Succeeded"
    if args.get("power"):
        item.meta["power"] = args["power"]
    operations.finish_pending(world, item, body=view(item))


def delete_vm(
    world: World, sub: Subscription, group: str, name: str, caller: Caller
) -> Operation | None:
    """VirtualMachines_Delete (``forceDeletion`` accepted): None when there is no such VM."""
    resources.get_group(world, sub.subscription_id, group)
    item = world.store.get(vm_id(sub.subscription_id, group, name))
    if item is None:
        return None
    return delete_machine(world, item, caller)


def delete_machine(world: World, item: StoredResource, caller: Caller) -> Operation:
    """Start deleting a VM (or a scale set's instance): ``Deleting`` for ``vmDelete`` seconds,
    then gone with what cascades."""
    operations.preempt_pending(world, item)
    machine_operations.bump(item)
    item.body["properties"]["provisioningState"] = "Deleting"
    op = machine_operations.begin(world, item, caller, item.body["location"], pending=False)
    machine_operations.later(
        world, seconds(world, "vmDelete"), DELETED_EVENT, {"id": item.id, "op": op.id}
    )
    return op


def _release_disk(world: World, entry: dict[str, Any]) -> None:
    disk = world.store.get(str((entry.get("managedDisk") or {}).get("id") or ""))
    if disk is None:
        return
    disk_backend.detach(world, disk)
    if entry.get("deleteOption") == "Delete":
        world.delete_resource(disk.id)


def remove_vm(world: World, item: StoredResource) -> None:
    """Take a VM out of the world, cascading to its disks, NICs, children and quota."""
    props = item.body.get("properties") or {}
    storage = props.get("storageProfile") or {}
    for child_type in (RUN_COMMANDS, EXTENSIONS):
        for child in world.store.children(item.id, child_type):
            world.delete_resource(child.id)
    _release_disk(world, storage.get("osDisk") or {})
    for entry in storage.get("dataDisks") or []:
        _release_disk(world, entry)
    for nic in (props.get("networkProfile") or {}).get("networkInterfaces") or []:
        network.detach_nic(world, nic["id"])
        if (nic.get("properties") or {}).get("deleteOption") == "Delete":
            network.delete_nic(world, nic["id"])
    if item.meta.get("charged"):
        quota.release(
            world, item.id.split("/")[2], item.body["location"], props["hardwareProfile"]["vmSize"]
        )
    world.delete_resource(item.id)


def _deleted(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is not None:
        remove_vm(world, item)
    machine_operations.finish(world, args["op"])


def vms_in(world: World, scope: str) -> list[StoredResource]:
    return disk_backend.items_in(world, scope, VIRTUAL_MACHINE)


def register_events(world: World) -> None:
    world.scheduler.register(SETTLE_EVENT, _settle)
    world.scheduler.register(DELETED_EVENT, _deleted)
