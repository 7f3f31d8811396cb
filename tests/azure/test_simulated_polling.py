"""goldfleet's clients wait what Azure asks on the clock they run by: a long-running operation is
polled after its ``Retry-After`` (simulated seconds, as the emulator sends them) through the
transport's ``sleep``, on the gate's clock - never in real seconds."""

from __future__ import annotations

import asyncio
import time

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.gate import ArmGate
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.ownership import Owner, OwnerKind
from goldfleet.domain.rate_limits import MemoryBuckets
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, SECRET


class FrozenEmulatorClock:
    """The gate's clock for a frozen emulator: waiting moves the emulator's clock instead of
    sleeping, and every wait is recorded."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.waits: list[float] = []

    def seconds(self) -> float:
        return float(self.emu.control("GET", "/clock")["timestamp"])

    async def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.to_thread(self.emu.control, "PUT", "/clock", {"advanceSeconds": seconds})


async def delete_group(emu, clock: FrozenEmulatorClock) -> tuple[bool, bool]:
    """Create a group, delete it; whether it existed before and after."""
    factory = ClientFactory(
        emulator_cloud(emu.endpoint, emu.ca_path), gate=ArmGate(MemoryBuckets(), clock)
    )
    client = factory.resources(PROVIDER, PROVIDER_SUB, client_secret(GF_APP, "POLL_TEST_SECRET"))
    async with client:
        with acting_as(Owner("goldfleet", OwnerKind.TENANT, "provider")):
            await client.resource_groups.create_or_update(
                "rg-polled",
                {"location": "uksouth", "tags": {"goldfleet-owner": "goldfleet/tenant/provider"}},
            )
            before = await client.resource_groups.check_existence("rg-polled")
            poller = await client.resource_groups.begin_delete("rg-polled")
            await poller.result()
            after = await client.resource_groups.check_existence("rg-polled")
    await factory.close()
    return before, after


def test_an_operation_is_polled_after_its_retry_after_on_the_simulated_clock(emu, monkeypatch):
    monkeypatch.setenv("POLL_TEST_SECRET", SECRET)
    clock = FrozenEmulatorClock(emu)
    started = time.monotonic()
    existed, exists = asyncio.run(delete_group(emu, clock))
    # ARM answers a group's deletion with Retry-After: 15 (simulated seconds); the deletion takes
    # 8 s, so one wait of 15 simulated seconds ends it. Frozen, nothing else moves the clock:
    # the poller's wait is what moved it, and no real second was slept for it.
    assert clock.waits == [15.0]
    assert time.monotonic() - started < 10
    assert existed and not exists
