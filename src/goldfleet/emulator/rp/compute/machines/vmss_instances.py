"""A scale set's instances: made from its model, the model's extensions run on them, deleted.

* **Flexible**: an instance is an ordinary VM (``virtualMachines/<set>_<8 hex>``, listed with
  the other VMs, ``properties.virtualMachineScaleSet`` naming its set); its instance id is its
  name. Deleting the VM directly takes it out of the set (the capacity goes down).
* **Uniform**: an instance is ``virtualMachineScaleSets/<set>/virtualMachines/<n>``, not listed
  with the VMs; its instance id is ``n`` (0, 1, 2, ...).

Each instance gets a NIC per network interface configuration (``<vm name>-<config>``, deleted
with it; for Uniform this is a visible NIC, where Azure keeps it inside the set), an OS disk from
the model's image, and a computer name of the model's prefix plus six characters. When it is
running, the model's extensions are installed on it through the VM extension handlers (so the
AVD agent registers it, a join extension joins it); the set settles when every new instance is
running with its extensions finished and every removed one is gone.
"""

from __future__ import annotations

import copy
import string
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.machines import extensions as vm_extensions
from goldfleet.emulator.rp.compute.machines import vm_backend
from goldfleet.emulator.rp.compute.naming import VIRTUAL_MACHINE
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.network import backend as network
from goldfleet.emulator.rp.network import vnets
from goldfleet.emulator.world import Subscription, World

SCALE_SET = "Microsoft.Compute/virtualMachineScaleSets"
INSTANCE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
EXTENSIONS_EVENT = "compute.vmss.extensions"
SETTLE_EVENT = "compute.vmss.settle"
GONE_EVENT = "compute.vmss.gone"
RECHECK_SECONDS = 5.0
WINDOWS_PREFIX = 9  # of the model's prefix, before the six characters each instance adds
_ALPHABET = string.ascii_lowercase + string.digits


# --- checks of the model -----------------------------------------------------------------------


def check_nic_configurations(
    world: World, location: str, network_profile: dict[str, Any]
) -> list[dict[str, Any]]:
    """The model's network interface configurations, each with subnets in the region."""
    configs = network_profile.get("networkInterfaceConfigurations") or []
    if not isinstance(configs, list) or not configs:
        raise errors.required("virtualMachineProfile.networkProfile.networkInterfaceConfigurations")
    out = []
    for config in configs:
        if not isinstance(config, dict) or not config.get("name"):
            raise errors.required("networkInterfaceConfigurations.name")
        ip_configs = (config.get("properties") or {}).get("ipConfigurations") or []
        if not isinstance(ip_configs, list) or not ip_configs:
            raise errors.required("networkInterfaceConfigurations.properties.ipConfigurations")
        for ip in ip_configs:
            subnet_id = str(((ip.get("properties") or {}).get("subnet") or {}).get("id") or "")
            found = vnets.subnet_by_id(world, subnet_id) if subnet_id else None
            if found is None or str(found[1].body["location"]) != location:
                raise ArmError(
                    400,
                    "InvalidResourceReference",
                    f"Resource {subnet_id or '(none)'} referenced by the scale set's network "
                    f"interface configuration {config['name']} was not found in {location}.",
                )
        out.append(_with_defaults(config))
    return out


def _with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """A network interface configuration as Azure returns it (its defaults filled in)."""
    stored = copy.deepcopy(config)
    props = stored.setdefault("properties", {})
    props.setdefault("dnsSettings", {"dnsServers": []})
    props.setdefault("enableAcceleratedNetworking", False)
    props.setdefault("enableIPForwarding", False)
    for ip in props.get("ipConfigurations") or []:
        ip.setdefault("properties", {}).setdefault("privateIPAddressVersion", "IPv4")
    return stored


def check_extensions(profile: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The model's extensions as stored (no protected settings) and those settings by name."""
    given = (profile.get("extensionProfile") or {}).get("extensions") or []
    if not isinstance(given, list):
        raise errors.invalid_value("extensionProfile.extensions")
    stored, protected = [], {}
    for extension in given:
        name = str((extension or {}).get("name") or "")
        props = (extension or {}).get("properties") or {}
        if not name:
            raise errors.required("extensionProfile.extensions.name")
        for field in ("publisher", "type", "typeHandlerVersion"):
            if not props.get(field):
                raise errors.required(f"extensionProfile.extensions.properties.{field}")
        visible = {k: copy.deepcopy(v) for k, v in props.items() if k != "protectedSettings"}
        stored.append({"name": name, "properties": visible})
        protected[name] = copy.deepcopy(props.get("protectedSettings") or {})
    return stored, protected


# --- instances ---------------------------------------------------------------------------------


def entries(item: StoredResource) -> list[dict[str, Any]]:
    """``{instanceId, vm, model}`` for each instance, oldest first."""
    return list(item.meta.setdefault("instances", []))


def instance_ids(item: StoredResource) -> list[str]:
    return [str(e["instanceId"]) for e in entries(item)]


def _suffix(world: World) -> str:
    return "".join(_ALPHABET[world.rng.randrange(len(_ALPHABET))] for _ in range(6))


def _caller_json(caller: Caller) -> dict[str, str]:
    return {"tenant": caller.tenant_id, "object": caller.object_id, "app": caller.app_id}


def _caller(args: dict[str, Any]) -> Caller:
    who = args["caller"]
    return Caller(who["tenant"], who["object"], who["app"])


def _nics(
    world: World, sub: Subscription, group: str, item: StoredResource, vm_name: str, caller: Caller
) -> list[dict[str, Any]]:
    model = item.body["properties"]["virtualMachineProfile"]
    refs: list[dict[str, Any]] = []
    for config in model["networkProfile"]["networkInterfaceConfigurations"]:
        props = config.get("properties") or {}
        nic, _, _ = network.put_nic(
            world,
            sub,
            group,
            f"{vm_name}-{config['name']}"[:80],
            {
                "location": item.body["location"],
                "tags": dict(item.body.get("tags") or {}),
                "properties": {"ipConfigurations": copy.deepcopy(props["ipConfigurations"])},
            },
            caller.tenant_id,
        )
        refs.append({"id": nic.id, "properties": {"primary": bool(props.get("primary", not refs))}})
    for ref in refs:
        ref["properties"]["deleteOption"] = "Delete"
    return refs


def _add(
    world: World, sub: Subscription, item: StoredResource, caller: Caller, linked: LinkedCheck
) -> StoredResource:
    """One new instance from the current model (running its extensions once it is up)."""
    group = item.id.split("/")[4]
    props = item.body["properties"]
    model = props["virtualMachineProfile"]
    number = int(item.meta.get("next", 0))
    item.meta["next"] = number + 1
    if props["orchestrationMode"] == "Flexible":
        vm_name = f"{item.body['name']}_{world.new_uuid().replace('-', '')[:8]}"
        instance_id, resource_id, resource_type = vm_name, None, VIRTUAL_MACHINE
        computer = _suffix(world)
    else:
        vm_name = f"{item.body['name']}_{number}"
        instance_id, resource_id = str(number), f"{item.id}/virtualMachines/{number}"
        resource_type = INSTANCE
        computer = _base36(number)
    secrets = item.meta.get("secrets") or {}
    storage = copy.deepcopy(model["storageProfile"])
    storage.setdefault("osDisk", {})["deleteOption"] = "Delete"
    body: dict[str, Any] = {
        "location": item.body["location"],
        "tags": dict(item.body.get("tags") or {}),
        "properties": {
            "hardwareProfile": {"vmSize": item.body["sku"]["name"]},
            "storageProfile": storage,
            "networkProfile": {
                "networkInterfaces": _nics(world, sub, group, item, vm_name, caller)
            },
            "virtualMachineScaleSet": {"id": item.id},
        },
    }
    if model.get("osProfile") is not None:
        os_profile = {k: v for k, v in model["osProfile"].items() if k != "computerNamePrefix"}
        prefix = str(model["osProfile"]["computerNamePrefix"])
        if "windowsConfiguration" in model["osProfile"]:
            prefix = prefix[:WINDOWS_PREFIX]  # Windows computer names are 15 characters
        os_profile.update(
            computerName=prefix + computer, adminPassword=secrets.get("adminPassword")
        )
        body["properties"]["osProfile"] = os_profile
    for key in ("securityProfile", "licenseType", "diagnosticsProfile", "priority"):
        if model.get(key) is not None:
            body["properties"][key] = copy.deepcopy(model[key])
    for key in ("identity", "zones"):
        if item.body.get(key) is not None:
            body[key] = copy.deepcopy(item.body[key])
    try:
        vm, _, _ = vm_backend.put_vm(
            world,
            sub,
            group,
            vm_name,
            body,
            caller,
            linked,
            resource_id=resource_id,
            resource_type=resource_type,
        )
    except Exception:
        for nic in body["properties"]["networkProfile"]["networkInterfaces"]:
            network.delete_nic(world, nic["id"])
        raise
    if resource_type == INSTANCE:
        vm.body["instanceId"] = instance_id
    vm.meta["scaleSet"] = {
        "id": item.id,
        "model": item.meta["model"],
        "extensions": [
            {
                **copy.deepcopy(e),
                "protectedSettings": (secrets.get("extensions") or {}).get(e["name"]),
            }
            for e in (model.get("extensionProfile") or {}).get("extensions") or []
        ],
    }
    item.meta["instances"].append(
        {"instanceId": instance_id, "vm": vm.id, "model": item.meta["model"]}
    )
    machine_operations.later(
        world,
        seconds(world, "vmCreate") + 1,
        EXTENSIONS_EVENT,
        {"vm": vm.id, "caller": _caller_json(caller)},
    )
    return vm


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = (string.digits + string.ascii_uppercase)[rest] + digits
        if number == 0:
            return digits.rjust(6, "0")


def scale_to(
    world: World,
    sub: Subscription,
    item: StoredResource,
    capacity: int,
    caller: Caller,
    linked: LinkedCheck,
) -> None:
    """Add instances from the model up to ``capacity``, or delete the newest down to it; all
    new instances or none (a quota or subnet error undoes the ones made)."""
    current = [e for e in entries(item) if not e.get("deleting")]
    made: list[StoredResource] = []
    try:
        for _ in range(capacity - len(current)):
            made.append(_add(world, sub, item, caller, linked))
    except Exception:
        gone = {vm.id for vm in made}
        item.meta["instances"] = [e for e in entries(item) if e["vm"] not in gone]
        for vm in made:
            vm_backend.remove_vm(world, vm)
        raise
    surplus = [e["instanceId"] for e in current][capacity:] if capacity < len(current) else []
    if surplus:
        remove(world, item, list(reversed(surplus)), caller)
    else:
        _schedule_settle(world, item, caller)
    item.body["sku"]["capacity"] = capacity


def remove(world: World, item: StoredResource, ids: list[str], caller: Caller) -> None:
    """Delete these instances; the capacity goes down by as many."""
    wanted = {i.lower() for i in ids}
    for entry in entries(item):
        if str(entry["instanceId"]).lower() in wanted and not entry.get("deleting"):
            entry["deleting"] = True
            vm = world.store.get(entry["vm"])
            if vm is not None:
                vm_backend.delete_machine(world, vm, caller)
    live = [e for e in entries(item) if not e.get("deleting")]
    item.body["sku"]["capacity"] = len(live)
    _schedule_settle(world, item, caller)


def remove_all(world: World, item: StoredResource, caller: Caller, op_id: str) -> None:
    remove(world, item, instance_ids(item), caller)
    machine_operations.later(
        world, seconds(world, "vmDelete"), GONE_EVENT, {"id": item.id, "op": op_id}
    )


def _schedule_settle(world: World, item: StoredResource, caller: Caller) -> None:
    gen = machine_operations.bump(item)
    machine_operations.later(
        world,
        RECHECK_SECONDS,
        SETTLE_EVENT,
        {"id": item.id, "gen": gen, "caller": _caller_json(caller)},
    )


def _extension_states(world: World, vm: StoredResource) -> list[StoredResource]:
    return world.store.children(vm.id, vm_extensions.EXTENSION)


def _pending(world: World, item: StoredResource) -> tuple[bool, dict[str, Any] | None]:
    """Whether some instance is still being made or deleted, and the first extension error."""
    for entry in entries(item):
        vm = world.store.get(entry["vm"])
        if entry.get("deleting"):
            if vm is not None:
                return True, None
            continue
        if vm is None:
            continue
        if vm.body["properties"].get("provisioningState") != "Succeeded" or vm.meta.get(
            "scaleSetExtensionsPending", True
        ):
            return True, None
        for extension in _extension_states(world, vm):
            state = extension.body["properties"].get("provisioningState")
            if state in ("Creating", "Updating"):
                return True, None
            if state == "Failed":
                return False, vm_extension_error(vm, extension)
    return False, None


def vm_extension_error(vm: StoredResource, extension: StoredResource) -> dict[str, Any]:
    return {
        "code": "VMExtensionProvisioningError",
        "message": f"VM '{vm.body['name']}' has reported a failure when processing extension "
        f"'{extension.body['name']}'.",
    }


def _settle(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None or machine_operations.generation(item) != int(args["gen"]):
        return
    busy, error = _pending(world, item)
    if busy:
        machine_operations.later(world, RECHECK_SECONDS, SETTLE_EVENT, args)
        return
    item.body["properties"]["provisioningState"] = "Failed" if error else "Succeeded"
    operations.finish_pending(world, item, body=copy.deepcopy(item.body), error=error)


def _install_extensions(world: World, args: dict[str, Any]) -> None:
    vm = world.store.get(args["vm"])
    if vm is None:
        return
    if vm_backend.power_of(vm) != "running":
        machine_operations.later(world, RECHECK_SECONDS, EXTENSIONS_EVENT, args)
        return
    for extension in (vm.meta.get("scaleSet") or {}).get("extensions") or []:
        props = {
            **extension["properties"],
            "protectedSettings": extension.get("protectedSettings") or {},
        }
        vm_extensions.put_extension(
            world, vm, extension["name"], {"properties": props}, _caller(args), merge=False
        )
    vm.meta["scaleSetExtensionsPending"] = False


def _gone(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None:
        machine_operations.finish(world, args["op"])
        return
    if any(world.store.get(e["vm"]) is not None for e in entries(item)):
        machine_operations.later(world, RECHECK_SECONDS, GONE_EVENT, args)
        return
    world.delete_resource(item.id)
    machine_operations.finish(world, args["op"])


def _instance_deleted(world: World, vm: StoredResource) -> None:
    """An instance went (deleted through its set, or a Flexible VM deleted directly)."""
    owner = (vm.meta.get("scaleSet") or {}).get("id")
    item = world.store.get(owner) if owner else None
    if item is None:
        return
    item.meta["instances"] = [e for e in entries(item) if e["vm"].lower() != vm.id.lower()]
    item.body["sku"]["capacity"] = len([e for e in entries(item) if not e.get("deleting")])


def register_events(world: World) -> None:
    world.scheduler.register(EXTENSIONS_EVENT, _install_extensions)
    world.scheduler.register(SETTLE_EVENT, _settle)
    world.scheduler.register(GONE_EVENT, _gone)
    world.on_delete(VIRTUAL_MACHINE, _instance_deleted)
    world.on_delete(INSTANCE, _instance_deleted)
