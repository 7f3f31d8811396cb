"""Rules for virtual networks and their subnets: address spaces, subnet prefixes inside them and
apart from each other, subnets as child resources that the vnet body also carries inline (a PUT
of the vnet replaces the whole set, as in Azure), and the addresses each subnet has handed out.

Subnets are stored as their own resources (children of the vnet); a subnet's ``meta`` holds its
allocations (address -> ip configuration id) and its ``properties.ipConfigurations`` lists the
ip configurations that use it, as Azure shows them. No HTTP here.
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.network import addresses, errors
from goldfleet.emulator.rp.network.model import (
    SUBNET,
    VNET,
    new_etag,
    parent_vnet_id,
    start_delete,
    start_write,
    subnet_id,
    vnet_id,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

_SUBNET_ECHO = (
    "networkSecurityGroup",
    "routeTable",
    "natGateway",
    "serviceEndpoints",
    "delegations",
    "defaultOutboundAccess",
    "privateEndpointNetworkPolicies",
    "privateLinkServiceNetworkPolicies",
)


# --- reading ----------------------------------------------------------------------------------


def get_vnet(world: World, subscription_id: str, resource_group: str, name: str) -> StoredResource:
    item = world.store.get(vnet_id(subscription_id, resource_group, name))
    if item is None:
        resources.get_group(world, subscription_id, resource_group)
        raise not_found(VNET, name, resource_group)
    return item


def subnets_of(world: World, vnet: StoredResource) -> list[StoredResource]:
    return world.store.children(vnet.id, SUBNET)


def get_subnet(world: World, vnet: StoredResource, name: str) -> StoredResource:
    item = world.store.get(f"{vnet.id}/subnets/{name}")
    if item is None:
        raise errors.not_found(f"{vnet.id}/subnets/{name}")
    return item


def subnet_view(subnet: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(subnet.body)
    if not body["properties"].get("ipConfigurations"):
        body["properties"].pop("ipConfigurations", None)
    return body


def vnet_view(world: World, vnet: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(vnet.body)
    body["properties"]["subnets"] = [subnet_view(s) for s in subnets_of(world, vnet)]
    return body


def subscription_vnets(world: World, subscription_id: str) -> list[StoredResource]:
    prefix = f"/subscriptions/{subscription_id}/".lower()
    return [
        r
        for r in world.store
        if r.id.lower().startswith(prefix) and str(r.body.get("type", "")).lower() == VNET.lower()
    ]


def allocations(subnet: StoredResource) -> dict[str, str]:
    """Address -> ip configuration id, for every address this subnet has handed out."""
    found: dict[str, str] = subnet.meta.setdefault("allocations", {})
    return found


def prefix_of(subnet: StoredResource) -> str:
    return str(subnet.body["properties"]["addressPrefix"])


def free_addresses(subnet: StoredResource) -> int:
    """How many more NICs this subnet can take (usable addresses minus those handed out)."""
    return addresses.usable_count(prefix_of(subnet)) - len(allocations(subnet))


def sync_ip_configurations(subnet: StoredResource) -> None:
    subnet.body["properties"]["ipConfigurations"] = [
        {"id": cfg} for cfg in allocations(subnet).values()
    ]


# --- validation -------------------------------------------------------------------------------


def _address_space(body: dict[str, Any], resource_id: str) -> list[str]:
    space = (body.get("properties") or {}).get("addressSpace") or {}
    prefixes = space.get("addressPrefixes") if isinstance(space, dict) else None
    if not isinstance(prefixes, list) or not prefixes:
        raise errors.bad_property(
            f"Virtual network {resource_id} must have at least one address prefix in "
            "addressSpace.addressPrefixes."
        )
    for prefix in prefixes:
        _check_cidr(str(prefix), resource_id)
    return [str(p) for p in prefixes]


def _check_cidr(prefix: str, resource_id: str) -> None:
    try:
        addresses.network_of(prefix)
    except ValueError as exc:
        raise errors.invalid_cidr(prefix, resource_id) from exc


def _subnet_prefix(name: str, vnet_name: str, properties: dict[str, Any], sid: str) -> str:
    prefix = properties.get("addressPrefix")
    many = properties.get("addressPrefixes")
    if prefix is None and isinstance(many, list) and len(many) == 1:
        prefix = many[0]
    if not isinstance(prefix, str) or not prefix:
        raise errors.invalid_subnet(name, vnet_name)
    _check_cidr(prefix, sid)
    if addresses.network_of(prefix).prefixlen > addresses.SMALLEST_PREFIX:
        raise errors.invalid_subnet(name, vnet_name)
    return prefix


def _check_layout(vnet_name: str, space: list[str], subnets: dict[str, str]) -> None:
    """Every subnet inside the address space, no two overlapping (name -> prefix)."""
    seen: list[tuple[str, str]] = []
    for name, prefix in subnets.items():
        if not addresses.within(prefix, space):
            raise errors.subnet_outside_vnet(name, vnet_name)
        for _, other in seen:
            if addresses.overlaps(prefix, other):
                raise errors.subnets_overlap(name, vnet_name)
        seen.append((name, prefix))


def _check_prefix_change(subnet: StoredResource, prefix: str) -> None:
    taken = allocations(subnet)
    if taken and any(not addresses.is_usable(prefix, a) for a in taken):
        raise errors.subnet_in_use_update(str(subnet.body["name"]))


def _subnet_body(
    world: World, sid: str, name: str, prefix: str, properties: dict[str, Any], old: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "addressPrefix": prefix,
        "provisioningState": "Succeeded",
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
        "delegations": [],
    }
    for key in _SUBNET_ECHO:
        if key in properties:
            props[key] = properties[key]
    props["ipConfigurations"] = list(
        (old.body["properties"].get("ipConfigurations") or []) if old is not None else []
    )
    return {"id": sid, "name": name, "etag": new_etag(world), "type": SUBNET, "properties": props}


# --- virtual networks -------------------------------------------------------------------------


def put_vnet(
    world: World,
    sub: Subscription,
    resource_group: str,
    name: str,
    body: dict[str, Any],
    tenant_id: str,
) -> tuple[StoredResource, Operation, bool]:
    """VirtualNetworks_CreateOrUpdate: the vnet, its operation, and whether it was created."""
    vnet, created = _apply_vnet(world, sub, resource_group, name, body)
    op = start_write(world, vnet, str(vnet.body["location"]), tenant_id)
    return vnet, op, created


def seed_vnet(
    world: World, sub: Subscription, resource_group: str, name: str, body: dict[str, Any]
) -> StoredResource:
    """A vnet (and its subnets) that exists already Succeeded, for scenarios; the same rules
    as VirtualNetworks_CreateOrUpdate (ArmError when they refuse it)."""
    vnet, _ = _apply_vnet(world, sub, resource_group, name, body)
    vnet.body["properties"]["provisioningState"] = "Succeeded"
    return vnet


def _apply_vnet(
    world: World, sub: Subscription, resource_group: str, name: str, body: dict[str, Any]
) -> tuple[StoredResource, bool]:
    resources.get_group(world, sub.subscription_id, resource_group)
    vid = vnet_id(sub.subscription_id, resource_group, name)
    location = resources.check_location(sub, str(body.get("location") or ""), VNET)
    existing = world.store.get(vid)
    if existing is not None and existing.body["location"] != location:
        raise errors.location_changed(name, existing.body["location"], resource_group, location)
    space = _address_space(body, vid)
    wanted: dict[str, dict[str, Any]] = {}
    for entry in (body.get("properties") or {}).get("subnets") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise errors.bad_property("Every subnet in a virtual network needs a name.")
        wanted[entry["name"].lower()] = entry
    current = {
        str(s.body["name"]).lower(): s for s in (subnets_of(world, existing) if existing else [])
    }
    for key, old in current.items():
        if key not in wanted and allocations(old):
            raise errors.subnet_in_use(str(old.body["name"]), next(iter(allocations(old).values())))
    prefixes: dict[str, str] = {}
    for key, entry in wanted.items():
        sid = subnet_id(sub.subscription_id, resource_group, name, entry["name"])
        prefix = _subnet_prefix(entry["name"], name, entry.get("properties") or {}, sid)
        if key in current:
            _check_prefix_change(current[key], prefix)
        prefixes[entry["name"]] = prefix
    _check_layout(name, space, prefixes)
    stored_body: dict[str, Any] = {
        "id": vid,
        "name": name,
        "type": VNET,
        "location": location,
        "tags": body.get("tags") or {},
        "etag": new_etag(world),
        "properties": {
            "addressSpace": {"addressPrefixes": space},
            "provisioningState": "Updating",
            "resourceGuid": existing.body["properties"]["resourceGuid"]
            if existing
            else world.new_uuid(),
            "virtualNetworkPeerings": [],
            "enableDdosProtection": bool(
                (body.get("properties") or {}).get("enableDdosProtection", False)
            ),
            "privateEndpointVNetPolicies": "Disabled",
        },
    }
    dhcp = (body.get("properties") or {}).get("dhcpOptions")
    if isinstance(dhcp, dict):
        stored_body["properties"]["dhcpOptions"] = dhcp
    vnet = world.store.put(stored_body, existing.meta if existing else {})
    for key, old in current.items():
        if key not in wanted:
            world.delete_resource(old.id)
    for key, entry in wanted.items():
        sid = subnet_id(sub.subscription_id, resource_group, name, entry["name"])
        old_subnet = current.get(key)
        new_body = _subnet_body(
            world,
            sid,
            entry["name"],
            prefixes[entry["name"]],
            entry.get("properties") or {},
            old_subnet,
        )
        world.store.put(new_body, old_subnet.meta if old_subnet else {})
    return vnet, existing is None


def delete_vnet(
    world: World, subscription_id: str, resource_group: str, name: str, tenant_id: str
) -> Operation | None:
    """VirtualNetworks_Delete: refused while a subnet is in use; None when there is no vnet."""
    resources.get_group(world, subscription_id, resource_group)
    vnet = world.store.get(vnet_id(subscription_id, resource_group, name))
    if vnet is None:
        return None
    children = subnets_of(world, vnet)
    for subnet in children:
        if allocations(subnet):
            raise errors.subnet_in_use(
                str(subnet.body["name"]), next(iter(allocations(subnet).values()))
            )
    for subnet in children:
        world.delete_resource(subnet.id)
    world.delete_resource(vnet.id)
    return start_delete(world, vnet.id, str(vnet.body["location"]), tenant_id)


# --- subnets ----------------------------------------------------------------------------------


def put_subnet(
    world: World,
    subscription_id: str,
    resource_group: str,
    vnet_name: str,
    name: str,
    body: dict[str, Any],
    tenant_id: str,
) -> tuple[StoredResource, Operation, bool]:
    """Subnets_CreateOrUpdate: the subnet, its operation, and whether it was created."""
    vnet = get_vnet(world, subscription_id, resource_group, vnet_name)
    sid = f"{vnet.id}/subnets/{name}"
    properties = body.get("properties") or {}
    prefix = _subnet_prefix(name, vnet_name, properties, sid)
    existing = world.store.get(sid)
    if existing is not None:
        _check_prefix_change(existing, prefix)
    layout = {
        str(s.body["name"]): prefix_of(s)
        for s in subnets_of(world, vnet)
        if s.id.lower() != sid.lower()
    }
    layout[name] = prefix
    _check_layout(
        vnet_name, list(vnet.body["properties"]["addressSpace"]["addressPrefixes"]), layout
    )
    new_body = _subnet_body(world, sid, name, prefix, properties, existing)
    subnet = world.store.put(new_body, existing.meta if existing else {})
    op = start_write(world, subnet, str(vnet.body["location"]), tenant_id)
    return subnet, op, existing is None


def delete_subnet(
    world: World,
    subscription_id: str,
    resource_group: str,
    vnet_name: str,
    name: str,
    tenant_id: str,
) -> Operation | None:
    """Subnets_Delete: refused while NICs use it; None when there is no such subnet."""
    vnet = get_vnet(world, subscription_id, resource_group, vnet_name)
    subnet = world.store.get(f"{vnet.id}/subnets/{name}")
    if subnet is None:
        return None
    taken = allocations(subnet)
    if taken:
        raise errors.subnet_in_use(str(subnet.body["name"]), next(iter(taken.values())))
    world.delete_resource(subnet.id)
    return start_delete(world, subnet.id, str(vnet.body["location"]), tenant_id)


def subnet_by_id(world: World, resource_id: str) -> tuple[StoredResource, StoredResource] | None:
    """The subnet with this id and its vnet, or None."""
    subnet = world.store.get(resource_id)
    if subnet is None or str(subnet.body.get("type", "")).lower() != SUBNET.lower():
        return None
    vnet = world.store.get(parent_vnet_id(subnet.id))
    if vnet is None:
        return None
    return subnet, vnet
