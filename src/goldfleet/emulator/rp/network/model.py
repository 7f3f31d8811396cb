"""What the Network provider's rules share: resource types and ids, etags, and long-running
writes the way Microsoft.Network runs them.

A write answers 201/200 with ``provisioningState: Updating`` and an ``Azure-AsyncOperation``
at ``.../providers/Microsoft.Network/locations/{loc}/operations/{id}`` (``Location`` at
``.../operationResults/{id}``); a scheduled event makes the resource ``Succeeded`` a moment of
simulated time later and completes the operation. Deletions take effect at once (the address
space is free immediately) and their operation completes a moment later.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.world import World

NAMESPACE = "Microsoft.Network"
VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
NIC = "Microsoft.Network/networkInterfaces"
IPCONFIG = "Microsoft.Network/networkInterfaces/ipConfigurations"
SETTLE_EVENT = "network.settle"
SETTLE_SECONDS = {VNET: 2.0, SUBNET: 1.0, NIC: 1.0}
DELETE_SECONDS = 1.0


def group_id(subscription_id: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def vnet_id(subscription_id: str, resource_group: str, name: str) -> str:
    return f"{group_id(subscription_id, resource_group)}/providers/{VNET}/{name}"


def subnet_id(subscription_id: str, resource_group: str, vnet: str, name: str) -> str:
    return f"{vnet_id(subscription_id, resource_group, vnet)}/subnets/{name}"


def nic_id(subscription_id: str, resource_group: str, name: str) -> str:
    return f"{group_id(subscription_id, resource_group)}/providers/{NIC}/{name}"


def parent_vnet_id(subnet_resource_id: str) -> str:
    """The vnet id of a subnet id (everything before ``/subnets/``)."""
    return subnet_resource_id.rsplit("/", 2)[0]


def new_etag(world: World) -> str:
    return f'W/"{world.new_uuid()}"'


def begin(world: World, resource: StoredResource, location: str, tenant_id: str) -> Operation:
    """A new operation on ``resource``; it completes when the resource settles."""
    op = world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=resource.id.split("/")[2],
            tenant_id=tenant_id,
            principal="",
            namespace=NAMESPACE,
            location=location,
            status_kind="operations",
            result_kind="operationResults",
            start=world.now(),
            resource_id=resource.id,
        )
    )
    return op


def start_write(world: World, resource: StoredResource, location: str, tenant_id: str) -> Operation:
    """Mark ``resource`` Updating and schedule it to become Succeeded."""
    resource.body["properties"]["provisioningState"] = "Updating"
    generation = int(resource.meta.get("generation", 0)) + 1
    resource.meta["generation"] = generation
    op = begin(world, resource, location, tenant_id)
    resource.meta.setdefault("pendingOps", []).append(op.id)
    rtype = str(resource.body.get("type", ""))
    world.scheduler.at(
        world.now() + SETTLE_SECONDS.get(rtype, 1.0),
        SETTLE_EVENT,
        {"id": resource.id, "gen": generation, "ops": []},
    )
    return op


def start_delete(world: World, resource_id: str, location: str, tenant_id: str) -> Operation:
    """An operation for a deletion that already took effect; it completes a moment later."""
    op = world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=resource_id.split("/")[2],
            tenant_id=tenant_id,
            principal="",
            namespace=NAMESPACE,
            location=location,
            status_kind="operations",
            result_kind="operationResults",
            start=world.now(),
            resource_id=resource_id,
            result_status=204,
        )
    )
    world.scheduler.at(
        world.now() + DELETE_SECONDS, SETTLE_EVENT, {"id": resource_id, "gen": -1, "ops": [op.id]}
    )
    return op


def settle(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: a write becomes Succeeded, or a deletion's operation completes."""
    for op_id in args.get("ops", []):
        world.operations.finish(op_id, world.now())
    item = world.store.get(str(args["id"]))
    if item is None or int(item.meta.get("generation", 0)) != int(args.get("gen", 0)):
        return
    item.body["properties"]["provisioningState"] = "Succeeded"
    for nested in item.body["properties"].get("ipConfigurations", []) or []:
        if isinstance(nested.get("properties"), dict):
            nested["properties"]["provisioningState"] = "Succeeded"
    for op_id in item.meta.pop("pendingOps", []):
        world.operations.finish(op_id, world.now())


def register_events(world: World) -> None:
    world.scheduler.register(SETTLE_EVENT, settle)
