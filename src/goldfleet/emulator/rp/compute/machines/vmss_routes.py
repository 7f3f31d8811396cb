"""HTTP surface of virtual machine scale sets: create or update (201 / 200 with
``Azure-AsyncOperation``), update (PATCH), delete (202), get, the lists by resource group and
subscription, delete instances (``POST .../delete``, 202), and the instances
(``.../virtualMachines``: list and get, both orchestration modes)."""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.disks.routes import linked_check
from goldfleet.emulator.rp.compute.handling import caller, subscription
from goldfleet.emulator.rp.compute.machines import vm_backend, vm_power, vmss_backend
from goldfleet.emulator.rp.compute.machines import vmss_instances as instances
from goldfleet.emulator.rp.resources import backend as resources

RG = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
)
SETS = f"{RG}/virtualMachineScaleSets"
SET = f"{SETS}/{{vmScaleSetName}}"


def _names(ctx: Ctx) -> tuple[str, str]:
    return ctx.param("resourceGroupName"), ctx.param("vmScaleSetName")


def _set(ctx: Ctx) -> StoredResource:
    return vmss_backend.get_scale_set(ctx.world, ctx.param("subscriptionId"), *_names(ctx))


def put_scale_set(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_CreateOrUpdate: 201 Creating (200 Updating when it exists)."""
    item, op, created = vmss_backend.put_scale_set(
        ctx.world,
        subscription(ctx),
        *_names(ctx),
        ctx.request.json_object(),
        caller(ctx),
        linked_check(ctx),
    )
    return machine_operations.accepted(ctx, op, 201 if created else 200, vmss_backend.view(item))


def patch_scale_set(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_Update: 200 Updating, then operations."""
    item, op = vmss_backend.patch_scale_set(
        ctx.world,
        subscription(ctx),
        *_names(ctx),
        ctx.request.json_object(),
        caller(ctx),
        linked_check(ctx),
    )
    return machine_operations.accepted(ctx, op, 200, vmss_backend.view(item))


def delete_scale_set(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_Delete: 202, its instances with it; 204 when absent."""
    op = vmss_backend.delete_scale_set(ctx.world, subscription(ctx), *_names(ctx), caller(ctx))
    if op is None:
        return empty_response(204)
    return machine_operations.accepted(ctx, op, 202, None)


def get_scale_set(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_Get"""
    return json_response(vmss_backend.view(_set(ctx)))


def list_in_group(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_List (by resource group)"""
    sub = subscription(ctx)
    group = resources.get_group(ctx.world, sub.subscription_id, ctx.param("resourceGroupName"))
    items = [vmss_backend.view(s) for s in vmss_backend.scale_sets_in(ctx.world, group.id)]
    return json_response(page(ctx.request, items))


def list_all(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_ListAll"""
    sub = subscription(ctx)
    items = [vmss_backend.view(s) for s in vmss_backend.scale_sets_in(ctx.world, sub.id)]
    return json_response(page(ctx.request, items))


def delete_instances(ctx: Ctx) -> Response:
    """VirtualMachineScaleSets_DeleteInstances (``forceDeletion`` accepted): 202."""
    body = ctx.request.json_object()
    ids = body.get("instanceIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise errors.required("instanceIds")
    op = vmss_backend.delete_instances(ctx.world, subscription(ctx), *_names(ctx), ids, caller(ctx))
    return machine_operations.accepted(ctx, op, 202, None)


def _instance_view(ctx: Ctx, item: StoredResource, entry: dict[str, Any]) -> dict[str, Any] | None:
    vm = ctx.world.store.get(entry["vm"])
    if vm is None:
        return None
    body = vm_backend.view(vm)
    body.update(
        type=instances.INSTANCE,
        instanceId=str(entry["instanceId"]),
        sku={"name": item.body["sku"]["name"], "tier": item.body["sku"]["tier"]},
    )
    body["properties"]["latestModelApplied"] = entry["model"] == item.meta.get("model")
    if (ctx.request.query.get("$expand") or "").lower() == "instanceview":
        body["properties"]["instanceView"] = vm_power.instance_view(ctx.world, vm)
    return body


def list_instances(ctx: Ctx) -> Response:
    """VirtualMachineScaleSetVMs_List (``$expand=instanceView``)"""
    item = _set(ctx)
    views = [_instance_view(ctx, item, e) for e in instances.entries(item)]
    return json_response(page(ctx.request, [v for v in views if v is not None]))


def get_instance(ctx: Ctx) -> Response:
    """VirtualMachineScaleSetVMs_Get"""
    item = _set(ctx)
    wanted = ctx.param("instanceId").lower()
    for entry in instances.entries(item):
        if str(entry["instanceId"]).lower() == wanted:
            found = _instance_view(ctx, item, entry)
            if found is not None:
                return json_response(found)
    raise not_found(instances.INSTANCE, ctx.param("instanceId"), ctx.param("resourceGroupName"))


def register(router: Router) -> None:
    router.add("PUT", SET, put_scale_set)
    router.add("PATCH", SET, patch_scale_set)
    router.add("DELETE", SET, delete_scale_set)
    router.add("GET", SET, get_scale_set)
    router.add("GET", SETS, list_in_group)
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets",
        list_all,
    )
    router.add("POST", f"{SET}/delete", delete_instances)
    router.add("GET", f"{SET}/virtualMachines", list_instances)
    router.add("GET", f"{SET}/virtualMachines/{{instanceId}}", get_instance)
