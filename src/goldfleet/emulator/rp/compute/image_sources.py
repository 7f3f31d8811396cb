"""What a new OS disk is made from: a platform (marketplace) image, a managed image, a gallery
image version (a definition id means its latest version), or a direct-shared or community gallery
image (``sharedGalleryImageId``, ``communityGalleryImageId``: galleries/references.py), checked
the way Compute checks an ``imageReference`` or a disk's ``creationData``.

The result says what the image is (OS type and state, Hyper-V generation, size) and which guest
contents the disk starts with. Gallery images in another subscription need linked
authorization (the caller's ``x-ms-authorization-auxiliary`` token for another tenant). No HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from goldfleet.emulator.arm.ids import parent_and_type, scope_of
from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute.galleries import references, replication, retirement, security
from goldfleet.emulator.rp.compute.machine_contents import contents_for
from goldfleet.emulator.rp.compute.marketplace import catalog as marketplace
from goldfleet.emulator.rp.compute.naming import IMAGE, MANAGED_IMAGE, VERSION, region_name
from goldfleet.emulator.world import Subscription, World

LinkedCheck = Callable[[str, str], None]  # (resource id, action) -> None or ArmError
VERSION_READ = "Microsoft.Compute/galleries/images/versions/read"
IMAGE_READ = "Microsoft.Compute/images/read"


@dataclass
class ImageSource:
    kind: str  # marketplace | image | version | shared | community
    id: str | None  # the resource whose contents the disk copies (None for marketplace)
    os_type: str
    os_state: str  # Generalized | Specialized
    generation: str  # V1 | V2
    size_gb: int
    contents: GuestContents
    exact_version: str | None = None  # what "latest" resolved to
    urn: str | None = None
    # a disk made from a gallery image says so in creationData.galleryImageReference
    gallery_reference: dict[str, str] | None = None
    # TrustedLaunch or ConfidentialVM: a gallery image with a VM guest state (its definition's
    # SecurityType); VMs made from it must be of that type and their disks carry it
    security_type: str | None = None


def _default_size(os_type: str) -> int:
    return 30 if os_type == "Linux" else 127


def from_marketplace(
    world: World, location: str, publisher: str, offer: str, sku: str, version: str
) -> ImageSource:
    urn = f"{publisher}:{offer}:{sku}:{version}"
    found = marketplace.find_image(world, location, publisher, offer, sku, version)
    if found is None:
        raise errors.platform_image_not_found(urn)
    os_type = str(found.os_type)
    return ImageSource(
        kind="marketplace",
        id=None,
        os_type=os_type,
        os_state="Generalized",
        generation=str(found.hyper_v_generation),
        size_gb=_default_size(os_type),
        contents=found.contents(),
        exact_version=str(found.version),
        urn=str(found.urn),
    )


def platform_path(value: str) -> tuple[str, str, str, str] | None:
    """``(publisher, offer, sku, version)`` of a platform image id
    (``.../Locations/{l}/Publishers/{p}/ArtifactTypes/VMImage/Offers/{o}/Skus/{s}/Versions/{v}``)."""
    parts = [p for p in value.split("/") if p]
    lowered = [p.lower() for p in parts]
    try:
        i = lowered.index("publishers")
    except ValueError:
        return None
    tail = lowered[i:]
    if (
        len(tail) != 10
        or tail[2] != "artifacttypes"
        or tail[4::2] != ["offers", "skus", "versions"]
    ):
        return None
    return parts[i + 1], parts[i + 5], parts[i + 7], parts[i + 9]


def from_id(
    world: World, value: str, location: str, own_subscription: str, linked: LinkedCheck
) -> ImageSource:
    """A managed image, a gallery image version, or a gallery image definition (its latest)."""
    if not value.startswith("/"):
        value = "/" + value
    rtype = parent_and_type(value)[1].lower()
    if rtype == MANAGED_IMAGE.lower():
        return _managed_image(world, value, location, own_subscription, linked)
    if rtype in (VERSION.lower(), IMAGE.lower()):
        return _gallery(world, value, location, own_subscription, linked, rtype)
    platform = platform_path(value)
    if platform is not None:
        return from_marketplace(world, location, *platform)
    raise errors.invalid_parameter(
        f"The value of parameter imageReference.id is invalid: '{value}'.", "imageReference.id"
    )


def _authorize(value: str, action: str, own_subscription: str, linked: LinkedCheck) -> None:
    sub = scope_of(value).subscription_id or ""
    if sub.lower() != own_subscription.lower():
        linked(value, action)


def _managed_image(
    world: World, value: str, location: str, own_subscription: str, linked: LinkedCheck
) -> ImageSource:
    _authorize(value, IMAGE_READ, own_subscription, linked)
    item = world.store.get(value)
    if item is None or region_name(item.body.get("location", "")) != location:
        raise errors.managed_image_not_found(value, location)
    props = item.body.get("properties") or {}
    osd = (props.get("storageProfile") or {}).get("osDisk") or {}
    os_type = str(osd.get("osType") or "Windows")
    return ImageSource(
        kind="image",
        id=item.id,
        os_type=os_type,
        os_state=str(osd.get("osState") or "Generalized"),
        generation=str(props.get("hyperVGeneration") or "V1"),
        size_gb=int(osd.get("diskSizeGB") or _default_size(os_type)),
        contents=contents_for(world, item.id) or GuestContents(base_image=item.id),
    )


def _gallery(
    world: World,
    value: str,
    location: str,
    own_subscription: str,
    linked: LinkedCheck,
    rtype: str,
) -> ImageSource:
    _authorize(value, VERSION_READ, own_subscription, linked)
    if rtype == IMAGE.lower():
        definition = world.store.get(value)
        if definition is None:
            raise errors.gallery_image_not_available(value, location)
        version = retirement.latest_version(world, definition.id, location)
        exact: str | None = version.body["name"]
    else:
        found = world.store.get(value)
        if found is None or found.meta.get("softDeleted"):
            raise errors.gallery_image_not_available(value, location)
        version, exact = found, None
        definition = world.store.get(version.id.rsplit("/versions/", 1)[0])
    if replication.region_state(world, version, location) != "Completed":
        raise errors.gallery_image_not_available(value, location)
    dprops: dict[str, Any] = (definition.body.get("properties") or {}) if definition else {}
    osd = ((version.body.get("properties") or {}).get("storageProfile") or {}).get(
        "osDiskImage"
    ) or {}
    os_type = str(dprops.get("osType") or "Windows")
    return ImageSource(
        kind="version",
        id=version.id,
        os_type=os_type,
        os_state=str(dprops.get("osState") or "Generalized"),
        generation=str(dprops.get("hyperVGeneration") or "V1"),
        size_gb=int(osd.get("sizeInGB") or _default_size(os_type)),
        contents=contents_for(world, version.id) or GuestContents(base_image=version.id),
        exact_version=exact,
        gallery_reference={"id": version.id},
        security_type=_guest_state(dprops),
    )


def _guest_state(definition_props: dict[str, Any]) -> str | None:
    value = security.feature_security_type(definition_props.get("features"))
    return value if value in security.WITH_GUEST_STATE else None


def from_consumer_reference(
    world: World, sub: Subscription, key: str, value: str, location: str, target: str
) -> ImageSource:
    """A direct-shared (``sharedGalleryImageId``) or community (``communityGalleryImageId``)
    gallery image, for a VM, a scale set instance or a disk in ``sub`` and ``location``."""
    found = references.resolve(world, sub, key, value, location, target)
    dprops: dict[str, Any] = found.definition.body.get("properties") or {}
    osd = ((found.version.body.get("properties") or {}).get("storageProfile") or {}).get(
        "osDiskImage"
    ) or {}
    os_type = str(dprops.get("osType") or "Windows")
    version = found.version
    return ImageSource(
        kind="shared" if key == references.SHARED else "community",
        id=version.id,
        os_type=os_type,
        os_state=str(dprops.get("osState") or "Generalized"),
        generation=str(dprops.get("hyperVGeneration") or "V1"),
        size_gb=int(osd.get("sizeInGB") or _default_size(os_type)),
        contents=contents_for(world, version.id) or GuestContents(base_image=found.pinned),
        exact_version=found.exact_version,
        gallery_reference={key: found.pinned},
        security_type=_guest_state(dprops),
    )
