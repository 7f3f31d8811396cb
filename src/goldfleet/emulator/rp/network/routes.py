"""HTTP surface of Microsoft.Network: virtual networks, their subnets and network interfaces.

Handlers parse the request, call the rules (``vnets.py``, ``backend.py``) and answer; writes
answer 201/200 with ``Azure-AsyncOperation`` (``.../locations/{loc}/operations/{id}``) and
``Location`` (``.../operationResults/{id}``), deletions 202 (or 204 when there is nothing to
delete). Network security groups and every other Network resource are not routed, so they
answer 501 ``NotImplemented`` from the front door. See docs/emulator/network.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.errors import subscription_not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.lro import Operation, lro_headers
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.network import backend, model, vnets
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

API_VERSION = "2026-03-01"
SUB = "/subscriptions/{subscriptionId}"
RG = f"{SUB}/resourceGroups/{{resourceGroupName}}/providers/Microsoft.Network"
VNETS = f"{RG}/virtualNetworks"
VNET_ITEM = f"{VNETS}/{{virtualNetworkName}}"
SUBNETS = f"{VNET_ITEM}/subnets"
SUBNET_ITEM = f"{SUBNETS}/{{subnetName}}"
NICS = f"{RG}/networkInterfaces"
NIC_ITEM = f"{NICS}/{{networkInterfaceName}}"


def _sub(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def _tenant(ctx: Ctx) -> str:
    assert ctx.principal is not None
    return ctx.principal.tenant_id


def _accepted(ctx: Ctx, op: Operation, status: int, body: Any) -> Response:
    api = ctx.request.api_version or API_VERSION
    return json_response(body, status, lro_headers(ctx.request.base_url, op, api))


def _deleted(ctx: Ctx, op: Operation | None) -> Response:
    if op is None:
        return empty_response(204)
    api = ctx.request.api_version or API_VERSION
    return empty_response(202, lro_headers(ctx.request.base_url, op, api))


def _rg(ctx: Ctx) -> tuple[str, str]:
    return ctx.param("subscriptionId"), ctx.param("resourceGroupName")


# --- virtual networks -------------------------------------------------------------------------


def get_vnet(ctx: Ctx) -> Response:
    """VirtualNetworks_Get"""
    vnet = vnets.get_vnet(ctx.world, *_rg(ctx), ctx.param("virtualNetworkName"))
    return json_response(vnets.vnet_view(ctx.world, vnet))


def put_vnet(ctx: Ctx) -> Response:
    """VirtualNetworks_CreateOrUpdate: 201 (created) or 200, Updating, then Succeeded."""
    vnet, op, created = vnets.put_vnet(
        ctx.world,
        _sub(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("virtualNetworkName"),
        ctx.request.json_object(),
        _tenant(ctx),
    )
    return _accepted(ctx, op, 201 if created else 200, vnets.vnet_view(ctx.world, vnet))


def delete_vnet(ctx: Ctx) -> Response:
    """VirtualNetworks_Delete: 202, or 204 when there is no such vnet."""
    op = vnets.delete_vnet(ctx.world, *_rg(ctx), ctx.param("virtualNetworkName"), _tenant(ctx))
    return _deleted(ctx, op)


def list_vnets(ctx: Ctx) -> Response:
    """VirtualNetworks_List (one resource group)"""
    sub_id, group = _rg(ctx)
    resources.get_group(ctx.world, sub_id, group)
    items = ctx.world.store.children(model.group_id(sub_id, group), model.VNET)
    return json_response(page(ctx.request, [vnets.vnet_view(ctx.world, v) for v in items]))


def list_all_vnets(ctx: Ctx) -> Response:
    """VirtualNetworks_ListAll (the subscription)"""
    items = vnets.subscription_vnets(ctx.world, _sub(ctx).subscription_id)
    return json_response(page(ctx.request, [vnets.vnet_view(ctx.world, v) for v in items]))


# --- subnets ----------------------------------------------------------------------------------


def get_subnet(ctx: Ctx) -> Response:
    """Subnets_Get"""
    vnet = vnets.get_vnet(ctx.world, *_rg(ctx), ctx.param("virtualNetworkName"))
    return json_response(
        vnets.subnet_view(vnets.get_subnet(ctx.world, vnet, ctx.param("subnetName")))
    )


def put_subnet(ctx: Ctx) -> Response:
    """Subnets_CreateOrUpdate: 201 (created) or 200, Updating, then Succeeded."""
    subnet, op, created = vnets.put_subnet(
        ctx.world,
        *_rg(ctx),
        ctx.param("virtualNetworkName"),
        ctx.param("subnetName"),
        ctx.request.json_object(),
        _tenant(ctx),
    )
    return _accepted(ctx, op, 201 if created else 200, vnets.subnet_view(subnet))


def delete_subnet(ctx: Ctx) -> Response:
    """Subnets_Delete: 202 (InUseSubnetCannotBeDeleted while NICs use it), or 204."""
    op = vnets.delete_subnet(
        ctx.world,
        *_rg(ctx),
        ctx.param("virtualNetworkName"),
        ctx.param("subnetName"),
        _tenant(ctx),
    )
    return _deleted(ctx, op)


def list_subnets(ctx: Ctx) -> Response:
    """Subnets_List"""
    vnet = vnets.get_vnet(ctx.world, *_rg(ctx), ctx.param("virtualNetworkName"))
    items = [vnets.subnet_view(s) for s in vnets.subnets_of(ctx.world, vnet)]
    return json_response(page(ctx.request, items))


# --- network interfaces -----------------------------------------------------------------------


def get_nic(ctx: Ctx) -> Response:
    """NetworkInterfaces_Get"""
    nic = backend.get_nic_named(ctx.world, *_rg(ctx), ctx.param("networkInterfaceName"))
    return json_response(backend.nic_view(nic))


def put_nic(ctx: Ctx) -> Response:
    """NetworkInterfaces_CreateOrUpdate: 201 (created) or 200, Updating, then Succeeded."""
    nic, op, created = backend.put_nic(
        ctx.world,
        _sub(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("networkInterfaceName"),
        ctx.request.json_object(),
        _tenant(ctx),
    )
    return _accepted(ctx, op, 201 if created else 200, backend.nic_view(nic))


def delete_nic(ctx: Ctx) -> Response:
    """NetworkInterfaces_Delete: 202 (NicInUse while a VM uses it), or 204."""
    op = backend.delete_nic_request(
        ctx.world, *_rg(ctx), ctx.param("networkInterfaceName"), _tenant(ctx)
    )
    return _deleted(ctx, op)


def list_nics(ctx: Ctx) -> Response:
    """NetworkInterfaces_List (one resource group)"""
    items = backend.nics_in_group(ctx.world, *_rg(ctx))
    return json_response(page(ctx.request, [backend.nic_view(n) for n in items]))


def list_all_nics(ctx: Ctx) -> Response:
    """NetworkInterfaces_ListAll (the subscription)"""
    items = backend.subscription_nics(ctx.world, _sub(ctx).subscription_id)
    return json_response(page(ctx.request, [backend.nic_view(n) for n in items]))


# --- assembly ---------------------------------------------------------------------------------

Handler = Callable[[Ctx], Response]
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", VNET_ITEM, get_vnet),
    ("PUT", VNET_ITEM, put_vnet),
    ("DELETE", VNET_ITEM, delete_vnet),
    ("GET", VNETS, list_vnets),
    ("GET", f"{SUB}/providers/Microsoft.Network/virtualNetworks", list_all_vnets),
    ("GET", SUBNET_ITEM, get_subnet),
    ("PUT", SUBNET_ITEM, put_subnet),
    ("DELETE", SUBNET_ITEM, delete_subnet),
    ("GET", SUBNETS, list_subnets),
    ("GET", NIC_ITEM, get_nic),
    ("PUT", NIC_ITEM, put_nic),
    ("DELETE", NIC_ITEM, delete_nic),
    ("GET", NICS, list_nics),
    ("GET", f"{SUB}/providers/Microsoft.Network/networkInterfaces", list_all_nics),
]


def register(router: Router) -> None:
    """Add this provider's routes."""
    for method, path, handler in ROUTES:
        router.add(method, path, handler)


def install(world: World) -> None:
    """Register this provider's scheduled events and deletion hooks on ``world``."""
    model.register_events(world)
    world.on_delete(model.NIC, backend.on_nic_deleted)
