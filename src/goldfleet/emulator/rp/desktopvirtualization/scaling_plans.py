"""Scaling plans (autoscale for pooled host pools): the plan with its schedules (ramp-up,
peak, ramp-down and off-peak start times, load-balancing algorithms, capacity thresholds,
minimum hosts %, ``timeZone``) and ``hostPoolReferences``; pooled schedules as child resources
that read and write the plan's ``schedules``; personal schedules as child resources of their
own. Create or replace, update, delete, read and list. No HTTP here."""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors, host_pools
from goldfleet.emulator.rp.desktopvirtualization.model import (
    DAYS,
    PERSONAL_SCHEDULE,
    POOLED_SCHEDULE,
    SCALING_PLAN,
    choice,
    properties_of,
    provider_id,
    require_location,
    stamp,
    tags_of,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

ALGORITHMS = ("BreadthFirst", "DepthFirst")
STOP_WHEN = ("ZeroSessions", "ZeroActiveSessions")
PLAN_POOL_TYPES = ("Pooled",)
_PHASES = ("rampUp", "peak", "rampDown", "offPeak")
_PERCENTS = (
    "rampUpMinimumHostsPct",
    "rampUpCapacityThresholdPct",
    "rampDownMinimumHostsPct",
    "rampDownCapacityThresholdPct",
)
# Personal schedules: enum fields by suffix, and minute counts.
_PERSONAL_ENUMS = {
    "StartVMOnConnect": ("Enable", "Disable"),
    "ActionOnDisconnect": ("None", "Deallocate", "Hibernate"),
    "ActionOnLogoff": ("None", "Deallocate", "Hibernate"),
    "AutoStartHosts": ("None", "WithAssignedUser", "All"),
}


def plan_id(subscription_id: str, group: str, name: str) -> str:
    return f"{provider_id(subscription_id, group)}/scalingPlans/{name}"


def get_plan(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(plan_id(subscription_id, group, name))
    if item is None:
        raise not_found(SCALING_PLAN, name, group)
    return item


def plans_in_group(world: World, subscription_id: str, group: str) -> list[StoredResource]:
    rg = resources.get_group(world, subscription_id, group)
    return world.store.children(rg.id, SCALING_PLAN)


def plans_in_subscription(world: World, subscription_id: str) -> list[StoredResource]:
    groups = world.store.children(f"/subscriptions/{subscription_id}", resources.RG_TYPE)
    return [p for g in groups for p in world.store.children(g.id, SCALING_PLAN)]


def plans_of_pool(world: World, pool: StoredResource) -> list[StoredResource]:
    return [
        p
        for p in plans_in_subscription(world, pool.id.split("/")[2])
        if any(
            str(r.get("hostPoolArmPath", "")).lower() == pool.id.lower()
            for r in p.body["properties"]["hostPoolReferences"]
        )
    ]


def put_plan(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], app_id: str
) -> tuple[StoredResource, bool]:
    """ScalingPlans_Create: the plan and whether it was created."""
    resources.get_group(world, sub.subscription_id, group)
    location = resources.check_location(sub, require_location(body), SCALING_PLAN)
    requested = properties_of(body)
    if not requested.get("timeZone"):
        raise errors.required("timeZone")
    own = plan_id(sub.subscription_id, group, name)
    pool_type = choice(requested.get("hostPoolType") or "Pooled", PLAN_POOL_TYPES, "hostPoolType")
    properties = {
        "description": _text(requested.get("description"), "description"),
        "friendlyName": _text(requested.get("friendlyName"), "friendlyName"),
        "timeZone": _text(requested["timeZone"], "timeZone"),
        "hostPoolType": pool_type,
        "exclusionTag": _text(requested.get("exclusionTag"), "exclusionTag"),
        "schedules": _schedules(requested.get("schedules")),
        "hostPoolReferences": _references(
            world, requested.get("hostPoolReferences"), own, pool_type
        ),
    }
    existing = world.store.get(own)
    item = existing or world.store.put(
        {
            "id": plan_id(
                sub.subscription_id,
                resources.get_group(world, sub.subscription_id, group).body["name"],
                name,
            ),
            "name": name,
            "type": SCALING_PLAN,
            "location": location,
            "properties": {"objectId": world.new_uuid()},
        },
        {},
    )
    item.body["tags"] = tags_of(body)
    item.body["properties"] = {"objectId": item.body["properties"]["objectId"], **properties}
    stamp(world, item.body, app_id)
    return item, existing is None


def patch_plan(
    world: World, item: StoredResource, body: dict[str, Any], app_id: str
) -> StoredResource:
    """ScalingPlans_Update: merge the given fields."""
    requested = properties_of(body)
    properties = item.body["properties"]
    changes: dict[str, Any] = {}
    for field in ("description", "friendlyName", "timeZone", "exclusionTag"):
        if field in requested:
            changes[field] = _text(requested[field], field)
    if changes.get("timeZone", "x") in (None, ""):
        raise errors.required("timeZone")
    if "schedules" in requested:
        changes["schedules"] = _schedules(requested["schedules"])
    if "hostPoolReferences" in requested:
        changes["hostPoolReferences"] = _references(
            world, requested["hostPoolReferences"], item.id, properties["hostPoolType"]
        )
    properties.update(changes)
    if "tags" in body:
        item.body["tags"] = tags_of(body)
    stamp(world, item.body, app_id)
    return item


def remove_pool_references(world: World, pool: StoredResource) -> None:
    """Deletion hook of host pools: plans stop referencing them."""
    for plan in plans_of_pool(world, pool):
        plan.body["properties"]["hostPoolReferences"] = [
            r
            for r in plan.body["properties"]["hostPoolReferences"]
            if str(r.get("hostPoolArmPath", "")).lower() != pool.id.lower()
        ]


# --- pooled schedules (the plan's ``schedules``) -------------------------------------------------


def pooled_schedule_view(plan: StoredResource, schedule: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in schedule.items() if k != "name"}
    return {
        "id": f"{plan.id}/pooledSchedules/{schedule['name']}",
        "name": f"{plan.body['name']}/{schedule['name']}",
        "type": POOLED_SCHEDULE,
        "systemData": copy.deepcopy(plan.body.get("systemData", {})),
        "properties": properties,
    }


def find_pooled(plan: StoredResource, name: str) -> dict[str, Any]:
    for schedule in plan.body["properties"]["schedules"]:
        if str(schedule["name"]).lower() == name.lower():
            return dict(schedule)
    raise not_found(POOLED_SCHEDULE, f"{plan.body['name']}/{name}", None)


def put_pooled(
    world: World, plan: StoredResource, name: str, body: dict[str, Any], app_id: str, *, merge: bool
) -> tuple[dict[str, Any], bool]:
    """ScalingPlanPooledSchedules_Create (``merge=False``) or _Update (``merge=True``)."""
    schedules = plan.body["properties"]["schedules"]
    index = next(
        (i for i, s in enumerate(schedules) if str(s["name"]).lower() == name.lower()), None
    )
    if merge and index is None:
        raise not_found(POOLED_SCHEDULE, f"{plan.body['name']}/{name}", None)
    requested = dict(properties_of(body))
    base = dict(schedules[index]) if merge and index is not None else {}
    base.update(requested)
    base["name"] = schedules[index]["name"] if index is not None else name
    others = [s for i, s in enumerate(schedules) if i != index]
    checked = _schedules([*others, base])
    schedule = checked[-1]
    new = (
        [*others, schedule]
        if index is None
        else [*schedules[:index], schedule, *schedules[index + 1 :]]
    )
    plan.body["properties"]["schedules"] = new
    stamp(world, plan.body, app_id)
    return schedule, index is None


def delete_pooled(plan: StoredResource, name: str) -> bool:
    schedules = plan.body["properties"]["schedules"]
    kept = [s for s in schedules if str(s["name"]).lower() != name.lower()]
    plan.body["properties"]["schedules"] = kept
    return len(kept) != len(schedules)


# --- personal schedules --------------------------------------------------------------------------


def put_personal(
    world: World, plan: StoredResource, name: str, body: dict[str, Any], app_id: str, *, merge: bool
) -> tuple[StoredResource, bool]:
    """ScalingPlanPersonalSchedules_Create (``merge=False``) or _Update (``merge=True``)."""
    resource_id = f"{plan.id}/personalSchedules/{name}"
    existing = world.store.get(resource_id)
    if merge and existing is None:
        raise not_found(PERSONAL_SCHEDULE, f"{plan.body['name']}/{name}", None)
    requested = properties_of(body)
    merged = {**(existing.body["properties"] if merge and existing else {}), **requested}
    properties = _personal_properties(merged)
    item = existing or world.store.put(
        {"id": resource_id, "name": f"{plan.body['name']}/{name}", "type": PERSONAL_SCHEDULE}, {}
    )
    item.body["properties"] = properties
    stamp(world, item.body, app_id)
    return item, existing is None


def _personal_properties(requested: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"daysOfWeek": _days(requested.get("daysOfWeek"))}
    for key, value in requested.items():
        if key == "daysOfWeek":
            continue
        if key.endswith("StartTime"):
            out[key] = _time(value, key)
        elif key.endswith(("MinutesToWaitOnDisconnect", "MinutesToWaitOnLogoff")):
            out[key] = _int(value, key, 0, 10080)
        else:
            suffix = next((s for s in _PERSONAL_ENUMS if key.endswith(s)), None)
            if suffix is None:
                continue  # unknown properties are ignored
            out[key] = choice(value, _PERSONAL_ENUMS[suffix], key)
    for phase in _PHASES:
        if f"{phase}StartTime" not in out:
            raise errors.required(f"{phase}StartTime")
    return out


# --- validation ----------------------------------------------------------------------------------


def _text(value: Any, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise errors.invalid_value(field, value, ())
    return value


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise errors.invalid_value(f"{field} ({low}-{high})", value, ())
    return value


def _time(value: Any, field: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise errors.invalid_value(field, value, ())
    return {
        "hour": _int(value.get("hour"), f"{field}.hour", 0, 23),
        "minute": _int(value.get("minute"), f"{field}.minute", 0, 59),
    }


def _days(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise errors.required("daysOfWeek")
    return [choice(d, DAYS, "daysOfWeek") for d in value]


def _schedules(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.invalid_value("schedules", value, ())
    out: list[dict[str, Any]] = []
    seen_days: dict[str, str] = {}
    for raw in value:
        if not isinstance(raw, dict):
            raise errors.invalid_value("schedules", raw, ())
        schedule = _schedule(raw)
        for day in schedule["daysOfWeek"]:
            if day in seen_days:
                raise errors.invalid_combination(
                    f"{day} is in both schedules {seen_days[day]} and {schedule['name']}; "
                    "a day can be in only one schedule of a scaling plan."
                )
            seen_days[day] = schedule["name"]
        out.append(schedule)
    return out


def _schedule(raw: dict[str, Any]) -> dict[str, Any]:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise errors.required("schedules.name")
    schedule: dict[str, Any] = {"name": name, "daysOfWeek": _days(raw.get("daysOfWeek"))}
    for phase in _PHASES:
        schedule[f"{phase}StartTime"] = _time(raw.get(f"{phase}StartTime"), f"{phase}StartTime")
        algorithm = raw.get(f"{phase}LoadBalancingAlgorithm")
        if algorithm is not None or phase != "peak":
            schedule[f"{phase}LoadBalancingAlgorithm"] = choice(
                algorithm or "BreadthFirst", ALGORITHMS, f"{phase}LoadBalancingAlgorithm"
            )
        else:
            schedule["peakLoadBalancingAlgorithm"] = "BreadthFirst"
        if phase == "rampUp":
            for field in _PERCENTS[:2]:
                if raw.get(field) is not None:
                    schedule[field] = _int(raw[field], field, 0, 100)
        if phase == "rampDown":
            for field in _PERCENTS[2:]:
                if raw.get(field) is not None:
                    schedule[field] = _int(raw[field], field, 0, 100)
            force = raw.get("rampDownForceLogoffUsers", False)
            if not isinstance(force, bool):
                raise errors.invalid_value("rampDownForceLogoffUsers", force, ())
            schedule["rampDownForceLogoffUsers"] = force
            if raw.get("rampDownStopHostsWhen") is not None:
                schedule["rampDownStopHostsWhen"] = choice(
                    raw["rampDownStopHostsWhen"], STOP_WHEN, "rampDownStopHostsWhen"
                )
            if raw.get("rampDownWaitTimeMinutes") is not None:
                schedule["rampDownWaitTimeMinutes"] = _int(
                    raw["rampDownWaitTimeMinutes"], "rampDownWaitTimeMinutes", 0, 1440
                )
            schedule["rampDownNotificationMessage"] = _text(
                raw.get("rampDownNotificationMessage"), "rampDownNotificationMessage"
            )
    return schedule


def _references(world: World, value: Any, own_id: str, plan_type: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.invalid_value("hostPoolReferences", value, ())
    out: list[dict[str, Any]] = []
    for ref in value:
        if not isinstance(ref, dict) or not isinstance(ref.get("hostPoolArmPath"), str):
            raise errors.required("hostPoolReferences.hostPoolArmPath")
        pool = host_pools.pool_by_id(world, ref["hostPoolArmPath"])
        if pool is None:
            raise errors.host_pool_missing(ref["hostPoolArmPath"])
        if pool.body["properties"]["hostPoolType"] != plan_type:
            raise errors.scaling_plan_pool_type(pool.body["name"], plan_type)
        for other in plans_of_pool(world, pool):
            if other.id.lower() != own_id.lower():
                raise errors.pool_in_other_scaling_plan(pool.body["name"], other.body["name"])
        enabled = ref.get("scalingPlanEnabled", True)
        if not isinstance(enabled, bool):
            raise errors.invalid_value("scalingPlanEnabled", enabled, ())
        out.append({"hostPoolArmPath": pool.id, "scalingPlanEnabled": enabled})
    return out
