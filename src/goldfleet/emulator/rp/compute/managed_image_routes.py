"""Microsoft.Compute managed images, read-only: Images_Get, Images_ListByResourceGroup and
Images_List over the images a scenario seeds (``resources:``). Creating, updating and deleting
managed images answer 501 until the capture-and-build stage implements them (see
docs/emulator/compute-gallery.md)."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.handling import subscription

IMAGE_TYPE = "Microsoft.Compute/images"
BY_GROUP = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    "/providers/Microsoft.Compute/images"
)


def _view(item: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    body.setdefault("properties", {}).setdefault("provisioningState", "Succeeded")
    return body


def _images_in(ctx: Ctx, scope: str) -> list[dict[str, Any]]:
    return [
        _view(item)
        for item in ctx.world.store.under(scope)
        if str(item.body.get("type", "")).lower() == IMAGE_TYPE.lower()
    ]


def get_image(ctx: Ctx) -> Response:
    """Images_Get"""
    sub = subscription(ctx)
    group, name = ctx.param("resourceGroupName"), ctx.param("imageName")
    item = ctx.world.store.get(
        f"/subscriptions/{sub.subscription_id}/resourceGroups/{group}/providers/{IMAGE_TYPE}/{name}"
    )
    if item is None or str(item.body.get("type", "")).lower() != IMAGE_TYPE.lower():
        raise not_found(IMAGE_TYPE, name, group)
    return json_response(_view(item))


def list_in_group(ctx: Ctx) -> Response:
    """Images_ListByResourceGroup"""
    sub = subscription(ctx)
    scope = f"/subscriptions/{sub.subscription_id}/resourceGroups/{ctx.param('resourceGroupName')}"
    return json_response(page(ctx.request, _images_in(ctx, scope)))


def list_in_subscription(ctx: Ctx) -> Response:
    """Images_List"""
    sub = subscription(ctx)
    return json_response(
        page(ctx.request, _images_in(ctx, f"/subscriptions/{sub.subscription_id}"))
    )


def register(router: Router) -> None:
    router.add("GET", f"{BY_GROUP}/{{imageName}}", get_image)
    router.add("GET", BY_GROUP, list_in_group)
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/images",
        list_in_subscription,
    )
