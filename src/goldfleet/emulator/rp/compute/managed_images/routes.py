"""HTTP surface of managed images (Microsoft.Compute/images): Images_CreateOrUpdate (201 / 200
with ``Azure-AsyncOperation`` at ``.../locations/{loc}/operations/{id}``), Images_Update,
Images_Delete, Images_Get, Images_ListByResourceGroup and Images_List. Images a scenario seeds
raw (``resources:``) read as ``Succeeded``."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.disks.routes import linked_check
from goldfleet.emulator.rp.compute.handling import caller, subscription
from goldfleet.emulator.rp.compute.managed_images import backend as managed_image_backend
from goldfleet.emulator.rp.compute.naming import MANAGED_IMAGE
from goldfleet.emulator.rp.resources import backend as resources

IMAGE_TYPE = MANAGED_IMAGE
BY_GROUP = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    "/providers/Microsoft.Compute/images"
)


def _view(item: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    body.setdefault("properties", {}).setdefault("provisioningState", "Succeeded")
    return body


def get_image(ctx: Ctx) -> Response:
    """Images_Get"""
    item = managed_image_backend.get_image(
        ctx.world, subscription(ctx), ctx.param("resourceGroupName"), ctx.param("imageName")
    )
    return json_response(_view(item))


def put_image(ctx: Ctx) -> Response:
    """Images_CreateOrUpdate: 201 Creating (200 for an existing image), then operations."""
    item, op, created = managed_image_backend.put_image(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("imageName"),
        ctx.request.json_object(),
        caller(ctx),
        linked_check(ctx),
    )
    return machine_operations.accepted(ctx, op, 201 if created else 200, _view(item))


def patch_image(ctx: Ctx) -> Response:
    """Images_Update: 200 Updating, then operations."""
    item, op = managed_image_backend.patch_image(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("imageName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    return machine_operations.accepted(ctx, op, 200, _view(item))


def delete_image(ctx: Ctx) -> Response:
    """Images_Delete: 202 then gone; 204 when absent."""
    op = managed_image_backend.delete_image(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("imageName"),
        caller(ctx),
    )
    if op is None:
        return empty_response(204)
    return machine_operations.accepted(ctx, op, 202, None)


def list_in_group(ctx: Ctx) -> Response:
    """Images_ListByResourceGroup"""
    sub = subscription(ctx)
    group = resources.get_group(ctx.world, sub.subscription_id, ctx.param("resourceGroupName"))
    items = [_view(i) for i in disk_backend.items_in(ctx.world, group.id, IMAGE_TYPE)]
    return json_response(page(ctx.request, items))


def list_in_subscription(ctx: Ctx) -> Response:
    """Images_List"""
    sub = subscription(ctx)
    items = [_view(i) for i in disk_backend.items_in(ctx.world, sub.id, IMAGE_TYPE)]
    return json_response(page(ctx.request, items))


def register(router: Router) -> None:
    item = f"{BY_GROUP}/{{imageName}}"
    router.add("GET", item, get_image)
    router.add("PUT", item, put_image)
    router.add("PATCH", item, patch_image)
    router.add("DELETE", item, delete_image)
    router.add("GET", BY_GROUP, list_in_group)
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/images",
        list_in_subscription,
    )
