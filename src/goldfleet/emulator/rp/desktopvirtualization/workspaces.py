"""Application groups (Desktop or RemoteApp, bound to one host pool, at most one Desktop group
per pool) and workspaces (which reference application groups; a group is in at most one
workspace, shown read-only as its ``workspaceArmPath``): create or replace, update, delete, read
and list. No HTTP here."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors, host_pools
from goldfleet.emulator.rp.desktopvirtualization.model import (
    APPLICATION_GROUP,
    APPLICATION_GROUP_TYPES,
    WORKSPACE,
    choice,
    optional_choice,
    properties_of,
    provider_id,
    require_location,
    stamp,
    tags_of,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

WORKSPACE_ACCESS = ("Enabled", "Disabled")


def _id(kind: str, subscription_id: str, group: str, name: str) -> str:
    collection = "applicationGroups" if kind == APPLICATION_GROUP else "workspaces"
    return f"{provider_id(subscription_id, group)}/{collection}/{name}"


def get(world: World, kind: str, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(_id(kind, subscription_id, group, name))
    if item is None:
        raise not_found(kind, name, group)
    return item


def in_group(world: World, kind: str, subscription_id: str, group: str) -> list[StoredResource]:
    rg = resources.get_group(world, subscription_id, group)
    return world.store.children(rg.id, kind)


def in_subscription(world: World, kind: str, subscription_id: str) -> list[StoredResource]:
    groups = world.store.children(f"/subscriptions/{subscription_id}", resources.RG_TYPE)
    return [r for g in groups for r in world.store.children(g.id, kind)]


def _text(value: Any, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise errors.invalid_value(field, value, ())
    return value


def _new(
    world: World, kind: str, sub: Subscription, group: str, name: str, location: str
) -> StoredResource:
    rg = resources.get_group(world, sub.subscription_id, group)
    return world.store.put(
        {
            "id": _id(kind, sub.subscription_id, rg.body["name"], name),
            "name": name,
            "type": kind,
            "location": location,
            "tags": {},
            "properties": {"objectId": world.new_uuid()},
        },
        {},
    )


# --- application groups --------------------------------------------------------------------------


def put_application_group(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], app_id: str
) -> tuple[StoredResource, bool]:
    """ApplicationGroups_CreateOrUpdate: the group and whether it was created."""
    resources.get_group(world, sub.subscription_id, group)
    location = resources.check_location(sub, require_location(body), APPLICATION_GROUP)
    requested = properties_of(body)
    for field in ("hostPoolArmPath", "applicationGroupType"):
        if requested.get(field) is None:
            raise errors.required(field)
    kind = choice(
        requested["applicationGroupType"], APPLICATION_GROUP_TYPES, "applicationGroupType"
    )
    pool = host_pools.pool_by_id(world, str(requested["hostPoolArmPath"]))
    if pool is None:
        raise errors.host_pool_missing(str(requested["hostPoolArmPath"]))
    existing = world.store.get(_id(APPLICATION_GROUP, sub.subscription_id, group, name))
    if existing is not None:
        current = existing.body["properties"]
        if current["hostPoolArmPath"].lower() != pool.id.lower():
            raise errors.cannot_change("hostPoolArmPath")
        if current["applicationGroupType"] != kind:
            raise errors.cannot_change("applicationGroupType")
    elif kind == "Desktop":
        for other in host_pools.application_groups_of(world, pool):
            if other.body["properties"]["applicationGroupType"] == "Desktop":
                raise errors.desktop_group_exists(pool.body["name"], other.body["name"])
    show = requested.get("showInFeed")
    if show is not None and not isinstance(show, bool):
        raise errors.invalid_value("showInFeed", show, ())
    description = _text(requested.get("description"), "description")
    friendly = _text(requested.get("friendlyName"), "friendlyName")
    item = existing or _new(world, APPLICATION_GROUP, sub, group, name, location)
    item.body["tags"] = tags_of(body)
    item.body["properties"] = {
        "objectId": item.body["properties"]["objectId"],
        "description": description,
        "friendlyName": friendly,
        "hostPoolArmPath": pool.id,
        "applicationGroupType": kind,
        "cloudPcResource": False,
        "showInFeed": show,
    }
    stamp(world, item.body, app_id)
    return item, existing is None


def patch_application_group(
    world: World, item: StoredResource, body: dict[str, Any], app_id: str
) -> StoredResource:
    """ApplicationGroups_Update: description, friendlyName, showInFeed, tags."""
    requested = properties_of(body)
    properties = item.body["properties"]
    for field in ("description", "friendlyName"):
        if field in requested:
            properties[field] = _text(requested[field], field)
    if "showInFeed" in requested:
        if requested["showInFeed"] is not None and not isinstance(requested["showInFeed"], bool):
            raise errors.invalid_value("showInFeed", requested["showInFeed"], ())
        properties["showInFeed"] = requested["showInFeed"]
    if "tags" in body:
        item.body["tags"] = tags_of(body)
    stamp(world, item.body, app_id)
    return item


def application_group_view(world: World, item: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    workspace = _workspace_of(world, item)
    properties = body["properties"]
    ordered = {
        k: properties[k] for k in ("objectId", "description", "friendlyName", "hostPoolArmPath")
    }
    ordered["workspaceArmPath"] = workspace.id if workspace else None
    ordered.update({k: v for k, v in properties.items() if k not in ordered})
    body["properties"] = ordered
    return body


def _workspace_of(world: World, group: StoredResource) -> StoredResource | None:
    subscription = group.id.split("/")[2]
    for workspace in in_subscription(world, WORKSPACE, subscription):
        refs = workspace.body["properties"].get("applicationGroupReferences") or []
        if any(str(r).lower() == group.id.lower() for r in refs):
            return workspace
    return None


def remove_group_references(world: World, group: StoredResource) -> None:
    """Deletion hook of application groups: workspaces stop referencing them."""
    subscription = group.id.split("/")[2]
    for workspace in in_subscription(world, WORKSPACE, subscription):
        refs = workspace.body["properties"].get("applicationGroupReferences") or []
        workspace.body["properties"]["applicationGroupReferences"] = [
            r for r in refs if str(r).lower() != group.id.lower()
        ]


def remove_groups_of_pool(world: World, pool: StoredResource) -> None:
    """Deletion hook of host pools: a force-deleted pool takes its application groups."""
    for group in host_pools.application_groups_of(world, pool):
        world.delete_resource(group.id)


# --- workspaces ----------------------------------------------------------------------------------


def put_workspace(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], app_id: str
) -> tuple[StoredResource, bool]:
    """Workspaces_CreateOrUpdate: the workspace and whether it was created."""
    resources.get_group(world, sub.subscription_id, group)
    location = resources.check_location(sub, require_location(body), WORKSPACE)
    requested = properties_of(body)
    existing = world.store.get(_id(WORKSPACE, sub.subscription_id, group, name))
    own_id = _id(WORKSPACE, sub.subscription_id, group, name)
    refs = _references(world, requested.get("applicationGroupReferences"), own_id)
    access = optional_choice(
        requested.get("publicNetworkAccess"), WORKSPACE_ACCESS, "publicNetworkAccess"
    )
    description = _text(requested.get("description"), "description")
    friendly = _text(requested.get("friendlyName"), "friendlyName")
    item = existing or _new(world, WORKSPACE, sub, group, name, location)
    item.body["tags"] = tags_of(body)
    item.body["properties"] = {
        "objectId": item.body["properties"]["objectId"],
        "description": description,
        "friendlyName": friendly,
        "applicationGroupReferences": refs,
        "cloudPcResource": False,
        "publicNetworkAccess": access or "Enabled",
    }
    stamp(world, item.body, app_id)
    return item, existing is None


def patch_workspace(
    world: World, item: StoredResource, body: dict[str, Any], app_id: str
) -> StoredResource:
    """Workspaces_Update: description, friendlyName, applicationGroupReferences,
    publicNetworkAccess, tags."""
    requested = properties_of(body)
    properties = item.body["properties"]
    if "applicationGroupReferences" in requested:
        properties["applicationGroupReferences"] = _references(
            world, requested["applicationGroupReferences"], item.id
        )
    for field in ("description", "friendlyName"):
        if field in requested:
            properties[field] = _text(requested[field], field)
    if requested.get("publicNetworkAccess") is not None:
        properties["publicNetworkAccess"] = choice(
            requested["publicNetworkAccess"], WORKSPACE_ACCESS, "publicNetworkAccess"
        )
    if "tags" in body:
        item.body["tags"] = tags_of(body)
    stamp(world, item.body, app_id)
    return item


def _references(world: World, value: Any, workspace_id: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.invalid_value("applicationGroupReferences", value, ())
    out: list[str] = []
    for ref in value:
        group = world.store.get(str(ref))
        if group is None or str(group.body["type"]).lower() != APPLICATION_GROUP.lower():
            raise errors.application_group_missing(str(ref))
        other = _workspace_of(world, group)
        if other is not None and other.id.lower() != workspace_id.lower():
            raise errors.application_group_in_other_workspace(
                group.body["name"], other.body["name"]
            )
        if group.id not in out:
            out.append(group.id)
    return out
