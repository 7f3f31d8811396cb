"""Rules and state of virtual machine scale sets: the model, the capacity, the instances.

A scale set is ``Flexible`` or ``Uniform`` (``properties.orchestrationMode``; Uniform when the
request leaves it out, as the REST API does). Its ``virtualMachineProfile`` is the model every
new instance is made from; ``sku.capacity`` is how many instances it has. A create or update
checks the model (image available in the region, size, subnet) before anything is made, then
adds instances up to the capacity or deletes the newest ones down to it. ``upgradePolicy`` is
always ``Manual`` in effect: instances keep the model they were made with
(``latestModelApplied`` says whether that is the current one), new instances get the current
one.

The scale set is ``Creating``/``Updating`` until its new instances are running and the model's
extensions have finished on them (``instances``), then ``Succeeded``; an extension that fails
makes the operation fail with its error, as in Azure. Protected settings of the model's
extensions and the admin password are kept beside the resource (``meta``), never returned.
No HTTP here.
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError, not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.machines import vm_rules, vmss_instances
from goldfleet.emulator.rp.compute.naming import enum_value, object_at
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

SCALE_SET = vmss_instances.SCALE_SET
MODES = ("Flexible", "Uniform")
UPGRADE_MODES = ("Manual", "Automatic", "Rolling")
NETWORK_API_VERSION = "2020-11-01"
# The REST reference says 1-15 characters; its own examples use 24 on Linux, where the computer
# name may be 64 characters (58 plus the 6 the scale set appends).
MAX_PREFIX = {"Windows": 15, "Linux": 58}


def scale_set_id(subscription_id: str, group: str, name: str) -> str:
    return disk_backend.resource_id(subscription_id, group, SCALE_SET, name)


def get_scale_set(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(scale_set_id(subscription_id, group, name))
    if item is None or str(item.body.get("type", "")).lower() != SCALE_SET.lower():
        raise not_found(SCALE_SET, name, group)
    return item


def scale_sets_in(world: World, scope: str) -> list[StoredResource]:
    return disk_backend.items_in(world, scope, SCALE_SET)


def view(item: StoredResource) -> dict[str, Any]:
    return copy.deepcopy(item.body)


def _capacity(sku: dict[str, Any], default: int) -> int:
    value = sku.get("capacity", default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.invalid_value("sku.capacity")
    return value


def _model(
    world: World,
    sub: Subscription,
    location: str,
    size_name: str,
    profile: dict[str, Any],
    mode: str,
    linked: LinkedCheck,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model as stored (no secrets) and its secrets (admin password, extensions'
    protected settings), after Azure's checks."""
    storage = object_at(profile, "storageProfile", "virtualMachineProfile.storageProfile")
    plan = vm_rules.plan_os_disk(world, sub.subscription_id, location, storage, linked)
    security = object_at(profile, "securityProfile", "virtualMachineProfile.securityProfile")
    vm_rules.check_size(
        world, sub.subscription_id, location, size_name, plan, vm_rules.security_type(security)
    )
    os_given = object_at(profile, "osProfile", "virtualMachineProfile.osProfile")
    os_profile = None
    if plan.os_state != "Specialized" or os_given:
        prefix = str(os_given.get("computerNamePrefix") or "")
        if not prefix:
            raise errors.required("virtualMachineProfile.osProfile.computerNamePrefix")
        longest = MAX_PREFIX[plan.os_type]
        if len(prefix) > longest:
            raise errors.invalid_parameter(
                f"The value of parameter 'computerNamePrefix' is invalid: {plan.os_type} "
                f"computer name prefixes must be 1 to {longest} characters long.",
                "computerNamePrefix",
            )
        os_profile = vm_rules.check_os_profile(plan, {**os_given, "computerName": prefix}, prefix)
        if os_profile is not None:
            os_profile.pop("computerName", None)
            os_profile["computerNamePrefix"] = prefix
    network = object_at(profile, "networkProfile", "virtualMachineProfile.networkProfile")
    configs = vmss_instances.check_nic_configurations(world, location, network)
    if mode == "Flexible" and network.get("networkApiVersion") != NETWORK_API_VERSION:
        raise errors.invalid_parameter(
            "The property 'networkApiVersion' must be specified as "
            f"'{NETWORK_API_VERSION}' for scale sets with orchestration mode Flexible that use "
            "networkInterfaceConfigurations.",
            "networkProfile.networkApiVersion",
        )
    extensions, protected = vmss_instances.check_extensions(profile)
    stored: dict[str, Any] = {
        "storageProfile": copy.deepcopy(storage),
        "networkProfile": {**copy.deepcopy(network), "networkInterfaceConfigurations": configs},
    }
    if os_profile is not None:
        stored["osProfile"] = os_profile
    if security:
        stored["securityProfile"] = copy.deepcopy(security)
    if extensions:
        stored["extensionProfile"] = {"extensions": extensions}
    for key in ("licenseType", "diagnosticsProfile", "priority"):
        if profile.get(key) is not None:
            stored[key] = copy.deepcopy(profile[key])
    secrets = {"adminPassword": os_given.get("adminPassword"), "extensions": protected}
    return stored, secrets


def put_scale_set(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    linked: LinkedCheck,
) -> tuple[StoredResource, Operation, bool]:
    """VirtualMachineScaleSets_CreateOrUpdate: the scale set, its operation, and whether it
    was created."""
    resources.get_group(world, sub.subscription_id, group)
    item_id = scale_set_id(sub.subscription_id, group, name)
    existing = world.store.get(item_id)
    given = body.get("properties")
    if existing is not None and not (
        isinstance(given, dict) and given.get("virtualMachineProfile")
    ):
        # Azure keeps what a PUT on an existing scale set leaves out: `az vmss scale` sends
        # only the location and the sku
        item, op = patch_scale_set(world, sub, group, name, body, caller, linked)
        return item, op, False
    if not body.get("location"):
        raise errors.required("location")
    location = resources.check_location(sub, str(body["location"]), SCALE_SET)
    if existing is not None and existing.body["location"] != location:
        raise errors.invalid_parameter(
            f"Changing property 'location' is not allowed for scale set {name}.", "location"
        )
    props = object_at(body, "properties", "properties")
    sku = object_at(body, "sku", "sku")
    size_name = str(sku.get("name") or "")
    if not size_name:
        raise errors.required("sku.name")
    old_props = existing.body["properties"] if existing else {}
    mode = enum_value(
        props.get("orchestrationMode") or old_props.get("orchestrationMode") or "Uniform",
        MODES,
        "properties.orchestrationMode",
    )
    if existing is not None and mode != old_props["orchestrationMode"]:
        raise errors.invalid_parameter(
            "Changing property 'orchestrationMode' is not allowed.", "orchestrationMode"
        )
    if mode == "Flexible" and props.get("platformFaultDomainCount") is None:
        raise errors.required("properties.platformFaultDomainCount")
    capacity = _capacity(sku, 0 if mode == "Flexible" else 2)
    model, secrets = _model(
        world,
        sub,
        location,
        size_name,
        object_at(props, "virtualMachineProfile", "properties.virtualMachineProfile"),
        mode,
        linked,
    )
    upgrade = object_at(props, "upgradePolicy", "properties.upgradePolicy")
    properties: dict[str, Any] = {
        "orchestrationMode": mode,
        "virtualMachineProfile": model,
        "provisioningState": "Updating" if existing else "Creating",
        "uniqueId": old_props.get("uniqueId") or world.new_uuid(),
        "timeCreated": old_props.get("timeCreated") or iso(world.now_dt()),
        "platformFaultDomainCount": int(props.get("platformFaultDomainCount") or 1),
        "singlePlacementGroup": bool(props.get("singlePlacementGroup", mode == "Uniform")),
    }
    if mode == "Uniform":
        properties["overprovision"] = bool(props.get("overprovision", True))
        properties["upgradePolicy"] = {
            "mode": enum_value(upgrade.get("mode") or "Manual", UPGRADE_MODES, "upgradePolicy")
        }
    stored = {
        "id": item_id,
        "name": name,
        "type": SCALE_SET,
        "location": location,
        "tags": dict(body.get("tags") or {}),
        "sku": {"name": size_name, "tier": str(sku.get("tier") or "Standard"), "capacity": 0},
        "properties": properties,
    }
    for key in ("identity", "zones"):
        if body.get(key) is not None:
            stored[key] = copy.deepcopy(body[key])
    before = (copy.deepcopy(existing.body), copy.deepcopy(existing.meta)) if existing else None
    meta = dict(existing.meta) if existing else {"instances": [], "next": 0}
    meta.update(secrets=secrets, model=world.new_uuid())
    item = world.store.put(stored, meta)
    item.body["sku"]["capacity"] = len(vmss_instances.entries(item))
    operations.stamp_system_data(world, item.body, caller)
    try:
        vmss_instances.scale_to(world, sub, item, capacity, caller, linked)
    except ArmError:
        # nothing of this request stays: not the new model, not the new scale set
        if before is None:
            world.store.delete(item_id)
        else:
            world.store.put(*before)
        raise
    op = machine_operations.begin(world, item, caller, location)
    return item, op, existing is None


def patch_scale_set(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    linked: LinkedCheck,
) -> tuple[StoredResource, Operation]:
    """VirtualMachineScaleSets_Update: the capacity, tags and parts of the model given."""
    item = get_scale_set(world, sub.subscription_id, group, name)
    current = view(item)
    sku = {**current["sku"], **object_at(body, "sku", "sku")}
    props = object_at(body, "properties", "properties")
    profile = copy.deepcopy(current["properties"]["virtualMachineProfile"])
    profile.update(object_at(props, "virtualMachineProfile", "properties.virtualMachineProfile"))
    secrets = item.meta.get("secrets") or {}
    os_profile = profile.get("osProfile")
    if os_profile is not None and "adminPassword" not in os_profile:
        os_profile["adminPassword"] = secrets.get("adminPassword")
    for extension in (profile.get("extensionProfile") or {}).get("extensions") or []:
        hidden = (secrets.get("extensions") or {}).get(extension.get("name"))
        if hidden and "protectedSettings" not in extension.get("properties", {}):
            extension.setdefault("properties", {})["protectedSettings"] = hidden
    merged = {
        "location": current["location"],
        "tags": body["tags"] if "tags" in body else current.get("tags"),
        "sku": sku,
        "properties": {**current["properties"], "virtualMachineProfile": profile},
    }
    for key in ("identity", "zones"):
        if key in current:
            merged[key] = current[key]
    item, op, _ = put_scale_set(world, sub, group, name, merged, caller, linked)
    return item, op


def delete_instances(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    instance_ids: list[str],
    caller: Caller,
) -> Operation:
    """VirtualMachineScaleSets_DeleteInstances: the capacity goes down by as many."""
    item = get_scale_set(world, sub.subscription_id, group, name)
    known = {i.lower(): i for i in vmss_instances.instance_ids(item)}
    unknown = [i for i in instance_ids if i.lower() not in known]
    if unknown:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The instance IDs {', '.join(unknown)} are not valid instance IDs of virtual "
            f"machine scale set {name}.",
            target="instanceIds",
        )
    operations.preempt_pending(world, item)
    op = machine_operations.begin(world, item, caller, item.body["location"])
    item.body["properties"]["provisioningState"] = "Updating"
    vmss_instances.remove(world, item, [known[i.lower()] for i in instance_ids], caller)
    return op


def delete_scale_set(
    world: World, sub: Subscription, group: str, name: str, caller: Caller
) -> Operation | None:
    """VirtualMachineScaleSets_Delete: its instances are deleted with it; None when absent."""
    resources.get_group(world, sub.subscription_id, group)
    item = world.store.get(scale_set_id(sub.subscription_id, group, name))
    if item is None:
        return None
    operations.preempt_pending(world, item)
    item.body["properties"]["provisioningState"] = "Deleting"
    op = machine_operations.begin(world, item, caller, item.body["location"], pending=False)
    vmss_instances.remove_all(world, item, caller, op.id)
    return op


def register_events(world: World) -> None:
    vmss_instances.register_events(world)
