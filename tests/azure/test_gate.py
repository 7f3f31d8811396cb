"""The ARM gate against the emulator with ARM's own limits: far more writes than the buckets
hold, and yet no 429 reaches the user and, measured in the emulator's request log, the rates
are never exceeded. Without the gate the same work is throttled (so the test can fail)."""

from __future__ import annotations

import asyncio
import time

import pytest
from azure.core.exceptions import HttpResponseError

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.gate import ArmGate
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.ownership import Owner, OwnerKind
from goldfleet.domain.rate_limits import BucketLimit, MemoryBuckets
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, SECRET

WRITES = 260
BURST, REFILL = 100.0, 20.0
SPEED = 5.0


class SimulatedClock:
    """The emulator's clock, followed locally from one reading of /_emulator/clock."""

    def __init__(self, emu) -> None:
        reading = emu.control("GET", "/clock")
        self.speed = float(reading["speed"])
        self._sim0 = float(reading["timestamp"])
        self._real0 = time.monotonic()

    def seconds(self) -> float:
        return self._sim0 + (time.monotonic() - self._real0) * self.speed

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)


@pytest.fixture
def throttled_emulator(emu, monkeypatch):
    monkeypatch.setenv("GATE_TEST_SECRET", SECRET)
    emu.control("PUT", "/throttling", {"writes": {"burst": BURST, "refillPerSecond": REFILL}})
    emu.control("PUT", "/clock", {"speed": SPEED})
    emu.control("DELETE", "/requests")
    yield emu
    emu.control("PUT", "/clock", {"speed": 0})


async def create_groups(emu, gate: ArmGate, prefix: str) -> list[Exception]:
    factory = ClientFactory(emulator_cloud(emu.endpoint, emu.ca_path), gate=gate)
    ref = client_secret(GF_APP, "GATE_TEST_SECRET")
    client = factory.resources(PROVIDER, PROVIDER_SUB, ref)
    failures: list[Exception] = []
    limit = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with limit:
            try:
                await client.resource_groups.create_or_update(
                    f"{prefix}-{i:03d}", {"location": "uksouth"}
                )
            except HttpResponseError as exc:
                failures.append(exc)

    async with client:
        with acting_as(Owner("goldfleet", OwnerKind.TENANT, "provider")):
            await asyncio.gather(*(one(i) for i in range(WRITES)))
    await factory.close()
    return failures


def writes_in_log(emu, prefix: str) -> list[tuple[float, int]]:
    entries = emu.control("GET", "/requests")["value"]
    return [
        (e["simulatedTime"], e["status"])
        for e in entries
        if e["method"] == "PUT" and prefix in e["path"]
    ]


def test_gate_keeps_writes_within_arm_limits_and_absorbs_nothing(throttled_emulator):
    emu = throttled_emulator
    limits = {
        "reads": BucketLimit(250, 25),
        "writes": BucketLimit(BURST, REFILL),
        "deletes": BucketLimit(200, 10),
    }
    gate = ArmGate(MemoryBuckets(), SimulatedClock(emu), limits)
    failures = asyncio.run(create_groups(emu, gate, "rg-gated"))
    assert failures == []  # no 429 (or anything else) reached the caller
    log = writes_in_log(emu, "rg-gated")
    assert len(log) == WRITES and {status for _, status in log} == {201}
    times = sorted(t for t, _ in log)
    assert times[-1] - times[0] >= (WRITES - BURST) / REFILL * 0.9  # it really had to wait
    for window in (1.0, 2.0, 5.0, 10.0):
        busiest = max(sum(1 for u in times[i:] if u - t <= window) for i, t in enumerate(times))
        assert busiest <= BURST + REFILL * window + 1, (window, busiest)


def test_without_the_gate_the_same_work_is_throttled(throttled_emulator):
    emu = throttled_emulator
    # Slow time, so that ARM's refill (20 writes a real second) is far below what the client
    # sends even on a slow, busy machine: the test must not depend on how fast this one is.
    emu.control("PUT", "/clock", {"speed": 1.0})
    unlimited = {c: BucketLimit(1e9, 1e9) for c in ("reads", "writes", "deletes")}
    gate = ArmGate(MemoryBuckets(), SimulatedClock(emu), unlimited)
    asyncio.run(create_groups(emu, gate, "rg-ungated"))
    statuses = [status for _, status in writes_in_log(emu, "rg-ungated")]
    assert 429 in statuses  # ARM throttled us: the gate above is what prevents this
    assert gate.stats.throttled > 0
