"""HTTP surface of Run Commands: the action ``POST .../virtualMachines/{vm}/runCommand`` (202
with ``Location``; the result is ``{"value": [StdOut, StdErr]}``) and the managed child
resources ``.../runCommands/{name}`` (PUT 201 / 200, PATCH, GET with ``$expand=instanceView``,
DELETE, list by VM)."""

from __future__ import annotations

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.handling import caller
from goldfleet.emulator.rp.compute.machines import run_commands, vm_backend

VM = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
    "/virtualMachines/{vmName}"
)
ITEM = f"{VM}/runCommands/{{runCommandName}}"


def _vm(ctx: Ctx) -> StoredResource:
    return vm_backend.get_vm(
        ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"), ctx.param("vmName")
    )


def _expand(ctx: Ctx) -> bool:
    return (ctx.request.query.get("$expand") or "").lower() == "instanceview"


def run_command(ctx: Ctx) -> Response:
    """VirtualMachines_RunCommand: 202 + Location; the final result carries StdOut and StdErr."""
    op = run_commands.run_action(ctx.world, _vm(ctx), ctx.request.json_object(), caller(ctx))
    return machine_operations.accepted(ctx, op, 202, None)


def put_run_command(ctx: Ctx) -> Response:
    """VirtualMachineRunCommands_CreateOrUpdate: 201 Creating / 200 Updating, then operations."""
    item, op, created = run_commands.put_run_command(
        ctx.world, _vm(ctx), ctx.param("runCommandName"), ctx.request.json_object(), caller(ctx)
    )
    return machine_operations.accepted(ctx, op, 201 if created else 200, run_commands.view(item))


def patch_run_command(ctx: Ctx) -> Response:
    """VirtualMachineRunCommands_Update: 200 Updating; the command runs again."""
    item, op, _ = run_commands.put_run_command(
        ctx.world,
        _vm(ctx),
        ctx.param("runCommandName"),
        ctx.request.json_object(),
        caller(ctx),
        merge=True,
    )
    return machine_operations.accepted(ctx, op, 200, run_commands.view(item))


def get_run_command(ctx: Ctx) -> Response:
    """VirtualMachineRunCommands_GetByVirtualMachine (``$expand=instanceView``)."""
    item = run_commands.get_run_command(ctx.world, _vm(ctx), ctx.param("runCommandName"))
    return json_response(run_commands.view(item, with_instance_view=_expand(ctx)))


def delete_run_command(ctx: Ctx) -> Response:
    """VirtualMachineRunCommands_Delete: 202 (done at once); 204 when absent."""
    op = run_commands.delete_run_command(
        ctx.world, _vm(ctx), ctx.param("runCommandName"), caller(ctx)
    )
    if op is None:
        return empty_response(204)
    return machine_operations.accepted(ctx, op, 202, None)


def list_run_commands(ctx: Ctx) -> Response:
    """VirtualMachineRunCommands_ListByVirtualMachine (``$expand=instanceView``)."""
    expand = _expand(ctx)
    items = [
        run_commands.view(i, with_instance_view=expand)
        for i in run_commands.run_commands_of(ctx.world, _vm(ctx))
    ]
    return json_response(page(ctx.request, items))


def register(router: Router) -> None:
    router.add("POST", f"{VM}/runCommand", run_command)
    router.add("PUT", ITEM, put_run_command)
    router.add("PATCH", ITEM, patch_run_command)
    router.add("GET", ITEM, get_run_command)
    router.add("DELETE", ITEM, delete_run_command)
    router.add("GET", f"{VM}/runCommands", list_run_commands)
