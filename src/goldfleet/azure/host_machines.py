"""The virtual machines behind session hosts: made from a gallery image version with a NIC in
the pool's subnet, joined to the directory and registered with the pool through the same VM
extensions Microsoft's AVD templates use, found again by their tags, and removed.

* Entra join: ``Microsoft.Azure.ActiveDirectory/AADLoginForWindows`` (``mdmId`` enrols in
  Intune); the VM gets a system-assigned identity, which the extension needs.
* AD join: ``Microsoft.Compute/JsonADDomainExtension`` (``Options: 3`` = join + create the
  computer account); the password is a protected setting, read from the environment.
* AVD agent: ``Microsoft.Powershell/DSC`` running ``Configuration.ps1\\AddSessionHost`` from
  Microsoft's artifact, with the registration token as a protected setting.

Creates are create-or-get with the caller's deterministic name, so a step that runs twice
creates nothing twice; an extension that already succeeded is not sent again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as m

from goldfleet.azure import compute
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.errors import AzureCallError
from goldfleet.domain.names import computer_name
from goldfleet.domain.tenancy import CredentialRef

POOL_TAG = "goldfleet-host-pool"  # value: the host pool's ARM id, lower-cased
VERSION_TAG = "goldfleet-image-version"  # value: the gallery image version's ARM id
RELEASE_TAG = "goldfleet-release"  # value: <pipeline>:<version>
AGENT_ARTIFACT = (
    "https://wvdportalstorageblob.blob.core.windows.net/galleryartifacts/"
    "Configuration_1.0.02797.442.zip"
)
INTUNE_MDM_ID = "0000000a-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class HostMachine:
    """What a session host VM is made of (see ``create_host``)."""

    name: str
    group: str
    location: str
    size: str
    image_id: str  # gallery image version id
    subnet_id: str
    os_disk_type: str
    tags: dict[str, str]
    join: dict[str, Any]  # {type: entra, intune} | {type: ad, domain, ouPath, username}
    zones: tuple[str, ...] = ()
    security_type: str | None = None


def _password() -> str:
    """Azure's rules: 12-123 characters from three of lower, upper, digit and symbol."""
    return f"Gf!{secrets.token_urlsafe(24)}9a"


async def create_host(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    host: HostMachine,
    auxiliary: Sequence[tuple[str, CredentialRef]] = (),
) -> str:
    """The NIC and the VM (create-or-get). The local administrator's password is random, made
    here and sent only to Azure (AVD users sign in with their directory accounts). When the
    image version is in another tenant's gallery, ``auxiliary`` names that tenant (and the
    credential of the same multi-tenant app there): Azure needs its token too."""
    args = (factory, tenant_id, subscription_id, ref)
    nic_id = await compute.create_nic(
        *args, host.group, f"{host.name}-nic", host.location, host.subnet_id, host.tags
    )
    body: dict[str, Any] = {
        "location": host.location,
        "tags": host.tags,
        "properties": {
            "hardwareProfile": {"vmSize": host.size},
            "licenseType": "Windows_Client",
            "storageProfile": {
                "imageReference": {"id": host.image_id},
                "osDisk": {
                    "createOption": "FromImage",
                    "deleteOption": "Delete",
                    "managedDisk": {"storageAccountType": host.os_disk_type},
                },
            },
            "osProfile": {
                "computerName": computer_name(host.name),
                "adminUsername": "gfadmin",
                "adminPassword": _password(),
            },
            "networkProfile": {
                "networkInterfaces": [
                    {"id": nic_id, "properties": {"primary": True, "deleteOption": "Delete"}}
                ]
            },
        },
    }
    if host.security_type == "TrustedLaunch":
        body["properties"]["securityProfile"] = {
            "securityType": "TrustedLaunch",
            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
        }
    if host.join.get("type") == "entra":
        body["identity"] = {"type": "SystemAssigned"}
    if host.zones:
        body["zones"] = list(host.zones)
    vm_id = (
        f"/subscriptions/{subscription_id}/resourceGroups/{host.group}"
        f"/providers/Microsoft.Compute/virtualMachines/{host.name}"
    )
    client = factory.compute(tenant_id, subscription_id, ref, auxiliary)
    try:
        async with client:
            try:
                return str((await client.virtual_machines.get(host.group, host.name)).id)
            except ResourceNotFoundError:
                pass
            poller = await client.virtual_machines.begin_create_or_update(
                host.group, host.name, m.VirtualMachine(body)
            )
            made = await poller.result()
    except Exception as exc:
        raise translate(
            exc, f"creating a session host from image version {host.image_id} as", vm_id
        ) from exc
    return str(made.id)


def join_extension(join: dict[str, Any], password: str | None) -> tuple[str, dict[str, Any]]:
    """The directory join extension's name and body."""
    if join.get("type") == "ad":
        settings = {
            "Name": join["domain"],
            "OUPath": join.get("ouPath") or "",
            "User": join["username"],
            "Restart": "true",
            "Options": "3",
        }
        return "JsonADDomainExtension", {
            "publisher": "Microsoft.Compute",
            "type": "JsonADDomainExtension",
            "typeHandlerVersion": "1.3",
            "autoUpgradeMinorVersion": True,
            "settings": settings,
            "protectedSettings": {"Password": password or ""},
        }
    settings = {"mdmId": INTUNE_MDM_ID} if join.get("intune") else {}
    return "AADLoginForWindows", {
        "publisher": "Microsoft.Azure.ActiveDirectory",
        "type": "AADLoginForWindows",
        "typeHandlerVersion": "2.0",
        "autoUpgradeMinorVersion": True,
        "settings": settings,
    }


def agent_extension(pool_name: str, token: str, entra: bool) -> tuple[str, dict[str, Any]]:
    """The AVD agent's DSC extension (Microsoft's ``AddSessionHost`` configuration)."""
    return "Microsoft.PowerShell.DSC", {
        "publisher": "Microsoft.Powershell",
        "type": "DSC",
        "typeHandlerVersion": "2.73",
        "autoUpgradeMinorVersion": True,
        "settings": {
            "modulesUrl": AGENT_ARTIFACT,
            "configurationFunction": "Configuration.ps1\\AddSessionHost",
            "properties": {
                "hostPoolName": pool_name,
                "registrationInfoTokenCredential": {
                    "UserName": "PLACEHOLDER_DONOTUSE",
                    "Password": "PrivateSettingsRef:RegistrationInfoToken",
                },
                "aadJoin": entra,
                "UseAgentDownloadEndpoint": True,
            },
        },
        "protectedSettings": {"Items": {"RegistrationInfoToken": token}},
    }


async def install_extension(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    vm_name: str,
    location: str,
    name: str,
    extension: dict[str, Any],
) -> None:
    """Install an extension and wait for it; one that already succeeded is left alone, one that
    failed is an error naming the extension and what it reported."""
    at = (
        f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/"
        f"Microsoft.Compute/virtualMachines/{vm_name}/extensions/{name}"
    )
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            try:
                found = await client.virtual_machine_extensions.get(group, vm_name, name)
                if found.provisioning_state == "Succeeded":
                    return
            except ResourceNotFoundError:
                pass
            poller = await client.virtual_machine_extensions.begin_create_or_update(
                group,
                vm_name,
                name,
                m.VirtualMachineExtension({"location": location, "properties": extension}),
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, f"installing the {name} extension on", at) from exc


async def pool_machines(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    pool_id: str,
) -> list[compute.MachineView]:
    """The VMs in ``group`` tagged as the pool's session hosts, with their power state."""
    client = factory.compute(tenant_id, subscription_id, ref)
    found: list[compute.MachineView] = []
    try:
        async with client:
            async for vm in client.virtual_machines.list(group):
                if (vm.tags or {}).get(POOL_TAG, "").lower() != pool_id.lower():
                    continue
                full = await client.virtual_machines.get(
                    group, vm.name or "", expand="instanceView"
                )
                found.append(compute.machine_view(full))
    except AzureCallError:
        raise
    except Exception as exc:
        raise translate(
            exc, "listing the session host VMs of", f"{pool_id} in resource group {group}"
        ) from exc
    return sorted(found, key=lambda v: v.name)
