"""User-assigned managed identities: create, read, update tags, delete, list.

Creating an identity creates its service principal in the subscription's tenant, so it can be
given roles at once; deleting it removes the principal.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError, not_found, subscription_not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.entra.directory import ServicePrincipal
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
COLLECTION = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
)
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")


def _sub(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def _id(ctx: Ctx) -> str:
    return (
        f"/subscriptions/{ctx.param('subscriptionId')}/resourceGroups/"
        f"{ctx.param('resourceGroupName')}/providers/{TYPE}/{ctx.param('name')}"
    )


def _get(ctx: Ctx) -> Any:
    resources.get_group(ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"))
    item = ctx.world.store.get(_id(ctx))
    if item is None:
        raise not_found(TYPE, ctx.param("name"), ctx.param("resourceGroupName"))
    return item


def get_identity(ctx: Ctx) -> Response:
    """UserAssignedIdentities_Get"""
    return json_response(_get(ctx).body)


def put_identity(ctx: Ctx) -> Response:
    """UserAssignedIdentities_CreateOrUpdate"""
    sub = _sub(ctx)
    group = resources.get_group(ctx.world, sub.subscription_id, ctx.param("resourceGroupName"))
    name = ctx.param("name")
    if not _NAME.match(name):
        raise ArmError(
            400,
            "InvalidResourceName",
            f"Resource name {name} is invalid. The name can contain only letters, digits, "
            "underscores and hyphens, start with a letter or digit, and be 3 to 128 long.",
        )
    body = ctx.request.json_object()
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    location = resources.check_location(sub, location, TYPE)
    existing = ctx.world.store.get(_id(ctx))
    if existing is not None:
        existing.body["tags"] = body.get("tags") or {}
        return json_response(existing.body, 200)
    principal_id, client_id = ctx.world.new_uuid(), ctx.world.new_uuid()
    now = iso(ctx.world.now_dt())
    identity_id = f"{group.id}/providers/{TYPE}/{name}"
    identity: dict[str, Any] = {
        "id": f"{group.id}/providers/{TYPE}/{name}",
        "name": name,
        "type": TYPE,
        "location": location,
        "tags": body.get("tags") or {},
        "systemData": {
            "createdBy": ctx.principal.app_id if ctx.principal else None,
            "createdByType": "Application",
            "createdAt": now,
            "lastModifiedBy": ctx.principal.app_id if ctx.principal else None,
            "lastModifiedByType": "Application",
            "lastModifiedAt": now,
        },
        "properties": {
            "tenantId": sub.tenant_id,
            "principalId": principal_id,
            "clientId": client_id,
            "isolationScope": (body.get("properties") or {}).get("isolationScope", "None"),
        },
    }
    ctx.world.store.put(identity)
    ctx.world.directory.add_service_principal(
        ServicePrincipal(
            object_id=principal_id,
            app_id=client_id,
            tenant_id=sub.tenant_id,
            display_name=name,
            kind="ManagedIdentity",
            resource_id=identity_id,
        )
    )
    return json_response(identity, 201)


def patch_identity(ctx: Ctx) -> Response:
    """UserAssignedIdentities_Update (tags)"""
    item = _get(ctx)
    body = ctx.request.json_object()
    if "tags" in body:
        item.body["tags"] = body["tags"] or {}
    return json_response(item.body)


def delete_identity(ctx: Ctx) -> Response:
    """UserAssignedIdentities_Delete"""
    resources.get_group(ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"))
    removed = ctx.world.delete_resource(_id(ctx))
    return empty_response(204 if removed is None else 200)


def _remove_principal(world: World, identity: StoredResource) -> None:
    world.directory.remove_service_principal(identity.body["properties"]["principalId"])


def install(world: World) -> None:
    """Deleting an identity (directly or with its resource group) deletes its principal."""
    world.on_delete(TYPE, _remove_principal)


def list_in_group(ctx: Ctx) -> Response:
    """UserAssignedIdentities_ListByResourceGroup"""
    group = resources.get_group(
        ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName")
    )
    items = [i.body for i in ctx.world.store.children(group.id, TYPE)]
    return json_response(page(ctx.request, items))


def list_in_subscription(ctx: Ctx) -> Response:
    """UserAssignedIdentities_ListBySubscription"""
    sub = _sub(ctx)
    items = [
        i.body
        for g in ctx.world.store.children(sub.id, resources.RG_TYPE)
        for i in ctx.world.store.children(g.id, TYPE)
    ]
    return json_response(page(ctx.request, items))


def register(router: Router) -> None:
    item = COLLECTION + "/{name}"
    router.add("GET", item, get_identity)
    router.add("PUT", item, put_identity)
    router.add("PATCH", item, patch_identity)
    router.add("DELETE", item, delete_identity)
    router.add("GET", COLLECTION, list_in_group)
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
        list_in_subscription,
    )
