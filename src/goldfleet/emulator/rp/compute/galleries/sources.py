"""Where an image version comes from, checked the way Compute checks it.

One and only one kind of source: a managed image, a virtual machine, another gallery image
version (possibly in another subscription or tenant), a community gallery image, or per-disk
snapshots and managed disks. The source must exist in the resource store, sit in the version's
region (a gallery image version must be replicated there), and may need linked authorization
when it lives in another subscription. What it tells us (OS type and state, Hyper-V generation,
disk sizes) is read from the stored resource's ARM properties - a managed image's
``storageProfile.osDisk.osState``, a snapshot's ``hyperVGeneration`` and so on - so resources
seeded by a scenario's ``resources:`` section work as sources. No HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from goldfleet.emulator.arm.ids import parent_and_type, scope_of
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors
from goldfleet.emulator.rp.compute.galleries import replication
from goldfleet.emulator.rp.compute.naming import (
    DISK,
    HOST_CACHING,
    MANAGED_IMAGE,
    SNAPSHOT,
    VERSION,
    VIRTUAL_MACHINE,
    enum_value,
    object_at,
    region_name,
)
from goldfleet.emulator.world import World

LinkedCheck = Callable[[str, str], None]  # (resource id, action) -> None or ArmError
READ_ACTIONS = {
    MANAGED_IMAGE.lower(): "Microsoft.Compute/images/read",
    VIRTUAL_MACHINE.lower(): "Microsoft.Compute/virtualMachines/read",
    VERSION.lower(): "Microsoft.Compute/galleries/images/versions/read",
    SNAPSHOT.lower(): "Microsoft.Compute/snapshots/read",
    DISK.lower(): "Microsoft.Compute/disks/read",
}
PATH = "properties.storageProfile"


@dataclass
class DiskImage:
    size_gb: int
    host_caching: str
    lun: int | None = None  # None for the OS disk
    source_id: str | None = None  # per-disk sources only

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.source_id:
            out["source"] = {"id": self.source_id}
        if self.lun is not None:
            out["lun"] = self.lun
        out.update(sizeInGB=self.size_gb, hostCaching=self.host_caching)
        return out


@dataclass
class Source:
    """A checked source: its id, what it says about the OS, and its disks."""

    kind: str  # image | vm | version | community | disks
    id: str
    key: dict[str, str]  # how the request named it, echoed in storageProfile.source
    os_type: str | None
    os_state: str | None  # None when the source cannot tell (snapshots, disks)
    hyper_v_generation: str | None
    os_disk: DiskImage
    data_disks: list[DiskImage] = field(default_factory=list)
    # Standard | TrustedLaunch | ConfidentialVM for sources with a VM's security state (VMs,
    # disks, snapshots); None for those without one (managed images) or that carry their
    # definition's (gallery versions, community images)
    security_type: str | None = None

    @property
    def size_gb(self) -> int:
        return self.os_disk.size_gb + sum(d.size_gb for d in self.data_disks)

    def storage_profile(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.key:
            out["source"] = dict(self.key)
        out["osDiskImage"] = self.os_disk.body()
        if self.data_disks:
            out["dataDiskImages"] = [d.body() for d in self.data_disks]
        return out


def resolve(
    world: World,
    profile: dict[str, Any],
    location: str,
    own_subscription: str,
    linked: LinkedCheck,
) -> Source:
    """The source described by ``storageProfile``, or the error Compute answers."""
    top = object_at(profile, "source", f"{PATH}.source")
    os_disk = object_at(profile, "osDiskImage", f"{PATH}.osDiskImage")
    data = profile.get("dataDiskImages") or []
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise errors.invalid_parameter(
            f"The value of parameter {PATH}.dataDiskImages is invalid.", f"{PATH}.dataDiskImages"
        )
    disk_sources = [object_at(d, "source", f"{PATH}.dataDiskImages.source") for d in data]
    os_source = object_at(os_disk, "source", f"{PATH}.osDiskImage.source")
    if any(s.get("uri") for s in (os_source, *disk_sources)):
        raise errors.feature_not_implemented("VHD (blob) sources for gallery image versions")
    keys = [k for k in ("id", "virtualMachineId", "communityGalleryImageId") if top.get(k)]
    has_disks = bool(os_source.get("id")) or any(s.get("id") for s in disk_sources)
    if not ((len(keys) == 1 and not has_disks) or (not keys and has_disks)):
        raise errors.source_choice()
    if not keys:
        return _from_disks(world, os_disk, data, location, own_subscription, linked)
    key = keys[0]
    value = str(top[key])
    if key == "communityGalleryImageId":
        from goldfleet.emulator.rp.compute.galleries import community

        return community.resolve_source(world, value, location, _caching(os_disk, "ReadOnly"))
    rtype = _checked_type(value, f"{PATH}.source.{key}")
    if key == "virtualMachineId" and rtype != VIRTUAL_MACHINE.lower():
        raise errors.not_an_image_source(value)
    if rtype not in (MANAGED_IMAGE.lower(), VIRTUAL_MACHINE.lower(), VERSION.lower()):
        raise errors.not_an_image_source(value)
    _authorize(value, rtype, own_subscription, linked)
    item = world.store.get(value)
    if item is None:
        raise errors.source_not_found(value)
    if rtype == VERSION.lower():
        return _from_version(world, item, value, location, os_disk)
    if region_name(item.body.get("location", "")) != location:
        raise errors.source_not_found(value)
    if rtype == MANAGED_IMAGE.lower():
        return _from_managed_image(item, {key: value}, os_disk)
    return _from_virtual_machine(world, item, {key: value}, os_disk)


def _checked_type(value: str, path: str) -> str:
    if not value.lower().startswith("/subscriptions/") or len(value.split("/")) < 9:
        raise errors.invalid_resource_id(value, path)
    return parent_and_type(value)[1].lower()


def _authorize(source_id: str, rtype: str, own_subscription: str, linked: LinkedCheck) -> None:
    sub = scope_of(source_id).subscription_id or ""
    if sub.lower() != own_subscription.lower():
        linked(source_id, READ_ACTIONS[rtype])


def _caching(disk: dict[str, Any], default: str) -> str:
    value = disk.get("hostCaching") or default
    return enum_value(value, HOST_CACHING, f"{PATH}.osDiskImage.hostCaching")


def _size(disk: dict[str, Any], os_type: str | None) -> int:
    size = disk.get("diskSizeGB")
    if isinstance(size, int) and size > 0:
        return size
    return 30 if os_type == "Linux" else 127


def _from_managed_image(
    item: StoredResource, key: dict[str, str], os_disk: dict[str, Any]
) -> Source:
    props = item.body.get("properties") or {}
    storage = props.get("storageProfile") or {}
    osd = storage.get("osDisk") or {}
    os_type = osd.get("osType")
    return Source(
        kind="image",
        id=item.id,
        key=key,
        os_type=os_type,
        os_state=osd.get("osState") or "Generalized",
        hyper_v_generation=props.get("hyperVGeneration") or "V1",
        os_disk=DiskImage(_size(osd, os_type), _caching(os_disk, osd.get("caching", "ReadOnly"))),
        data_disks=[
            DiskImage(_size(d, None), d.get("caching") or "None", lun=int(d.get("lun", i)))
            for i, d in enumerate(storage.get("dataDisks") or [])
        ],
    )


def _from_virtual_machine(
    world: World, item: StoredResource, key: dict[str, str], os_disk: dict[str, Any]
) -> Source:
    props = item.body.get("properties") or {}
    storage = props.get("storageProfile") or {}
    osd = storage.get("osDisk") or {}
    managed = world.store.get(str((osd.get("managedDisk") or {}).get("id") or "")) or None
    disk_props = (managed.body.get("properties") or {}) if managed else {}
    statuses = (props.get("instanceView") or {}).get("statuses") or []
    generalized = bool(item.meta.get("generalized")) or any(
        str(s.get("code", "")).lower() == "osstate/generalized" for s in statuses
    )
    generation = disk_props.get("hyperVGeneration")
    if not generation:
        security = str((props.get("securityProfile") or {}).get("securityType", ""))
        generation = "V2" if security in ("TrustedLaunch", "ConfidentialVM") else "V1"
    os_type = osd.get("osType") or disk_props.get("osType")
    size_source = osd if osd.get("diskSizeGB") else disk_props
    return Source(
        security_type=str((props.get("securityProfile") or {}).get("securityType") or "Standard"),
        kind="vm",
        id=item.id,
        key=key,
        os_type=os_type,
        os_state="Generalized" if generalized else "Specialized",
        hyper_v_generation=generation,
        os_disk=DiskImage(
            _size(size_source, os_type), _caching(os_disk, osd.get("caching") or "ReadOnly")
        ),
        data_disks=[
            DiskImage(_size(d, None), d.get("caching") or "None", lun=int(d.get("lun", i)))
            for i, d in enumerate(storage.get("dataDisks") or [])
        ],
    )


def _from_version(
    world: World, item: StoredResource, value: str, location: str, os_disk: dict[str, Any]
) -> Source:
    if item.meta.get("softDeleted") or replication.region_state(world, item, location) != (
        "Completed"
    ):
        raise errors.source_not_found(value)
    definition = world.store.get(item.id.rsplit("/versions/", 1)[0])
    dprops = (definition.body.get("properties") or {}) if definition else {}
    storage = (item.body.get("properties") or {}).get("storageProfile") or {}
    osd = storage.get("osDiskImage") or {}
    return Source(
        kind="version",
        id=item.id,
        key={"id": value},
        os_type=dprops.get("osType"),
        os_state=dprops.get("osState"),
        hyper_v_generation=dprops.get("hyperVGeneration") or "V1",
        os_disk=DiskImage(
            int(osd.get("sizeInGB") or 30), _caching(os_disk, osd.get("hostCaching", "ReadOnly"))
        ),
        data_disks=[
            DiskImage(int(d.get("sizeInGB") or 0), d.get("hostCaching") or "None", lun=d["lun"])
            for d in storage.get("dataDiskImages") or []
        ],
    )


def _from_disks(
    world: World,
    os_disk: dict[str, Any],
    data: list[dict[str, Any]],
    location: str,
    own_subscription: str,
    linked: LinkedCheck,
) -> Source:
    luns = [d.get("lun") for d in data]
    if any(not isinstance(lun, int) for lun in luns):
        raise errors.required(f"{PATH}.dataDiskImages.lun")
    if len(set(luns)) != len(luns):
        raise errors.duplicate_luns()
    ids = [str((d.get("source") or {}).get("id") or "") for d in (os_disk, *data)]
    present = [i.lower() for i in ids if i]
    if len(set(present)) != len(present):
        raise errors.duplicate_disk_sources()
    found = [_disk(world, i, location, own_subscription, linked) if i else None for i in ids]
    os_item, data_items = found[0], found[1:]
    if os_item is None:
        raise errors.source_choice()
    os_props = os_item.body.get("properties") or {}
    os_type = os_props.get("osType")
    return Source(
        security_type=str(
            (os_props.get("securityProfile") or {}).get("securityType") or "Standard"
        ),
        kind="disks",
        id=os_item.id,
        key={},
        os_type=os_type,
        os_state=None,
        hyper_v_generation=os_props.get("hyperVGeneration"),
        os_disk=DiskImage(
            _size(os_props, os_type), _caching(os_disk, "ReadOnly"), source_id=ids[0]
        ),
        data_disks=[
            DiskImage(
                _size((it.body.get("properties") or {}) if it else {}, None),
                enum_value(d.get("hostCaching") or "None", HOST_CACHING, f"{PATH}.hostCaching"),
                lun=int(d["lun"]),
                source_id=ids[n + 1] or None,
            )
            for n, (d, it) in enumerate(zip(data, data_items, strict=True))
        ],
    )


def _disk(
    world: World, value: str, location: str, own_subscription: str, linked: LinkedCheck
) -> StoredResource:
    rtype = _checked_type(value, f"{PATH}.osDiskImage.source.id")
    if rtype not in (SNAPSHOT.lower(), DISK.lower()):
        raise errors.not_a_disk_source(value)
    _authorize(value, rtype, own_subscription, linked)
    item = world.store.get(value)
    if item is None or region_name(item.body.get("location", "")) != location:
        raise errors.disk_source_not_found(value)
    return item
