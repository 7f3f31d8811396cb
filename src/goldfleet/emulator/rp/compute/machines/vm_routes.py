"""HTTP surface of virtual machines: create or update (201 / 200 with ``Azure-AsyncOperation``
at ``.../locations/{loc}/operations/{id}``), update, delete (202, ``forceDeletion`` accepted),
get (``$expand=instanceView``), the instance view, the lists by resource group and
subscription, and the power actions (start, powerOff, deallocate, restart: 202) and generalize
(synchronous 200). Gallery images in another subscription are authorised with linked
authorization (primary and auxiliary tokens)."""

from __future__ import annotations

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.disks.routes import linked_check
from goldfleet.emulator.rp.compute.handling import caller, subscription
from goldfleet.emulator.rp.compute.machines import vm_backend, vm_power
from goldfleet.emulator.rp.resources import backend as resources

RG = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
)
VMS = f"{RG}/virtualMachines"
VM = f"{VMS}/{{vmName}}"


def _vm(ctx: Ctx) -> StoredResource:
    return vm_backend.get_vm(
        ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"), ctx.param("vmName")
    )


def _view(ctx: Ctx, vm: StoredResource, expand: bool = False) -> dict[str, object]:
    body = vm_backend.view(vm)
    if expand:
        body["properties"]["instanceView"] = vm_power.instance_view(ctx.world, vm)
    return body


def put_vm(ctx: Ctx) -> Response:
    """VirtualMachines_CreateOrUpdate: 201 Creating (200 Updating for an existing VM)."""
    item, op, created = vm_backend.put_vm(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("vmName"),
        ctx.request.json_object(),
        caller(ctx),
        linked_check(ctx),
    )
    return machine_operations.accepted(ctx, op, 201 if created else 200, _view(ctx, item))


def patch_vm(ctx: Ctx) -> Response:
    """VirtualMachines_Update: 200 Updating, then operations."""
    item, op = vm_backend.patch_vm(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("vmName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    return machine_operations.accepted(ctx, op, 200, _view(ctx, item))


def delete_vm(ctx: Ctx) -> Response:
    """VirtualMachines_Delete: 202 then gone (cascading by deleteOption); 204 when absent."""
    op = vm_backend.delete_vm(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("vmName"),
        caller(ctx),
    )
    if op is None:
        return empty_response(204)
    return machine_operations.accepted(ctx, op, 202, None)


def get_vm(ctx: Ctx) -> Response:
    """VirtualMachines_Get (``$expand=instanceView``)."""
    expand = (ctx.request.query.get("$expand") or "").lower() == "instanceview"
    return json_response(_view(ctx, _vm(ctx), expand))


def instance_view(ctx: Ctx) -> Response:
    """VirtualMachines_InstanceView"""
    return json_response(vm_power.instance_view(ctx.world, _vm(ctx)))


def list_in_group(ctx: Ctx) -> Response:
    """VirtualMachines_List (by resource group)"""
    sub = subscription(ctx)
    group = resources.get_group(ctx.world, sub.subscription_id, ctx.param("resourceGroupName"))
    items = [_view(ctx, v) for v in vm_backend.vms_in(ctx.world, group.id)]
    return json_response(page(ctx.request, items))


def list_all(ctx: Ctx) -> Response:
    """VirtualMachines_ListAll"""
    sub = subscription(ctx)
    items = [_view(ctx, v) for v in vm_backend.vms_in(ctx.world, sub.id)]
    return json_response(page(ctx.request, items))


def list_by_location(ctx: Ctx) -> Response:
    """VirtualMachines_ListByLocation"""
    sub = subscription(ctx)
    wanted = ctx.param("location").lower().replace(" ", "")
    items = [
        _view(ctx, v)
        for v in vm_backend.vms_in(ctx.world, sub.id)
        if str(v.body["location"]).lower() == wanted
    ]
    return json_response(page(ctx.request, items))


def _action(ctx: Ctx, action: str) -> Response:
    op = vm_power.begin_action(ctx.world, _vm(ctx), action, caller(ctx))
    return machine_operations.accepted(ctx, op, 202, None)


def start(ctx: Ctx) -> Response:
    """VirtualMachines_Start: 202; refused for a generalized VM."""
    return _action(ctx, "start")


def power_off(ctx: Ctx) -> Response:
    """VirtualMachines_PowerOff (``skipShutdown`` accepted): 202."""
    return _action(ctx, "powerOff")


def deallocate(ctx: Ctx) -> Response:
    """VirtualMachines_Deallocate (``hibernate`` not modelled): 202."""
    return _action(ctx, "deallocate")


def restart(ctx: Ctx) -> Response:
    """VirtualMachines_Restart: 202; the VM must be running."""
    return _action(ctx, "restart")


def generalize(ctx: Ctx) -> Response:
    """VirtualMachines_Generalize: synchronous 200."""
    vm_power.generalize(ctx.world, _vm(ctx))
    return empty_response(200)


def register(router: Router) -> None:
    router.add("PUT", VM, put_vm)
    router.add("PATCH", VM, patch_vm)
    router.add("DELETE", VM, delete_vm)
    router.add("GET", VM, get_vm)
    router.add("GET", f"{VM}/instanceView", instance_view)
    router.add("GET", VMS, list_in_group)
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines",
        list_all,
    )
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
        "/virtualMachines",
        list_by_location,
    )
    router.add("POST", f"{VM}/start", start)
    router.add("POST", f"{VM}/powerOff", power_off)
    router.add("POST", f"{VM}/deallocate", deallocate)
    router.add("POST", f"{VM}/restart", restart)
    router.add("POST", f"{VM}/generalize", generalize)
