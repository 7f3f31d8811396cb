"""VM extensions (``.../virtualMachines/{vm}/extensions/{name}``) and the hook registry through
which other providers react when an extension finishes on a VM.

An extension is ``Creating`` (or ``Updating``) for ``extensionInstall`` simulated seconds, then
``Succeeded``; installing any extension leaves ``C:\\Packages\\Plugins`` on the guest
(``packages_plugin``). When it finishes, the handler registered for its ``publisher.type``
(case-insensitive, e.g. ``Microsoft.Powershell.DSC`` for the AVD agent, ``Microsoft.Azure.
ActiveDirectory.AADLoginForWindows`` for Entra join) runs with the world, the VM and the
extension; an ``ArmError`` it raises makes the extension ``Failed`` with that error.
Handlers are code, registered at import time, not state. The VM must be running.
``protectedSettings`` are never returned: they are kept beside the resource (``meta``), where
only the handlers read them (``protected_settings``), as the guest agent does in Azure.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.errors import ArmError, not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents, put_contents
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.handling import caller
from goldfleet.emulator.rp.compute.machine_contents import contents_for, contents_key
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.machines import vm_backend
from goldfleet.emulator.rp.compute.naming import object_at
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

EXTENSION = vm_backend.EXTENSIONS
DONE_EVENT = "compute.extension.done"
DELETED_EVENT = "compute.extension.deleted"
ExtensionHandler = Callable[[World, StoredResource, StoredResource], None]
_HANDLERS: dict[str, list[ExtensionHandler]] = {}


def register_extension_handler(publisher_type: str, handler: ExtensionHandler) -> None:
    """Call ``handler(world, vm, extension)`` whenever an extension whose
    ``properties.publisher + "." + properties.type`` equals ``publisher_type`` (any case)
    finishes installing on a VM."""
    _HANDLERS.setdefault(publisher_type.lower(), []).append(handler)


def publisher_type(extension: StoredResource) -> str:
    props = extension.body.get("properties") or {}
    return f"{props.get('publisher', '')}.{props.get('type', '')}"


def protected_settings(extension: StoredResource) -> dict[str, Any]:
    """What the caller sent as ``protectedSettings`` (never part of any response)."""
    return dict(extension.meta.get("protectedSettings") or {})


def extension_id(vm: StoredResource, name: str) -> str:
    return f"{vm.id}/extensions/{name}"


def put_extension(
    world: World,
    vm: StoredResource,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    *,
    merge: bool,
) -> tuple[StoredResource, Operation, bool]:
    """VirtualMachineExtensions_CreateOrUpdate / _Update."""
    if vm_backend.power_of(vm) != "running":
        raise errors.vm_not_running(vm.body["name"])
    existing = world.store.get(extension_id(vm, name))
    props = object_at(body, "properties", "properties")
    if merge and existing is not None:
        props = {**existing.body["properties"], **props}
    for field in ("publisher", "type", "typeHandlerVersion"):
        if not props.get(field):
            raise errors.required(f"properties.{field}")
    stored = {
        k: copy.deepcopy(v)
        for k, v in props.items()
        if k not in ("protectedSettings", "instanceView")
    }
    stored["provisioningState"] = "Updating" if existing else "Creating"
    secret = props.get("protectedSettings")
    if secret is None and existing is not None:
        secret = existing.meta.get("protectedSettings")
    item = world.store.put(
        {
            "id": extension_id(vm, name),
            "name": name,
            "type": EXTENSION,
            "location": vm.body["location"],
            "tags": dict(body.get("tags") or {}),
            "properties": stored,
        },
        {**(existing.meta if existing else {}), "protectedSettings": copy.deepcopy(secret or {})},
    )
    op = machine_operations.begin(world, item, caller, vm.body["location"])
    gen = machine_operations.bump(item)
    machine_operations.later(
        world, seconds(world, "extensionInstall"), DONE_EVENT, {"id": item.id, "gen": gen}
    )
    return item, op, existing is None


def _done(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None or machine_operations.generation(item) != int(args["gen"]):
        return
    vm = world.store.get(item.id.rsplit("/extensions/", 1)[0])
    error: dict[str, Any] | None = None
    if vm is not None:
        contents = contents_for(world, vm.id) or GuestContents()
        contents.packages_plugin = True
        put_contents(world, contents_key(world, vm.id), contents)
        try:
            for handler in _HANDLERS.get(publisher_type(item).lower(), []):
                handler(world, vm, item)
        except ArmError as exc:
            error = exc.body()["error"]
    item.body["properties"]["provisioningState"] = "Failed" if error else "Succeeded"
    operations.finish_pending(world, item, body=copy.deepcopy(item.body), error=error)


def _deleted(world: World, args: dict[str, Any]) -> None:
    world.delete_resource(args["id"])
    machine_operations.finish(world, args["op"])


# --- HTTP --------------------------------------------------------------------------------------

VM = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
    "/virtualMachines/{vmName}"
)
ITEM = f"{VM}/extensions/{{vmExtensionName}}"


def _vm(ctx: Ctx) -> StoredResource:
    return vm_backend.get_vm(
        ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"), ctx.param("vmName")
    )


def _item(ctx: Ctx) -> StoredResource:
    vm = _vm(ctx)
    item = ctx.world.store.get(extension_id(vm, ctx.param("vmExtensionName")))
    if item is None:
        raise not_found(
            EXTENSION,
            f"{vm.body['name']}/extensions/{ctx.param('vmExtensionName')}",
            ctx.param("resourceGroupName"),
        )
    return item


def put_handler(ctx: Ctx) -> Response:
    """VirtualMachineExtensions_CreateOrUpdate: 201 Creating / 200 Updating, then operations."""
    item, op, created = put_extension(
        ctx.world,
        _vm(ctx),
        ctx.param("vmExtensionName"),
        ctx.request.json_object(),
        caller(ctx),
        merge=False,
    )
    return machine_operations.accepted(ctx, op, 201 if created else 200, copy.deepcopy(item.body))


def patch_handler(ctx: Ctx) -> Response:
    """VirtualMachineExtensions_Update: 200 Updating, then operations."""
    _item(ctx)
    item, op, _ = put_extension(
        ctx.world,
        _vm(ctx),
        ctx.param("vmExtensionName"),
        ctx.request.json_object(),
        caller(ctx),
        merge=True,
    )
    return machine_operations.accepted(ctx, op, 200, copy.deepcopy(item.body))


def get_handler(ctx: Ctx) -> Response:
    """VirtualMachineExtensions_Get"""
    return json_response(copy.deepcopy(_item(ctx).body))


def delete_handler(ctx: Ctx) -> Response:
    """VirtualMachineExtensions_Delete: 202 then gone; 204 when absent."""
    vm = _vm(ctx)
    item = ctx.world.store.get(extension_id(vm, ctx.param("vmExtensionName")))
    if item is None:
        return empty_response(204)
    operations.preempt_pending(ctx.world, item)
    machine_operations.bump(item)
    item.body["properties"]["provisioningState"] = "Deleting"
    op = machine_operations.begin(ctx.world, item, caller(ctx), vm.body["location"], pending=False)
    machine_operations.later(
        ctx.world,
        seconds(ctx.world, "extensionDelete"),
        DELETED_EVENT,
        {"id": item.id, "op": op.id},
    )
    return machine_operations.accepted(ctx, op, 202, None)


def list_handler(ctx: Ctx) -> Response:
    """VirtualMachineExtensions_List (``{"value": [...]}``, not paged, as in Azure)."""
    vm = _vm(ctx)
    return json_response(
        {"value": [copy.deepcopy(e.body) for e in ctx.world.store.children(vm.id, EXTENSION)]}
    )


def register(router: Router) -> None:
    router.add("PUT", ITEM, put_handler)
    router.add("PATCH", ITEM, patch_handler)
    router.add("GET", ITEM, get_handler)
    router.add("DELETE", ITEM, delete_handler)
    router.add("GET", f"{VM}/extensions", list_handler)


def register_events(world: World) -> None:
    world.scheduler.register(DONE_EVENT, _done)
    world.scheduler.register(DELETED_EVENT, _deleted)


__all__ = [
    "ExtensionHandler",
    "protected_settings",
    "publisher_type",
    "register_extension_handler",
]
