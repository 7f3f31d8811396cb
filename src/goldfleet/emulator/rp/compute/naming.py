"""Names, ids and regions of gallery resources: resource types, id builders, Azure's name rules
(gallery, image definition, Major.Minor.Patch versions) and region spelling (``westeurope`` in
``location``, ``West Europe`` in target regions and replication status, as Azure answers)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from goldfleet.emulator.arm.clock import parse_instant
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.rp.compute import errors
from goldfleet.emulator.rp.resources.catalog import REGIONS_BY_NAME, normalise_location

NAMESPACE = "Microsoft.Compute"
GALLERY = "Microsoft.Compute/galleries"
IMAGE = "Microsoft.Compute/galleries/images"
VERSION = "Microsoft.Compute/galleries/images/versions"
MANAGED_IMAGE = "Microsoft.Compute/images"
VIRTUAL_MACHINE = "Microsoft.Compute/virtualMachines"
SNAPSHOT = "Microsoft.Compute/snapshots"
DISK = "Microsoft.Compute/disks"
IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"

# Gallery names: letters and digits, with underscores and periods in the middle (no dashes).
_GALLERY_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$")
# Image definitions: the OpenAPI pattern ^[^_\W][\w-._]{0,79}(?<![-.])$ (hyphens allowed).
_IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}(?<![-.])$")
_VERSION_NAME = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_IDENTIFIER_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")
MAX_INT32 = 2_147_483_647


def gallery_id(subscription_id: str, resource_group: str, gallery: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/{GALLERY}/{gallery}"
    )


def image_id(gallery_resource_id: str, image: str) -> str:
    return f"{gallery_resource_id}/images/{image}"


def version_id(image_resource_id: str, version: str) -> str:
    return f"{image_resource_id}/versions/{version}"


def check_gallery_name(name: str) -> None:
    if not _GALLERY_NAME.match(name):
        raise errors.invalid_gallery_name()


def check_image_name(name: str) -> None:
    if not _IMAGE_NAME.match(name):
        raise errors.invalid_entity_name(name, "galleryImageName")


def version_key(name: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of a version name, or None when it is not Major.Minor.Patch."""
    found = _VERSION_NAME.match(name)
    if not found:
        return None
    parts = tuple(int(p) for p in found.groups())
    if any(p > MAX_INT32 for p in parts):
        return None
    return parts[0], parts[1], parts[2]


def check_version_name(name: str) -> None:
    if version_key(name) is None:
        raise errors.invalid_version_name()


def check_identifier_part(field: str, value: Any, max_length: int) -> str:
    text = value if isinstance(value, str) else ""
    if not text or len(text) > max_length or text.endswith(".") or not _IDENTIFIER_PART.match(text):
        raise errors.invalid_identifier(field, max_length)
    return text


def region_name(value: Any) -> str:
    """The short name of a region as given (``West Europe`` -> ``westeurope``)."""
    return normalise_location(str(value))


def display_region(name: str) -> str:
    """Azure's display name of a region (``westeurope`` -> ``West Europe``)."""
    region = REGIONS_BY_NAME.get(name)
    return region.display_name if region else name


def parse_date(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time property, or Azure's 400 for a value that is not one."""
    if not isinstance(value, str):
        raise errors.invalid_date(value, field)
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise errors.invalid_date(value, field) from exc


def enum_value(value: Any, allowed: tuple[str, ...], field: str) -> str:
    """The canonical spelling of an enum value (matched case-insensitively), or 400."""
    if isinstance(value, str):
        for candidate in allowed:
            if candidate.lower() == value.lower():
                return candidate
    raise errors.invalid_enum(value, field, allowed)


def object_at(body: dict[str, Any], key: str, field: str) -> dict[str, Any]:
    """``body[key]`` when it is an object (absent or null: empty), else 400."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ArmError(
            400, "InvalidParameter", f"The value of parameter {field} is invalid.", target=field
        )
    return value


OS_TYPES = ("Windows", "Linux")
OS_STATES = ("Generalized", "Specialized")
HYPER_V_GENERATIONS = ("V1", "V2")
ARCHITECTURES = ("x64", "Arm64")
STORAGE_ACCOUNT_TYPES = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
HOST_CACHING = ("None", "ReadOnly", "ReadWrite")
SHARING_PERMISSIONS = ("Private", "Groups", "Community")
