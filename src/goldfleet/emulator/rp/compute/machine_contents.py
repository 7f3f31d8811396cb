"""Which guest contents a machine resource carries, and copying them from a source.

A virtual machine's contents are those of its OS disk; every other source (disk, snapshot,
managed image, gallery image version) is keyed by its own id. A source that has no recorded
contents (a resource seeded raw by a scenario's ``resources:``) gives a fresh installation that
remembers where it came from (``base_image``). Deleting a disk, snapshot, image or version drops
its record.
"""

from __future__ import annotations

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import (
    GuestContents,
    contents_of,
    drop_contents,
    put_contents,
)
from goldfleet.emulator.rp.compute.naming import (
    DISK,
    MANAGED_IMAGE,
    SNAPSHOT,
    VERSION,
    VIRTUAL_MACHINE,
)
from goldfleet.emulator.world import World


def contents_key(world: World, resource_id: str) -> str:
    """The id whose record holds ``resource_id``'s contents (a VM's OS disk for a VM)."""
    item = world.store.get(resource_id)
    if item is not None and str(item.body.get("type", "")).lower() == VIRTUAL_MACHINE.lower():
        os_disk = (item.body.get("properties") or {}).get("storageProfile", {}).get("osDisk", {})
        disk_id = (os_disk.get("managedDisk") or {}).get("id")
        if disk_id:
            return str(disk_id)
    return resource_id


def contents_for(world: World, resource_id: str) -> GuestContents | None:
    """The contents of a disk, snapshot, image, version or VM (its OS disk), if recorded."""
    return contents_of(world, contents_key(world, resource_id))


def copy_from(
    world: World, source_id: str | None, target_id: str, fallback: GuestContents | None = None
) -> GuestContents:
    """Give ``target_id`` a copy of the source's contents, or of ``fallback``, or a fresh
    installation based on the source; returns what was stored."""
    found = contents_for(world, source_id) if source_id else None
    contents = found or (fallback.copy() if fallback else GuestContents(base_image=source_id or ""))
    put_contents(world, target_id, contents)
    return contents


def _drop(world: World, item: StoredResource) -> None:
    drop_contents(world, item.id)


def install(world: World) -> None:
    for rtype in (DISK, SNAPSHOT, MANAGED_IMAGE, VERSION):
        world.on_delete(rtype, _drop)
