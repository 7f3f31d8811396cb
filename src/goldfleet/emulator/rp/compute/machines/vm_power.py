"""Power and OS state of virtual machines: Start, PowerOff, Deallocate, Restart (long-running,
202 with ``operations`` headers, finishing after their simulated durations), Generalize
(synchronous 200: only a stopped or deallocated VM whose guest ran ``sysprep /generalize``; the
VM is then ``OSState/generalized`` and refuses to start), the instance view (``PowerState/...``,
``ProvisioningState/...``, ``OSState/generalized``), and a guest that shut itself down
(``sysprep /shutdown``). Starting from deallocated charges the vCPU quota again; deallocating
releases it. No HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import put_contents
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.machine_contents import contents_for, contents_key
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.machines import quota, vm_backend
from goldfleet.emulator.rp.compute.managed_images.backend import is_generalized
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

POWER_EVENT = "compute.vm.power"
# action -> (transitional state, final state, duration name)
ACTIONS = {
    "start": ("starting", "running", "vmStart"),
    "powerOff": ("stopping", "stopped", "vmPowerOff"),
    "deallocate": ("deallocating", "deallocated", "vmDeallocate"),
    "restart": ("starting", "running", "vmRestart"),
}
DISPLAY = {
    "starting": "VM starting",
    "running": "VM running",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}


def _size(vm: StoredResource) -> str:
    return str(vm.body["properties"]["hardwareProfile"]["vmSize"])


PowerListener = Callable[[World, StoredResource], None]
_POWER_LISTENERS: list[PowerListener] = []


def on_power_change(listener: PowerListener) -> None:
    """Call ``listener(world, vm)`` when a VM reaches a new power state (started, stopped,
    deallocated, restarted, or shut down by its guest). Listeners are code, not state."""
    _POWER_LISTENERS.append(listener)


def _power_changed(world: World, vm: StoredResource) -> None:
    for listener in _POWER_LISTENERS:
        listener(world, vm)


def begin_action(world: World, vm: StoredResource, action: str, caller: Caller) -> Operation:
    """VirtualMachines_Start / _PowerOff / _Deallocate / _Restart."""
    power = vm_backend.power_of(vm)
    name = vm.body["name"]
    if action in ("start", "restart") and is_generalized(vm):
        raise errors.vm_generalized("Start VM" if action == "start" else "Restart VM", name)
    if action == "restart" and power not in ("running", "starting"):
        raise errors.restart_not_running(name)
    sub_id, location = vm.id.split("/")[2], vm.body["location"]
    if action == "start" and not vm.meta.get("charged"):
        quota.charge(world, sub_id, location, _size(vm))
        vm.meta["charged"] = True
    if action == "deallocate" and vm.meta.get("charged"):
        quota.release(world, sub_id, location, _size(vm))
        vm.meta["charged"] = False
    transitional, final, duration = ACTIONS[action]
    vm.meta["power"] = transitional
    gen = machine_operations.bump(vm)
    op = machine_operations.begin(world, vm, caller, location, pending=False)
    machine_operations.later(
        world,
        seconds(world, duration),
        POWER_EVENT,
        {"id": vm.id, "gen": gen, "power": final, "op": op.id},
    )
    return op


def _powered(world: World, args: dict[str, Any]) -> None:
    vm = world.store.get(args["id"])
    if vm is not None and machine_operations.generation(vm) == int(args["gen"]):
        vm.meta["power"] = args["power"]
        if args["power"] == "running":
            _booted(world, vm)
        _power_changed(world, vm)
    machine_operations.finish(world, args["op"])


def _booted(world: World, vm: StoredResource) -> None:
    """Windows finishes what waited for a restart while it boots: no reboot is pending."""
    contents = contents_for(world, vm.id)
    if contents is not None and contents.pending_reboot:
        contents.pending_reboot = False
        put_contents(world, contents_key(world, vm.id), contents)


def generalize(world: World, vm: StoredResource) -> None:
    """VirtualMachines_Generalize."""
    if vm_backend.power_of(vm) in ("running", "starting", "stopping"):
        raise errors.generalize_running(vm.body["name"])
    contents = contents_for(world, vm.id)
    if contents is None or contents.sysprep != "generalized":
        raise errors.guest_not_sysprepped(vm.body["name"])
    vm.meta["generalized"] = True


def stopped_by_guest(world: World, vm: StoredResource) -> None:
    """The guest shut the machine down (``sysprep /shutdown``, ``Stop-Computer``): it is
    stopped, still allocated (and still counted against the quota), as in Azure."""
    machine_operations.bump(vm)
    vm.meta["power"] = "stopped"
    _power_changed(world, vm)


def _status(code: str, display: str, time: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "level": "Info", "displayStatus": display}
    if time:
        out["time"] = time
    return out


def instance_view(world: World, vm: StoredResource) -> dict[str, Any]:
    """VirtualMachines_InstanceView (also ``properties.instanceView`` with ``$expand``)."""
    props = vm.body["properties"]
    state = str(props.get("provisioningState") or "Succeeded")
    now = iso(world.now_dt())
    power = vm_backend.power_of(vm)
    contents = contents_for(world, vm.id)
    storage = props.get("storageProfile") or {}
    disks = [storage.get("osDisk") or {}, *(storage.get("dataDisks") or [])]
    statuses = [
        _status(f"ProvisioningState/{state.lower()}", f"Provisioning {state.lower()}", now),
        _status(f"PowerState/{power}", DISPLAY.get(power, power)),
    ]
    if is_generalized(vm):
        statuses.append(_status("OSState/generalized", "VM generalized"))
    os_disk = world.store.get(
        str((storage.get("osDisk") or {}).get("managedDisk", {}).get("id", ""))
    )
    out: dict[str, Any] = {
        "computerName": (props.get("osProfile") or {}).get("computerName", vm.body["name"]),
        "osName": contents.os if contents else "",
        "osVersion": "",
        "vmAgent": {
            "vmAgentVersion": "2.7.41491.1102",
            "statuses": [
                _status(
                    "ProvisioningState/succeeded",
                    "Ready",
                    now,
                )
                | {"message": "GuestAgent is running and accepting new configurations."}
            ]
            if power == "running"
            else [],
        },
        "disks": [
            {
                "name": d.get("name", ""),
                "statuses": [_status("ProvisioningState/succeeded", "Provisioning succeeded", now)],
            }
            for d in disks
            if d
        ],
        "extensions": [
            {
                "name": e.body["name"],
                "type": (e.body.get("properties") or {}).get("type", ""),
                "typeHandlerVersion": (e.body.get("properties") or {}).get(
                    "typeHandlerVersion", ""
                ),
                "statuses": [
                    _status(
                        "ProvisioningState/"
                        + str(
                            (e.body.get("properties") or {}).get("provisioningState", "")
                        ).lower(),
                        "Provisioning "
                        + str(
                            (e.body.get("properties") or {}).get("provisioningState", "")
                        ).lower(),
                    )
                ],
            }
            for e in world.store.children(vm.id, vm_backend.EXTENSIONS)
        ],
        "hyperVGeneration": ((os_disk.body.get("properties") or {}) if os_disk else {}).get(
            "hyperVGeneration", "V1"
        ),
        "statuses": statuses,
    }
    return out


def register_events(world: World) -> None:
    world.scheduler.register(POWER_EVENT, _powered)
