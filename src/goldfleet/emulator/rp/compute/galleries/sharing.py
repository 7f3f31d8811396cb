"""Direct sharing of a gallery with subscriptions and tenants, and what consumers see.

The owner: a gallery created with ``sharingProfile.permissions: Groups`` is shared by POST
``/share`` with ``Add``/``Remove`` of ``Subscriptions`` and ``AADTenants`` groups (at most 30
subscriptions and 5 tenants) or ``Reset`` (back to Private); ``EnableCommunity`` belongs to
community.py. Changes take effect when the operation completes.

A consumer reads ``/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/
sharedGalleries...`` from a subscription the gallery is shared with, directly or through the
subscription's tenant. A gallery is visible in its own region and in every region where one of
its versions is replicated; a version is visible where its replication completed.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors, operations, settings
from goldfleet.emulator.rp.compute.galleries import community
from goldfleet.emulator.rp.compute.galleries.consumer import (
    image_properties,
    not_found,
    version_properties,
    visible_at,
)
from goldfleet.emulator.rp.compute.galleries.gallery_backend import get_gallery
from goldfleet.emulator.rp.compute.naming import GALLERY, enum_value, region_name
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import Subscription, World

SHARE_SECONDS = 10.0
SHARE_EVENT = "compute.share"
OPERATION_TYPES = ("Add", "Remove", "Reset", "EnableCommunity")
GROUP_TYPES = ("Subscriptions", "AADTenants")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def begin_share(
    world: World,
    subscription_id: str,
    group: str,
    name: str,
    update: dict[str, Any],
    caller: Caller,
) -> tuple[Operation, dict[str, Any]]:
    """GallerySharingProfile_Update: validate now, apply when the operation completes."""
    gallery = get_gallery(world, subscription_id, group, name)
    kind = enum_value(update.get("operationType"), OPERATION_TYPES, "sharingUpdate.operationType")
    groups = _groups(update.get("groups"))
    profile = gallery.body["properties"].get("sharingProfile") or {}
    permissions = profile.get("permissions", "Private")
    if kind == "EnableCommunity":
        community.check_can_enable(gallery)
    elif kind in ("Add", "Remove") and permissions != "Groups":
        raise errors.sharing_needs_groups(name)
    if kind in ("Add", "Remove"):
        if not groups:
            raise errors.required("sharingUpdate.groups")
        _merged(world, profile.get("groups") or [], kind, groups)  # limits, checked now
    echo: dict[str, Any] = {"operationType": kind}
    if groups:
        echo["groups"] = groups
    op = operations.begin(
        world, gallery, caller.tenant_id, caller.object_id, gallery.body["location"]
    )
    gallery.meta["pendingOps"].remove(op.id)  # finished by its own event, not by the gallery's
    world.scheduler.at(
        world.now() + SHARE_SECONDS,
        SHARE_EVENT,
        {"id": gallery.id, "op": op.id, "update": echo},
    )
    return op, echo


def _groups(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(g, dict) for g in value):
        raise errors.invalid_parameter(
            "The value of parameter sharingUpdate.groups is invalid.", "sharingUpdate.groups"
        )
    out = []
    for group in value:
        kind = enum_value(group.get("type"), GROUP_TYPES, "sharingUpdate.groups.type")
        ids = group.get("ids") or []
        if not isinstance(ids, list) or not all(isinstance(i, str) and _GUID.match(i) for i in ids):
            raise errors.invalid_parameter(
                f"The ids of sharing group '{kind}' must be subscription or tenant ids (GUIDs).",
                "sharingUpdate.groups.ids",
            )
        out.append({"type": kind, "ids": [i.lower() for i in ids]})
    return out


def _merged(
    world: World, current: list[dict[str, Any]], kind: str, change: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The groups after an Add or Remove, within the documented limits."""
    result: dict[str, list[str]] = {t: [] for t in GROUP_TYPES}
    for group in current:
        result.setdefault(group["type"], []).extend(group.get("ids") or [])
    for group in change:
        ids = result[group["type"]]
        for gid in group["ids"]:
            if kind == "Add" and gid not in ids:
                ids.append(gid)
            elif kind == "Remove" and gid in ids:
                ids.remove(gid)
    for gtype, what, limit_name in (
        ("Subscriptions", "subscriptions", "sharedSubscriptions"),
        ("AADTenants", "tenants", "sharedTenants"),
    ):
        allowed = settings.limit(world, limit_name)
        if len(result[gtype]) > allowed:
            raise errors.sharing_limit(what, allowed, len(result[gtype]))
    return [{"type": t, "ids": ids} for t, ids in result.items() if ids]


def finish_share(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: the sharing update takes effect and its operation completes."""
    gallery = world.store.get(args["id"])
    if gallery is None:
        world.operations.finish(args["op"], world.now(), error=dict(operations.PREEMPTED))
        return
    update = args["update"]
    props = gallery.body["properties"]
    profile = props.setdefault("sharingProfile", {"permissions": "Private"})
    error: dict[str, Any] | None = None
    try:
        if update["operationType"] == "Reset":
            community.disable(profile)
            props["sharingProfile"] = {"permissions": "Private"}
            props.pop("sharingStatus", None)
        elif update["operationType"] == "EnableCommunity":
            community.enable(world, gallery)
        else:
            groups = _merged(
                world,
                profile.get("groups") or [],
                update["operationType"],
                update.get("groups", []),
            )
            profile["groups"] = groups
            _set_status(gallery)
    except ArmError as exc:  # a concurrent update took the gallery over a limit
        error = {"code": exc.code, "message": exc.message}
    world.operations.finish(
        args["op"],
        world.now(),
        error=error,
        result_status=200 if error is None else 400,
        result_body=update,
    )


def _set_status(gallery: StoredResource) -> None:
    gallery.body["properties"]["sharingStatus"] = {
        "aggregatedState": "Succeeded",
        "summary": [{"region": gallery.body["location"], "state": "Succeeded", "details": ""}],
    }


# --- the consumer's view ---------------------------------------------------------------------


def _shared_with(gallery: StoredResource, sub: Subscription, to: str | None) -> bool:
    profile = gallery.body.get("properties", {}).get("sharingProfile") or {}
    if profile.get("permissions") != "Groups":
        return False
    ids = {g["type"]: {i.lower() for i in g.get("ids") or []} for g in profile.get("groups") or []}
    by_sub = sub.subscription_id.lower() in ids.get("Subscriptions", set())
    by_tenant = sub.tenant_id.lower() in ids.get("AADTenants", set())
    if to == "tenant":
        return by_tenant
    if to == "subscription":
        return by_sub
    return by_sub or by_tenant


def shared_galleries(
    world: World, sub: Subscription, location: str, shared_to: str | None
) -> list[StoredResource]:
    """SharedGalleries_List: shared with the subscription, or with its tenant (sharedTo=tenant)."""
    to = "tenant" if (shared_to or "").lower() == "tenant" else "subscription"
    location = region_name(location)
    return [
        g
        for g in world.store
        if str(g.body.get("type", "")).lower() == GALLERY.lower()
        and _shared_with(g, sub, to)
        and visible_at(world, g, location)
    ]


def unique_name(gallery: StoredResource) -> str:
    return str(gallery.body["properties"]["identifier"]["uniqueName"])


def shared_gallery(world: World, sub: Subscription, location: str, name: str) -> StoredResource:
    location = region_name(location)
    for gallery in world.store:
        if str(gallery.body.get("type", "")).lower() != GALLERY.lower():
            continue
        identifier = gallery.body.get("properties", {}).get("identifier") or {}
        if str(identifier.get("uniqueName", "")).lower() != name.lower():
            continue
        if _shared_with(gallery, sub, None) and visible_at(world, gallery, location):
            return gallery
    raise not_found(f"locations/{location}/sharedGalleries/{name}")


def shared_image(
    world: World, sub: Subscription, location: str, name: str, image: str
) -> tuple[StoredResource, StoredResource]:
    gallery = shared_gallery(world, sub, location, name)
    found = world.store.get(f"{gallery.id}/images/{image}")
    if found is None:
        raise not_found(f"locations/{location}/sharedGalleries/{name}/images/{image}")
    return gallery, found


def shared_gallery_view(gallery: StoredResource, location: str) -> dict[str, Any]:
    return {
        "name": gallery.body["name"],
        "location": region_name(location),
        "identifier": {"uniqueId": f"/SharedGalleries/{unique_name(gallery)}"},
        "properties": {"artifactTags": {}},
    }


def shared_image_view(
    gallery: StoredResource, definition: StoredResource, location: str
) -> dict[str, Any]:
    return {
        "name": definition.body["name"],
        "location": region_name(location),
        "identifier": {
            "uniqueId": f"/SharedGalleries/{unique_name(gallery)}/Images/{definition.body['name']}"
        },
        "properties": image_properties(definition),
    }


def shared_version_view(
    world: World,
    gallery: StoredResource,
    definition: StoredResource,
    version: StoredResource,
    location: str,
) -> dict[str, Any]:
    return {
        "name": version.body["name"],
        "location": region_name(location),
        "identifier": {
            "uniqueId": f"/SharedGalleries/{unique_name(gallery)}/Images/"
            f"{definition.body['name']}/Versions/{version.body['name']}"
        },
        "properties": version_properties(world, version, location),
    }


def register_events(world: World) -> None:
    world.scheduler.register(SHARE_EVENT, finish_share)
