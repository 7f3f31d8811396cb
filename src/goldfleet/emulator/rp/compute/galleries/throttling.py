"""Compute's own throttling on gallery operations, after ARM's.

Every gallery request counts against two policies of its operation group, a 3-minute and a
30-minute window per subscription (fixed windows on the simulated clock). Answers carry
``x-ms-ratelimit-remaining-resource: Microsoft.Compute/<Policy>3Min;<n>,Microsoft.Compute/
<Policy>30Min;<m>`` - the format of real responses (``DeleteGalleryImageVersion3Min;149,
DeleteGalleryImageVersion30Min;999`` was seen on a real DELETE). When a window is used up the
answer is 429 ``OperationNotAllowed`` with a ``TooManyRequests`` detail naming the policy, and
``Retry-After`` until the window ends. Policy names other than DeleteGalleryImageVersion are
ours (Azure does not document its gallery policies); see docs/emulator/compute-gallery.md.

Settings (scenario ``throttling.compute`` or ``PUT /_emulator/throttling {"compute": ...}``)::

    {"enabled": true, "limits": {"GetGalleryImageVersion3Min": 5, "CreateUpdateGallery30Min": 40}}
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.throttling import retry_after_header
from goldfleet.emulator.rp.compute import settings
from goldfleet.emulator.world import World

HEADER = "x-ms-ratelimit-remaining-resource"
WINDOWS = (("3Min", 180), ("30Min", 1800))
GROUPS = (
    "Gallery",
    "GalleryImage",
    "GalleryImageVersion",
    "SharedGallery",
    "CommunityGallery",
)
# (operation, 3-minute limit, 30-minute limit)
OPERATIONS = (("Get", 1000, 8000), ("CreateUpdate", 150, 1000), ("Delete", 150, 1000))
SHARE_GROUP = ("ShareGallery", 50, 300)


def default_limits() -> dict[str, int]:
    out: dict[str, int] = {}
    for group in GROUPS:
        for op, short, long in OPERATIONS:
            if op != "Get" and group in ("SharedGallery", "CommunityGallery"):
                continue
            out[f"{op}{group}3Min"], out[f"{op}{group}30Min"] = short, long
    name, short, long = SHARE_GROUP
    out[f"{name}3Min"], out[f"{name}30Min"] = short, long
    return out


DEFAULT_LIMITS = default_limits()


def _state(world: World) -> dict[str, Any]:
    found: dict[str, Any] = settings.section(world).setdefault(
        "throttling", {"enabled": True, "limits": {}, "windows": {}}
    )
    return found


def configure(world: World, values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``{"enabled"?, "limits"?: {policy: n}}``; resets the windows. ValueError if bad."""
    if not isinstance(values, dict):
        raise ValueError("compute throttling settings must be an object")
    unknown = set(values) - {"enabled", "limits"}
    if unknown:
        raise ValueError(f"unknown compute throttling settings: {sorted(unknown)}")
    limits = values.get("limits") or {}
    if not isinstance(limits, dict):
        raise ValueError("'limits' must map policy names to request counts")
    for name, value in limits.items():
        if name not in DEFAULT_LIMITS:
            raise ValueError(f"unknown compute throttling policy '{name}'")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"the limit of '{name}' must be a non-negative integer")
    state = _state(world)
    if "enabled" in values:
        state["enabled"] = bool(values["enabled"])
    state["limits"].update(limits)
    state["windows"] = {}
    return current_settings(world)


def current_settings(world: World) -> dict[str, Any]:
    state = _state(world)
    return {"enabled": state["enabled"], "limits": {**DEFAULT_LIMITS, **state["limits"]}}


def take(world: World, subscription_id: str, operation: str, group: str) -> dict[str, str]:
    """Count one request; the headers to answer with, or 429 when a policy is used up."""
    state = _state(world)
    policy = f"{operation}{group}"
    limits = {**DEFAULT_LIMITS, **state["limits"]}
    now = world.now()
    parts = []
    exhausted: tuple[str, int, float, float, int] | None = None
    for suffix, seconds in WINDOWS:
        name = f"{policy}{suffix}"
        allowed = limits[name]
        start = now - (now % seconds)
        key = f"{subscription_id.lower()}|{name}"
        window = state["windows"].get(key)
        if window is None or window[0] != start:
            window = [start, 0]
            state["windows"][key] = window
        if state["enabled"]:
            window[1] += 1
        remaining = max(0, allowed - int(window[1]))
        parts.append(f"Microsoft.Compute/{name};{remaining}")
        if state["enabled"] and window[1] > allowed and exhausted is None:
            exhausted = (name, allowed, start, start + seconds, int(window[1]))
    headers = {HEADER: ",".join(parts)}
    if exhausted is not None:
        name, allowed, start, end, measured = exhausted
        retry = retry_after_header(end - now)
        raise ArmError(
            429,
            "OperationNotAllowed",
            "The server rejected the request because too many requests have been received for "
            "this subscription.",
            details=[
                {
                    "code": "TooManyRequests",
                    "target": name,
                    "message": json.dumps(
                        {
                            "operationGroup": name,
                            "startTime": iso(datetime.fromtimestamp(start, UTC)),
                            "endTime": iso(datetime.fromtimestamp(end, UTC)),
                            "allowedRequestCount": allowed,
                            "measuredRequestCount": measured,
                        },
                        separators=(",", ":"),
                    ),
                }
            ],
            headers={**headers, "Retry-After": retry},
        )
    return headers
