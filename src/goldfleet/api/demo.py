"""``goldfleet demo``: the main job on the embedded emulator, stage by stage."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from goldfleet.api.emulator import EXAMPLE_SCENARIO, embedded_emulator, emulator_options
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.inventory import TenantView, read_tenant
from goldfleet.domain.errors import UserInputError
from goldfleet.emulator import load_scenario

DEMO_SECRET_ENV = "GOLDFLEET_DEMO_CLIENT_SECRET"


@dataclass(frozen=True)
class DemoResult:
    endpoint: str
    ca_path: Path
    tenants: list[TenantView]
    requests: int


def run_demo(scenario_path: Path = EXAMPLE_SCENARIO, state_dir: Path | None = None) -> DemoResult:
    """Start the embedded emulator with the example estate and read it through the Azure SDK,
    tenant by tenant, with the MSP's multi-tenant app registration."""
    options = emulator_options(scenario=scenario_path, state_dir=state_dir)
    scenario, _ = load_scenario(scenario_path)
    app = scenario.applications[0]
    if not app.secrets:
        raise UserInputError(f"the demo scenario's application '{app.name}' has no secret")
    os.environ[DEMO_SECRET_ENV] = app.secrets[0].value  # the emulator's own, fake credential
    ref = client_secret(str(app.app_id), DEMO_SECRET_ENV)
    with embedded_emulator(options) as (emu, cloud):

        async def read_all() -> list[TenantView]:
            factory = ClientFactory(cloud)
            try:
                return [await read_tenant(factory, str(t.id), ref) for t in scenario.tenants]
            finally:
                await factory.close()

        tenants = asyncio.run(read_all())
        counters = emu.control("GET", "/counters")
    return DemoResult(emu.endpoint, emu.ca_path, tenants, int(counters.get("requests", 0)))
