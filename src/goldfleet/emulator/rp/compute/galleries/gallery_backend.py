"""Rules and state of galleries: create, update, delete and read, with Azure's name rules,
uniqueness within a subscription, sharing permissions, managed identity and the documented
limit of galleries per subscription per region. No HTTP here.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import ArmError, not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.entra.directory import ServicePrincipal
from goldfleet.emulator.rp.compute import errors, operations, settings
from goldfleet.emulator.rp.compute.naming import (
    GALLERY,
    IDENTITY,
    IMAGE,
    SHARING_PERMISSIONS,
    check_gallery_name,
    enum_value,
    gallery_id,
    object_at,
    region_name,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

CREATE_SECONDS = 5.0
UPDATE_SECONDS = 3.0
DELETE_SECONDS = 5.0
_IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned")


def require_location(body: dict[str, Any]) -> str:
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    return region_name(location)


def get_gallery(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(gallery_id(subscription_id, group, name))
    if item is None:
        raise not_found(GALLERY, name, group)
    return item


def galleries_in(world: World, scope_ids: list[str]) -> list[StoredResource]:
    return [g for scope in scope_ids for g in world.store.children(scope, GALLERY)]


def subscription_galleries(world: World, subscription_id: str) -> list[StoredResource]:
    groups = world.store.children(f"/subscriptions/{subscription_id}", resources.RG_TYPE)
    return galleries_in(world, [g.id for g in groups])


def put_gallery(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], caller: Caller
) -> tuple[StoredResource, Operation, bool]:
    """Galleries_CreateOrUpdate: the gallery, its operation, and whether it was created."""
    rg = resources.get_group(world, sub.subscription_id, group)
    check_gallery_name(name)
    location = require_location(body)
    existing = world.store.get(gallery_id(sub.subscription_id, group, name))
    if existing is not None:
        if existing.body["location"] != location:
            raise errors.exists_in_other_location(
                name, existing.body["location"], rg.body["name"], location
            )
        _apply(world, sub, existing, body, caller, replace=True)
        return existing, _start(world, existing, caller, "Updating", UPDATE_SECONDS), False
    for other in subscription_galleries(world, sub.subscription_id):
        if other.body["name"].lower() == name.lower():
            raise errors.gallery_name_not_unique(name, sub.subscription_id)
    location = resources.check_location(sub, location, GALLERY)
    _check_gallery_limit(world, sub, location)
    item = world.store.put(
        {
            "id": gallery_id(sub.subscription_id, rg.body["name"], name),
            "name": name,
            "type": GALLERY,
            "location": location,
            "tags": {},
            "properties": {
                "identifier": {"uniqueName": f"{sub.subscription_id}-{name.upper()}"},
                "provisioningState": "Creating",
            },
        },
        {},
    )
    _apply(world, sub, item, body, caller, replace=True)
    return item, _start(world, item, caller, "Creating", CREATE_SECONDS), True


def patch_gallery(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], caller: Caller
) -> tuple[StoredResource, Operation]:
    """Galleries_Update: merge the given fields."""
    item = get_gallery(world, sub.subscription_id, group, name)
    _apply(world, sub, item, body, caller, replace=False)
    return item, _start(world, item, caller, "Updating", UPDATE_SECONDS)


def delete_gallery(
    world: World, subscription_id: str, group: str, name: str, caller: Caller
) -> Operation | None:
    """Galleries_Delete: refused while definitions remain; None when there is no such gallery."""
    resources.get_group(world, subscription_id, group)
    item = world.store.get(gallery_id(subscription_id, group, name))
    if item is None:
        return None
    if world.store.children(item.id, IMAGE):
        raise errors.nested_resources_exist()
    operations.preempt_pending(world, item)
    item.body["properties"]["provisioningState"] = "Deleting"
    operations.next_generation(item)
    op = operations.begin(world, item, caller.tenant_id, caller.object_id, item.body["location"])
    operations.schedule_settle(world, item, DELETE_SECONDS, "delete")
    return op


def _start(
    world: World, item: StoredResource, caller: Caller, state: str, seconds: float
) -> Operation:
    item.body["properties"]["provisioningState"] = state
    operations.next_generation(item)
    op = operations.begin(world, item, caller.tenant_id, caller.object_id, item.body["location"])
    operations.schedule_settle(world, item, seconds, "provision")
    return op


def _check_gallery_limit(world: World, sub: Subscription, location: str) -> None:
    allowed = settings.limit(world, "galleriesPerSubscriptionPerRegion")
    count = sum(
        1
        for g in subscription_galleries(world, sub.subscription_id)
        if region_name(g.body.get("location", "")) == location
    )
    if count >= allowed:
        raise errors.limit_reached("galleries", allowed, sub.subscription_id, location)


def _apply(
    world: World,
    sub: Subscription,
    item: StoredResource,
    body: dict[str, Any],
    caller: Caller,
    *,
    replace: bool,
) -> None:
    """Validate first, then write: a refused request changes nothing."""
    props = object_at(body, "properties", "gallery.properties")
    current = item.body["properties"]
    sharing = _sharing_profile(item, props, replace)
    soft_delete = object_at(props, "softDeletePolicy", "gallery.properties.softDeletePolicy")
    identity = _identity(world, sub, item, body, replace) if "identity" in body or replace else None
    if replace or "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    if replace or "description" in props:
        if props.get("description") is not None:
            current["description"] = str(props["description"])
        else:
            current.pop("description", None)
    if sharing is not None:
        current["sharingProfile"] = sharing
    elif replace:
        current.pop("sharingProfile", None)
    if soft_delete:
        current["softDeletePolicy"] = soft_delete
    elif replace:
        current.pop("softDeletePolicy", None)
    if identity is not None:
        if identity:
            item.body["identity"] = identity
        else:
            item.body.pop("identity", None)
    operations.stamp_system_data(world, item.body, caller)


def _sharing_profile(
    item: StoredResource, props: dict[str, Any], replace: bool
) -> dict[str, Any] | None:
    given = props.get("sharingProfile")
    current = item.body["properties"].get("sharingProfile") or {}
    if given is None:  # not given, even in a PUT: the sharing stays as it is
        return current or None
    if not isinstance(given, dict):
        raise errors.invalid_parameter(
            "The value of parameter gallery.properties.sharingProfile is invalid.",
            "gallery.properties.sharingProfile",
        )
    permissions = enum_value(
        given.get("permissions", "Private"),
        SHARING_PERMISSIONS,
        "gallery.properties.sharingProfile.permissions",
    )
    shared = any(g.get("ids") for g in current.get("groups", [])) or bool(
        (current.get("communityGalleryInfo") or {}).get("communityGalleryEnabled")
    )
    if permissions != current.get("permissions", "Private") and shared:
        raise errors.permissions_change_while_shared(item.body["name"])
    profile: dict[str, Any] = {"permissions": permissions}
    if current.get("groups"):
        profile["groups"] = current["groups"]
    if permissions == "Community":
        from goldfleet.emulator.rp.compute.galleries.community import community_info

        profile["communityGalleryInfo"] = community_info(given, current)
    return profile


def _identity(
    world: World, sub: Subscription, item: StoredResource, body: dict[str, Any], replace: bool
) -> dict[str, Any] | None:
    """The gallery's managed identity; a system-assigned one gets a service principal."""
    given = body.get("identity")
    current = item.body.get("identity") or {}
    if given is None:
        if replace and current.get("principalId"):
            world.directory.remove_service_principal(current["principalId"])
        return {} if replace else None
    if not isinstance(given, dict):
        raise errors.invalid_parameter("The value of parameter identity is invalid.", "identity")
    kind = enum_value(given.get("type", "None"), _IDENTITY_TYPES, "identity.type")
    out: dict[str, Any] = {"type": kind}
    if "SystemAssigned" in kind:
        principal = current.get("principalId")
        if not principal:
            principal = world.new_uuid()
            world.directory.add_service_principal(
                ServicePrincipal(
                    object_id=principal,
                    app_id=world.new_uuid(),
                    tenant_id=sub.tenant_id,
                    display_name=item.body["name"],
                    kind="ManagedIdentity",
                    resource_id=item.id,
                )
            )
        out.update(principalId=principal, tenantId=sub.tenant_id)
    elif current.get("principalId"):
        world.directory.remove_service_principal(current["principalId"])
    if "UserAssigned" in kind:
        assigned = given.get("userAssignedIdentities") or {}
        out["userAssignedIdentities"] = {}
        for identity_id in assigned:
            found = world.store.get(identity_id)
            if found is None or str(found.body.get("type", "")).lower() != IDENTITY.lower():
                raise ArmError(
                    400,
                    "FailedIdentityOperation",
                    f"Identity operation for resource '{item.id}' failed: the user assigned "
                    f"identity '{identity_id}' was not found.",
                )
            out["userAssignedIdentities"][found.id] = {
                "principalId": found.body["properties"]["principalId"],
                "clientId": found.body["properties"]["clientId"],
            }
    return out if kind != "None" else {}


def remove_identity(world: World, gallery: StoredResource) -> None:
    """Deletion hook: a gallery's system-assigned identity goes with it."""
    principal = (gallery.body.get("identity") or {}).get("principalId")
    if principal:
        world.directory.remove_service_principal(principal)
