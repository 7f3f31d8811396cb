"""Workflows that the worker-kill tests run inside ``goldfleet worker run`` processes.

Each step writes one resource group to the emulator through goldfleet's own Azure client
factory (the real, async Azure SDK over HTTPS). Workflow ids and resource names are
deterministic, so a re-run step is a harmless create-or-update of the same group.

The worker process learns where the emulator is from the environment (set by the test):
``GF_KILLTEST_ENDPOINT``, ``GF_KILLTEST_CA``, ``GF_KILLTEST_SECRET``; and, optionally,
``GF_KILLTEST_HOLD`` = ``<group name>|<go file>``: after writing that group, the step waits
until the go file exists - so the test can kill the worker after a write and before the
step's checkpoint.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from pathlib import Path

from goldfleet import engine
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.ownership import Owner, OwnerKind
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB

KILL_QUEUE = engine.queue("enginetest.kill")
OWNER = Owner("goldfleet", OwnerKind.TENANT, "engine-kill-test")
LOCATION = "westeurope"


async def _put_group(name: str) -> str:
    cloud = emulator_cloud(os.environ["GF_KILLTEST_ENDPOINT"], Path(os.environ["GF_KILLTEST_CA"]))
    factory = ClientFactory(cloud)
    try:
        async with factory.resources(
            PROVIDER, PROVIDER_SUB, client_secret(GF_APP, "GF_KILLTEST_SECRET")
        ) as client:
            with acting_as(OWNER):  # a write says whom it acts for (docs/safety.md, rule 1)
                group = await client.resource_groups.create_or_update(
                    name, {"location": LOCATION, "tags": {"createdBy": "engine-kill-test"}}
                )
    finally:
        await factory.close()
    return str(group.id)


def _hold_after(name: str) -> tuple[bool, Path | None]:
    spec = os.environ.get("GF_KILLTEST_HOLD", "")
    if "|" not in spec:
        return False, None
    group, go_file = spec.split("|", 1)
    return group == name, Path(go_file)


@engine.step("enginetest.create_group")
async def create_group(name: str) -> str:
    group_id = await _put_group(name)
    hold, go_file = _hold_after(name)
    deadline = time.monotonic() + 60
    while hold and go_file is not None and not go_file.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return group_id


@engine.step("enginetest.create_group_sync")
def create_group_sync(name: str) -> str:
    return asyncio.run(_put_group(name))


@engine.workflow("enginetest.build_groups")
async def build_groups(
    prefix: str, count: int, pause_after: int, wake_at: datetime | None
) -> list[str]:
    """Create ``prefix-1`` .. ``prefix-count``; after group ``pause_after``, durably wait
    until ``wake_at`` on the worker's clock (the emulator's simulated clock)."""
    created = []
    for i in range(1, count + 1):
        created.append(await create_group(f"{prefix}-{i}"))
        if i == pause_after and wake_at is not None:
            await engine.sleep_until_async(wake_at)
    return created


@engine.workflow("enginetest.build_groups_sync")
def build_groups_sync(
    prefix: str, count: int, pause_after: int, wake_at: datetime | None
) -> list[str]:
    """The same with plain ``def`` steps and workflow."""
    created = []
    for i in range(1, count + 1):
        created.append(create_group_sync(f"{prefix}-{i}"))
        if i == pause_after and wake_at is not None:
            engine.sleep_until(wake_at)
    return created
