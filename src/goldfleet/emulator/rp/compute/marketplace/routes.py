"""HTTP surface of the marketplace image catalog (``VirtualMachineImages_*``): publishers,
offers, skus and versions of ``marketplace.py`` in a location, and one version's details.

Lists answer a bare JSON array of ``{id, name, location}`` as Azure does (no ``value``
envelope, no paging); versions honour ``$top`` and ``$orderby=name [asc|desc]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.compute.handling import subscription
from goldfleet.emulator.rp.compute.marketplace import catalog as marketplace
from goldfleet.emulator.rp.resources import backend as resources

LOCATION = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
PUBLISHERS = f"{LOCATION}/publishers"
OFFERS = f"{PUBLISHERS}/{{publisherName}}/artifacttypes/vmimage/offers"
SKUS = f"{OFFERS}/{{offer}}/skus"
VERSIONS = f"{SKUS}/{{skus}}/versions"
VERSION_ITEM = f"{VERSIONS}/{{version}}"
RESOURCE_TYPE = "Microsoft.Compute/locations/publishers"


def _location(ctx: Ctx) -> str:
    return resources.check_location(subscription(ctx), ctx.param("location"), RESOURCE_TYPE)


def _base(ctx: Ctx, location: str) -> str:
    return (
        f"/Subscriptions/{ctx.param('subscriptionId')}/Providers/Microsoft.Compute"
        f"/Locations/{location}"
    )


def _missing(what: str) -> ArmError:
    return ArmError(404, "NotFound", f"Artifact: {what} was not found.")


def _entry(resource_id: str, name: str, location: str) -> dict[str, Any]:
    return {"id": resource_id, "name": name, "location": location}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def list_publishers(ctx: Ctx) -> Response:
    """VirtualMachineImages_ListPublishers"""
    location = _location(ctx)
    names = sorted({s.publisher for s in marketplace.CATALOG})
    base = _base(ctx, location)
    return json_response([_entry(f"{base}/Publishers/{n}", n, location) for n in names])


def list_offers(ctx: Ctx) -> Response:
    """VirtualMachineImages_ListOffers"""
    location = _location(ctx)
    found = marketplace.skus(ctx.param("publisherName"))
    if not found:
        raise _missing("VMImage")
    publisher = found[0].publisher
    base = f"{_base(ctx, location)}/Publishers/{publisher}/ArtifactTypes/VMImage/Offers"
    offers = sorted({s.offer for s in found})
    return json_response([_entry(f"{base}/{o}", o, location) for o in offers])


def list_skus(ctx: Ctx) -> Response:
    """VirtualMachineImages_ListSkus"""
    location = _location(ctx)
    found = marketplace.skus(ctx.param("publisherName"), ctx.param("offer"))
    if not found:
        raise _missing("VMImage")
    first = found[0]
    base = (
        f"{_base(ctx, location)}/Publishers/{first.publisher}/ArtifactTypes/VMImage"
        f"/Offers/{first.offer}/Skus"
    )
    return json_response([_entry(f"{base}/{s.sku}", s.sku, location) for s in found])


def _versions(ctx: Ctx, location: str) -> list[marketplace.MarketplaceImage]:
    found = marketplace.versions(
        ctx.world, location, ctx.param("publisherName"), ctx.param("offer"), ctx.param("skus")
    )
    if not found:
        raise _missing("VMImage")
    return found


def _version_id(ctx: Ctx, location: str, image: marketplace.MarketplaceImage) -> str:
    return (
        f"{_base(ctx, location)}/Publishers/{image.publisher}/ArtifactTypes/VMImage"
        f"/Offers/{image.offer}/Skus/{image.sku}/Versions/{image.version}"
    )


def list_versions(ctx: Ctx) -> Response:
    """VirtualMachineImages_List (``$top``, ``$orderby=name desc``)"""
    location = _location(ctx)
    images = sorted(_versions(ctx, location), key=lambda i: _version_key(i.version))
    order = (ctx.request.query.get("$orderby") or "").strip().lower()
    if order.startswith("name") and order.endswith("desc"):
        images.reverse()
    top = ctx.request.query.get("$top")
    if top is not None:
        try:
            images = images[: max(0, int(top))]
        except ValueError as exc:
            raise ArmError(400, "InvalidParameter", f"'$top' must be an integer: {top}") from exc
    return json_response(
        [_entry(_version_id(ctx, location, i), i.version, location) for i in images]
    )


def image_view(ctx: Ctx, location: str, image: marketplace.MarketplaceImage) -> dict[str, Any]:
    features = [{"name": "IsAcceleratedNetworkSupported", "value": "True"}]
    if image.hyper_v_generation == "V2":
        features = [
            {"name": "SecurityType", "value": "TrustedLaunchSupported"},
            {"name": "IsAcceleratedNetworkSupported", "value": "True"},
            {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
            {"name": "IsHibernateSupported", "value": "True"},
        ]
    return {
        "id": _version_id(ctx, location, image),
        "name": image.version,
        "location": location,
        "properties": {
            "hyperVGeneration": image.hyper_v_generation,
            "architecture": image.architecture,
            "osDiskImage": {"operatingSystem": image.os_type},
            "dataDiskImages": [],
            "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
            "disallowed": {"vmDiskType": "Unmanaged"},
            "features": features,
            "imageDeprecationStatus": {"imageState": "Active"},
        },
    }


def get_version(ctx: Ctx) -> Response:
    """VirtualMachineImages_Get"""
    location = _location(ctx)
    _versions(ctx, location)
    image = marketplace.find_image(
        ctx.world,
        location,
        ctx.param("publisherName"),
        ctx.param("offer"),
        ctx.param("skus"),
        ctx.param("version"),
    )
    if image is None or ctx.param("version").lower() == "latest":
        raise _missing("VMImage")
    return json_response(image_view(ctx, location, image))


Handler = Callable[[Ctx], Response]
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", PUBLISHERS, list_publishers),
    ("GET", OFFERS, list_offers),
    ("GET", SKUS, list_skus),
    ("GET", VERSIONS, list_versions),
    ("GET", VERSION_ITEM, get_version),
]


def register(router: Router) -> None:
    for method, path, handler in ROUTES:
        router.add(method, path, handler)
