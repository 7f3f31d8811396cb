"""HTTP surface of Microsoft.Compute's galleries and image definitions, and the registration of
every gallery route (versions and consumer reads have their own modules; the provider's
``routes.py`` assembles the rest).

Each handler parses the request, counts it against Compute's throttling policies, calls the
backend and answers; long-running writes answer with the caps-operation headers.
"""

from __future__ import annotations

from collections.abc import Callable

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.compute.galleries import (
    consumer_routes,
    gallery_backend,
    image_backend,
    render,
    sharing,
    version_routes,
)
from goldfleet.emulator.rp.compute.handling import accepted, caller, subscription, throttled
from goldfleet.emulator.rp.compute.naming import GALLERY
from goldfleet.emulator.rp.resources import backend as resources

RG = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
)
GALLERIES = f"{RG}/galleries"
GALLERY_ITEM = f"{GALLERIES}/{{galleryName}}"
IMAGES = f"{GALLERY_ITEM}/images"
IMAGE_ITEM = f"{IMAGES}/{{galleryImageName}}"


def _names(ctx: Ctx) -> tuple[str, str, str]:
    return ctx.param("subscriptionId"), ctx.param("resourceGroupName"), ctx.param("galleryName")


# --- galleries --------------------------------------------------------------------------------


@throttled("Get", "Gallery")
def get_gallery(ctx: Ctx) -> Response:
    """Galleries_Get (``$select=Permissions``, ``$expand=SharingProfile/Groups``)."""
    item = gallery_backend.get_gallery(ctx.world, *_names(ctx))
    query = ctx.request.query
    groups = (query.get("$select") or "").lower() == "permissions" or (
        query.get("$expand") or ""
    ).lower() == "sharingprofile/groups"
    return json_response(render.gallery_view(item, with_groups=groups), 200)


@throttled("CreateUpdate", "Gallery")
def put_gallery(ctx: Ctx) -> Response:
    """Galleries_CreateOrUpdate: 201 (Creating) or 200 (Updating), then capsOperations."""
    item, op, created = gallery_backend.put_gallery(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    return accepted(ctx, op, 201 if created else 200, render.gallery_view(item))


@throttled("CreateUpdate", "Gallery")
def patch_gallery(ctx: Ctx) -> Response:
    """Galleries_Update: 200 (Updating), then capsOperations."""
    item, op = gallery_backend.patch_gallery(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    body = render.gallery_view(item)
    return accepted(ctx, op, 200, body)


@throttled("Delete", "Gallery")
def delete_gallery(ctx: Ctx) -> Response:
    """Galleries_Delete: 202 then capsOperations; 204 when there is no such gallery."""
    op = gallery_backend.delete_gallery(ctx.world, *_names(ctx), caller(ctx))
    if op is None:
        return empty_response(204)
    return accepted(ctx, op, 202, None)


@throttled("Get", "Gallery")
def list_galleries_in_group(ctx: Ctx) -> Response:
    """Galleries_ListByResourceGroup"""
    group = resources.get_group(
        ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName")
    )
    items = [render.gallery_view(g) for g in ctx.world.store.children(group.id, GALLERY)]
    return json_response(page(ctx.request, items))


@throttled("Get", "Gallery")
def list_galleries(ctx: Ctx) -> Response:
    """Galleries_List"""
    sub = subscription(ctx)
    items = [
        render.gallery_view(g)
        for g in gallery_backend.subscription_galleries(ctx.world, sub.subscription_id)
    ]
    return json_response(page(ctx.request, items))


@throttled("Share", "Gallery")
def share_gallery(ctx: Ctx) -> Response:
    """GallerySharingProfile_Update: 202 with Location (and Azure-AsyncOperation)."""
    op, echo = sharing.begin_share(ctx.world, *_names(ctx), ctx.request.json_object(), caller(ctx))
    return accepted(ctx, op, 202, echo)


# --- image definitions ------------------------------------------------------------------------


@throttled("Get", "GalleryImage")
def get_image(ctx: Ctx) -> Response:
    """GalleryImages_Get"""
    item = image_backend.get_image(ctx.world, *_names(ctx), ctx.param("galleryImageName"))
    return json_response(render.resource_view(ctx.world, item), 200)


@throttled("CreateUpdate", "GalleryImage")
def put_image(ctx: Ctx) -> Response:
    """GalleryImages_CreateOrUpdate: 201 (Creating) or 200 (Updating), then capsOperations."""
    item, op, created = image_backend.put_image(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.param("galleryImageName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    body = render.resource_view(ctx.world, item)
    status = 201 if created else 200
    return accepted(ctx, op, status, body)


@throttled("CreateUpdate", "GalleryImage")
def patch_image(ctx: Ctx) -> Response:
    """GalleryImages_Update: 200 (Updating), then capsOperations."""
    item, op = image_backend.patch_image(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.param("galleryImageName"),
        ctx.request.json_object(),
        caller(ctx),
    )
    body = render.resource_view(ctx.world, item)
    return accepted(ctx, op, 200, body)


@throttled("Delete", "GalleryImage")
def delete_image(ctx: Ctx) -> Response:
    """GalleryImages_Delete: 202 then capsOperations; 204 when there is no such definition."""
    op = image_backend.delete_image(
        ctx.world, *_names(ctx), ctx.param("galleryImageName"), caller(ctx)
    )
    if op is None:
        return empty_response(204)
    return accepted(ctx, op, 202, None)


@throttled("Get", "GalleryImage")
def list_images(ctx: Ctx) -> Response:
    """GalleryImages_ListByGallery"""
    gallery = gallery_backend.get_gallery(ctx.world, *_names(ctx))
    items = [dict(i.body) for i in image_backend.images_of(ctx.world, gallery)]
    return json_response(page(ctx.request, items))


# --- assembly ---------------------------------------------------------------------------------

Handler = Callable[[Ctx], Response]


def register(router: Router) -> None:
    """Every gallery route: galleries, definitions, versions and what consumers read."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", GALLERY_ITEM, get_gallery),
        ("PUT", GALLERY_ITEM, put_gallery),
        ("PATCH", GALLERY_ITEM, patch_gallery),
        ("DELETE", GALLERY_ITEM, delete_gallery),
        ("GET", GALLERIES, list_galleries_in_group),
        (
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/galleries",
            list_galleries,
        ),
        ("POST", f"{GALLERY_ITEM}/share", share_gallery),
        ("GET", IMAGE_ITEM, get_image),
        ("PUT", IMAGE_ITEM, put_image),
        ("PATCH", IMAGE_ITEM, patch_image),
        ("DELETE", IMAGE_ITEM, delete_image),
        ("GET", IMAGES, list_images),
    ]
    for method, path, handler in routes:
        router.add(method, path, handler)
    version_routes.register(router, IMAGE_ITEM)
    consumer_routes.register(router)
