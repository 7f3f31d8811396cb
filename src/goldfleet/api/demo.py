"""``goldfleet demo``: the main job on the embedded emulator, stage by stage.

Today: start the emulator with the example MSP estate, read every tenant through the Azure SDK,
validate the example configuration, plan, apply durably on the engine (resource groups,
galleries, image definitions), plan again (nothing left to do), capture the legal master VM
without touching it, let the build scheduler build the monthly image with Azure Image Builder
and release it to every region and tenant, and check the audit trail. Later stages extend it
until it tells the whole story.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldfleet.api import builds, changes, scheduling, status
from goldfleet.api.emulator import EXAMPLE_SCENARIO, REPO_ROOT, embedded_emulator, emulator_options
from goldfleet.api.session import Target
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.inventory import TenantView, read_tenant
from goldfleet.config import load_configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.emulator import load_scenario

EXAMPLE_CONFIGURATION = REPO_ROOT / "examples" / "goldfleet"
SECRET_ENV = "GOLDFLEET_CLIENT_SECRET"  # what examples/goldfleet's credentials reference
CAPTURE_PIPELINE = "win11-legal-capture"  # captures the estate's master VM


@dataclass(frozen=True)
class DemoResult:
    endpoint: str
    ca_path: Path
    tenants: list[TenantView]
    first_plan: changes.PlanResult
    applied: changes.ApplyResult
    second_plan: changes.PlanResult
    capture: builds.BuildResult
    schedule: scheduling.Tick
    audit: status.AuditView
    requests: int


Stage = Callable[[str, Any], None]


def run_demo(
    scenario_path: Path = EXAMPLE_SCENARIO,
    config_path: Path = EXAMPLE_CONFIGURATION,
    state_dir: Path | None = None,
    on_stage: Stage | None = None,
) -> DemoResult:
    """Run the demo; ``on_stage(name, value)`` is told as each stage completes."""
    say = on_stage or (lambda _name, _value: None)
    options = emulator_options(scenario=scenario_path, speed=20000)
    scenario, _ = load_scenario(scenario_path)
    app = scenario.applications[0]
    if not app.secrets:
        raise UserInputError(f"the demo scenario's application '{app.name}' has no secret")
    # The emulator's own, fake credential, handed over the way a user would: an environment
    # variable that the configuration's credential reference names.
    os.environ[SECRET_ENV] = app.secrets[0].value
    state = state_dir or Path(tempfile.mkdtemp(prefix="goldfleet-demo-"))
    os.environ["GOLDFLEET_STATE_DIR"] = str(state)
    os.environ.pop("GOLDFLEET_DATABASE_URL", None)
    loaded = load_configuration(config_path)
    say("validated", loaded)
    with embedded_emulator(options) as (emu, cloud):
        say("emulator", emu)
        target = Target(cloud, state)
        refs = {t.tenant_id.lower(): t.credential for t in loaded.configuration.tenants}

        async def read_all() -> list[TenantView]:
            factory = ClientFactory(cloud)
            try:
                return [
                    await read_tenant(factory, str(t.id), refs[str(t.id).lower()])
                    for t in scenario.tenants
                ]
            finally:
                await factory.close()

        tenants = asyncio.run(read_all())
        say("estate", tenants)
        first = changes.plan(config_path, target)
        say("plan", first)
        applied = changes.apply(config_path, target)
        say("apply", applied)
        second = changes.plan(config_path, target)
        say("replan", second)
        captured = builds.capture(config_path, target, CAPTURE_PIPELINE)
        say("capture", captured)
        tick = scheduling.tick(config_path, target)
        say("schedule", tick)
        trail = status.audit_trail(None)
        say("audit", trail)
        counters = emu.control("GET", "/counters")
    return DemoResult(
        emu.endpoint,
        emu.ca_path,
        tenants,
        first,
        applied,
        second,
        captured,
        tick,
        trail,
        int(counters.get("requests", 0)),
    )
