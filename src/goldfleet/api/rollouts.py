"""Host pool rollouts: which version a pool should run, preflight, running the ``pool.rollout``
workflow and rolling back to the kept hosts (a pool's hosts and drift: ``api.pool_status``)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from goldfleet import engine
from goldfleet.api.coordination import claim
from goldfleet.api.images import _context, client_factory
from goldfleet.api.session import Target, clock_for, running_engine
from goldfleet.azure import galleries, pool_preflight, scaling_plans
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.galleries import VersionState
from goldfleet.azure.ownership import acting_as
from goldfleet.azure.session_hosts import PoolClient
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import AzureCallError, UserInputError
from goldfleet.domain.host_pools import HostPool, JoinType
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.pool_checks import (
    POOL_ACTIONS,
    SUBNET_ACTIONS,
    PoolFacts,
    PoolNeeds,
    Problem,
    problems,
)
from goldfleet.domain.releases import (
    STAGE_ORDER,
    TAG_STAGE,
    ReleaseTarget,
    Stage,
    check_version_name,
    release_targets,
)
from goldfleet.domain.rollout import RolloutStrategy, policy_to_json
from goldfleet.domain.scaling import ScalingPlan
from goldfleet.domain.windows import MaintenanceSchedule


class PreflightError(UserInputError):
    """The rollout cannot start: every problem found, together."""

    def __init__(self, pool: str, found: list[Problem]) -> None:
        lines = [f"- {p.check}: {p.text}. Fix: {p.fix}" for p in found]
        super().__init__(
            f"rollout of {pool} cannot start ({len(found)} problems):\n" + "\n".join(lines),
            hint="goldfleet pool preflight POOL shows the same checks without starting",
        )
        self.problems = found


def pool_named(configuration: Configuration, name: str) -> HostPool:
    try:
        return configuration.host_pool(name)
    except KeyError:
        known = ", ".join(sorted(p.name for p in configuration.host_pools)) or "none"
        raise UserInputError(
            f"no host pool {name!r} in the configuration", hint=f"known host pools: {known}"
        ) from None


def image_target_of(configuration: Configuration, pool: HostPool, today: date) -> ReleaseTarget:
    """Where the versions of the pool's image definition live."""
    for pipeline in configuration.pipelines:
        for target in release_targets(configuration, pipeline, today):
            if target.definition == pool.session_hosts.image:
                return target
    raise UserInputError(
        f"no pipeline distributes image definition {pool.session_hosts.image!r}, which host pool "
        f"{pool.name} runs",
        hint="add the definition to a pipeline's distribution targets",
    )


def may_run(pool: HostPool, version: VersionState) -> bool:
    """Validation pools run what is validated or earlier (replicated); others what is promoted."""
    stage = version.tags.get(TAG_STAGE, "")
    if stage not in {s.value for s in Stage} or stage == Stage.RETIRED.value:
        return False
    least = Stage.REPLICATED if pool.validation else Stage.PROMOTED
    return STAGE_ORDER[Stage(stage)] >= STAGE_ORDER[least]


async def _pool_version(
    factory: ClientFactory,
    configuration: Configuration,
    pool: HostPool,
    target: ReleaseTarget,
    version: str | None,
) -> VersionState:
    ref = configuration.tenant(target.tenant).credential
    if version is not None:
        check_version_name(version)
        found = await galleries.read_version(factory, target, ref, version)
        if found is None:
            raise UserInputError(
                f"image version {version} of {target.definition} does not exist",
                hint="goldfleet image version list shows the versions",
            )
        return found
    listed = [v for v in await galleries.list_versions(factory, target, ref) if may_run(pool, v)]
    if not listed:
        wanted = "replicated" if pool.validation else "promoted"
        raise UserInputError(
            f"image definition {target.definition} has no {wanted} version for host pool "
            f"{pool.name}",
            hint="release a version and promote it (goldfleet image version promote)",
        )
    newest = max(listed, key=lambda v: check_version_name(v.name))
    full = await galleries.read_version(factory, target, ref, newest.name)
    assert full is not None
    return full


def schedule_of(configuration: Configuration, pool: HostPool) -> MaintenanceSchedule:
    """The pool's windows (its own, or its tenant's) in its tenant's time zone, with the
    tenant's freezes."""
    tenant = configuration.tenant(pool.tenant)
    windows = pool.windows if pool.windows is not None else tenant.windows
    return MaintenanceSchedule(tenant.time_zone, windows, tenant.freezes)


def _join(pool: HostPool) -> dict[str, Any]:
    join = pool.session_hosts.join
    if join.type is JoinType.AD:
        return {
            "type": "ad",
            "domain": join.domain,
            "ouPath": join.ou_path,
            "username": join.username,
            "secretEnv": join.secret_env,
        }
    return {"type": "entra", "intune": join.intune}


def rollout_spec(
    configuration: Configuration, pool: HostPool, target: ReleaseTarget, version: VersionState
) -> dict[str, Any]:
    """The workflow's arguments: plain JSON, no secret."""
    tenant = configuration.tenant(pool.tenant)
    policy = configuration.rollout_policy(pool.rollout_policy)
    hosts = pool.session_hosts
    return {
        "pool": pool.name,
        "poolId": str(pool.resource_id),
        "poolName": pool.host_pool_name,
        "poolType": pool.type.value,
        "tenantId": tenant.tenant_id,
        # A version in another tenant's gallery: VMs are made with that tenant's token too.
        "imageTenantId": target.tenant_id if target.tenant_id != tenant.tenant_id else None,
        "subscriptionId": pool.subscription_id,
        "resourceGroup": pool.resource_group,
        "location": pool.location,
        "versionId": target.version_id(version.name),
        "release": f"{version.tags.get('goldfleet-pipeline', target.definition)}:{version.name}",
        "size": hosts.vm_size,
        "namePrefix": hosts.name_prefix,
        "count": hosts.count,
        "subnetId": str(hosts.subnet_id),
        "osDiskType": hosts.os_disk_type,
        "join": _join(pool),
        "policy": policy_to_json(policy),
        "schedule": schedule_of(configuration, pool).to_json(),
    }


def _at_once(configuration: Configuration, pool: HostPool) -> int:
    policy = configuration.rollout_policy(pool.rollout_policy)
    if policy.strategy is RolloutStrategy.SIDE_BY_SIDE:
        return max(policy.max_surge, policy.canary.hosts, 1)
    return max(policy.batch_size, policy.canary.hosts, 1)


async def _facts(
    factory: ClientFactory,
    configuration: Configuration,
    pool: HostPool,
    version: VersionState,
    now: datetime,
) -> PoolFacts:
    tenant = configuration.tenant(pool.tenant)
    ref = tenant.credential
    args = (factory, tenant.tenant_id, ref)
    room = await pool_preflight.subnet_room(*args, str(pool.session_hosts.subnet_id))
    cores = await pool_preflight.vcpu_room(
        factory,
        tenant.tenant_id,
        pool.subscription_id,
        ref,
        pool.location,
        pool.session_hosts.vm_size,
    )
    region = version.region(pool.location)
    token_fix = None
    try:
        await PoolClient(
            factory, tenant.tenant_id, pool.subscription_id, ref, str(pool.resource_id)
        ).registration_token(now)
    except AzureCallError as exc:
        token_fix = f"{exc}" + (f" ({exc.hint})" if exc.hint else "")
    subnet = ResourceId(str(pool.session_hosts.subnet_id))
    granted = {
        f"resource group {pool.resource_group}": (
            POOL_ACTIONS,
            await pool_preflight.permissions(*args, pool.subscription_id, pool.resource_group),
        ),
        f"subnet {subnet}": (
            SUBNET_ACTIONS,
            await pool_preflight.permissions(
                *args, subnet.subscription_id or "", subnet.resource_group or ""
            ),
        ),
    }
    return PoolFacts(
        subnet_id=room.subnet_id,
        subnet_free=room.free,
        cores_per_vm=cores.cores,
        family=cores.family,
        family_free=cores.family_free,
        regional_free=cores.regional_free,
        replication_state=region.state if region else None,
        token_fix=token_fix,
        permissions=granted,
    )


@dataclass(frozen=True)
class _Prepared:
    """A pool, where its image's versions live, the version it should run, and - when asked
    for - the preflight's needs and facts."""

    configuration: Configuration
    pool: HostPool
    image_target: ReleaseTarget
    version: VersionState
    needs: PoolNeeds
    facts: PoolFacts | None
    scaling_plan: ScalingPlan | None = None

    @property
    def problems(self) -> list[Problem]:
        assert self.facts is not None
        return problems(self.needs, self.facts)

    def spec(self) -> dict[str, Any]:
        spec = rollout_spec(self.configuration, self.pool, self.image_target, self.version)
        if self.scaling_plan is not None:
            spec["scalingPlan"] = self.scaling_plan.to_json()
        return spec


def prepare(
    configuration: Configuration,
    target: Target,
    pool_name: str,
    version: str | None,
    *,
    checks: bool,
) -> _Prepared:
    """Resolve the pool's version; with ``checks``, also read the preflight's facts."""
    pool = pool_named(configuration, pool_name)
    now = clock_for(target).now()
    image_target = image_target_of(configuration, pool, now.date())
    factory = client_factory(target)

    tenant = configuration.tenant(pool.tenant)

    async def read() -> tuple[VersionState, PoolFacts | None, ScalingPlan | None]:
        try:
            found = await _pool_version(factory, configuration, pool, image_target, version)
            plan = await scaling_plans.pool_scaling_plan(
                factory,
                tenant.tenant_id,
                pool.subscription_id,
                tenant.credential,
                str(pool.resource_id),
            )
            if not checks:
                return found, None, plan
            return found, await _facts(factory, configuration, pool, found, now), plan
        finally:
            await factory.close()

    with acting_as(configuration.owner(OwnerKind.POOL, pool.name)):  # a token may be issued
        found, facts, plan = asyncio.run(read())
    needs = PoolNeeds(
        pool=pool.name,
        new_hosts_at_once=_at_once(configuration, pool),
        size=pool.session_hosts.vm_size,
        region=pool.location,
        version_id=image_target.version_id(found.name),
    )
    return _Prepared(configuration, pool, image_target, found, needs, facts, plan)


def start_runs(
    target: Target,
    runs: list[tuple[str, Any, dict[str, Any], dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Start (worker here) or enqueue (workers elsewhere) each ``(base id, workflow, context,
    spec)`` under a fresh id (see ``_fresh_id``), once its pool is claimed for it
    (``api.coordination``: another command on the pool makes this one wait or refuse), and
    wait for the reports, in order; each report says its workflow id."""
    from goldfleet.lifecycle.context import ApplyContext
    from goldfleet.lifecycle.rollout import ROLLOUTS

    with running_engine(target) as mode:
        handles = []
        claims = []
        for base, workflow, context, spec in runs:
            run_id = _fresh_id(base)
            name = spec.get("primaryPool") or spec["pool"]
            owner = ApplyContext.from_json(context).owner(OwnerKind.POOL, name)
            claim([owner.tag], run_id, f"goldfleet {base.split(':')[0]} {name}")
            claims.append((run_id, workflow, context, spec))
        for run_id, workflow, context, spec in claims:
            if mode == "worker":
                handles.append((run_id, engine.start(run_id, workflow, context, spec)))
            else:
                handles.append((run_id, engine.enqueue(ROLLOUTS, run_id, workflow, context, spec)))
        return [{**handle.result(), "workflow": run_id} for run_id, handle in handles]


def preflight(
    config_path: Path, target: Target, pool_name: str, version: str | None = None
) -> dict[str, Any]:
    """The checks a rollout makes before it starts, without starting it."""
    configuration = load_configuration(config_path).configuration
    prepared = prepare(configuration, target, pool_name, version, checks=True)
    found = prepared.problems
    return {
        "pool": prepared.pool.name,
        "version": prepared.needs.version_id,
        "needs": asdict(prepared.needs),
        "facts": asdict(prepared.facts) if prepared.facts else None,
        "problems": [asdict(p) for p in found],
        "ok": not found,
    }


def workflow_id(pool: str, version: str) -> str:
    return f"rollout:{pool.lower()}:{version}"


def roll_out(
    config_path: Path,
    target: Target,
    pool_name: str,
    version: str | None = None,
) -> dict[str, Any]:
    """Preflight, then run the rollout durably and return its report. A rollout of the same
    pool and version that finished runs again under a new id (``...#2``); one that is still
    running is waited for."""
    configuration = load_configuration(config_path).configuration
    prepared = prepare(configuration, target, pool_name, version, checks=True)
    if prepared.problems:
        raise PreflightError(prepared.pool.name, prepared.problems)
    return _run_rollouts(target, [prepared])[0]


def _run_rollouts(target: Target, prepared: list[_Prepared]) -> list[dict[str, Any]]:
    from goldfleet.lifecycle.rollout import rollout

    runs = [
        (
            workflow_id(p.pool.name, p.version.name),
            rollout,
            _context(target, p.configuration),
            p.spec(),
        )
        for p in prepared
    ]
    return start_runs(target, runs)


_FINISHED = {
    engine.WorkflowState.SUCCESS,
    engine.WorkflowState.ERROR,
    engine.WorkflowState.CANCELLED,
    engine.WorkflowState.MAX_RECOVERY_ATTEMPTS_EXCEEDED,
}


def roll_out_many(
    config_path: Path,
    target: Target,
    pool_names: list[str],
    version: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Preflight every pool, then run the rollouts of those that pass at once, each in its own
    windows; a report per pool (the preflight's problems for those that did not start)."""
    configuration = load_configuration(config_path).configuration
    reports: dict[str, dict[str, Any]] = {}
    ready: list[_Prepared] = []
    for name in pool_names:
        prepared = prepare(configuration, target, name, version, checks=True)
        if prepared.problems:
            reports[name] = {
                "pool": name,
                "state": "not started",
                "reason": str(PreflightError(name, prepared.problems)),
                "problems": [asdict(p) for p in prepared.problems],
            }
        else:
            ready.append(prepared)
    for prepared, report in zip(ready, _run_rollouts(target, ready), strict=True):
        reports[prepared.pool.name] = report
    return reports


def roll_back(config_path: Path, target: Target, pool_name: str) -> dict[str, Any]:
    """Run ``pool.rollback``: the kept hosts back in service, their replacements out."""
    from goldfleet.lifecycle.rollout import rollback

    configuration = load_configuration(config_path).configuration
    prepared = prepare(configuration, target, pool_name, None, checks=False)
    base = f"rollback:{prepared.pool.name.lower()}"
    context = _context(target, configuration)
    return start_runs(target, [(base, rollback, context, prepared.spec())])[0]


def _fresh_id(base: str) -> str:
    candidate, attempt = base, 1
    while True:
        record = engine.get_workflow(candidate)
        if record is None or record.state not in _FINISHED:
            return candidate
        attempt += 1
        candidate = f"{base}#{attempt}"
