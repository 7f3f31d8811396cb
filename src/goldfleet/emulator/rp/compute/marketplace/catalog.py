"""The Azure Marketplace image catalog the emulator offers: a few AVD images, each with a new
version on every simulated Patch Tuesday.

Versions are not events: they are computed from the clock. A month's version is published on
its Patch Tuesday (the second Tuesday) at 18:00 UTC, from January 2025 on, and is named the way
Windows images are, ``<build>.<UBR>.<yymmdd>`` (e.g. ``26100.4349.250610``): the UBR grows by
about as much as Windows' own cumulative updates do each month. Every region offers every image.
``contents()`` gives what a disk made from a version carries (``guest.contents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.rp.resources.catalog import REGIONS_BY_NAME
from goldfleet.emulator.world import World

FIRST_MONTH = (2025, 1)
PUBLISH_HOUR_UTC = 18


@dataclass(frozen=True)
class CatalogSku:
    """One sku of the catalog and how its versions are numbered."""

    publisher: str
    offer: str
    sku: str
    os_name: str
    hyper_v_generation: str
    build: int
    first_ubr: int  # UBR of the January 2025 version
    ubr_per_month: int
    apps: tuple[str, ...] = ()
    os_type: str = "Windows"
    architecture: str = "x64"


M365_APPS = ("Microsoft 365 Apps for enterprise", "Microsoft OneDrive", "Microsoft Teams")
CATALOG: tuple[CatalogSku, ...] = (
    CatalogSku(
        "MicrosoftWindowsDesktop",
        "office-365",
        "win11-24h2-avd-m365",
        "Windows 11 Enterprise multi-session 24H2",
        "V2",
        26100,
        2894,
        291,
        M365_APPS,
    ),
    CatalogSku(
        "MicrosoftWindowsDesktop",
        "windows-11",
        "win11-24h2-avd",
        "Windows 11 Enterprise multi-session 24H2",
        "V2",
        26100,
        2894,
        291,
    ),
    CatalogSku(
        "MicrosoftWindowsDesktop",
        "windows-10",
        "win10-22h2-avd-g2",
        "Windows 10 Enterprise multi-session 22H2",
        "V2",
        19045,
        5371,
        119,
    ),
    CatalogSku(
        "MicrosoftWindowsDesktop",
        "windows-10",
        "win10-22h2-avd",
        "Windows 10 Enterprise multi-session 22H2",
        "V1",
        19045,
        5371,
        119,
    ),
    CatalogSku(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition",
        "Windows Server 2022 Datacenter: Azure Edition",
        "V2",
        20348,
        3091,
        143,
    ),
)


@dataclass(frozen=True)
class MarketplaceImage:
    """One version of one marketplace image."""

    publisher: str
    offer: str
    sku: str
    version: str
    urn: str  # publisher:offer:sku:version
    hyper_v_generation: str  # V1 | V2
    os_type: str
    architecture: str
    os_name: str = ""
    apps: tuple[str, ...] = ()
    published: str = ""  # ISO 8601, the Patch Tuesday it appeared

    def contents(self) -> GuestContents:
        """What an OS disk made from this version carries: a fresh installation of its OS with
        the sku's apps, no AVD agent."""
        return GuestContents(
            os=self.os_name,
            base_image=self.urn,
            apps=list(self.apps),
            avd_agent_installed=False,
        )


def patch_tuesday(year: int, month: int) -> datetime:
    """The second Tuesday of the month at 18:00 UTC, when that month's versions appear."""
    first = date(year, month, 1)
    to_tuesday = (1 - first.weekday()) % 7
    day = first + timedelta(days=to_tuesday + 7)
    return datetime(day.year, day.month, day.day, PUBLISH_HOUR_UTC, tzinfo=UTC)


def _months_until(now: datetime) -> list[tuple[int, datetime]]:
    """(months since January 2025, publication instant) of every month published by ``now``."""
    found: list[tuple[int, datetime]] = []
    year, month = FIRST_MONTH
    index = 0
    while True:
        moment = patch_tuesday(year, month)
        if moment > now:
            return found
        found.append((index, moment))
        index += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _image(sku: CatalogSku, index: int, moment: datetime) -> MarketplaceImage:
    version = f"{sku.build}.{sku.first_ubr + index * sku.ubr_per_month}.{moment:%y%m%d}"
    return MarketplaceImage(
        publisher=sku.publisher,
        offer=sku.offer,
        sku=sku.sku,
        version=version,
        urn=f"{sku.publisher}:{sku.offer}:{sku.sku}:{version}",
        hyper_v_generation=sku.hyper_v_generation,
        os_type=sku.os_type,
        architecture=sku.architecture,
        os_name=sku.os_name,
        apps=sku.apps,
        published=moment.isoformat().replace("+00:00", "Z"),
    )


def offered_in(location: str) -> bool:
    return location.lower().replace(" ", "") in REGIONS_BY_NAME


def skus(publisher: str | None = None, offer: str | None = None) -> list[CatalogSku]:
    """Catalog skus, optionally of one publisher and offer (case-insensitive)."""
    return [
        s
        for s in CATALOG
        if (publisher is None or s.publisher.lower() == publisher.lower())
        and (offer is None or s.offer.lower() == offer.lower())
    ]


def find_sku(publisher: str, offer: str, sku: str) -> CatalogSku | None:
    for s in skus(publisher, offer):
        if s.sku.lower() == sku.lower():
            return s
    return None


def versions(
    world: World, location: str, publisher: str, offer: str, sku: str
) -> list[MarketplaceImage]:
    """Every published version of the sku, oldest first (empty for an unknown sku or region)."""
    entry = find_sku(publisher, offer, sku)
    if entry is None or not offered_in(location):
        return []
    return [_image(entry, i, moment) for i, moment in _months_until(world.now_dt())]


def find_image(
    world: World, location: str, publisher: str, offer: str, sku: str, version: str
) -> MarketplaceImage | None:
    """The version (``latest`` = the newest published) of a catalog image in ``location``, or
    None when the image, the version or the region is unknown. Names are case-insensitive."""
    published = versions(world, location, publisher, offer, sku)
    if not published:
        return None
    if version.lower() == "latest":
        return published[-1]
    for image in published:
        if image.version == version:
            return image
    return None
