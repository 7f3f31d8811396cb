"""Rules of Microsoft.Resources: resource groups (with deletion as a timed operation that takes
their contents with them) and provider registration."""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.errors import ArmError, resource_group_not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.resources.catalog import REGIONS, REGIONS_BY_NAME, normalise_location
from goldfleet.emulator.world import Subscription, World

RG_TYPE = "Microsoft.Resources/resourceGroups"
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$", re.UNICODE)
DELETE_BASE_SECONDS = 8.0
DELETE_PER_RESOURCE_SECONDS = 1.5


def rg_id(subscription_id: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{name}"


def get_group(world: World, subscription_id: str, name: str) -> StoredResource:
    item = world.store.get(rg_id(subscription_id, name))
    if item is None:
        raise resource_group_not_found(name)
    return item


def available_locations(sub: Subscription) -> list[str]:
    return sub.regions or [r.name for r in REGIONS]


def check_location(sub: Subscription, location: str, resource_type: str = RG_TYPE) -> str:
    name = normalise_location(location)
    allowed = available_locations(sub)
    if name not in REGIONS_BY_NAME or name not in allowed:
        listing = ",".join(allowed)
        if resource_type == RG_TYPE:
            raise ArmError(
                400,
                "LocationNotAvailableForResourceGroup",
                f"The provided location '{location}' is not available for resource group. "
                f"List of available regions is '{listing}'.",
            )
        raise ArmError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{location}' is not available for resource type "
            f"'{resource_type}'. List of available regions for the resource type is '{listing}'.",
        )
    return name


def put_group(
    world: World, sub: Subscription, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """ResourceGroups_CreateOrUpdate: returns the group and whether it was created."""
    if not _RG_NAME.match(name) or name.endswith("."):
        raise ArmError(
            400,
            "InvalidResourceGroupName",
            f"Resource group name '{name}' is invalid. It can contain up to 90 characters: "
            "letters, digits, underscores, parentheses, hyphens and periods (not at the end).",
        )
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise ArmError(
            400,
            "LocationRequired",
            "The location property is required for this definition.",
        )
    tags = body.get("tags") or {}
    if not isinstance(tags, dict):
        raise ArmError(400, "InvalidTagFormat", "The tags must be an object of names to values.")
    _check_tags(tags)
    existing = world.store.get(rg_id(sub.subscription_id, name))
    if existing is not None:
        if existing.body["properties"]["provisioningState"] == "Deleting":
            raise ArmError(
                409,
                "ResourceGroupBeingDeleted",
                f"The resource group '{existing.body['name']}' is in deprovisioning state and "
                "cannot perform this operation.",
            )
        if normalise_location(location) != existing.body["location"]:
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{location}'. The Resource group already "
                f"exists in location '{existing.body['location']}'.",
            )
        existing.body["tags"] = tags
        if "managedBy" in body:
            existing.body["managedBy"] = body["managedBy"]
        return existing.body, False
    location = check_location(sub, location)
    group: dict[str, Any] = {
        "id": rg_id(sub.subscription_id, name),
        "name": name,
        "type": RG_TYPE,
        "location": location,
        "tags": tags,
        "properties": {"provisioningState": "Succeeded"},
    }
    if body.get("managedBy"):
        group["managedBy"] = body["managedBy"]
    world.store.put(group)
    return group, True


def _check_tags(tags: dict[str, Any]) -> None:
    if len(tags) > 50:
        raise ArmError(
            400, "InvalidTagCount", "The number of tags exceeds the maximum allowed of 50."
        )
    for key, value in tags.items():
        if len(key) > 512 or any(c in key for c in "<>%&\\?/"):
            raise ArmError(
                400,
                "InvalidTagNameCharacters",
                f"The tag names '{key}' have reserved characters '<,>,%,&,\\,?,/' or control "
                "characters.",
            )
        if not isinstance(value, str) or len(value) > 256:
            raise ArmError(
                400,
                "InvalidTagValueLength",
                f"The tag value of '{key}' must be a string of at most 256 characters.",
            )


def patch_group(
    world: World, subscription_id: str, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    item = get_group(world, subscription_id, name)
    if "tags" in body:
        tags = body["tags"] or {}
        if not isinstance(tags, dict):
            raise ArmError(
                400, "InvalidTagFormat", "The tags must be an object of names to values."
            )
        _check_tags(tags)
        item.body["tags"] = tags
    if "managedBy" in body:
        item.body["managedBy"] = body["managedBy"]
    return item.body


def begin_delete_group(world: World, sub: Subscription, name: str, principal: str) -> Operation:
    """Mark the group Deleting; it and everything in it go when the operation's time is up."""
    item = get_group(world, sub.subscription_id, name)
    state = item.body["properties"]
    contained = len(world.store.under(item.id))
    op = world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=sub.subscription_id,
            tenant_id=sub.tenant_id,
            principal=principal,
            namespace="Microsoft.Resources",
            location=item.body["location"],
            status_kind="operationresults",
            result_kind="operationresults",
            start=world.now(),
            resource_id=item.id,
            result_status=200,
            arm_level=True,
        )
    )
    if state["provisioningState"] != "Deleting":
        state["provisioningState"] = "Deleting"
        due = world.now() + DELETE_BASE_SECONDS + DELETE_PER_RESOURCE_SECONDS * contained
        world.scheduler.at(due, "resources.finish_group_delete", {"id": item.id, "op": op.id})
        item.meta["deleteOperation"] = op.id
        item.meta["deleteDue"] = due
    else:  # a second DELETE joins the deletion already under way
        existing = world.operations.get(item.meta.get("deleteOperation", ""))
        if existing is not None:
            return existing
    return op


def finish_group_delete(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is not None:
        for child in sorted(world.store.under(item.id), key=lambda c: -len(c.id)):
            world.delete_resource(child.id)
        world.delete_resource(item.id)
    world.operations.finish(args["op"], world.now(), result_status=200)


def register_provider(world: World, sub: Subscription, namespace: str) -> None:
    sub.providers[namespace.lower()] = [namespace, "Registered"]


def unregister_provider(world: World, sub: Subscription, namespace: str) -> None:
    sub.providers[namespace.lower()] = [namespace, "Unregistered"]
