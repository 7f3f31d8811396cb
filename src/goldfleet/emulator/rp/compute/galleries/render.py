"""What a gallery resource looks like in an answer: the stored body, with the parts that only
some requests see (``$expand=SharingProfile/Groups`` and ``$select=Permissions`` for a gallery's
groups, ``$expand=ReplicationStatus`` for a version's replication) added or left out."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.galleries import replication
from goldfleet.emulator.rp.compute.naming import GALLERY, VERSION
from goldfleet.emulator.world import World


def gallery_view(item: StoredResource, *, with_groups: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    profile = body.get("properties", {}).get("sharingProfile")
    if isinstance(profile, dict) and not with_groups:
        profile.pop("groups", None)
    return body


def version_view(
    world: World, item: StoredResource, *, with_replication: bool = False
) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    properties = body.setdefault("properties", {})
    if with_replication:
        properties["replicationStatus"] = replication.replication_status(world, item)
    return body


def resource_view(world: World, item: StoredResource) -> dict[str, Any]:
    """The plain GET view of any gallery resource (what a finished operation returns)."""
    rtype = str(item.body.get("type", "")).lower()
    if rtype == GALLERY.lower():
        return gallery_view(item)
    if rtype == VERSION.lower():
        return version_view(world, item)
    return copy.deepcopy(item.body)
