"""HTTP surface of gallery image versions: create (201, replication starts), read (with
``$expand=ReplicationStatus``), update (200), delete (202, ``bypassSoftDelete``) and list.

A source in another subscription is authorised here, with the request's primary and auxiliary
tokens (linked authorization), before the backend looks at it.
"""

from __future__ import annotations

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.authorization.linked import authorize_linked
from goldfleet.emulator.rp.compute.galleries import render, retirement, version_backend
from goldfleet.emulator.rp.compute.galleries.sources import LinkedCheck
from goldfleet.emulator.rp.compute.handling import accepted, caller, subscription, throttled

GROUP = "GalleryImageVersion"


def _names(ctx: Ctx) -> tuple[str, str, str, str]:
    return (
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.param("galleryImageName"),
        ctx.param("galleryImageVersionName"),
    )


def _linked(ctx: Ctx) -> LinkedCheck:
    def check(resource_id: str, action: str) -> None:
        authorize_linked(ctx, resource_id, action)

    return check


@throttled("Get", GROUP)
def get_version(ctx: Ctx) -> Response:
    """GalleryImageVersions_Get (``$expand=ReplicationStatus``; ``UefiSettings`` adds nothing)."""
    item = version_backend.get_version(ctx.world, ctx.param("subscriptionId"), *_names(ctx))
    expand = (ctx.request.query.get("$expand") or "").lower()
    body = render.version_view(ctx.world, item, with_replication=expand == "replicationstatus")
    return json_response(body, 200)


@throttled("CreateUpdate", GROUP)
def put_version(ctx: Ctx) -> Response:
    """GalleryImageVersions_CreateOrUpdate: 201 (Creating) or 200 (Updating), then
    capsOperations, which completes when replication to every target region has finished."""
    item, op, created = version_backend.put_version(
        ctx.world,
        subscription(ctx),
        _names(ctx),
        ctx.request.json_object(),
        caller(ctx),
        _linked(ctx),
    )
    body = render.version_view(ctx.world, item)
    return accepted(ctx, op, 201 if created else 200, body)


@throttled("CreateUpdate", GROUP)
def patch_version(ctx: Ctx) -> Response:
    """GalleryImageVersions_Update: 200 (Updating), then capsOperations."""
    item, op = version_backend.patch_version(
        ctx.world,
        subscription(ctx),
        _names(ctx),
        ctx.request.json_object(),
        caller(ctx),
        _linked(ctx),
    )
    return accepted(ctx, op, 200, render.version_view(ctx.world, item))


@throttled("Delete", GROUP)
def delete_version(ctx: Ctx) -> Response:
    """GalleryImageVersions_Delete: 202 then capsOperations; 204 when there is no such version."""
    bypass = (ctx.request.query.get("bypasssoftdelete") or "").lower() == "true"
    op = retirement.delete_version(
        ctx.world, ctx.param("subscriptionId"), _names(ctx), caller(ctx), bypass_soft_delete=bypass
    )
    if op is None:
        return empty_response(204)
    return accepted(ctx, op, 202, None)


@throttled("Get", GROUP)
def list_versions(ctx: Ctx) -> Response:
    """GalleryImageVersions_ListByGalleryImage"""
    definition = version_backend.definition_of(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.param("galleryName"),
        ctx.param("galleryImageName"),
    )
    items = [
        render.version_view(ctx.world, v)
        for v in version_backend.versions_of(ctx.world, definition)
    ]
    return json_response(page(ctx.request, items))


def register(router: Router, image_item: str) -> None:
    collection = f"{image_item}/versions"
    item = f"{collection}/{{galleryImageVersionName}}"
    router.add("GET", item, get_version)
    router.add("PUT", item, put_version)
    router.add("PATCH", item, patch_version)
    router.add("DELETE", item, delete_version)
    router.add("GET", collection, list_versions)
