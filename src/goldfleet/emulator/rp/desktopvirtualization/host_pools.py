"""Rules and state of host pools: create or replace, update, delete (``force``), read and list,
with the REST reference's enums and required fields, the pool-type / load-balancer pairing, the
agent update schedule, and the registration token (issued here, hidden on reads). No HTTP.

What goes with a deleted pool (its session hosts, user sessions, application groups, scaling
plan references) is removed by deletion hooks (see ``routes.install``).
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors, tokens
from goldfleet.emulator.rp.desktopvirtualization.model import (
    AGENT_UPDATE_TYPES,
    APPLICATION_GROUP,
    ASSIGNMENT_TYPES,
    DAYS,
    HOST_POOL,
    HOST_POOL_TYPES,
    LOAD_BALANCER_TYPES,
    PREFERRED_APP_GROUP_TYPES,
    PUBLIC_NETWORK_ACCESS,
    SESSION_HOST,
    SSO_SECRET_TYPES,
    choice,
    host_pool_id,
    optional_choice,
    properties_of,
    require_location,
    stamp,
    tags_of,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

MAX_SESSION_LIMIT = 999999
MAX_MAINTENANCE_WINDOWS = 2
PERSONAL_BALANCERS = ("Persistent", "MultiplePersistent")
_STRINGS = (
    "friendlyName",
    "description",
    "customRdpProperty",
    "vmTemplate",
    "ssoadfsAuthority",
    "ssoClientId",
    "ssoClientSecretKeyVaultPath",
)
_BOOLEANS = ("validationEnvironment", "startVMOnConnect")
# Settable properties in the order Azure answers them; absent ones are answered as null.
_SETTABLE = (
    "friendlyName",
    "description",
    "hostPoolType",
    "personalDesktopAssignmentType",
    "customRdpProperty",
    "maxSessionLimit",
    "loadBalancerType",
    "validationEnvironment",
    "ring",
    "vmTemplate",
    "ssoadfsAuthority",
    "ssoClientId",
    "ssoClientSecretKeyVaultPath",
    "ssoSecretType",
    "preferredAppGroupType",
    "startVMOnConnect",
    "publicNetworkAccess",
    "agentUpdate",
)


def get_pool(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(host_pool_id(subscription_id, group, name))
    if item is None:
        raise not_found(HOST_POOL, name, group)
    return item


def pool_by_id(world: World, resource_id: str) -> StoredResource | None:
    item = world.store.get(resource_id)
    if item is None or str(item.body.get("type", "")).lower() != HOST_POOL.lower():
        return None
    return item


def pools_in_group(world: World, subscription_id: str, group: str) -> list[StoredResource]:
    rg = resources.get_group(world, subscription_id, group)
    return world.store.children(rg.id, HOST_POOL)


def pools_in_subscription(world: World, subscription_id: str) -> list[StoredResource]:
    groups = world.store.children(f"/subscriptions/{subscription_id}", resources.RG_TYPE)
    return [p for g in groups for p in world.store.children(g.id, HOST_POOL)]


def put_pool(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], app_id: str
) -> tuple[StoredResource, bool]:
    """HostPools_CreateOrUpdate: the pool and whether it was created."""
    rg = resources.get_group(world, sub.subscription_id, group)
    location = resources.check_location(sub, require_location(body), HOST_POOL)
    requested = properties_of(body)
    for field in ("hostPoolType", "loadBalancerType", "preferredAppGroupType"):
        if requested.get(field) is None:
            raise errors.required(field)
    existing = world.store.get(host_pool_id(sub.subscription_id, group, name))
    settable = _validated(requested)
    _check_pairing(settable)
    if existing is not None:
        if existing.body["properties"]["hostPoolType"] != settable["hostPoolType"]:
            raise errors.cannot_change("hostPoolType")
        item = existing
        object_id = item.body["properties"]["objectId"]
    else:
        object_id = world.new_uuid()
        item = world.store.put(
            {
                "id": host_pool_id(sub.subscription_id, rg.body["name"], name),
                "name": name,
                "type": HOST_POOL,
                "location": location,
            },
            {},
        )
    item.body["location"] = item.body.get("location") or location
    item.body["tags"] = tags_of(body)
    properties: dict[str, Any] = {"objectId": object_id}
    properties.update({field: settable.get(field) for field in _SETTABLE})
    properties["cloudPcResource"] = False
    item.body["properties"] = properties
    try:
        tokens.apply_registration_info(world, item, requested.get("registrationInfo"))
    except errors.AvdError:
        if existing is None:
            world.store.delete(item.id)
        raise
    stamp(world, item.body, app_id)
    return item, existing is None


def patch_pool(
    world: World, subscription_id: str, group: str, name: str, body: dict[str, Any], app_id: str
) -> StoredResource:
    """HostPools_Update: merge the given fields (hostPoolType cannot be patched)."""
    item = get_pool(world, subscription_id, group, name)
    requested = properties_of(body)
    changes = _validated({k: v for k, v in requested.items() if k != "hostPoolType"})
    merged = {**item.body["properties"], **{k: v for k, v in changes.items() if k in requested}}
    _check_pairing(merged)
    snapshot = copy.deepcopy(item.meta)
    try:
        tokens.apply_registration_info(world, item, requested.get("registrationInfo"))
    except errors.AvdError:
        item.meta = snapshot
        raise
    item.body["properties"] = merged
    if "tags" in body:
        item.body["tags"] = tags_of(body)
    stamp(world, item.body, app_id)
    return item


def delete_pool(world: World, subscription_id: str, group: str, name: str, force: bool) -> bool:
    """HostPools_Delete: refused while application groups or session hosts remain, unless
    ``force``; False when there is no such pool."""
    resources.get_group(world, subscription_id, group)
    item = world.store.get(host_pool_id(subscription_id, group, name))
    if item is None:
        return False
    if not force:
        if application_groups_of(world, item):
            raise errors.pool_has_application_groups(name)
        if world.store.children(item.id, SESSION_HOST):
            raise errors.pool_has_session_hosts(name)
    world.delete_resource(item.id)
    return True


def application_groups_of(world: World, pool: StoredResource) -> list[StoredResource]:
    """Application groups whose ``hostPoolArmPath`` is ``pool`` (same subscription)."""
    subscription = pool.id.split("/")[2]
    groups = world.store.children(f"/subscriptions/{subscription}", resources.RG_TYPE)
    return [
        a
        for g in groups
        for a in world.store.children(g.id, APPLICATION_GROUP)
        if str(a.body["properties"].get("hostPoolArmPath", "")).lower() == pool.id.lower()
    ]


def view(world: World, item: StoredResource, *, with_token: bool = False) -> dict[str, Any]:
    """The pool as answered: registrationInfo only in write answers (null on reads, as Azure
    hides the secret), applicationGroupReferences computed."""
    body = copy.deepcopy(item.body)
    properties = body["properties"]
    properties["applicationGroupReferences"] = [a.id for a in application_groups_of(world, item)]
    registration = item.meta.get("registration")
    properties["registrationInfo"] = (
        {**registration, "registrationTokenOperation": "Update"}
        if with_token and registration
        else None
    )
    return body


# --- validation ----------------------------------------------------------------------------------


def _validated(requested: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in _STRINGS:
        value = requested.get(field)
        if value is not None and not isinstance(value, str):
            raise errors.invalid_value(field, value, ())
        out[field] = value
    for field in _BOOLEANS:
        value = requested.get(field)
        if value is not None and not isinstance(value, bool):
            raise errors.invalid_value(field, value, ())
        out[field] = value
    out["hostPoolType"] = optional_choice(
        requested.get("hostPoolType"), HOST_POOL_TYPES, "hostPoolType"
    )
    out["loadBalancerType"] = optional_choice(
        requested.get("loadBalancerType"), LOAD_BALANCER_TYPES, "loadBalancerType"
    )
    out["preferredAppGroupType"] = optional_choice(
        requested.get("preferredAppGroupType"), PREFERRED_APP_GROUP_TYPES, "preferredAppGroupType"
    )
    out["personalDesktopAssignmentType"] = optional_choice(
        requested.get("personalDesktopAssignmentType"),
        ASSIGNMENT_TYPES,
        "personalDesktopAssignmentType",
    )
    out["publicNetworkAccess"] = optional_choice(
        requested.get("publicNetworkAccess"), PUBLIC_NETWORK_ACCESS, "publicNetworkAccess"
    )
    out["ssoSecretType"] = optional_choice(
        requested.get("ssoSecretType"), SSO_SECRET_TYPES, "ssoSecretType"
    )
    limit = requested.get("maxSessionLimit")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SESSION_LIMIT
    ):
        raise errors.invalid_value("maxSessionLimit (1-999999)", limit, ())
    out["maxSessionLimit"] = limit
    ring = requested.get("ring")
    if ring is not None and (isinstance(ring, bool) or not isinstance(ring, int) or ring < 0):
        raise errors.invalid_value("ring", ring, ())
    out["ring"] = ring
    out["agentUpdate"] = _agent_update(requested.get("agentUpdate"))
    return out


def _check_pairing(properties: dict[str, Any]) -> None:
    """Personal pools balance persistently; pooled ones breadth- or depth-first."""
    pool_type = properties.get("hostPoolType")
    balancer = properties.get("loadBalancerType")
    if pool_type == "Personal" and balancer not in PERSONAL_BALANCERS:
        raise errors.invalid_combination(
            f"LoadBalancerType {balancer} is not valid for a Personal HostPool; use Persistent "
            "or MultiplePersistent."
        )
    if pool_type != "Personal" and balancer in PERSONAL_BALANCERS:
        raise errors.invalid_combination(
            f"LoadBalancerType {balancer} is valid only for a Personal HostPool."
        )


def _agent_update(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.invalid_value("agentUpdate", value, ())
    kind = choice(value.get("type") or "Default", AGENT_UPDATE_TYPES, "agentUpdate.type")
    windows = value.get("maintenanceWindows") or []
    if not isinstance(windows, list):
        raise errors.invalid_value("agentUpdate.maintenanceWindows", windows, ())
    if kind == "Scheduled" and not windows:
        raise errors.invalid_combination(
            "A Scheduled agentUpdate needs at least one maintenance window."
        )
    if len(windows) > MAX_MAINTENANCE_WINDOWS:
        raise errors.invalid_combination("agentUpdate allows at most two maintenance windows.")
    checked = []
    for window in windows:
        if not isinstance(window, dict):
            raise errors.invalid_value("agentUpdate.maintenanceWindows", window, ())
        hour = window.get("hour")
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            raise errors.invalid_value("maintenanceWindows.hour (0-23)", hour, ())
        day = choice(window.get("dayOfWeek"), DAYS, "maintenanceWindows.dayOfWeek")
        checked.append({"hour": hour, "dayOfWeek": day})
    local = value.get("useSessionHostLocalTime", False)
    if not isinstance(local, bool):
        raise errors.invalid_value("agentUpdate.useSessionHostLocalTime", local, ())
    zone = value.get("maintenanceWindowTimeZone")
    if zone is not None and not isinstance(zone, str):
        raise errors.invalid_value("agentUpdate.maintenanceWindowTimeZone", zone, ())
    return {
        "type": kind,
        "useSessionHostLocalTime": local,
        "maintenanceWindowTimeZone": zone,
        "maintenanceWindows": checked,
    }
