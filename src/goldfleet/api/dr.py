"""DR for host pools with a ``drRegion``: the standby scale set's model kept on the newest
promoted version replicated there (``sync``, also run after every promotion), capacity brought
up when it is needed (``scale_out``), drills (``drill``) and what is there now (``status``)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from goldfleet.api.images import _context, client_factory
from goldfleet.api.rollouts import (
    image_target_of,
    may_run,
    pool_named,
    rollout_spec,
    start_runs,
)
from goldfleet.api.session import Target, clock_for
from goldfleet.azure import galleries, scale_sets
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.galleries import VersionState
from goldfleet.azure.session_hosts import PoolClient
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.dr import Candidate, standby_version
from goldfleet.domain.errors import GoldfleetError, UserInputError
from goldfleet.domain.host_pools import HostPool
from goldfleet.domain.images import ImagePipeline
from goldfleet.domain.releases import ReleaseTarget, check_version_name, release_targets


def _dr_pools(configuration: Configuration, name: str) -> tuple[HostPool, HostPool]:
    pool = pool_named(configuration, name)
    dr = pool.dr_pool()
    if dr is None:
        with_dr = sorted(p.name for p in configuration.host_pools if p.dr_pool() is not None)
        raise UserInputError(
            f"host pool {pool.name} has no DR region",
            hint="set drRegion, drResourceGroup and drSubnetId on the pool"
            + (f" (pools with DR: {', '.join(with_dr)})" if with_dr else ""),
        )
    return pool, dr


async def _standby(
    factory: ClientFactory, configuration: Configuration, pool: HostPool, target: ReleaseTarget
) -> VersionState:
    """The newest promoted version of the pool's image that is Completed in the DR region."""
    assert pool.dr_region is not None
    ref = configuration.tenant(target.tenant).credential
    listed = [v for v in await galleries.list_versions(factory, target, ref) if may_run(pool, v)]
    listed.sort(key=lambda v: check_version_name(v.name), reverse=True)
    seen: list[Candidate] = []
    for version in listed:
        full = await galleries.read_version(factory, target, ref, version.name)
        if full is None:
            continue
        region = full.region(pool.dr_region)
        seen.append(Candidate(full.name, region.state if region else None))
        if standby_version(seen) is not None:
            return full
    states = ", ".join(f"{c.name}: {c.dr_state or 'not a target'}" for c in seen) or "none"
    raise UserInputError(
        f"no promoted version of {target.definition} is replicated to {pool.dr_region}, the DR "
        f"region of {pool.name} (promoted versions there: {states})",
        hint=f"add {pool.dr_region} to the pipeline's target regions and replicate "
        "(goldfleet image version replicate), or wait for replication to complete",
    )


def dr_spec(configuration: Configuration, target: Target, name: str) -> dict[str, Any]:
    """The DR workflows' spec: the DR pool's rollout spec on the standby version, with the
    scale set's name and the primary pool (plain JSON, no secret)."""
    pool, dr = _dr_pools(configuration, name)
    today: date = clock_for(target).now().date()
    image_target = image_target_of(configuration, pool, today)
    factory = client_factory(target)

    async def read() -> VersionState:
        try:
            return await _standby(factory, configuration, pool, image_target)
        finally:
            await factory.close()

    version = asyncio.run(read())
    policy = configuration.rollout_policy(pool.rollout_policy)
    return {
        **rollout_spec(configuration, dr, image_target, version),
        "scaleSet": pool.scale_set_name,
        "primaryPool": pool.name,
        "primaryPoolId": str(pool.resource_id),
        "readyTimeoutSeconds": int(policy.host_ready_timeout.total_seconds()),
    }


def _runs(
    target: Target, configuration: Configuration, kind: str, specs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run ``dr.scale`` or ``dr.drill`` for each spec at once; their reports, in order."""
    from goldfleet.lifecycle import dr as workflows

    if not specs:
        return []
    workflow = workflows.drill if kind == "drill" else workflows.scale
    context = _context(target, configuration)
    runs = [(f"dr-{kind}:{s['primaryPool'].lower()}", workflow, context, s) for s in specs]
    return start_runs(target, runs)


def _run(target: Target, configuration: Configuration, kind: str, spec: dict[str, Any]) -> Any:
    return _runs(target, configuration, kind, [spec])[0]


def sync(config_path: Path, target: Target, pool_name: str) -> dict[str, Any]:
    """Create the standby scale set (zero instances) or bring its model to the standby
    version, keeping its capacity."""
    configuration = load_configuration(config_path).configuration
    spec = dr_spec(configuration, target, pool_name)
    return dict(_run(target, configuration, "scale", {**spec, "capacity": None}))


def scale_out(config_path: Path, target: Target, pool_name: str, capacity: int) -> dict[str, Any]:
    """Bring the standby scale set to ``capacity`` instances, each registered and healthy."""
    if capacity < 0:
        raise UserInputError(f"capacity must be 0 or more, not {capacity}")
    configuration = load_configuration(config_path).configuration
    spec = dr_spec(configuration, target, pool_name)
    return dict(_run(target, configuration, "scale", {**spec, "capacity": capacity}))


def drill(config_path: Path, target: Target, pool_name: str, instances: int = 1) -> dict[str, Any]:
    """Scale out by ``instances``, verify registration and health, scale back in, report."""
    if instances < 1:
        raise UserInputError(f"a drill needs at least one instance, not {instances}")
    configuration = load_configuration(config_path).configuration
    spec = dr_spec(configuration, target, pool_name)
    return dict(_run(target, configuration, "drill", {**spec, "instances": instances}))


def after_promotion(
    config_path: Path, target: Target, pipeline: ImagePipeline
) -> dict[str, dict[str, Any]]:
    """Bring the DR model of every pool that runs one of the pipeline's images to the standby
    version. A pool whose DR region has no replicated promoted version keeps its model; its
    report says why (a promotion does not fail because of DR)."""
    configuration = load_configuration(config_path).configuration
    today = clock_for(target).now().date()
    definitions = {t.definition for t in release_targets(configuration, pipeline, today)}
    reports: dict[str, dict[str, Any]] = {}
    specs: list[dict[str, Any]] = []
    for pool in configuration.host_pools:
        if pool.dr_pool() is None or pool.session_hosts.image not in definitions:
            continue
        try:
            specs.append({**dr_spec(configuration, target, pool.name), "capacity": None})
        except GoldfleetError as exc:
            reports[pool.name] = {"state": "kept", "reason": str(exc)}
    for spec, report in zip(specs, _runs(target, configuration, "scale", specs), strict=True):
        reports[spec["primaryPool"]] = {
            "state": report["state"],
            "version": report["version"],
            **({"reason": report["reason"]} if report.get("reason") else {}),
        }
    return reports


def status(config_path: Path, target: Target, pool_name: str) -> dict[str, Any]:
    """The standby scale set (model version, capacity, instances) and the DR pool's hosts."""
    configuration = load_configuration(config_path).configuration
    pool, dr = _dr_pools(configuration, pool_name)
    tenant = configuration.tenant(pool.tenant)
    factory = client_factory(target)
    args = (factory, tenant.tenant_id, dr.subscription_id, tenant.credential)

    async def read() -> dict[str, Any]:
        try:
            view = await scale_sets.read_scale_set(*args, dr.resource_group, pool.scale_set_name)
            hosts = await PoolClient(*args, str(dr.resource_id)).hosts()
        finally:
            await factory.close()
        return {
            "pool": pool.name,
            "drPool": dr.name,
            "region": dr.location,
            "scaleSet": pool.scale_set_name,
            "exists": view is not None,
            "version": view.image_id if view else None,
            "capacity": view.capacity if view else 0,
            "instances": [i.name for i in view.instances] if view else [],
            "hosts": [{"name": h.name, "status": h.status, "healthy": h.healthy} for h in hosts],
        }

    return asyncio.run(read())
