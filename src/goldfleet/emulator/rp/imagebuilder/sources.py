"""Where a build starts: the template's source resolved to an image and its guest contents.

``PlatformImage`` reads the marketplace catalog
(``goldfleet.emulator.rp.compute.marketplace.catalog``, ``find_image``; ``latest`` resolves to a
version, recorded as the source's ``exactVersion``), ``ManagedImage`` a
``Microsoft.Compute/images`` resource, ``SharedImageVersion`` a gallery image version (or a
definition: its latest version) replicated to the template's region. A source that cannot be found
is a ``SourceProblem`` carrying the ``provisioningErrorCode`` Azure uses. No HTTP.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.guest.contents import GuestContents, contents_of
from goldfleet.emulator.rp.compute.galleries import replication, retirement
from goldfleet.emulator.rp.imagebuilder.templates import GALLERY_VERSION, resource_type_of
from goldfleet.emulator.world import World


class SourceProblem(Exception):
    """The source cannot be used: ``code`` is a provisioningErrorCode (BadPIRSource, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ResolvedSource:
    image_id: str  # the marketplace URN, managed image id or gallery image version id
    exact_version: str | None  # PlatformImage and SharedImageVersion only
    contents: GuestContents
    hyper_v_generation: str
    os_type: str


def resolve_source(world: World, source: dict[str, Any], location: str) -> ResolvedSource:
    kind = source["type"]
    if kind == "PlatformImage":
        return _platform(world, source, location)
    if kind == "ManagedImage":
        return _managed(world, source["imageId"], location)
    return _gallery(world, source["imageVersionId"], location)


def _platform(world: World, source: dict[str, Any], location: str) -> ResolvedSource:
    urn = ":".join(source[k] for k in ("publisher", "offer", "sku", "version"))
    problem = SourceProblem(
        "BadPIRSource",
        f"The platform image '{urn}' was not found in location '{location}'. Check the "
        "publisher, offer, sku and version of the source.",
    )
    try:
        marketplace: Any = importlib.import_module(
            "goldfleet.emulator.rp.compute.marketplace.catalog"
        )
    except ImportError as exc:  # the catalog is not in this build of the emulator
        raise problem from exc
    image = marketplace.find_image(
        world, location, source["publisher"], source["offer"], source["sku"], source["version"]
    )
    if image is None:
        raise problem
    contents = image.contents()
    if not contents.base_image:
        contents.base_image = str(image.urn)
    return ResolvedSource(
        image_id=str(image.urn),
        exact_version=str(image.version),
        contents=contents,
        hyper_v_generation=str(getattr(image, "hyper_v_generation", "V2") or "V2"),
        os_type=str(getattr(image, "os_type", "Windows") or "Windows"),
    )


def _managed(world: World, image_id: str, location: str) -> ResolvedSource:
    item = world.store.get(image_id)
    if item is None or str(item.body.get("type", "")).lower() != "microsoft.compute/images":
        raise SourceProblem(
            "BadManagedImageSource",
            f"The managed image '{image_id}' was not found. The source image must exist and "
            "the template's identity must be able to read it.",
        )
    if str(item.body.get("location", "")).lower() != location.lower():
        raise SourceProblem(
            "BadManagedImageSource",
            f"The managed image '{image_id}' is in location '{item.body.get('location')}', "
            f"not in the image template's location '{location}'.",
        )
    props = item.body.get("properties") or {}
    os_disk = (props.get("storageProfile") or {}).get("osDisk") or {}
    contents = contents_of(world, item.id) or GuestContents(base_image=item.id)
    return ResolvedSource(
        image_id=item.id,
        exact_version=None,
        contents=contents,
        hyper_v_generation=str(props.get("hyperVGeneration") or "V1"),
        os_type=str(os_disk.get("osType") or "Windows"),
    )


def _gallery(world: World, version_or_image: str, location: str) -> ResolvedSource:
    def bad(detail: str) -> SourceProblem:
        return SourceProblem(
            "BadSharedImageVersionSource",
            f"The gallery image version source '{version_or_image}' cannot be used: {detail}",
        )

    if resource_type_of(version_or_image) == GALLERY_VERSION:
        item = world.store.get(version_or_image)
        if item is None or item.meta.get("softDeleted"):
            raise bad("it was not found.")
        if replication.region_state(world, item, location) != "Completed":
            raise bad(f"it is not replicated to location '{location}'.")
    else:
        if world.store.get(version_or_image) is None:
            raise bad("the image definition was not found.")
        try:
            item = retirement.latest_version(world, version_or_image, location)
        except ArmError as exc:
            raise bad(exc.message) from exc
    definition = world.store.get(item.id.rsplit("/versions/", 1)[0])
    dprops = (definition.body.get("properties") or {}) if definition else {}
    contents = contents_of(world, item.id) or GuestContents(base_image=item.id)
    return ResolvedSource(
        image_id=item.id,
        exact_version=str(item.body["name"]),
        contents=contents,
        hyper_v_generation=str(dprops.get("hyperVGeneration") or "V1"),
        os_type=str(dprops.get("osType") or "Windows"),
    )
