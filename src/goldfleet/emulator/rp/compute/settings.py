"""The gallery provider's knobs, kept in the world (so snapshots carry them): the documented
limits (overridable for tests) and injected replication faults.

A replication fault makes the replication of matching regions fail::

    {"region": "northeurope", "count": 1, "atProgress": 40, "code": "InternalError",
     "reason": "The operation has timed out.", "version": "/images/win11/"}

``region`` (any spelling) is required; ``count`` limits how many region replications it fails
(unlimited when absent); ``version`` is a case-insensitive regular expression searched in the
version's id; the replication fails when it reaches ``atProgress`` percent (default 50).
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.rp.compute.naming import region_name
from goldfleet.emulator.rp.resources.catalog import REGIONS_BY_NAME
from goldfleet.emulator.world import World

SECTION = "compute"
DEFAULT_LIMITS = {
    "galleriesPerSubscriptionPerRegion": 100,
    "imageDefinitionsPerSubscriptionPerRegion": 1000,
    "imageVersionsPerSubscriptionPerRegion": 10000,
    "replicasPerRegion": 100,
    "sharedSubscriptions": 30,
    "sharedTenants": 5,
}
DEFAULT_FAULT_REASON = "An internal execution error occurred. Please retry later."
_FAULT_FIELDS = {"region", "count", "atProgress", "code", "reason", "version"}


def section(world: World) -> dict[str, Any]:
    found: dict[str, Any] = world.sections.setdefault(SECTION, {})
    return found


def limit(world: World, name: str) -> int:
    return int(section(world).get("limits", {}).get(name, DEFAULT_LIMITS[name]))


def limits(world: World) -> dict[str, int]:
    return {name: limit(world, name) for name in DEFAULT_LIMITS}


def set_limits(world: World, values: dict[str, Any]) -> dict[str, int]:
    """Override some limits; unknown names or values that are not positive integers: ValueError."""
    unknown = set(values) - set(DEFAULT_LIMITS)
    if unknown:
        raise ValueError(f"unknown compute limits: {sorted(unknown)}")
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"compute limit '{name}' must be a non-negative integer")
    section(world).setdefault("limits", {}).update(values)
    return limits(world)


def add_replication_fault(world: World, spec: dict[str, Any]) -> dict[str, Any]:
    """Validate and add a replication fault rule; returns it as stored."""
    unknown = set(spec) - _FAULT_FIELDS
    if unknown:
        raise ValueError(f"unknown replication fault fields: {sorted(unknown)}")
    if not isinstance(spec.get("region"), str):
        raise ValueError("a replication fault needs a 'region'")
    region = region_name(spec["region"])
    if region not in REGIONS_BY_NAME:
        raise ValueError(f"unknown region '{spec['region']}'")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise ValueError("'count' must be a non-negative integer")
    at = spec.get("atProgress", 50)
    if not isinstance(at, int | float) or not 0 <= at <= 100:
        raise ValueError("'atProgress' must be between 0 and 100")
    pattern = spec.get("version")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise ValueError(f"'version' is not a valid regular expression: {exc}") from exc
    rule = {
        "region": region,
        "count": count,
        "atProgress": float(at),
        "code": str(spec.get("code") or "InternalError"),
        "reason": str(spec.get("reason") or DEFAULT_FAULT_REASON),
        "version": pattern,
        "fired": 0,
    }
    section(world).setdefault("replicationFaults", []).append(rule)
    return rule


def replication_faults(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = section(world).get("replicationFaults", [])
    return found


def clear_replication_faults(world: World) -> None:
    section(world)["replicationFaults"] = []


def take_replication_fault(world: World, version_id: str, region: str) -> dict[str, Any] | None:
    """The first fault rule that fires for this region of this version (consuming one count)."""
    for rule in replication_faults(world):
        if rule["region"] != region or (rule["count"] is not None and rule["count"] <= 0):
            continue
        if rule["version"] and not re.search(rule["version"], version_id, re.IGNORECASE):
            continue
        if rule["count"] is not None:
            rule["count"] -= 1
        rule["fired"] += 1
        return rule
    return None
