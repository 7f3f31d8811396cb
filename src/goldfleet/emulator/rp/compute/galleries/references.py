"""What a consumer's image reference names: a direct-shared image
(``sharedGalleryImageId = /SharedGalleries/{uniqueName}/Images/{image}[/Versions/{version}]``)
or a community image (``communityGalleryImageId = /CommunityGalleries/{publicName}/Images/
{image}[/Versions/{version}]``), resolved the way Compute resolves it when it makes a VM, a scale
set instance or a disk from one.

The rules: a direct-shared gallery must be shared (``permissions: Groups``) with the caller's
subscription or with its tenant; a community gallery must be enabled; the version must have
completed replication to the requested region and must not be soft-deleted; ``latest`` (or no
version) is the newest version not excluded from latest there (``retirement.latest_version``).
Every refusal is the one Azure answers for a community image not in the region - 404
``GalleryImageNotFound`` with target ``imageReference`` - since a consumer cannot tell a gallery
it may not see from one that does not exist. A malformed reference is 400 ``InvalidParameter``.
No linked authorization: sharing is the authorization. No HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import machine_errors
from goldfleet.emulator.rp.compute.galleries import community, replication, retirement, sharing
from goldfleet.emulator.world import Subscription, World

SHARED = "sharedGalleryImageId"
COMMUNITY = "communityGalleryImageId"


@dataclass
class ConsumerImage:
    """The definition and version a consumer reference resolved to."""

    definition: StoredResource
    version: StoredResource
    exact_version: str | None  # what 'latest' (or no version) resolved to
    pinned: str  # the reference with the version spelled out (for the disk's creationData)


def _parts(value: str, key: str, target: str) -> tuple[str, str, str | None]:
    parts = [p for p in value.split("/") if p]
    head = "sharedgalleries" if key == SHARED else "communitygalleries"
    ok = (
        len(parts) in (4, 6)
        and parts[0].lower() == head
        and parts[2].lower() == "images"
        and (len(parts) == 4 or parts[4].lower() == "versions")
    )
    if not ok:
        raise machine_errors.invalid_parameter(
            f"The value of parameter {target} is invalid.", target
        )
    return parts[1], parts[3], parts[5] if len(parts) == 6 else None


def resolve(
    world: World, sub: Subscription, key: str, value: str, location: str, target: str
) -> ConsumerImage:
    """The version ``value`` (a ``key`` reference) names for ``sub`` in ``location``."""
    gallery_name, image_name, wanted = _parts(value, key, target)
    missing = machine_errors.consumer_image_not_available(value, location)
    try:
        if key == SHARED:
            _, definition = sharing.shared_image(world, sub, location, gallery_name, image_name)
        else:
            _, definition = community.community_image(world, gallery_name, location, image_name)
    except ArmError as exc:
        raise missing from exc
    if wanted is None or wanted.lower() == "latest":
        try:
            version = retirement.latest_version(world, definition.id, location)
        except ArmError as exc:
            raise missing from exc
        exact: str | None = str(version.body["name"])
    else:
        found = world.store.get(f"{definition.id}/versions/{wanted}")
        if found is None or found.meta.get("softDeleted"):
            raise missing
        if replication.region_state(world, found, location) != "Completed":
            raise missing
        version, exact = found, None
    head = "/SharedGalleries" if key == SHARED else "/CommunityGalleries"
    pinned = (
        f"{head}/{gallery_name}/Images/{definition.body['name']}/Versions/{version.body['name']}"
    )
    return ConsumerImage(definition, version, exact, pinned)
