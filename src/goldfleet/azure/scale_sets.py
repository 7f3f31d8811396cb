"""The standby scale set of a DR host pool: a Flexible virtual machine scale set whose model
makes session hosts exactly as a rollout does (the gallery version, a NIC in the DR subnet, the
directory join and the AVD agent's extensions with a registration token of the DR pool), kept
at zero instances until it is needed.

The model carries a registration token and the join password as protected settings (never
returned by Azure); a model is written again with a fresh token before every scale-out, so an
instance made from it can always register.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as m

from goldfleet.azure import host_machines
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.names import dr_computer_name_prefix
from goldfleet.domain.tenancy import CredentialRef


@dataclass(frozen=True)
class ScaleSetModel:
    """What the standby scale set's instances are made of."""

    name: str
    group: str
    location: str
    size: str
    image_id: str  # gallery image version id
    subnet_id: str
    os_disk_type: str
    name_prefix: str  # the pool's host name prefix
    tags: dict[str, str]
    join: dict[str, Any]
    pool_name: str  # the DR host pool the agent registers with


@dataclass(frozen=True)
class Instance:
    name: str  # a Flexible instance's id is its VM name
    vm_id: str
    latest_model: bool
    state: str


@dataclass(frozen=True)
class ScaleSetView:
    id: str
    name: str
    capacity: int
    image_id: str
    state: str
    tags: dict[str, str]
    instances: tuple[Instance, ...] = ()


def scale_set_body(
    model: ScaleSetModel, capacity: int, token: str, password: str | None, admin_password: str
) -> dict[str, Any]:
    """The scale set's PUT body: Flexible, one fault domain, the model, ``capacity``."""
    join_name, join = host_machines.join_extension(model.join, password)
    agent_name, agent = host_machines.agent_extension(
        model.pool_name, token, model.join.get("type") != "ad"
    )
    body: dict[str, Any] = {
        "location": model.location,
        "tags": model.tags,
        "sku": {"name": model.size, "tier": "Standard", "capacity": capacity},
        "properties": {
            "orchestrationMode": "Flexible",
            "platformFaultDomainCount": 1,
            "singlePlacementGroup": False,
            "virtualMachineProfile": {
                "licenseType": "Windows_Client",
                "storageProfile": {
                    "imageReference": {"id": model.image_id},
                    "osDisk": {
                        "createOption": "FromImage",
                        "deleteOption": "Delete",
                        "managedDisk": {"storageAccountType": model.os_disk_type},
                    },
                },
                "osProfile": {
                    "computerNamePrefix": dr_computer_name_prefix(model.name_prefix),
                    "adminUsername": "gfadmin",
                    "adminPassword": admin_password,
                },
                "networkProfile": {
                    "networkApiVersion": "2020-11-01",
                    "networkInterfaceConfigurations": [
                        {
                            "name": "nic",
                            "properties": {
                                "primary": True,
                                "deleteOption": "Delete",
                                "ipConfigurations": [
                                    {
                                        "name": "ipconfig",
                                        "properties": {"subnet": {"id": model.subnet_id}},
                                    }
                                ],
                            },
                        }
                    ],
                },
                "extensionProfile": {
                    "extensions": [
                        {"name": join_name, "properties": join},
                        {"name": agent_name, "properties": agent},
                    ]
                },
            },
        },
    }
    if model.join.get("type") != "ad":
        body["identity"] = {"type": "SystemAssigned"}
    return body


def _id(subscription_id: str, group: str, name: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/"
        f"Microsoft.Compute/virtualMachineScaleSets/{name}"
    )


def _view(found: Any, instances: Sequence[Instance] = ()) -> ScaleSetView:
    profile = found.properties.virtual_machine_profile
    image = profile.storage_profile.image_reference if profile is not None else None
    return ScaleSetView(
        id=str(found.id),
        name=str(found.name),
        capacity=int(found.sku.capacity or 0),
        image_id=str(image.id or "") if image is not None else "",
        state=str(found.properties.provisioning_state or ""),
        tags=dict(found.tags or {}),
        instances=tuple(instances),
    )


def _instance(found: Any) -> Instance:
    props = found.properties
    return Instance(
        name=str(found.instance_id or found.name),
        vm_id=str(found.id),
        latest_model=bool(props.latest_model_applied) if props is not None else False,
        state=str(props.provisioning_state or "") if props is not None else "",
    )


async def read_scale_set(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> ScaleSetView | None:
    """The scale set with its instances, or None when there is none."""
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            try:
                found = await client.virtual_machine_scale_sets.get(group, name)
            except ResourceNotFoundError:
                return None
            instances = [
                _instance(i) async for i in client.virtual_machine_scale_set_vms.list(group, name)
            ]
    except Exception as exc:
        raise translate(exc, "reading the scale set", _id(subscription_id, group, name)) from exc
    return _view(found, instances)


async def put_scale_set(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    body: dict[str, Any],
    auxiliary: Sequence[tuple[str, CredentialRef]] = (),
) -> ScaleSetView:
    """Create or update the scale set (its model and capacity) and wait until it settles: new
    instances running with their extensions finished, removed ones gone."""
    client = factory.compute(tenant_id, subscription_id, ref, auxiliary)
    capacity = body["sku"]["capacity"]
    image_id = body["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]["id"]
    try:
        async with client:
            poller = await client.virtual_machine_scale_sets.begin_create_or_update(
                group, name, m.VirtualMachineScaleSet(body)
            )
            return _view(await poller.result())
    except Exception as exc:
        raise translate(
            exc,
            f"writing the model (image version {image_id}, capacity {capacity}) of",
            _id(subscription_id, group, name),
        ) from exc


async def delete_instances(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    instance_ids: Sequence[str],
) -> None:
    """Delete these instances (the capacity goes down by as many) and wait until they are
    gone."""
    if not instance_ids:
        return
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            poller = await client.virtual_machine_scale_sets.begin_delete_instances(
                group,
                name,
                m.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=list(instance_ids)),
            )
            await poller.result()
    except Exception as exc:
        raise translate(
            exc,
            f"deleting instances {', '.join(instance_ids)} of",
            _id(subscription_id, group, name),
        ) from exc
