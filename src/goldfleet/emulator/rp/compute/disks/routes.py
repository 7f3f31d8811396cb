"""HTTP surface of managed disks and snapshots: create or update (202 with the body, then
``diskOperations``), update (PATCH, 202), delete (202; 204 when absent), get and the lists by
resource group and subscription. Sources in another subscription are authorised with linked
authorization (primary and auxiliary tokens) before the backend reads them."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.authorization.linked import authorize_linked
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.handling import caller, subscription
from goldfleet.emulator.rp.compute.image_sources import LinkedCheck
from goldfleet.emulator.rp.compute.naming import DISK, SNAPSHOT

RG = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
)
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute"


def linked_check(ctx: Ctx) -> LinkedCheck:
    def check(resource_id: str, action: str) -> None:
        authorize_linked(ctx, resource_id, action)

    return check


def view(item: StoredResource) -> dict[str, Any]:
    return copy.deepcopy(item.body)


def _accepted(ctx: Ctx, item: StoredResource, op: Any) -> Response:
    return machine_operations.accepted(
        ctx, op, 202, view(item), machine_operations.DISK_API_VERSION
    )


def _put(ctx: Ctx, rtype: str, param: str) -> Response:
    item, op = disk_backend.put_disk(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param(param),
        ctx.request.json_object(),
        caller(ctx),
        linked_check(ctx),
        rtype,
    )
    return _accepted(ctx, item, op)


def _patch(ctx: Ctx, rtype: str, param: str) -> Response:
    item, op = disk_backend.patch_disk(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param(param),
        ctx.request.json_object(),
        caller(ctx),
        rtype,
    )
    return _accepted(ctx, item, op)


def _delete(ctx: Ctx, rtype: str, param: str) -> Response:
    op = disk_backend.delete_disk(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param(param),
        caller(ctx),
        rtype,
    )
    if op is None:
        return empty_response(204)
    return machine_operations.accepted(ctx, op, 202, None, machine_operations.DISK_API_VERSION)


def _get(ctx: Ctx, rtype: str, param: str) -> Response:
    sub = subscription(ctx)
    item = disk_backend.get_item(
        ctx.world, sub.subscription_id, ctx.param("resourceGroupName"), rtype, ctx.param(param)
    )
    return json_response(view(item))


def _list(ctx: Ctx, rtype: str, in_group: bool) -> Response:
    sub = subscription(ctx)
    scope = sub.id
    if in_group:
        from goldfleet.emulator.rp.resources import backend as resources

        scope = resources.get_group(
            ctx.world, sub.subscription_id, ctx.param("resourceGroupName")
        ).id
    items = [view(i) for i in disk_backend.items_in(ctx.world, scope, rtype)]
    return json_response(page(ctx.request, items))


def put_disk(ctx: Ctx) -> Response:
    """Disks_CreateOrUpdate: 202 (provisioningState Updating) + diskOperations headers."""
    return _put(ctx, DISK, "diskName")


def patch_disk(ctx: Ctx) -> Response:
    """Disks_Update: 202 + diskOperations headers."""
    return _patch(ctx, DISK, "diskName")


def delete_disk(ctx: Ctx) -> Response:
    """Disks_Delete: 202 then gone; 204 if absent; 409 OperationNotAllowed while attached."""
    return _delete(ctx, DISK, "diskName")


def get_disk(ctx: Ctx) -> Response:
    """Disks_Get"""
    return _get(ctx, DISK, "diskName")


def list_disks_in_group(ctx: Ctx) -> Response:
    """Disks_ListByResourceGroup"""
    return _list(ctx, DISK, True)


def list_disks(ctx: Ctx) -> Response:
    """Disks_List"""
    return _list(ctx, DISK, False)


def put_snapshot(ctx: Ctx) -> Response:
    """Snapshots_CreateOrUpdate: 202 (provisioningState Updating) + diskOperations headers."""
    return _put(ctx, SNAPSHOT, "snapshotName")


def patch_snapshot(ctx: Ctx) -> Response:
    """Snapshots_Update: 202 + diskOperations headers."""
    return _patch(ctx, SNAPSHOT, "snapshotName")


def delete_snapshot(ctx: Ctx) -> Response:
    """Snapshots_Delete: 202 then gone; 204 if absent."""
    return _delete(ctx, SNAPSHOT, "snapshotName")


def get_snapshot(ctx: Ctx) -> Response:
    """Snapshots_Get"""
    return _get(ctx, SNAPSHOT, "snapshotName")


def list_snapshots_in_group(ctx: Ctx) -> Response:
    """Snapshots_ListByResourceGroup"""
    return _list(ctx, SNAPSHOT, True)


def list_snapshots(ctx: Ctx) -> Response:
    """Snapshots_List"""
    return _list(ctx, SNAPSHOT, False)


def register(router: Router) -> None:
    disk = f"{RG}/disks/{{diskName}}"
    snapshot = f"{RG}/snapshots/{{snapshotName}}"
    router.add("PUT", disk, put_disk)
    router.add("PATCH", disk, patch_disk)
    router.add("DELETE", disk, delete_disk)
    router.add("GET", disk, get_disk)
    router.add("GET", f"{RG}/disks", list_disks_in_group)
    router.add("GET", f"{SUB}/disks", list_disks)
    router.add("PUT", snapshot, put_snapshot)
    router.add("PATCH", snapshot, patch_snapshot)
    router.add("DELETE", snapshot, delete_snapshot)
    router.add("GET", snapshot, get_snapshot)
    router.add("GET", f"{RG}/snapshots", list_snapshots_in_group)
    router.add("GET", f"{SUB}/snapshots", list_snapshots)
