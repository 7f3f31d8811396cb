"""Rules and state of gallery image definitions: required and immutable properties (osType,
osState, hyperVGeneration, identifier), a publisher/offer/sku unique within the gallery,
features (a SecurityType other than Standard needs Hyper-V generation V2; changing features
needs ``allowUpdateImage``), end-of-life in the future, and the limit of definitions per
subscription per region. No HTTP here.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute import errors, operations, settings
from goldfleet.emulator.rp.compute.galleries.gallery_backend import (
    require_location,
    subscription_galleries,
)
from goldfleet.emulator.rp.compute.naming import (
    ARCHITECTURES,
    HYPER_V_GENERATIONS,
    IMAGE,
    OS_STATES,
    OS_TYPES,
    VERSION,
    check_identifier_part,
    check_image_name,
    enum_value,
    gallery_id,
    image_id,
    object_at,
    parse_date,
    region_name,
)
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

CREATE_SECONDS = 5.0
UPDATE_SECONDS = 3.0
DELETE_SECONDS = 5.0
PREFIX = "galleryImage"
IMMUTABLE = ("osType", "osState", "hyperVGeneration")
IDENTIFIER_LIMITS = (("publisher", 128), ("offer", 64), ("sku", 64))
# SecurityType values that need a Generation 2 (UEFI) image.
V2_SECURITY_TYPES = (
    "TrustedLaunch",
    "TrustedLaunchSupported",
    "ConfidentialVM",
    "ConfidentialVmSupported",
    "TrustedLaunchAndConfidentialVmSupported",
)
_COPIED = (
    "description",
    "eula",
    "privacyStatementUri",
    "releaseNoteUri",
    "recommended",
    "disallowed",
    "purchasePlan",
)


def get_image(
    world: World, subscription_id: str, group: str, gallery: str, name: str
) -> StoredResource:
    parent = _parent(world, subscription_id, group, gallery)
    item = world.store.get(image_id(parent.id, name))
    if item is None:
        raise not_found(IMAGE, f"{gallery}/images/{name}", group)
    return item


def _parent(world: World, subscription_id: str, group: str, gallery: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    found = world.store.get(gallery_id(subscription_id, group, gallery))
    if found is None:
        raise errors.parent_not_found(gallery)
    return found


def put_image(
    world: World,
    sub: Subscription,
    group: str,
    gallery: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
) -> tuple[StoredResource, Operation, bool]:
    """GalleryImages_CreateOrUpdate: the definition, its operation, and whether it was created."""
    parent = _parent(world, sub.subscription_id, group, gallery)
    check_image_name(name)
    location = require_location(body)
    if location != parent.body["location"]:
        raise errors.child_location_mismatch("gallery image", location, parent.body["location"])
    props = object_at(body, "properties", f"{PREFIX}.properties")
    existing = world.store.get(image_id(parent.id, name))
    merged = _validated(world, parent, name, props, existing, replace=True)
    if existing is not None:
        _write(world, existing, merged, body, caller, replace=True)
        return existing, _start(world, existing, caller, "Updating", UPDATE_SECONDS), False
    _check_limit(world, sub, location)
    item = world.store.put(
        {
            "id": image_id(parent.id, name),
            "name": name,
            "type": IMAGE,
            "location": location,
            "tags": {},
            "properties": {},
        },
        {},
    )
    _write(world, item, merged, body, caller, replace=True)
    return item, _start(world, item, caller, "Creating", CREATE_SECONDS), True


def patch_image(
    world: World,
    sub: Subscription,
    group: str,
    gallery: str,
    name: str,
    body: dict[str, Any],
    caller: Caller,
) -> tuple[StoredResource, Operation]:
    """GalleryImages_Update."""
    item = get_image(world, sub.subscription_id, group, gallery, name)
    parent = _parent(world, sub.subscription_id, group, gallery)
    if "properties" in body:
        props = object_at(body, "properties", f"{PREFIX}.properties")
        merged = _validated(world, parent, name, props, item, replace=False)
        _write(world, item, merged, body, caller, replace=False)
    elif "tags" in body:
        item.body["tags"] = body.get("tags") or {}
        operations.stamp_system_data(world, item.body, caller)
    return item, _start(world, item, caller, "Updating", UPDATE_SECONDS)


def delete_image(
    world: World, subscription_id: str, group: str, gallery: str, name: str, caller: Caller
) -> Operation | None:
    """GalleryImages_Delete: refused while versions remain."""
    parent = _parent(world, subscription_id, group, gallery)
    item = world.store.get(image_id(parent.id, name))
    if item is None:
        return None
    if world.store.children(item.id, VERSION):
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


def _validated(
    world: World,
    gallery: StoredResource,
    name: str,
    props: dict[str, Any],
    existing: StoredResource | None,
    *,
    replace: bool,
) -> dict[str, Any]:
    """The definition's new properties, or the error Azure gives; nothing is written here."""
    old = dict(existing.body["properties"]) if existing is not None else {}
    out: dict[str, Any] = {} if replace else {k: v for k, v in old.items()}
    for field, allowed in (("osType", OS_TYPES), ("osState", OS_STATES)):
        if props.get(field) is None:
            if existing is not None:  # a missing required value reads as a change (as in Azure)
                raise errors.property_change_not_allowed(PREFIX, field)
            raise errors.required(f"{PREFIX}.properties.{field}")
        out[field] = enum_value(props[field], allowed, f"{PREFIX}.properties.{field}")
    if props.get("hyperVGeneration") is not None:
        out["hyperVGeneration"] = enum_value(
            props["hyperVGeneration"], HYPER_V_GENERATIONS, f"{PREFIX}.properties.hyperVGeneration"
        )
    else:
        out["hyperVGeneration"] = old.get("hyperVGeneration", "V1")
    out["architecture"] = enum_value(
        props.get("architecture") or old.get("architecture", "x64"),
        ARCHITECTURES,
        f"{PREFIX}.properties.architecture",
    )
    out["identifier"] = _identifier(props, existing)
    for field in IMMUTABLE:
        if existing is not None and old.get(field) and old[field] != out[field]:
            raise errors.property_change_not_allowed(PREFIX, field)
    for field in _COPIED:
        if field in props:
            if props[field] is None:
                out.pop(field, None)
            else:
                out[field] = props[field]
    _check_recommended(out.get("recommended"))
    if "endOfLifeDate" in props and props["endOfLifeDate"] is not None:
        end = parse_date(props["endOfLifeDate"], f"{PREFIX}.properties.endOfLifeDate")
        if end.timestamp() <= world.now() and props["endOfLifeDate"] != old.get("endOfLifeDate"):
            raise errors.end_of_life_in_past(f"{PREFIX}.properties.endOfLifeDate")
        out["endOfLifeDate"] = props["endOfLifeDate"]
    elif replace:
        out.pop("endOfLifeDate", None)
    out["features"] = _features(props, old, out["hyperVGeneration"], existing is not None)
    if not out["features"]:
        out.pop("features")
    _check_unique_identifier(world, gallery, name, out["identifier"])
    return out


def _identifier(props: dict[str, Any], existing: StoredResource | None) -> dict[str, str]:
    given = props.get("identifier")
    if not isinstance(given, dict):
        if existing is not None:
            raise errors.property_change_not_allowed(PREFIX, "identifier")
        raise errors.required(f"{PREFIX}.properties.identifier")
    out = {
        field: check_identifier_part(field, given.get(field), limit)
        for field, limit in IDENTIFIER_LIMITS
    }
    if existing is not None:
        old = existing.body["properties"].get("identifier") or {}
        for field, _ in IDENTIFIER_LIMITS:
            if str(old.get(field, "")).lower() != out[field].lower():
                raise errors.property_change_not_allowed(PREFIX, f"identifier.{field}")
    return out


def _features(
    props: dict[str, Any], old: dict[str, Any], generation: str, updating: bool
) -> list[dict[str, Any]]:
    given = props.get("features")
    if given is None:
        features: list[dict[str, Any]] = list(old.get("features") or [])
    elif not isinstance(given, list) or not all(isinstance(f, dict) for f in given):
        raise errors.invalid_parameter(
            f"The value of parameter {PREFIX}.properties.features is invalid.",
            f"{PREFIX}.properties.features",
        )
    else:
        features = [
            {k: f[k] for k in ("name", "value", "startsAtVersion") if f.get(k) is not None}
            for f in given
        ]
        changed = updating and features != list(old.get("features") or [])
        if changed and props.get("allowUpdateImage") is not True:
            raise errors.property_change_not_allowed(PREFIX, "features")
    for feature in features:
        if str(feature.get("name", "")).lower() != "securitytype":
            continue
        value = str(feature.get("value", ""))
        if value.lower() in (v.lower() for v in V2_SECURITY_TYPES) and generation != "V2":
            raise errors.security_type_needs_v2(value, generation)
    return features


def _check_recommended(recommended: Any) -> None:
    if not isinstance(recommended, dict):
        return
    for key in ("vCPUs", "memory"):
        bounds = recommended.get(key)
        if isinstance(bounds, dict) and isinstance(bounds.get("min"), int):
            high = bounds.get("max")
            if isinstance(high, int) and bounds["min"] > high:
                raise errors.invalid_parameter(
                    f"The minimum value of {key} must not be greater than the maximum value of "
                    f"{key}.",
                    f"{PREFIX}.properties.recommended.{key}",
                )


def _check_unique_identifier(
    world: World, gallery: StoredResource, name: str, identifier: dict[str, str]
) -> None:
    wanted = tuple(identifier[f].lower() for f, _ in IDENTIFIER_LIMITS)
    for other in world.store.children(gallery.id, IMAGE):
        if other.body["name"].lower() == name.lower():
            continue
        theirs = other.body.get("properties", {}).get("identifier") or {}
        if tuple(str(theirs.get(f, "")).lower() for f, _ in IDENTIFIER_LIMITS) == wanted:
            raise errors.duplicate_identifier(
                name, identifier["publisher"], identifier["offer"], identifier["sku"]
            )


def _write(
    world: World,
    item: StoredResource,
    merged: dict[str, Any],
    body: dict[str, Any],
    caller: Caller,
    *,
    replace: bool,
) -> None:
    state = item.body["properties"].get("provisioningState")
    item.body["properties"] = merged
    if state:
        item.body["properties"]["provisioningState"] = state
    if replace or "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    operations.stamp_system_data(world, item.body, caller)


def _check_limit(world: World, sub: Subscription, location: str) -> None:
    allowed = settings.limit(world, "imageDefinitionsPerSubscriptionPerRegion")
    count = sum(
        1
        for g in subscription_galleries(world, sub.subscription_id)
        for i in world.store.children(g.id, IMAGE)
        if region_name(i.body.get("location", "")) == location
    )
    if count >= allowed:
        raise errors.limit_reached("image definitions", allowed, sub.subscription_id, location)


def images_of(world: World, gallery: StoredResource) -> list[StoredResource]:
    return world.store.children(gallery.id, IMAGE)
