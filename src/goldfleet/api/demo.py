"""``goldfleet demo``: the main job on the embedded emulator, stage by stage.

Today: start the emulator with the example MSP estate, read every tenant through the Azure SDK,
validate the example configuration, plan, apply durably on the engine (resource groups,
galleries, image definitions), plan again (nothing left to do), capture the legal master VM
without touching it, let the build scheduler build the monthly image with Azure Image Builder
and release it to every region and tenant, promote both releases (with an audited override:
validation gates come later), re-image every host pool in its tenant's next maintenance window
with simulated users signed in, and check the audit trail.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from goldfleet.api import builds, changes, dr, images, promotion, rollouts, scheduling, status
from goldfleet.api.emulator import embedded_emulator, emulator_options
from goldfleet.api.examples import EXAMPLE_CONFIGURATION, EXAMPLE_SCENARIO
from goldfleet.api.session import EMULATOR_SECRET_ENV, Target
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.inventory import TenantView, read_tenant
from goldfleet.config import load_configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.host_pools import HostPool, HostPoolType
from goldfleet.emulator import load_scenario

SECRET_ENV = "GOLDFLEET_CLIENT_SECRET"  # what examples/goldfleet's credentials reference
CAPTURE_PIPELINE = "win11-legal-capture"  # captures the estate's master VM
JOIN_SECRET_ENV = "FABRIKAM_DOMAIN_JOIN_PASSWORD"  # Fabrikam's AD join account (fake here)
DEMO_SPEED = 20000
ROLLOUT_SPEED = 1000  # simulated seconds per real second while pools are re-imaged
DRILL_SPEED = 300  # and while a DR drill times how soon its instances serve
PROMOTION_REASON = "demo: promoted without the validation stage, which comes in a later issue"


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
    rollouts: list[dict[str, Any]]
    drills: list[dict[str, Any]]
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
    options = emulator_options(scenario=scenario_path, speed=DEMO_SPEED)
    scenario, _ = load_scenario(scenario_path)
    app = scenario.applications[0]
    if not app.secrets:
        raise UserInputError(f"the demo scenario's application '{app.name}' has no secret")
    # The emulator's own, fake credential, handed over the way a user would: an environment
    # variable that the configuration's credential reference names.
    os.environ[SECRET_ENV] = app.secrets[0].value
    os.environ.setdefault(JOIN_SECRET_ENV, "demo-join-Passw0rd!")
    state = state_dir or Path(tempfile.mkdtemp(prefix="goldfleet-demo-"))
    os.environ["GOLDFLEET_STATE_DIR"] = str(state)
    os.environ.pop("GOLDFLEET_DATABASE_URL", None)
    loaded = load_configuration(config_path)
    say("validated", loaded)
    with embedded_emulator(options) as (emu, cloud):
        say("emulator", emu)
        # Its control secret too (goldfleet follows its clock through the control API): a
        # secret left in the environment for another emulator must not be the one used.
        os.environ[EMULATOR_SECRET_ENV] = emu.control_secret
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
        reports = _host_pools(emu, config_path, target, [captured, *tick.results], say)
        drills = [
            _drill(emu, config_path, target, pool.name)
            for pool in loaded.configuration.host_pools
            if pool.dr_pool() is not None
        ]
        say("dr", drills)
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
        reports,
        drills,
        trail,
        int(counters.get("requests", 0)),
    )


def _host_pools(
    emu: Any, config_path: Path, target: Target, made: list[builds.BuildResult], say: Stage
) -> list[dict[str, Any]]:
    """Promote what the builds released, provision every pool in its next window, then release
    and promote a new monthly version and re-image the pools with it."""
    loaded = load_configuration(config_path)
    for result in made:
        if result.release is not None:
            promotion.promote_release(
                config_path, target, result.release.release_id, PROMOTION_REASON
            )
    pools = loaded.configuration.host_pools
    reports = [_re_image(emu, config_path, target, pool) for pool in pools]
    say("pools", reports)
    monthly = next(r for r in made if r.release is not None and r.builder != "capture")
    assert monthly.release is not None
    made_from = next(
        t["versionId"]
        for t in monthly.release.outcome["targets"].values()
        if t.get("versionId") and t.get("state") == "Completed"
    )
    # Skip ahead past the tenants' holiday freezes, so that the update reaches them all.
    thaw = max(f.end for t in loaded.configuration.tenants for f in t.freezes)
    after = datetime.combine(thaw + timedelta(days=2), time(9, 0), UTC)
    if after.timestamp() > float(emu.control("GET", "/clock")["timestamp"]):
        emu.control("PUT", "/clock", {"now": after.isoformat()})
    update = images.create_release(config_path, target, monthly.pipeline, made_from)
    promotion.promote_release(config_path, target, update.release_id, PROMOTION_REASON)
    say("update", update)
    reports += [_re_image(emu, config_path, target, pool) for pool in pools]
    say("re-imaged", reports[len(pools) :])
    return reports


def _drill(emu: Any, config_path: Path, target: Target, pool: str) -> dict[str, Any]:
    """A DR drill of two instances from the pool's standby scale set."""
    emu.control("PUT", "/clock", {"speed": DRILL_SPEED})
    try:
        return dr.drill(config_path, target, pool, instances=2)
    except UserInputError as exc:
        return {"pool": pool, "state": "not started", "reason": exc.message}
    finally:
        emu.control("PUT", "/clock", {"speed": DEMO_SPEED})


def _re_image(emu: Any, config_path: Path, target: Target, pool: HostPool) -> dict[str, Any]:
    """Move the clock to a minute before the pool's next window, with users signed in, and
    roll the pool out to its promoted version."""
    configuration = load_configuration(config_path).configuration
    tenant = configuration.tenant(pool.tenant)
    schedule = rollouts.schedule_of(configuration, pool)
    now = datetime.fromisoformat(emu.control("GET", "/clock")["now"].replace("Z", "+00:00"))
    start, _ = schedule.batch_start(now, timedelta(hours=1))
    opens = start - timedelta(minutes=1)
    local = start.astimezone(ZoneInfo(tenant.time_zone))
    personal = pool.type is HostPoolType.PERSONAL
    emu.control(
        "PUT",
        "/desktopvirtualization/populations",
        {  # a late shift: signed in when the window opens; most sign out when messaged
            "hostPoolId": str(pool.resource_id),
            "users": pool.session_hosts.count * (1 if personal else 3),
            "timeZone": tenant.time_zone,
            "start": (local - timedelta(hours=1)).time().isoformat(timespec="minutes"),
            "end": (local + timedelta(minutes=90)).time().isoformat(timespec="minutes"),
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "signOutOnMessage": 0.7,
        },
    )
    emu.control("PUT", "/clock", {"now": opens.isoformat(), "speed": ROLLOUT_SPEED})
    try:
        return rollouts.roll_out(config_path, target, pool.name)
    except UserInputError as exc:
        return {"pool": pool.name, "state": "not started", "reason": exc.message}
    finally:
        emu.control("PUT", "/clock", {"speed": DEMO_SPEED})
