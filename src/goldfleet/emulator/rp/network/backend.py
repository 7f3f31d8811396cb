"""Rules for network interfaces, and the functions other providers call (Compute attaches a
VM's NICs through ``attach_nic``/``detach_nic`` and deletes them with ``delete_nic``).

A NIC's ip configurations each take a private address from their subnet: dynamic allocation
hands out the lowest free usable address (Azure reserves five per subnet), a static one must be
usable and free; a full subnet refuses the NIC with ``SubnetIsFull``. The subnet must exist in
the NIC's region. A NIC used by a VM cannot be deleted (``NicInUse``). No HTTP here.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.network import addresses, errors, vnets
from goldfleet.emulator.rp.network.model import (
    IPCONFIG,
    NIC,
    group_id,
    new_etag,
    nic_id,
    start_delete,
    start_write,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

__all__ = [
    "attach_nic",
    "delete_nic",
    "detach_nic",
    "free_addresses",
    "get_nic",
    "nic_location",
]

_NIC_ECHO = ("networkSecurityGroup", "enableAcceleratedNetworking", "enableIPForwarding")


# --- the interface other providers use ---------------------------------------------------------


def get_nic(world: World, nic_id: str) -> StoredResource | None:
    """The network interface with this id (any spelling), or None."""
    item = world.store.get(nic_id)
    if item is None or str(item.body.get("type", "")).lower() != NIC.lower():
        return None
    return item


def nic_location(nic: StoredResource) -> str:
    return str(nic.body["location"])


def attach_nic(world: World, nic_id: str, vm_id: str) -> None:
    """Record that ``vm_id`` uses the NIC (``properties.virtualMachine.id``). A NIC another VM
    uses: ``NicInUse``; an unknown NIC: 404 ``NotFound``. Attaching to the same VM again is a
    no-op."""
    nic = get_nic(world, nic_id)
    if nic is None:
        raise errors.not_found(nic_id)
    current = (nic.body["properties"].get("virtualMachine") or {}).get("id")
    if current and str(current).lower() != vm_id.lower():
        raise errors.nic_attached_elsewhere(nic.id, str(current))
    nic.body["properties"]["virtualMachine"] = {"id": vm_id}
    digest = hashlib.sha256(nic.id.lower().encode()).hexdigest().upper()
    nic.body["properties"]["macAddress"] = f"00-22-48-{digest[0:2]}-{digest[2:4]}-{digest[4:6]}"
    nic.body["etag"] = new_etag(world)


def detach_nic(world: World, nic_id: str) -> None:
    """Forget the NIC's VM (nothing happens for an unknown NIC: the VM may outlive it)."""
    nic = get_nic(world, nic_id)
    if nic is None:
        return
    nic.body["properties"].pop("virtualMachine", None)
    nic.body["properties"].pop("macAddress", None)
    nic.body["etag"] = new_etag(world)


def delete_nic(world: World, nic_id: str) -> None:
    """Delete the NIC and free its private addresses. Still attached: ``NicInUse`` (detach it
    first); unknown: nothing happens."""
    nic = get_nic(world, nic_id)
    if nic is None:
        return
    vm = (nic.body["properties"].get("virtualMachine") or {}).get("id")
    if vm:
        raise errors.nic_in_use(nic.id, str(vm))
    world.delete_resource(nic.id)  # the deletion hook frees the addresses


def free_addresses(world: World, subnet_id: str) -> int | None:
    """How many more addresses the subnet can hand out, or None for an unknown subnet."""
    found = vnets.subnet_by_id(world, subnet_id)
    return None if found is None else vnets.free_addresses(found[0])


# --- HTTP-facing rules ------------------------------------------------------------------------


def get_nic_named(
    world: World, subscription_id: str, resource_group: str, name: str
) -> StoredResource:
    item = get_nic(world, nic_id(subscription_id, resource_group, name))
    if item is None:
        resources.get_group(world, subscription_id, resource_group)
        raise not_found(NIC, name, resource_group)
    return item


def nic_view(nic: StoredResource) -> dict[str, Any]:
    return copy.deepcopy(nic.body)


def nics_in_group(world: World, subscription_id: str, resource_group: str) -> list[StoredResource]:
    resources.get_group(world, subscription_id, resource_group)
    return world.store.children(group_id(subscription_id, resource_group), NIC)


def subscription_nics(world: World, subscription_id: str) -> list[StoredResource]:
    prefix = f"/subscriptions/{subscription_id}/".lower()
    return [
        r
        for r in world.store
        if r.id.lower().startswith(prefix) and str(r.body.get("type", "")).lower() == NIC.lower()
    ]


def put_nic(
    world: World,
    sub: Subscription,
    resource_group: str,
    name: str,
    body: dict[str, Any],
    tenant_id: str,
) -> tuple[StoredResource, Operation, bool]:
    """NetworkInterfaces_CreateOrUpdate: the NIC, its operation, and whether it was created."""
    resources.get_group(world, sub.subscription_id, resource_group)
    nid = nic_id(sub.subscription_id, resource_group, name)
    location = resources.check_location(sub, str(body.get("location") or ""), NIC)
    existing = get_nic(world, nid)
    if existing is not None and existing.body["location"] != location:
        raise errors.location_changed(name, existing.body["location"], resource_group, location)
    properties = body.get("properties") or {}
    configs = properties.get("ipConfigurations")
    if not isinstance(configs, list) or not configs:
        raise errors.bad_property(
            f"Network interface {nid} must have one or more IP configurations."
        )
    plan = _plan_addresses(world, nid, location, configs, existing)
    # every check passed: free this NIC's old addresses, then take the new ones
    if existing is not None:
        _free(world, existing)
    ip_configurations = []
    for cfg_name, subnet, address, method, primary in plan:
        cfg_id = f"{nid}/ipConfigurations/{cfg_name}"
        vnets.allocations(subnet)[address] = cfg_id
        vnets.sync_ip_configurations(subnet)
        ip_configurations.append(
            {
                "name": cfg_name,
                "id": cfg_id,
                "etag": new_etag(world),
                "type": IPCONFIG,
                "properties": {
                    "provisioningState": "Updating",
                    "privateIPAddress": address,
                    "privateIPAllocationMethod": method,
                    "subnet": {"id": subnet.id},
                    "primary": primary if len(plan) > 1 else True,
                    "privateIPAddressVersion": "IPv4",
                },
            }
        )
    props: dict[str, Any] = {
        "provisioningState": "Updating",
        "resourceGuid": existing.body["properties"]["resourceGuid"]
        if existing
        else world.new_uuid(),
        "ipConfigurations": ip_configurations,
        "dnsSettings": {
            "dnsServers": list((properties.get("dnsSettings") or {}).get("dnsServers") or []),
            "appliedDnsServers": [],
        },
        "enableAcceleratedNetworking": False,
        "enableIPForwarding": False,
        "disableTcpStateTracking": False,
        "nicType": "Standard",
        "auxiliaryMode": "None",
        "auxiliarySku": "None",
        "vnetEncryptionSupported": False,
        "hostedWorkloads": [],
        "tapConfigurations": [],
    }
    for key in _NIC_ECHO:
        if key in properties:
            props[key] = properties[key]
    if existing is not None:
        for kept in ("virtualMachine", "macAddress"):
            if kept in existing.body["properties"]:
                props[kept] = existing.body["properties"][kept]
    stored = {
        "id": nid,
        "name": name,
        "type": NIC,
        "location": location,
        "kind": "Regular",
        "tags": body.get("tags") or {},
        "etag": new_etag(world),
        "properties": props,
    }
    nic = world.store.put(stored, existing.meta if existing else {})
    op = start_write(world, nic, location, tenant_id)
    return nic, op, existing is None


def _plan_addresses(
    world: World,
    nid: str,
    location: str,
    configs: list[Any],
    existing: StoredResource | None,
) -> list[tuple[str, StoredResource, str, str, bool]]:
    """(name, subnet, address, allocation method, primary) for each ip configuration, checked
    against the subnets as they would be once this NIC's old addresses are freed."""
    old: dict[str, tuple[str, str]] = {}  # config name -> (subnet id, address)
    if existing is not None:
        for cfg in existing.body["properties"].get("ipConfigurations", []):
            p = cfg["properties"]
            old[cfg["name"].lower()] = (p["subnet"]["id"].lower(), p["privateIPAddress"])
    taken: dict[str, dict[str, str]] = {}  # subnet id -> address -> owner, after freeing ours

    def taken_in(subnet: StoredResource) -> dict[str, str]:
        key = subnet.id.lower()
        if key not in taken:
            prefix = f"{nid.lower()}/ipconfigurations/"
            taken[key] = {
                a: o
                for a, o in vnets.allocations(subnet).items()
                if not o.lower().startswith(prefix)
            }
        return taken[key]

    plan: list[tuple[str, StoredResource, str, str, bool]] = []
    pending: list[tuple[int, StoredResource]] = []
    for index, cfg in enumerate(configs):
        if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
            raise errors.bad_property("Every IP configuration of a network interface needs a name.")
        p = cfg.get("properties") or {}
        sid = str((p.get("subnet") or {}).get("id") or "")
        cfg_id = f"{nid}/ipConfigurations/{cfg['name']}"
        found = vnets.subnet_by_id(world, sid) if sid else None
        if found is None or str(found[1].body["location"]) != location:
            raise errors.invalid_reference(sid or "(none)", nid)
        subnet = found[0]
        method = str(p.get("privateIPAllocationMethod") or "Dynamic")
        method = "Static" if method.lower() == "static" else "Dynamic"
        primary = bool(p.get("primary", index == 0))
        used = taken_in(subnet)
        if method == "Static":
            address = str(p.get("privateIPAddress") or "")
            if not addresses.is_usable(vnets.prefix_of(subnet), address):
                raise errors.private_ip_not_in_subnet(cfg_id, address, subnet.id)
            if address in used:
                raise errors.private_ip_in_use(cfg_id, address, used[address])
            used[address] = cfg_id
            plan.append((cfg["name"], subnet, address, method, primary))
            continue
        before = old.get(cfg["name"].lower())
        if before and before[0] == subnet.id.lower() and before[1] not in used:
            used[before[1]] = cfg_id
            plan.append((cfg["name"], subnet, before[1], method, primary))
            continue
        plan.append((cfg["name"], subnet, "", method, primary))
        pending.append((len(plan) - 1, subnet))
    for position, subnet in pending:
        used = taken_in(subnet)
        free = addresses.first_free(vnets.prefix_of(subnet), used)
        if free is None:
            raise errors.subnet_is_full(subnet.id, vnets.prefix_of(subnet))
        address = free
        name, _, _, method, primary = plan[position]
        used[address] = f"{nid}/ipConfigurations/{name}"
        plan[position] = (name, subnet, address, method, primary)
    return plan


def _free(world: World, nic: StoredResource) -> None:
    """Give the NIC's addresses back to their subnets (idempotent)."""
    for cfg in nic.body["properties"].get("ipConfigurations", []):
        p = cfg.get("properties") or {}
        found = vnets.subnet_by_id(world, str((p.get("subnet") or {}).get("id") or ""))
        if found is None:
            continue
        subnet = found[0]
        held = vnets.allocations(subnet)
        address = p.get("privateIPAddress")
        if address in held and held[address].lower() == str(cfg.get("id", "")).lower():
            del held[address]
            vnets.sync_ip_configurations(subnet)


def delete_nic_request(
    world: World, subscription_id: str, resource_group: str, name: str, tenant_id: str
) -> Operation | None:
    """NetworkInterfaces_Delete: NicInUse while attached; None when there is no such NIC."""
    resources.get_group(world, subscription_id, resource_group)
    nic = get_nic(world, nic_id(subscription_id, resource_group, name))
    if nic is None:
        return None
    location = nic_location(nic)
    delete_nic(world, nic.id)
    return start_delete(world, nic.id, location, tenant_id)


def on_nic_deleted(world: World, nic: StoredResource) -> None:
    """Deletion hook (also for resource-group deletion): free the NIC's addresses."""
    _free(world, nic)
