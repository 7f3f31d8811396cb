"""Long-running operations of Compute's machine resources (disks, snapshots, images, VMs, run
commands, extensions), the way the Compute resource provider answers them.

Virtual machines, managed images, run commands and extensions report through
``.../locations/{loc}/operations/{id}``, disks and snapshots through ``.../diskOperations/{id}``
(the RBAC operation names ``locations/operations/read`` and ``locations/diskOperations/read``).
A write answers with ``Azure-AsyncOperation`` (the status) and ``Location`` (``?monitor=true``:
202 while running, then the result); the POST actions answer 202 with both headers too. The
resource keeps its pending operations in ``meta["pendingOps"]`` so that the gallery provider's
``operations.settle`` (or a machine event) completes them all at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.lro import Operation, lro_headers
from goldfleet.emulator.arm.routing import Ctx
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.naming import NAMESPACE
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

VM_OPERATIONS = "operations"
DISK_OPERATIONS = "diskOperations"
VM_API_VERSION = "2026-04-01"
DISK_API_VERSION = "2026-03-02"


def begin(
    world: World,
    resource: StoredResource,
    caller: Caller,
    location: str,
    kind: str = VM_OPERATIONS,
    *,
    pending: bool = True,
) -> Operation:
    """A new operation about ``resource``; with ``pending`` it completes when the resource
    settles (``operations.finish_pending``)."""
    op = world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=resource.id.split("/")[2],
            tenant_id=caller.tenant_id,
            principal=caller.object_id,
            namespace=NAMESPACE,
            location=location,
            status_kind=kind,
            result_kind=kind,
            start=world.now(),
            resource_id=resource.id,
        )
    )
    if pending:
        resource.meta.setdefault("pendingOps", []).append(op.id)
    return op


def finish(
    world: World,
    op_id: str,
    *,
    body: Any = None,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> None:
    world.operations.finish(
        op_id,
        world.now(),
        error=error,
        result_status=status if error is None else 500,
        result_body=body,
    )


def accepted(
    ctx: Ctx, op: Operation, status: int, body: Any = None, default_api: str = VM_API_VERSION
) -> Response:
    """``status`` with the operation's headers (``Azure-AsyncOperation``, ``Location``,
    ``Retry-After``)."""
    api = ctx.request.api_version or default_api
    return json_response(body, status, lro_headers(ctx.request.base_url, op, api))


def later(
    world: World, delay: float, kind: str, args: dict[str, Any], *, base: float | None = None
) -> None:
    """Run the scheduled event ``kind`` ``delay`` simulated seconds after ``base`` (now by
    default). The event's arguments carry its ``due`` time, so that an event which schedules
    the next one (or stamps a time) counts from when it was due, not from when the clock
    happened to be read - the clock may have jumped far past it."""
    due = (world.now() if base is None else base) + max(0.0, delay)
    world.scheduler.at(due, kind, {**args, "due": due})


def due_time(world: World, args: dict[str, Any]) -> float:
    """When a scheduled event was due (now, for events scheduled without ``later``)."""
    return float(args.get("due", world.now()))


def due_iso(world: World, args: dict[str, Any]) -> str:
    return iso(datetime.fromtimestamp(due_time(world, args), UTC))


def generation(resource: StoredResource) -> int:
    return int(resource.meta.get("generation", 0))


def bump(resource: StoredResource) -> int:
    resource.meta["generation"] = generation(resource) + 1
    return generation(resource)
