"""Helpers for the machine tests (disks, snapshots, images, VMs, run commands): real SDK clients
that move the frozen clock when a long-running operation is accepted, a NIC in a build network,
and ready-made request bodies."""

from __future__ import annotations

from typing import Any

from tests.emulator.compute.support import COMPUTE, RG, advance, compute_client
from tests.emulator.network.support import make_nic, make_vnet, network_client, subnet_ref

WIN11 = {
    "publisher": "MicrosoftWindowsDesktop",
    "offer": "windows-11",
    "sku": "win11-24h2-avd",
    "version": "latest",
}
WIN10_GEN1 = {
    "publisher": "MicrosoftWindowsDesktop",
    "offer": "windows-10",
    "sku": "win10-22h2-avd",
    "version": "latest",
}
PASSWORD = "Sup3r-Secret-Value!"  # the request's; never returned
LONG = 900.0  # longer than any machine operation


def machines(emu: Any, advance_by: float = LONG, **extra: Any) -> Any:
    """A ComputeManagementClient whose accepted writes move the clock past their completion."""
    return compute_client(emu, advance_on_accept=advance_by, **extra)


def nic(emu: Any, name: str = "nic-1", vnet: str = "vnet-build") -> str:
    """A NIC in ``vnet`` (made on first use) in rg-images; returns its id."""
    client = network_client(emu)
    names = {v.name for v in client.virtual_networks.list(RG)}
    if vnet not in names:
        make_vnet(client, vnet, subnets={"default": "10.10.1.0/24"})
    return str(make_nic(client, name, subnet_ref(vnet, "default")).id)


def vm_body(
    nic_id: str | None,
    image: dict[str, Any] | None = None,
    size: str = "Standard_D2as_v5",
    location: str = "westeurope",
    os_profile: bool = True,
    **properties: Any,
) -> dict[str, Any]:
    storage: dict[str, Any] = {
        "imageReference": image or WIN11,
        "osDisk": {"createOption": "FromImage"},
    }
    body: dict[str, Any] = {
        "location": location,
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": storage,
            "networkProfile": {"networkInterfaces": [{"id": nic_id}] if nic_id else []},
            **properties,
        },
    }
    if os_profile:
        body["properties"]["osProfile"] = {
            "computerName": "vm",
            "adminUsername": "gfadmin",
            "adminPassword": PASSWORD,
        }
    return body


def attach_body(disk_id: str, nic_id: str, size: str = "Standard_D2as_v5") -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "osDisk": {
                    "createOption": "Attach",
                    "osType": "Windows",
                    "managedDisk": {"id": disk_id},
                }
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        },
    }


def make_vm(
    emu: Any, client: Any, name: str = "vm-1", nic_name: str = "nic-1", **kwargs: Any
) -> Any:
    return client.virtual_machines.begin_create_or_update(
        RG, name, vm_body(nic(emu, nic_name), **kwargs)
    ).result()


def guest(emu: Any, resource_id: str) -> dict[str, Any]:
    """The guest contents the emulator records for a disk, snapshot, image or version."""
    state = emu.control("GET", "/state")
    found: dict[str, Any] = state["sections"]["guest"]["contents"][resource_id.lower()]
    return found


def disk_id(name: str) -> str:
    return f"{COMPUTE}/disks/{name}"


def power(client: Any, name: str) -> str:
    view = client.virtual_machines.instance_view(RG, name)
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/"))


__all__ = ["advance"]
