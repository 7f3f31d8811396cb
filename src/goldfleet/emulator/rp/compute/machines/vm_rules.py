"""The checks Compute makes before it creates a virtual machine, with its error codes: where the
OS disk comes from (``imageReference``: a marketplace image, a managed image, a gallery image
version or definition - its latest - which must be replicated to the VM's region, a direct-shared
or community gallery image (``sharedGalleryImageId``, ``communityGalleryImageId``); or
``osDisk.createOption: Attach`` of a specialized managed disk), ``osProfile`` required for a
generalized source and refused for a specialized one, a VM size that can boot the image's
Hyper-V generation and the requested security type, and network interfaces that exist in the
VM's region. No HTTP and no writes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import image_sources
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute.image_sources import ImageSource, LinkedCheck
from goldfleet.emulator.rp.compute.machines import quota
from goldfleet.emulator.rp.compute.naming import DISK, OS_TYPES, enum_value, object_at, region_name
from goldfleet.emulator.rp.network import backend as network
from goldfleet.emulator.world import World

SECURITY_TYPES = ("Standard", "TrustedLaunch", "ConfidentialVM")


@dataclass
class OsDiskPlan:
    """Where the OS disk comes from and what the image says."""

    os_type: str
    os_state: str  # Generalized | Specialized
    generation: str
    size_gb: int
    attach: StoredResource | None = None  # createOption Attach: this disk is the OS disk
    source: ImageSource | None = None  # createOption FromImage
    image_reference: dict[str, Any] | None = None  # echoed in storageProfile.imageReference


def plan_os_disk(
    world: World,
    subscription_id: str,
    location: str,
    storage: dict[str, Any],
    linked: LinkedCheck,
) -> OsDiskPlan:
    os_disk = object_at(storage, "osDisk", "storageProfile.osDisk")
    option = str(os_disk.get("createOption") or "FromImage")
    if option.lower() == "attach":
        return _attach(world, location, os_disk)
    if option.lower() != "fromimage":
        raise errors.invalid_value("storageProfile.osDisk.createOption")
    reference = object_at(storage, "imageReference", "storageProfile.imageReference")
    if not reference:
        raise errors.required("storageProfile.imageReference")
    echo = {k: v for k, v in reference.items() if k != "exactVersion"}
    consumer_key = next(
        (k for k in ("sharedGalleryImageId", "communityGalleryImageId") if reference.get(k)), None
    )
    if consumer_key is not None:
        sub = world.subscription(subscription_id)
        assert sub is not None  # the front door checked it
        source = image_sources.from_consumer_reference(
            world,
            sub,
            consumer_key,
            str(reference[consumer_key]),
            location,
            f"imageReference.{consumer_key}",
        )
    elif reference.get("id"):
        source = image_sources.from_id(
            world, str(reference["id"]), location, subscription_id, linked
        )
    else:
        parts = [str(reference.get(k) or "") for k in ("publisher", "offer", "sku")]
        if not all(parts):
            raise errors.required("storageProfile.imageReference.publisher")
        version = str(reference.get("version") or "latest")
        source = image_sources.from_marketplace(
            world, location, parts[0], parts[1], parts[2], version
        )
    if source.exact_version:
        echo["exactVersion"] = source.exact_version
    size = source.size_gb
    requested = os_disk.get("diskSizeGB")
    if requested is not None:
        if not isinstance(requested, int) or isinstance(requested, bool):
            raise errors.invalid_value("storageProfile.osDisk.diskSizeGB")
        if requested < source.size_gb:
            raise errors.os_disk_smaller_than_image(requested, source.size_gb)
        size = requested
    return OsDiskPlan(
        os_type=source.os_type,
        os_state=source.os_state,
        generation=source.generation,
        size_gb=size,
        source=source,
        image_reference=echo,
    )


def _attach(world: World, location: str, os_disk: dict[str, Any]) -> OsDiskPlan:
    managed = object_at(os_disk, "managedDisk", "storageProfile.osDisk.managedDisk")
    if not managed.get("id"):
        raise errors.required("storageProfile.osDisk.managedDisk.id")
    disk = world.store.get(str(managed["id"]))
    if (
        disk is None
        or str(disk.body.get("type", "")).lower() != DISK.lower()
        or region_name(disk.body.get("location", "")) != location
    ):
        raise errors.source_resource_not_found(str(managed["id"]))
    if disk.body.get("managedBy"):
        raise errors.disk_attached(disk.body["name"], str(disk.body["managedBy"]))
    props = disk.body.get("properties") or {}
    os_type = os_disk.get("osType") or props.get("osType")
    if not os_type:
        raise errors.required("storageProfile.osDisk.osType")
    return OsDiskPlan(
        os_type=enum_value(os_type, OS_TYPES, "storageProfile.osDisk.osType"),
        os_state="Specialized",
        generation=str(props.get("hyperVGeneration") or "V1"),
        size_gb=int(props.get("diskSizeGB") or 127),
        attach=disk,
    )


def check_os_profile(plan: OsDiskPlan, given: Any, vm_name: str) -> dict[str, Any] | None:
    """The osProfile to store (no password), or Azure's error for the source's OS state."""
    if plan.os_state == "Specialized":
        if given:
            raise errors.not_allowed("osProfile")
        return None
    if not isinstance(given, dict) or not given:
        raise errors.required("osProfile")
    if not given.get("adminUsername"):
        raise errors.required("osProfile.adminUsername")
    if plan.os_type == "Windows" and not given.get("adminPassword"):
        raise errors.required("osProfile.adminPassword")
    stored = {k: v for k, v in given.items() if k not in ("adminPassword", "customData")}
    stored.setdefault("computerName", vm_name[:15] if plan.os_type == "Windows" else vm_name)
    stored.setdefault("allowExtensionOperations", True)
    stored.setdefault("requireGuestProvisionSignal", True)
    if plan.os_type == "Windows":
        stored.setdefault(
            "windowsConfiguration", {"provisionVMAgent": True, "enableAutomaticUpdates": True}
        )
    stored.setdefault("secrets", [])
    return stored


def security_type(security: dict[str, Any]) -> str:
    value = security.get("securityType") or "Standard"
    return enum_value(value, SECURITY_TYPES, "securityProfile.securityType")


def check_size(
    world: World,
    subscription_id: str,
    location: str,
    size_name: str,
    plan: OsDiskPlan,
    security: str,
) -> quota.VmSizeInfo:
    """The VM size, able to boot the image's generation and the requested security type."""
    size = quota.vm_size(size_name)
    if size is None:
        quota.charge(world, subscription_id, location, size_name)  # raises InvalidParameter
        raise errors.invalid_value("hardwareProfile.vmSize")
    if plan.generation not in size.hyper_v_generations:
        raise errors.size_cannot_boot(size.name, plan.generation)
    image_security = plan.source.security_type if plan.source else None
    if image_security == "TrustedLaunch" and security != "TrustedLaunch":
        raise errors.image_needs_trusted_launch()
    if security == "TrustedLaunch":
        if plan.generation != "V2":
            source = plan.source.id if plan.source and plan.source.id else "the image"
            raise errors.trusted_launch_needs_gen2(source or "the image")
        if not size.trusted_launch:
            raise errors.size_no_trusted_launch(size.name)
    return size


def check_nics(world: World, location: str, profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The VM's network interfaces as stored (id, primary, deleteOption)."""
    given = profile.get("networkInterfaces") or []
    if not isinstance(given, list) or not all(isinstance(n, dict) for n in given):
        raise errors.invalid_value("networkProfile.networkInterfaces")
    out = []
    for i, ref in enumerate(given):
        nic_id = str(ref.get("id") or "")
        nic = network.get_nic(world, nic_id) if nic_id else None
        if nic is None or region_name(network.nic_location(nic)) != location:
            raise errors.nic_not_found(nic_id)
        props = ref.get("properties") or {}
        out.append(
            {
                "id": nic.id,
                "properties": {
                    "primary": bool(props.get("primary", i == 0)),
                    "deleteOption": enum_value(
                        props.get("deleteOption") or "Detach",
                        ("Delete", "Detach"),
                        "networkProfile.networkInterfaces.properties.deleteOption",
                    ),
                },
            }
        )
    return out
