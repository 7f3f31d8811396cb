"""The build VM and its network in the staging resource group, while a build runs.

Created when a build enters ``Building`` as stored resources with ARM's shapes and Image
Builder's ``createdBy`` tag (a network security group, a virtual network and subnet unless the
template names ``vmProfile.vnetConfig.subnetId``, a NIC, the OS disk and the VM, sized from
``vmProfile.vmSize`` or Image Builder's default for the source's generation), so a reader of the
staging group sees them; removed at cleanup, or kept - VM and all - when error handling says
``abort``. No HTTP, no scheduling here.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.world import World


def create_build_resources(world: World, item: StoredResource, run: dict[str, Any]) -> list[str]:
    props = item.body["properties"]
    group = item.meta["stagingGroup"]
    location = item.body["location"]
    suffix = run["runId"][:8]
    tags = {"createdBy": "AzureVMImageBuilder", **(props.get("managedResourceTags") or {})}
    profile = props.get("vmProfile") or {}
    generation = run["generation"]
    size = profile.get("vmSize") or ("Standard_D2ds_v4" if generation == "V2" else "Standard_D1_v2")
    network = f"{group}/providers/Microsoft.Network"
    subnet = (profile.get("vnetConfig") or {}).get("subnetId")
    bodies: list[dict[str, Any]] = []
    nsg_id = f"{network}/networkSecurityGroups/pkrsg{suffix}"
    bodies.append(
        {
            "id": nsg_id,
            "type": "Microsoft.Network/networkSecurityGroups",
            "properties": {"securityRules": [], "provisioningState": "Succeeded"},
        }
    )
    if not subnet:
        vnet_id = f"{network}/virtualNetworks/pkrvn{suffix}"
        subnet = f"{vnet_id}/subnets/pkrsn{suffix}"
        bodies.append(
            {
                "id": vnet_id,
                "type": "Microsoft.Network/virtualNetworks",
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [
                        {
                            "id": subnet,
                            "name": f"pkrsn{suffix}",
                            "properties": {
                                "addressPrefix": "10.0.0.0/24",
                                "networkSecurityGroup": {"id": nsg_id},
                            },
                        }
                    ],
                    "provisioningState": "Succeeded",
                },
            }
        )
    nic_id = f"{network}/networkInterfaces/pkrni{suffix}"
    bodies.append(
        {
            "id": nic_id,
            "type": "Microsoft.Network/networkInterfaces",
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ipconfig",
                        "properties": {
                            "privateIPAllocationMethod": "Dynamic",
                            "subnet": {"id": subnet},
                        },
                    }
                ],
                "networkSecurityGroup": {"id": nsg_id},
                "provisioningState": "Succeeded",
            },
        }
    )
    disk_id = f"{group}/providers/Microsoft.Compute/disks/pkros{suffix}"
    bodies.append(
        {
            "id": disk_id,
            "type": "Microsoft.Compute/disks",
            "sku": {"name": "Standard_LRS"},
            "properties": {
                "osType": run["osType"],
                "hyperVGeneration": generation,
                "diskSizeGB": run["osDiskSizeGB"],
                "diskState": "Attached",
                "provisioningState": "Succeeded",
            },
        }
    )
    vm_id = f"{group}/providers/Microsoft.Compute/virtualMachines/pkrvm{suffix}"
    bodies.append(
        {
            "id": vm_id,
            "type": "Microsoft.Compute/virtualMachines",
            "properties": {
                "hardwareProfile": {"vmSize": size},
                "storageProfile": {
                    "osDisk": {
                        "osType": run["osType"],
                        "name": f"pkros{suffix}",
                        "createOption": "FromImage",
                        "diskSizeGB": run["osDiskSizeGB"],
                        "managedDisk": {"id": disk_id},
                    }
                },
                "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
                "provisioningState": "Succeeded",
            },
        }
    )
    lines = []
    for body in bodies:
        body.update(name=body["id"].rsplit("/", 1)[-1], location=location, tags=dict(tags))
        world.store.put(body)
        run["resources"].append(body["id"])
        lines.append(f"==> azure-arm: Deploying {body['type']} '{body['name']}' in {location}")
    run["vm"] = vm_id
    lines.append("==> azure-arm: Waiting for WinRM to become available...")
    lines.append("    azure-arm: WinRM connected.")
    return lines


def remove_build_resources(world: World, run: dict[str, Any], keep_vm: bool) -> None:
    kept = []
    for resource_id in reversed(run["resources"]):
        if keep_vm and "/microsoft.compute/images/" not in resource_id.lower():
            kept.append(resource_id)
            continue
        world.delete_resource(resource_id)
    run["resources"] = kept
