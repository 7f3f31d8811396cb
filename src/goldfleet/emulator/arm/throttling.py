"""ARM's throttling: token buckets per (subscription or tenant, principal, reads/writes/deletes).

Buckets refill in simulated time. Each bucket also counts against a global bucket per
subscription that is ``global_factor`` times larger and shared by every principal, as in ARM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BucketLimit:
    burst: float
    refill_per_second: float


DEFAULT_LIMITS = {
    "reads": BucketLimit(250, 25),
    "writes": BucketLimit(200, 10),
    "deletes": BucketLimit(200, 10),
}
GLOBAL_FACTOR = 15


def operation_class(method: str) -> str:
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


@dataclass
class Decision:
    allowed: bool
    remaining: int
    global_remaining: int
    retry_after_sim: float  # simulated seconds until one token is back (0 when allowed)


class Throttler:
    def __init__(
        self,
        limits: dict[str, BucketLimit] | None = None,
        global_factor: float = GLOBAL_FACTOR,
        enabled: bool = True,
    ) -> None:
        self.limits = dict(limits or DEFAULT_LIMITS)
        self.global_factor = global_factor
        self.enabled = enabled
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, last refill sim time]

    def configure(self, settings: dict[str, Any]) -> None:
        """Apply ``{"enabled": bool, "reads": {"burst", "refillPerSecond"}, ...}``."""
        if "enabled" in settings:
            self.enabled = bool(settings["enabled"])
        if "globalFactor" in settings:
            self.global_factor = float(settings["globalFactor"])
        for cls in DEFAULT_LIMITS:
            if cls in settings:
                spec = settings[cls]
                self.limits[cls] = BucketLimit(
                    float(spec.get("burst", self.limits[cls].burst)),
                    float(spec.get("refillPerSecond", self.limits[cls].refill_per_second)),
                )
        self._buckets.clear()

    def settings(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "globalFactor": self.global_factor,
            **{
                cls: {"burst": lim.burst, "refillPerSecond": lim.refill_per_second}
                for cls, lim in self.limits.items()
            },
        }

    def _take(self, key: str, limit: BucketLimit, now: float, take: bool) -> tuple[bool, float]:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = [limit.burst, now]
            self._buckets[key] = bucket
        elapsed = max(0.0, now - bucket[1])
        bucket[0] = min(limit.burst, bucket[0] + elapsed * limit.refill_per_second)
        bucket[1] = now
        if bucket[0] >= 1:
            if take:
                bucket[0] -= 1
            return True, bucket[0]
        return False, bucket[0]

    def check(self, scope: str, principal: str, op_class: str, now: float) -> Decision:
        """Take one token for a request, or refuse it with how long to wait."""
        limit = self.limits[op_class]
        if not self.enabled:
            return Decision(True, int(limit.burst), int(limit.burst * self.global_factor), 0.0)
        global_limit = BucketLimit(
            limit.burst * self.global_factor, limit.refill_per_second * self.global_factor
        )
        own_key = f"{scope}|{principal}|{op_class}"
        global_key = f"{scope}|*|{op_class}"
        ok_own, own_left = self._take(own_key, limit, now, take=False)
        ok_global, global_left = self._take(global_key, global_limit, now, take=False)
        if ok_own and ok_global:
            self._buckets[own_key][0] -= 1
            self._buckets[global_key][0] -= 1
            return Decision(True, int(own_left - 1), int(global_left - 1), 0.0)
        wait_own = 0.0 if ok_own else (1 - own_left) / limit.refill_per_second
        wait_global = 0.0 if ok_global else (1 - global_left) / global_limit.refill_per_second
        return Decision(
            False, int(max(own_left, 0)), int(max(global_left, 0)), max(wait_own, wait_global)
        )

    def to_json(self) -> dict[str, Any]:
        return {"settings": self.settings(), "buckets": self._buckets}

    def load_json(self, data: dict[str, Any]) -> None:
        self.configure(data.get("settings", {}))
        self._buckets = {k: list(v) for k, v in data.get("buckets", {}).items()}


def retry_after_header(wait_sim: float) -> str:
    """``Retry-After`` in whole simulated seconds, as Azure counts it (never 0: the SDK treats
    0 as absent); a client waits it on the simulated clock."""
    return str(max(1, math.ceil(wait_sim)))
