"""HTTP surface of what consumers read: directly shared galleries (by unique name, from a
subscription the gallery is shared with) and community galleries (by public name, from any
subscription), with their image definitions and versions, per location."""

from __future__ import annotations

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.galleries import community, consumer, sharing
from goldfleet.emulator.rp.compute.handling import subscription, throttled

LOCATION = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
SHARED = f"{LOCATION}/sharedGalleries"
SHARED_ITEM = f"{SHARED}/{{galleryUniqueName}}"
COMMUNITY_ITEM = f"{LOCATION}/communityGalleries/{{publicGalleryName}}"


@throttled("Get", "SharedGallery")
def list_shared_galleries(ctx: Ctx) -> Response:
    """SharedGalleries_List (``sharedTo=tenant`` for galleries shared with the tenant)."""
    location = ctx.param("location")
    found = sharing.shared_galleries(
        ctx.world, subscription(ctx), location, ctx.request.query.get("sharedto")
    )
    items = [sharing.shared_gallery_view(g, location) for g in found]
    return json_response(page(ctx.request, items))


@throttled("Get", "SharedGallery")
def get_shared_gallery(ctx: Ctx) -> Response:
    """SharedGalleries_Get"""
    location = ctx.param("location")
    gallery = sharing.shared_gallery(
        ctx.world, subscription(ctx), location, ctx.param("galleryUniqueName")
    )
    return json_response(sharing.shared_gallery_view(gallery, location), 200)


@throttled("Get", "SharedGallery")
def list_shared_images(ctx: Ctx) -> Response:
    """SharedGalleryImages_List"""
    location = ctx.param("location")
    gallery = sharing.shared_gallery(
        ctx.world, subscription(ctx), location, ctx.param("galleryUniqueName")
    )
    items = [
        sharing.shared_image_view(gallery, image, location)
        for image in community.images(ctx.world, gallery)
    ]
    return json_response(page(ctx.request, items))


def _shared_image(ctx: Ctx, location: str) -> tuple[StoredResource, StoredResource]:
    """The directly shared gallery and image the path names, as the caller sees them there."""
    return sharing.shared_image(
        ctx.world,
        subscription(ctx),
        location,
        ctx.param("galleryUniqueName"),
        ctx.param("galleryImageName"),
    )


@throttled("Get", "SharedGallery")
def get_shared_image(ctx: Ctx) -> Response:
    """SharedGalleryImages_Get"""
    location = ctx.param("location")
    gallery, image = _shared_image(ctx, location)
    return json_response(sharing.shared_image_view(gallery, image, location), 200)


@throttled("Get", "SharedGallery")
def list_shared_versions(ctx: Ctx) -> Response:
    """SharedGalleryImageVersions_List"""
    location = ctx.param("location")
    gallery, image = _shared_image(ctx, location)
    items = [
        sharing.shared_version_view(ctx.world, gallery, image, v, location)
        for v in consumer.consumer_versions(ctx.world, image, location)
    ]
    return json_response(page(ctx.request, items))


@throttled("Get", "SharedGallery")
def get_shared_version(ctx: Ctx) -> Response:
    """SharedGalleryImageVersions_Get"""
    location = ctx.param("location")
    gallery, image = _shared_image(ctx, location)
    wanted = ctx.param("galleryImageVersionName").lower()
    for version in consumer.consumer_versions(ctx.world, image, location):
        if version.body["name"].lower() == wanted:
            body = sharing.shared_version_view(ctx.world, gallery, image, version, location)
            return json_response(body, 200)
    raise consumer.not_found(
        f"locations/{location}/sharedGalleries/{ctx.param('galleryUniqueName')}/images/"
        f"{image.body['name']}/versions/{ctx.param('galleryImageVersionName')}"
    )


@throttled("Get", "CommunityGallery")
def get_community_gallery(ctx: Ctx) -> Response:
    """CommunityGalleries_Get"""
    name, location = ctx.param("publicGalleryName"), ctx.param("location")
    gallery = community.community_gallery(ctx.world, name, location)
    return json_response(community.gallery_view(gallery, name, location), 200)


@throttled("Get", "CommunityGallery")
def list_community_images(ctx: Ctx) -> Response:
    """CommunityGalleryImages_List"""
    name, location = ctx.param("publicGalleryName"), ctx.param("location")
    gallery = community.community_gallery(ctx.world, name, location)
    items = [community.image_view(i, name, location) for i in community.images(ctx.world, gallery)]
    return json_response(page(ctx.request, items))


@throttled("Get", "CommunityGallery")
def get_community_image(ctx: Ctx) -> Response:
    """CommunityGalleryImages_Get"""
    name, location = ctx.param("publicGalleryName"), ctx.param("location")
    _, image = community.community_image(ctx.world, name, location, ctx.param("galleryImageName"))
    return json_response(community.image_view(image, name, location), 200)


@throttled("Get", "CommunityGallery")
def list_community_versions(ctx: Ctx) -> Response:
    """CommunityGalleryImageVersions_List"""
    name, location = ctx.param("publicGalleryName"), ctx.param("location")
    _, image = community.community_image(ctx.world, name, location, ctx.param("galleryImageName"))
    items = [
        community.version_view(ctx.world, image, v, name, location)
        for v in consumer.consumer_versions(ctx.world, image, location)
    ]
    return json_response(page(ctx.request, items))


@throttled("Get", "CommunityGallery")
def get_community_version(ctx: Ctx) -> Response:
    """CommunityGalleryImageVersions_Get"""
    name, location = ctx.param("publicGalleryName"), ctx.param("location")
    _, image = community.community_image(ctx.world, name, location, ctx.param("galleryImageName"))
    wanted = ctx.param("galleryImageVersionName").lower()
    for version in consumer.consumer_versions(ctx.world, image, location):
        if version.body["name"].lower() == wanted:
            body = community.version_view(ctx.world, image, version, name, location)
            return json_response(body, 200)
    raise consumer.not_found(
        f"locations/{location}/communityGalleries/{name}/images/{image.body['name']}/versions/"
        f"{ctx.param('galleryImageVersionName')}"
    )


def register(router: Router) -> None:
    shared_image = f"{SHARED_ITEM}/images/{{galleryImageName}}"
    community_image = f"{COMMUNITY_ITEM}/images/{{galleryImageName}}"
    router.add("GET", SHARED, list_shared_galleries)
    router.add("GET", SHARED_ITEM, get_shared_gallery)
    router.add("GET", f"{SHARED_ITEM}/images", list_shared_images)
    router.add("GET", shared_image, get_shared_image)
    router.add("GET", f"{shared_image}/versions", list_shared_versions)
    router.add("GET", f"{shared_image}/versions/{{galleryImageVersionName}}", get_shared_version)
    router.add("GET", COMMUNITY_ITEM, get_community_gallery)
    router.add("GET", f"{COMMUNITY_ITEM}/images", list_community_images)
    router.add("GET", community_image, get_community_image)
    router.add("GET", f"{community_image}/versions", list_community_versions)
    router.add(
        "GET", f"{community_image}/versions/{{galleryImageVersionName}}", get_community_version
    )
