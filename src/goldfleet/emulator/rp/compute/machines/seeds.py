"""Virtual machines a scenario seeds (``machines:``): each made through the same rules as a
VirtualMachines_CreateOrUpdate, with its OS disk, settled at once (``Succeeded``), in the power
state the scenario asks for, and with the guest contents it describes on top of the image's.
A machine without a NIC is allowed here (Azure would require one). No HTTP here."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.guest.contents import GuestContents, put_contents
from goldfleet.emulator.rp.compute import operations
from goldfleet.emulator.rp.compute.machine_contents import contents_for, contents_key
from goldfleet.emulator.rp.compute.machines import quota, vm_backend
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

POWER_STATES = ("running", "stopped", "deallocated")
GUEST_FIELDS = {f.name for f in fields(GuestContents)} - {"customizations"}


def _allow(resource_id: str, action: str) -> None:
    """Scenario seeding is not a request: linked resources need no auxiliary token."""


def seed_machine(
    world: World,
    vm_id: str,
    *,
    location: str,
    size: str,
    power: str = "running",
    image: dict[str, Any],
    guest: dict[str, Any] | None = None,
    nic: str | None = None,
    os_disk_gb: int | None = None,
    tags: dict[str, str] | None = None,
    security_type: str | None = None,
) -> None:
    """Create the VM ``vm_id`` (``/subscriptions/{id}/resourceGroups/{rg}/providers/
    Microsoft.Compute/virtualMachines/{name}``); ValueError or ArmError when it cannot be."""
    parts = [p for p in vm_id.split("/") if p]
    if len(parts) != 8 or parts[6].lower() != "virtualmachines":
        raise ValueError(f"'{vm_id}' is not a virtual machine id")
    if power not in POWER_STATES:
        raise ValueError(f"powerState must be one of {', '.join(POWER_STATES)}")
    unknown = set(guest or {}) - GUEST_FIELDS
    if unknown:
        raise ValueError(f"unknown guest fields: {sorted(unknown)}")
    sub = world.subscription(parts[1])
    if sub is None:
        raise ValueError(f"unknown subscription '{parts[1]}'")
    name = parts[7]
    os_disk: dict[str, Any] = {"createOption": "FromImage", "deleteOption": "Delete"}
    if os_disk_gb:
        os_disk["diskSizeGB"] = os_disk_gb
    body: dict[str, Any] = {
        "location": location,
        "tags": dict(tags or {}),
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {"imageReference": image, "osDisk": os_disk},
            "networkProfile": {"networkInterfaces": [{"id": nic}] if nic else []},
            "osProfile": {
                "computerName": name[:15],
                "adminUsername": "azureadmin",
                "adminPassword": "seeded-not-stored",
            },
        },
    }
    if security_type:
        body["properties"]["securityProfile"] = {"securityType": security_type}
    caller = Caller(sub.tenant_id, "scenario", "scenario")
    vm_backend.register_events(world)  # a world seeded before the app installs its events
    item, _, _ = vm_backend.put_vm(world, sub, parts[3], name, body, caller, _allow)
    item.body["properties"]["provisioningState"] = "Succeeded"
    item.meta["generation"] = int(item.meta.get("generation", 0)) + 1  # the create's event: no-op
    item.meta["power"] = power
    operations.finish_pending(world, item, body=vm_backend.view(item))
    if power == "deallocated" and item.meta.get("charged"):
        quota.release(world, sub.subscription_id, item.body["location"], size)
        item.meta["charged"] = False
    contents = contents_for(world, item.id) or GuestContents()
    for key, value in (guest or {}).items():
        setattr(contents, key, value)
    put_contents(world, contents_key(world, item.id), contents)


def seed_or_problem(world: World, vm_id: str, problems: list[str], where: str, **kw: Any) -> None:
    """``seed_machine``, with its failure recorded as ``where: message``."""
    try:
        seed_machine(world, vm_id, **kw)
    except ArmError as exc:
        problems.append(f"{where}: {exc.code}: {exc.message}")
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
