"""Security types of gallery images: what a definition declares (its ``SecurityType`` feature,
Standard when it has none) and which version sources fit it, checked when a version is created.

- ``TrustedLaunch`` and ``ConfidentialVM`` definitions hold images with a VM guest state. A
  managed image never has one (Azure cannot even make a managed image of a Trusted Launch VM),
  so it is refused. (A Standard VM, disk or snapshot is accepted: whether Azure refuses it too
  is not established.)
- ``TrustedLaunchSupported``, ``ConfidentialVmSupported`` and
  ``TrustedLaunchAndConfidentialVmSupported`` definitions hold generic Gen2 images without a
  guest state: a Trusted Launch (or confidential) VM, disk or snapshot is refused with the text
  Azure answers for such a source (hashicorp/packer-plugin-azure#304).
- A ``Standard`` definition refuses a disk or snapshot with a guest state. (A Trusted Launch
  VM is accepted: the official example GalleryImageVersion_Create_WithVmAsSource does not say
  the definition's security type, and Azure's answer is not established.)

Gallery versions and community images as sources are not checked (their definition decided).
No HTTP.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors
from goldfleet.emulator.rp.compute.galleries.sources import Source

WITH_GUEST_STATE = ("TrustedLaunch", "ConfidentialVM")
GENERIC = (
    "TrustedLaunchSupported",
    "ConfidentialVmSupported",
    "TrustedLaunchAndConfidentialVmSupported",
)


def feature_security_type(features: Any) -> str:
    """The ``SecurityType`` feature's value among ``features``; Standard without one."""
    for feature in features or []:
        if isinstance(feature, dict) and str(feature.get("name", "")).lower() == "securitytype":
            return str(feature.get("value") or "Standard")
    return "Standard"


def definition_security_type(definition: StoredResource) -> str:
    return feature_security_type((definition.body.get("properties") or {}).get("features"))


def check_source(definition: StoredResource, source: Source) -> None:
    """Azure's refusal when ``source`` cannot become a version of ``definition``."""
    if source.kind in ("version", "community"):
        return
    wanted = definition_security_type(definition)
    have = source.security_type
    name = str(definition.body.get("name", ""))
    if wanted in WITH_GUEST_STATE:
        if source.kind == "image":
            raise errors.source_lacks_security_type(source.id, wanted)
    elif wanted.lower() in (g.lower() for g in GENERIC):
        if have in WITH_GUEST_STATE:
            raise errors.security_type_not_supported_for_source(wanted, source.id)
    elif have in WITH_GUEST_STATE and source.kind == "disks":
        raise errors.source_security_type_not_allowed(source.id, have, name, wanted)
