"""Community galleries: a gallery created with ``sharingProfile.permissions: Community`` and
``communityGalleryInfo`` becomes public when POST ``/share`` ``EnableCommunity`` completes - it
gets a public name (``{publicNamePrefix}-{guid}``) by which any subscription can read it under
``.../locations/{loc}/communityGalleries/{publicName}``, and its versions can be the source of
another gallery's version (``storageProfile.source.communityGalleryImageId``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors
from goldfleet.emulator.rp.compute.galleries import replication
from goldfleet.emulator.rp.compute.galleries.consumer import (
    image_properties,
    not_found,
    version_properties,
    visible_at,
)
from goldfleet.emulator.rp.compute.naming import GALLERY, IMAGE, VERSION, region_name, version_key
from goldfleet.emulator.world import World

if TYPE_CHECKING:
    from goldfleet.emulator.rp.compute.galleries.sources import Source

INFO_FIELDS = ("publisherUri", "publisherContact", "eula", "publicNamePrefix")
# Azure shows a disclaimer of its own on community resources; this is ours.
DISCLAIMER = "https://aka.ms/community-gallery-disclaimer"


def community_info(given: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The validated ``communityGalleryInfo`` of a gallery with Community permissions."""
    info = given.get("communityGalleryInfo")
    if not isinstance(info, dict) or not all(
        isinstance(info.get(f), str) and info[f] for f in INFO_FIELDS
    ):
        raise errors.community_info_required()
    old = current.get("communityGalleryInfo") or {}
    out: dict[str, Any] = {f: info[f] for f in INFO_FIELDS}
    out["communityGalleryEnabled"] = bool(old.get("communityGalleryEnabled", False))
    out["publicNames"] = list(old.get("publicNames") or [])
    return out


def check_can_enable(gallery: StoredResource) -> None:
    profile = gallery.body["properties"].get("sharingProfile") or {}
    if profile.get("permissions") != "Community":
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"Gallery '{gallery.body['name']}' can be shared to the community only when its "
            "sharingProfile.permissions is 'Community'.",
        )


def enable(world: World, gallery: StoredResource) -> None:
    check_can_enable(gallery)  # again: the permissions may have changed since the request
    info = gallery.body["properties"]["sharingProfile"]["communityGalleryInfo"]
    if not info.get("publicNames"):
        info["publicNames"] = [f"{info['publicNamePrefix']}-{world.new_uuid()}"]
    info["communityGalleryEnabled"] = True
    gallery.body["properties"]["sharingStatus"] = {
        "aggregatedState": "Succeeded",
        "summary": [{"region": gallery.body["location"], "state": "Succeeded", "details": ""}],
    }


def disable(profile: dict[str, Any]) -> None:
    info = profile.get("communityGalleryInfo")
    if isinstance(info, dict):
        info["communityGalleryEnabled"] = False


def community_gallery(world: World, public_name: str, location: str) -> StoredResource:
    """The enabled community gallery with that public name, visible in ``location``."""
    location = region_name(location)
    for gallery in world.store:
        if str(gallery.body.get("type", "")).lower() != GALLERY.lower():
            continue
        info = (gallery.body.get("properties", {}).get("sharingProfile") or {}).get(
            "communityGalleryInfo"
        ) or {}
        names = [n.lower() for n in info.get("publicNames") or []]
        enabled = info.get("communityGalleryEnabled") and public_name.lower() in names
        if enabled and visible_at(world, gallery, location):
            return gallery
    raise not_found(f"locations/{location}/communityGalleries/{public_name}")


def community_image(
    world: World, public_name: str, location: str, image: str
) -> tuple[StoredResource, StoredResource]:
    gallery = community_gallery(world, public_name, location)
    found = world.store.get(f"{gallery.id}/images/{image}")
    if found is None:
        raise not_found(f"locations/{location}/communityGalleries/{public_name}/images/{image}")
    return gallery, found


def gallery_view(gallery: StoredResource, public_name: str, location: str) -> dict[str, Any]:
    info = gallery.body["properties"]["sharingProfile"]["communityGalleryInfo"]
    metadata = {
        "publisherUri": info.get("publisherUri"),
        "publisherContact": info.get("publisherContact"),
        "eula": info.get("eula"),
        "publicNames": list(info.get("publicNames") or []),
    }
    return {
        "name": public_name,
        "location": region_name(location),
        "type": "Microsoft.Compute/locations/communityGallery",
        "identifier": {"uniqueId": f"/CommunityGalleries/{public_name}"},
        "properties": {
            "disclaimer": DISCLAIMER,
            "artifactTags": {},
            "communityMetadata": metadata,
        },
    }


def image_view(definition: StoredResource, public_name: str, location: str) -> dict[str, Any]:
    properties = image_properties(definition)
    properties["disclaimer"] = DISCLAIMER
    name = definition.body["name"]
    return {
        "name": name,
        "location": region_name(location),
        "type": "Microsoft.Compute/locations/communityGalleryImage",
        "identifier": {"uniqueId": f"/CommunityGalleries/{public_name}/Images/{name}"},
        "properties": properties,
    }


def version_view(
    world: World,
    definition: StoredResource,
    version: StoredResource,
    public_name: str,
    location: str,
) -> dict[str, Any]:
    properties = version_properties(world, version, location)
    properties["disclaimer"] = DISCLAIMER
    image, name = definition.body["name"], version.body["name"]
    return {
        "name": name,
        "location": region_name(location),
        "type": "Microsoft.Compute/locations/communityGalleryImageVersion",
        "identifier": {
            "uniqueId": f"/CommunityGalleries/{public_name}/Images/{image}/Versions/{name}"
        },
        "properties": properties,
    }


def resolve_source(world: World, value: str, location: str, host_caching: str) -> Source:
    """A ``communityGalleryImageId`` (``/communityGalleries/{name}/images/{image}`` with an
    optional ``/versions/{version}``; without one, the latest version) as a version source."""
    from goldfleet.emulator.rp.compute.galleries.sources import DiskImage, Source

    parts = [p for p in value.split("/") if p]
    shape_ok = len(parts) in (4, 6) and parts[0].lower() == "communitygalleries"
    if (
        not shape_ok
        or parts[2].lower() != "images"
        or (len(parts) == 6 and parts[4].lower() != "versions")
    ):
        raise errors.source_not_found(value)
    try:
        _, definition = community_image(world, parts[1], location, parts[3])
    except ArmError as exc:
        raise errors.source_not_found(value) from exc
    candidates = [
        v
        for v in world.store.children(definition.id, VERSION)
        if not v.meta.get("softDeleted")
        and replication.region_state(world, v, location) == "Completed"
        and (len(parts) == 4 or v.body["name"].lower() == parts[5].lower())
        and (
            len(parts) == 6
            or not (v.body["properties"].get("publishingProfile") or {}).get("excludeFromLatest")
        )
    ]
    ranked = [(version_key(v.body["name"]) or (0, 0, 0), v) for v in candidates]
    if not ranked:
        raise errors.source_not_found(value)
    version = max(ranked, key=lambda r: r[0])[1]
    dprops = definition.body.get("properties") or {}
    storage = version.body["properties"].get("storageProfile") or {}
    osd = storage.get("osDiskImage") or {}
    return Source(
        kind="community",
        id=version.id,
        key={"communityGalleryImageId": value},
        os_type=dprops.get("osType"),
        os_state=dprops.get("osState"),
        hyper_v_generation=dprops.get("hyperVGeneration") or "V1",
        os_disk=DiskImage(int(osd.get("sizeInGB") or 30), host_caching),
        data_disks=[
            DiskImage(int(d.get("sizeInGB") or 0), d.get("hostCaching") or "None", lun=d["lun"])
            for d in storage.get("dataDiskImages") or []
        ],
    )


def images(world: World, gallery: StoredResource) -> list[StoredResource]:
    return world.store.children(gallery.id, IMAGE)
