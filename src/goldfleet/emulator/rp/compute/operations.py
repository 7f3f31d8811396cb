"""Long-running operations the way Compute runs them for galleries.

A write starts a ``capsOperations`` operation (``Azure-AsyncOperation`` at
``.../locations/{loc}/capsOperations/{id}``, ``Location`` at the same URL with
``?monitor=true``, ``Retry-After``) and records it as pending on the resource. A named scheduled
event with JSON arguments finishes it when simulated time arrives: it makes the resource
``Succeeded`` (or removes it, for a deletion) and completes every operation pending on it. A
newer write bumps the resource's generation, so the events of older writes do nothing and the
newest one completes them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.lro import Operation, lro_headers
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.naming import NAMESPACE
from goldfleet.emulator.world import World

STATUS_KIND = "capsOperations"
SETTLE_EVENT = "compute.settle"
PREEMPTED = {
    "code": "OperationPreempted",
    "message": "Operation execution has been preempted by a more recent operation.",
}


@dataclass(frozen=True)
class Caller:
    """Who asked: the verified principal of the request (its tenant, object id and app id)."""

    tenant_id: str
    object_id: str
    app_id: str


def stamp_system_data(world: World, body: dict[str, Any], caller: Caller) -> None:
    """Set ``systemData`` for a write: created* once, lastModified* every time."""
    now = iso(world.now_dt())
    data = body.setdefault("systemData", {})
    if "createdAt" not in data:
        data.update(createdBy=caller.app_id, createdByType="Application", createdAt=now)
    data.update(lastModifiedBy=caller.app_id, lastModifiedByType="Application", lastModifiedAt=now)


def begin(
    world: World, resource: StoredResource, tenant_id: str, principal: str, location: str
) -> Operation:
    """A new operation on ``resource``, pending until the resource settles."""
    subscription_id = resource.id.split("/")[2]
    op = world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=subscription_id,
            tenant_id=tenant_id,
            principal=principal,
            namespace=NAMESPACE,
            location=location,
            status_kind=STATUS_KIND,
            result_kind=STATUS_KIND,
            start=world.now(),
            resource_id=resource.id,
        )
    )
    resource.meta.setdefault("pendingOps", []).append(op.id)
    return op


def next_generation(resource: StoredResource) -> int:
    resource.meta["generation"] = int(resource.meta.get("generation", 0)) + 1
    return int(resource.meta["generation"])


def schedule_settle(world: World, resource: StoredResource, delay: float, action: str) -> None:
    """Settle ``resource`` (``provision`` or ``delete``) ``delay`` simulated seconds from now."""
    world.scheduler.at(
        world.now() + delay,
        SETTLE_EVENT,
        {"id": resource.id, "gen": resource.meta.get("generation", 0), "action": action},
    )


def accepted(
    base_url: str, api_version: str, op: Operation, status: int, body: Any = None
) -> Response:
    """The answer to a write that started ``op``: ``status`` with the LRO headers."""
    return json_response(body, status, lro_headers(base_url, op, api_version))


def finish_pending(
    world: World,
    resource: StoredResource,
    *,
    body: Any = None,
    error: dict[str, Any] | None = None,
) -> None:
    for op_id in resource.meta.pop("pendingOps", []):
        world.operations.finish(
            op_id,
            world.now(),
            error=error,
            result_status=200 if error is None else 500,
            result_body=body,
        )


def preempt_pending(world: World, resource: StoredResource) -> None:
    """Fail the operations a newer write (e.g. a deletion) supersedes."""
    finish_pending(world, resource, error=dict(PREEMPTED))


def settle(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: a gallery or image definition finishes its write or its deletion."""
    from goldfleet.emulator.rp.compute.galleries.render import (
        resource_view,  # circular at import time
    )

    item = world.store.get(args["id"])
    if item is None or int(item.meta.get("generation", 0)) != int(args.get("gen", 0)):
        return
    if args.get("action") == "delete":
        world.delete_resource(item.id)
        finish_pending(world, item)
        return
    item.body["properties"]["provisioningState"] = "Succeeded"
    finish_pending(world, item, body=resource_view(world, item))


def register_events(world: World) -> None:
    world.scheduler.register(SETTLE_EVENT, settle)
