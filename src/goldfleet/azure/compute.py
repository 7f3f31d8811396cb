"""Virtual machines and what they are made of, as captures and builds need them: resource groups
for temporary resources (and finding them again by tag), snapshots, disks, an isolated network,
NICs, VMs from a disk or an image, managed Run Commands, power and generalize.

Every create is create-or-get with the caller's deterministic name, so a step that runs twice
creates nothing twice; a Run Command of a given name that has finished is read back, not run
again. Every wait is on the SDK's poller (long-running operations end when Azure says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as m
from azure.mgmt.network import models as n

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.tenancy import CredentialRef

FINISHED_RUN_STATES = {"Succeeded", "Failed", "TimedOut", "Canceled"}


@dataclass(frozen=True)
class MachineView:
    id: str
    name: str
    resource_group: str
    location: str
    size: str
    power_state: str | None  # running, stopped, deallocated, starting, ... (None: unknown)
    os_disk_id: str
    os_type: str
    security_type: str | None
    zones: tuple[str, ...]
    tags: dict[str, str]
    nic_ids: tuple[str, ...]


@dataclass(frozen=True)
class DiskView:
    id: str
    name: str
    size_gb: int
    sku: str | None
    hyper_v_generation: str | None
    security_type: str | None
    state: str | None  # Attached, Unattached, Reserved, ...
    os_type: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class RunCommandResult:
    name: str
    state: str  # Succeeded, Failed, Running, Pending, TimedOut, Canceled, Unknown
    exit_code: int | None
    output: str
    error: str
    started: str | None
    finished: str | None

    @property
    def succeeded(self) -> bool:
        return self.state == "Succeeded" and self.exit_code in (0, None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _group_id(subscription_id: str, group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}"


def _id(subscription_id: str, group: str, kind: str, name: str) -> str:
    return f"{_group_id(subscription_id, group)}/providers/{kind}/{name}"


def machine_view(vm: Any) -> MachineView:
    power = None
    props = vm.properties
    view = props.instance_view
    for status in (view.statuses if view is not None and view.statuses else []) or []:
        if status.code and status.code.startswith("PowerState/"):
            power = status.code.split("/", 1)[1]
    os_disk = props.storage_profile.os_disk
    security = props.security_profile
    network = props.network_profile
    return MachineView(
        id=vm.id,
        name=vm.name,
        resource_group=ResourceId(vm.id).resource_group or "",
        location=vm.location,
        size=_text(props.hardware_profile.vm_size) or "",
        power_state=power,
        os_disk_id=os_disk.managed_disk.id if os_disk.managed_disk else "",
        os_type=_text(os_disk.os_type) or "Windows",
        security_type=_text(security.security_type) if security else None,
        zones=tuple(vm.zones or ()),
        tags=dict(vm.tags or {}),
        nic_ids=tuple(n.id for n in (network.network_interfaces or [])) if network else (),
    )


async def read_vm(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> MachineView | None:
    client = factory.compute(tenant_id, subscription_id, ref)
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", name)
    try:
        async with client:
            found = await client.virtual_machines.get(group, name, expand="instanceView")
    except ResourceNotFoundError:
        return None
    except Exception as exc:
        raise translate(exc, "reading virtual machine", vm_id) from exc
    return machine_view(found)


async def read_disk(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef, disk_id: str
) -> DiskView | None:
    rid = ResourceId(disk_id)
    client = factory.compute(tenant_id, rid.subscription_id, ref)
    try:
        async with client:
            disk = await client.disks.get(rid.resource_group or "", rid.name)
    except ResourceNotFoundError:
        return None
    except Exception as exc:
        raise translate(exc, "reading disk", disk_id) from exc
    props = disk.properties
    security = props.security_profile if props else None
    return DiskView(
        id=disk.id or disk_id,
        name=disk.name or rid.name,
        size_gb=int(props.disk_size_gb or 0) if props else 0,
        sku=_text(disk.sku.name) if disk.sku else None,
        hyper_v_generation=_text(props.hyper_v_generation) if props else None,
        security_type=_text(security.security_type) if security else None,
        state=_text(props.disk_state) if props else None,
        os_type=_text(props.os_type) if props else None,
        tags=dict(disk.tags or {}),
    )


async def ensure_group(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    name: str,
    location: str,
    tags: dict[str, str],
) -> None:
    client = factory.resources(tenant_id, subscription_id, ref)
    try:
        async with client:
            await client.resource_groups.create_or_update(
                name, {"location": location, "tags": tags}
            )
    except Exception as exc:
        raise translate(exc, "creating resource group", _group_id(subscription_id, name)) from exc


async def delete_group(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef, name: str
) -> bool:
    """Delete the group and everything in it, waiting; False if it was gone already."""
    client = factory.resources(tenant_id, subscription_id, ref)
    try:
        async with client:
            if not await client.resource_groups.check_existence(name):
                return False
            poller = await client.resource_groups.begin_delete(name)
            await poller.result()
    except ResourceNotFoundError:
        return False
    except Exception as exc:
        raise translate(exc, "deleting resource group", _group_id(subscription_id, name)) from exc
    return True


async def groups_tagged(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef, tag: str
) -> list[tuple[str, dict[str, str]]]:
    """(name, tags) of every resource group carrying the tag ``tag``."""
    client = factory.resources(tenant_id, subscription_id, ref)
    try:
        async with client:
            return [
                (g.name or "", dict(g.tags or {}))
                async for g in client.resource_groups.list()
                if tag in (g.tags or {})
            ]
    except Exception as exc:
        raise translate(
            exc, "listing the resource groups of", f"/subscriptions/{subscription_id}"
        ) from exc


async def create_snapshot(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    source_disk_id: str,
    tags: dict[str, str],
    *,
    incremental: bool = False,
) -> str:
    """A snapshot of ``source_disk_id`` (create-or-get); its id."""
    snapshot_id = _id(subscription_id, group, "Microsoft.Compute/snapshots", name)
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            try:
                found = await client.snapshots.get(group, name)
                return str(found.id)
            except ResourceNotFoundError:
                pass
            body = m.Snapshot(
                {
                    "location": location,
                    "tags": tags,
                    "properties": {
                        "incremental": incremental,
                        "creationData": {
                            "createOption": "Copy",
                            "sourceResourceId": source_disk_id,
                        },
                    },
                }
            )
            poller = await client.snapshots.begin_create_or_update(group, name, body)
            made = await poller.result()
    except Exception as exc:
        raise translate(exc, f"snapshotting {source_disk_id} into", snapshot_id) from exc
    return str(made.id)


async def delete_snapshot(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            poller = await client.snapshots.begin_delete(group, name)
            await poller.result()
    except ResourceNotFoundError:
        return
    except Exception as exc:
        snapshot_id = _id(subscription_id, group, "Microsoft.Compute/snapshots", name)
        raise translate(exc, "deleting snapshot", snapshot_id) from exc


async def create_disk_from_snapshot(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    snapshot_id: str,
    tags: dict[str, str],
    *,
    sku: str = "StandardSSD_LRS",
    hyper_v_generation: str | None = None,
    security_type: str | None = None,
    os_type: str = "Windows",
) -> str:
    disk_id = _id(subscription_id, group, "Microsoft.Compute/disks", name)
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            try:
                return str((await client.disks.get(group, name)).id)
            except ResourceNotFoundError:
                pass
            properties: dict[str, Any] = {
                "osType": os_type,
                "creationData": {"createOption": "Copy", "sourceResourceId": snapshot_id},
            }
            if hyper_v_generation:
                properties["hyperVGeneration"] = hyper_v_generation
            if security_type == "TrustedLaunch":
                properties["securityProfile"] = {"securityType": security_type}
            body = m.Disk(
                {"location": location, "tags": tags, "sku": {"name": sku}, "properties": properties}
            )
            poller = await client.disks.begin_create_or_update(group, name, body)
            made = await poller.result()
    except Exception as exc:
        raise translate(exc, f"creating a disk from {snapshot_id} as", disk_id) from exc
    return str(made.id)


async def create_network(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    tags: dict[str, str],
    *,
    address_prefix: str = "10.255.0.0/24",
) -> str:
    """An isolated VNet with one subnet ``default``; the subnet's id."""
    vnet_id = _id(subscription_id, group, "Microsoft.Network/virtualNetworks", name)
    client = factory.network(tenant_id, subscription_id, ref)
    body = n.VirtualNetwork(
        {
            "location": location,
            "tags": tags,
            "properties": {
                "addressSpace": {"addressPrefixes": [address_prefix]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": address_prefix}}],
            },
        }
    )
    try:
        async with client:
            poller = await client.virtual_networks.begin_create_or_update(group, name, body)
            await poller.result()
    except Exception as exc:
        raise translate(exc, "creating virtual network", vnet_id) from exc
    return f"{vnet_id}/subnets/default"


async def create_nic(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    subnet_id: str,
    tags: dict[str, str],
) -> str:
    nic_id = _id(subscription_id, group, "Microsoft.Network/networkInterfaces", name)
    client = factory.network(tenant_id, subscription_id, ref)
    body = n.NetworkInterface(
        {
            "location": location,
            "tags": tags,
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {
                            "subnet": {"id": subnet_id},
                            "privateIPAllocationMethod": "Dynamic",
                        },
                    }
                ]
            },
        }
    )
    try:
        async with client:
            try:
                return str((await client.network_interfaces.get(group, name)).id)
            except ResourceNotFoundError:
                pass
            poller = await client.network_interfaces.begin_create_or_update(group, name, body)
            made = await poller.result()
    except Exception as exc:
        raise translate(exc, f"creating a network interface in {subnet_id} as", nic_id) from exc
    return str(made.id)


def _security(security_type: str | None) -> dict[str, Any]:
    if security_type != "TrustedLaunch":
        return {}
    return {
        "securityProfile": {
            "securityType": "TrustedLaunch",
            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
        }
    }


def _nic(nic_id: str) -> dict[str, Any]:
    return {
        "networkInterfaces": [
            {"id": nic_id, "properties": {"primary": True, "deleteOption": "Delete"}}
        ]
    }


async def _create_vm(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    body: m.VirtualMachine,
    doing: str,
) -> str:
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", name)
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            try:
                return str((await client.virtual_machines.get(group, name)).id)
            except ResourceNotFoundError:
                pass
            poller = await client.virtual_machines.begin_create_or_update(group, name, body)
            made = await poller.result()
    except Exception as exc:
        raise translate(exc, doing, vm_id) from exc
    return str(made.id)


async def create_vm_from_disk(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    size: str,
    disk_id: str,
    nic_id: str,
    tags: dict[str, str],
    *,
    security_type: str | None = None,
    os_type: str = "Windows",
) -> str:
    """A VM booting from an existing OS disk (``Attach``); the disk and NIC go with it."""
    body = m.VirtualMachine(
        {
            "location": location,
            "tags": tags,
            "properties": {
                "hardwareProfile": {"vmSize": size},
                "storageProfile": {
                    "osDisk": {
                        "createOption": "Attach",
                        "osType": os_type,
                        "managedDisk": {"id": disk_id},
                        "deleteOption": "Delete",
                    }
                },
                "networkProfile": _nic(nic_id),
                **_security(security_type),
            },
        }
    )
    return await _create_vm(
        factory,
        tenant_id,
        subscription_id,
        ref,
        group,
        name,
        body,
        f"creating a virtual machine from disk {disk_id} as",
    )


async def create_vm_from_image(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    location: str,
    size: str,
    image: dict[str, str],
    nic_id: str,
    tags: dict[str, str],
    *,
    admin_password: str,
    os_disk_size_gb: int | None = None,
    security_type: str | None = None,
) -> str:
    """A VM from a marketplace image (``publisher``, ``offer``, ``sku``, ``version``) or an
    image id (managed image or gallery version)."""
    reference = (
        {"id": image["id"]}
        if "id" in image
        else {
            "publisher": image["publisher"],
            "offer": image["offer"],
            "sku": image["sku"],
            "version": image.get("version", "latest"),
        }
    )
    os_disk: dict[str, Any] = {"createOption": "FromImage", "deleteOption": "Delete"}
    if os_disk_size_gb:
        os_disk["diskSizeGB"] = os_disk_size_gb
    body = m.VirtualMachine(
        {
            "location": location,
            "tags": tags,
            "properties": {
                "hardwareProfile": {"vmSize": size},
                "storageProfile": {"imageReference": reference, "osDisk": os_disk},
                "osProfile": {
                    "computerName": name.replace("-", "")[:15],
                    "adminUsername": "gfbuild",
                    "adminPassword": admin_password,
                },
                "networkProfile": _nic(nic_id),
                **_security(security_type),
            },
        }
    )
    return await _create_vm(
        factory,
        tenant_id,
        subscription_id,
        ref,
        group,
        name,
        body,
        "creating a build virtual machine as",
    )


def _run_result(name: str, command: Any) -> RunCommandResult:
    view = command.properties.instance_view if command.properties else None
    if view is None:
        return RunCommandResult(name, "Unknown", None, "", "", None, None)
    return RunCommandResult(
        name=name,
        state=_text(view.execution_state) or "Unknown",
        exit_code=view.exit_code,
        output=view.output or "",
        error=view.error or "",
        started=view.start_time.isoformat() if view.start_time else None,
        finished=view.end_time.isoformat() if view.end_time else None,
    )


async def read_run_command(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    vm_name: str,
    command_name: str,
) -> RunCommandResult | None:
    client = factory.compute(tenant_id, subscription_id, ref)
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", vm_name)
    try:
        async with client:
            found = await client.virtual_machine_run_commands.get_by_virtual_machine(
                group, vm_name, command_name, expand="instanceView"
            )
    except ResourceNotFoundError:
        return None
    except Exception as exc:
        raise translate(exc, f"reading run command {command_name} of", vm_id) from exc
    return _run_result(command_name, found)


async def run_command(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    vm_name: str,
    command_name: str,
    script: str,
    *,
    timeout_seconds: int = 5400,
) -> RunCommandResult:
    """Run ``script`` on the VM as the managed Run Command ``command_name`` and wait for it.
    One that ran already (by name) is read back, not run again."""
    done = await read_run_command(
        factory, tenant_id, subscription_id, ref, group, vm_name, command_name
    )
    if done is not None and done.state in FINISHED_RUN_STATES:
        return done
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", vm_name)
    client = factory.compute(tenant_id, subscription_id, ref)
    location = None
    try:
        async with client:
            vm = await client.virtual_machines.get(group, vm_name)
            location = vm.location
            body = m.VirtualMachineRunCommand(
                {
                    "location": location,
                    "properties": {
                        "source": {"script": script},
                        "asyncExecution": False,
                        "timeoutInSeconds": timeout_seconds,
                    },
                }
            )
            poller = await client.virtual_machine_run_commands.begin_create_or_update(
                group, vm_name, command_name, body
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, f"running {command_name} on", vm_id) from exc
    found = await read_run_command(
        factory, tenant_id, subscription_id, ref, group, vm_name, command_name
    )
    if found is None:
        return RunCommandResult(command_name, "Unknown", None, "", "", None, None)
    return found


async def _power(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    action: str,
) -> None:
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", name)
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            operations = client.virtual_machines
            if action == "generalize":
                await operations.generalize(group, name)
                return
            begin = {
                "powerOff": operations.begin_power_off,
                "deallocate": operations.begin_deallocate,
                "start": operations.begin_start,
                "restart": operations.begin_restart,
                "delete": operations.begin_delete,
            }[action]
            poller = await begin(group, name)
            await poller.result()
    except ResourceNotFoundError as exc:
        if action == "delete":
            return
        raise translate(exc, f"{action} of", vm_id) from exc
    except Exception as exc:
        raise translate(exc, f"{action} of", vm_id) from exc


async def power_off(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "powerOff")


async def deallocate(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "deallocate")


async def start(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "start")


async def generalize(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "generalize")


async def delete_vm(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "delete")


async def restart(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    await _power(factory, tenant_id, subscription_id, ref, group, name, "restart")


async def tag_vm(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    tags: dict[str, str | None],
) -> None:
    """Set (or, with None, remove) tags on a VM, keeping its others."""
    vm_id = _id(subscription_id, group, "Microsoft.Compute/virtualMachines", name)
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            vm = await client.virtual_machines.get(group, name)
            merged = {**(vm.tags or {}), **{k: v for k, v in tags.items() if v is not None}}
            for key in [k for k, v in tags.items() if v is None]:
                merged.pop(key, None)
            poller = await client.virtual_machines.begin_update(
                group, name, m.VirtualMachineUpdate(tags=merged)
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, "tagging", vm_id) from exc
