"""The ARM gate: every call goes through a token bucket per (tenant, subscription, reads /
writes / deletes) sized like ARM's own, so that hundreds of tenants never trip throttling.

Buckets live in a :class:`BucketStore` - in memory for one process, in the database when several
workers share a subscription (see ``goldfleet.store.buckets``). The gate is an azure-core
pipeline policy: it takes a token before each attempt, learns from ARM's
``x-ms-ratelimit-remaining-*`` headers, and on a 429 waits ``Retry-After`` and tries again, so
throttling never reaches the user. Time comes from a clock (the emulator's simulated clock when
talking to the emulator).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlparse

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy

from goldfleet.domain.rate_limits import ARM_LIMITS, BucketLimit, BucketStore, MemoryBuckets

MAX_THROTTLED_ATTEMPTS = 8


class GateClock(Protocol):
    """Seconds on the clock ARM's buckets refill by, and a way to wait on it."""

    def seconds(self) -> float: ...

    async def wait(self, seconds: float) -> None: ...


class WallClock:
    def seconds(self) -> float:
        return time.time()

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def operation_class(method: str) -> str:
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


def subscription_of(url: str) -> str | None:
    parts = [p for p in urlparse(url).path.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return parts[1].lower()
    return None


@dataclass
class GateStats:
    calls: int = 0
    throttled: int = 0  # 429s absorbed by waiting
    waited_seconds: float = 0.0


class ArmGate:
    """Shared by every client of one goldfleet process; keyed by tenant and subscription."""

    def __init__(
        self,
        store: BucketStore | None = None,
        clock: GateClock | None = None,
        limits: dict[str, BucketLimit] | None = None,
        headroom: float = 0.1,
    ) -> None:
        """``headroom`` is the share of ARM's budget left unused: requests admitted in order can
        arrive out of order, and others (the portal, scripts) may share the subscription."""
        self.store = store or MemoryBuckets()
        self.clock = clock or WallClock()
        self.limits = {
            op: BucketLimit(limit.burst * (1 - headroom), limit.refill_per_second * (1 - headroom))
            for op, limit in (limits or ARM_LIMITS).items()
        }
        self.stats = GateStats()

    def key(self, tenant_id: str, scope: str, op_class: str) -> str:
        return f"{tenant_id.lower()}|{scope}|{op_class}"

    async def acquire(self, key: str, op_class: str) -> None:
        limit = self.limits[op_class]
        while True:
            wait = self.store.take(key, limit, self.clock.seconds())
            if wait <= 0:
                self.stats.calls += 1
                return
            self.stats.waited_seconds += wait
            await self.clock.wait(wait)

    def observe(self, key: str, op_class: str, remaining: str | None) -> None:
        if remaining is None:
            return
        try:
            value = float(remaining)
        except ValueError:
            return
        self.store.observe(key, self.limits[op_class], value, self.clock.seconds())

    def throttled(self, key: str, op_class: str, retry_after: float) -> None:
        self.stats.throttled += 1
        now = self.clock.seconds()
        self.store.block(key, self.limits[op_class], now + retry_after, now)

    def policy(self, tenant_id: str) -> ArmGatePolicy:
        return ArmGatePolicy(self, tenant_id)


def retry_after_seconds(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return max(1.0, float(value))
    except ValueError:
        return 1.0


class ArmGatePolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Per-attempt policy: token first, headers after, 429 absorbed."""

    def __init__(self, gate: ArmGate, tenant_id: str) -> None:
        super().__init__()
        self.gate = gate
        self.tenant_id = tenant_id

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        http = request.http_request
        op_class = operation_class(http.method)
        scope = subscription_of(http.url) or "tenant"
        key = self.gate.key(self.tenant_id, scope, op_class)
        level = "tenant" if scope == "tenant" else "subscription"
        for _ in range(MAX_THROTTLED_ATTEMPTS):
            await self.gate.acquire(key, op_class)
            response: PipelineResponse = await self.next.send(request)  # type: ignore[type-arg]
            headers = response.http_response.headers
            self.gate.observe(
                key, op_class, headers.get(f"x-ms-ratelimit-remaining-{level}-{op_class}")
            )
            if response.http_response.status_code != 429:
                return response
            wait = retry_after_seconds(headers.get("Retry-After"))
            # Retry-After counts seconds of ARM's clock, the one the buckets count on
            self.gate.throttled(key, op_class, math.ceil(wait))
        return response
