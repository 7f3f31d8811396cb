"""``plan`` and ``apply``: observe what Azure holds (list calls, through the ARM gate), plan the
difference from the configuration, and carry the plan out durably on the engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goldfleet.api.coordination import claim, release
from goldfleet.api.session import Target, actor, clock_for, running_engine
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.observe import observe
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import BusyError, UserInputError
from goldfleet.domain.observed import ObservedState
from goldfleet.planner import Action, Plan, make_plan
from goldfleet.store import audit, plans
from goldfleet.store.db import shared_database


def _wait(
    run: Any, total: int, run_id: str, timeout: float | None, on_progress: Progress | None
) -> Any:
    """The workflow's result; meanwhile, tell ``on_progress`` how many changes are done (read
    from the audit trail, where each applied change leaves an entry)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            return run.result(timeout=0.5)
        except TimeoutError:
            if deadline is not None and time.monotonic() > deadline:
                raise
            if on_progress is not None:
                on_progress(audit.count_for_workflow(shared_database(), run_id, "change."), total)


class StalePlanError(UserInputError):
    """A saved plan no longer matches what Azure holds or what the configuration says."""


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    configuration: Configuration
    files: tuple[str, ...]


def _targets(configuration: Configuration) -> list[tuple[str, str, Any, bool, bool]]:
    with_galleries = {g.subscription_id.lower() for g in configuration.galleries}
    with_pools = {p.subscription_id.lower() for p in configuration.host_pools}
    return [
        (
            tenant.tenant_id,
            sub.subscription_id,
            tenant.credential,
            sub.subscription_id.lower() in with_galleries,
            sub.subscription_id.lower() in with_pools,
        )
        for tenant in configuration.tenants
        for sub in tenant.subscriptions
    ]


def observe_configuration(target: Target, configuration: Configuration) -> ObservedState:
    """What Azure holds for every subscription the configuration names."""
    from goldfleet.lifecycle.context import gate_for

    with_versions = any(p.retention is not None for p in configuration.pipelines)

    async def run() -> ObservedState:
        factory = ClientFactory(target.cloud, gate=gate_for(target.cloud))
        try:
            return await observe(factory, _targets(configuration), with_versions=with_versions)
        finally:
            await factory.close()

    return asyncio.run(run())


def plan(config_path: Path, target: Target) -> PlanResult:
    loaded = load_configuration(config_path)
    observed = observe_configuration(target, loaded.configuration)
    configuration = loaded.configuration
    result = make_plan(
        configuration.tenants,
        observed,
        configuration.galleries,
        configuration.image_definitions,
        retention=(configuration, clock_for(target).now()),
        host_pools=configuration.host_pools,
        installation=configuration.installation,
    )
    return PlanResult(result, loaded.configuration, loaded.files)


def save_plan(result: PlanResult, path: Path) -> None:
    path.write_text(result.plan.dumps())


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    workflow_id: str | None
    applied: list[str]
    mode: str  # "worker" (ran here), "client" (a worker ran it), "nothing" (no changes)


def _check_applicable(plan_to_apply: Plan) -> None:
    if plan_to_apply.problems:
        raise UserInputError(
            "the plan has problems and cannot be applied:\n  " + "\n  ".join(plan_to_apply.problems)
        )
    for change in plan_to_apply.pending:
        if change.action is Action.REPLACE:
            raise UserInputError(
                f"the plan replaces {change.resource_id}: {change.reason}",
                hint="goldfleet does not delete a resource group to move it; move its contents "
                "or put the configuration's location back",
            )


def _chosen_plan(fresh: PlanResult, saved_plan: Path | None) -> Plan:
    """The saved plan if it still matches Azure and the configuration, else the fresh one."""
    if saved_plan is None:
        return fresh.plan
    if not saved_plan.is_file():
        raise UserInputError(f"plan file {saved_plan} does not exist")
    chosen = Plan.loads(saved_plan.read_text(), str(saved_plan))
    if chosen.observed_fingerprint != fresh.plan.observed_fingerprint:
        raise StalePlanError(
            f"Azure has changed since {saved_plan} was made: it no longer describes what "
            "the changes would do",
            hint="make a new plan (goldfleet plan --out FILE) and review it",
        )
    if chosen.desired_fingerprint != fresh.plan.desired_fingerprint:
        raise StalePlanError(
            f"the configuration has changed since {saved_plan} was made",
            hint="make a new plan (goldfleet plan --out FILE) and review it",
        )
    return chosen


Progress = Callable[[int, int], None]


def _owners(chosen: Plan) -> list[str]:
    """What the plan's changes act for: the objects an apply claims."""
    return sorted({c.owner for c in chosen.pending if c.owner})


def _finish(holders: list[str], on_note: Callable[[str], None] | None) -> None:
    """Follow interrupted applies to their end (this process's worker has resumed them)."""
    from goldfleet import engine

    for holder in sorted(holders):
        if on_note is not None:
            on_note(f"finishing the interrupted apply {holder} first")
        try:
            engine.run(holder).result()
        except Exception as failed:  # its failure is its own (in its record): plan again
            if on_note is not None:
                on_note(f"the interrupted apply {holder} failed ({failed!r}); planning again")


def _interrupted_applies() -> list[str]:
    from goldfleet import engine

    return [
        w.workflow_id
        for w in engine.list_workflows(id_prefix="apply:", name="apply.plan", limit=None)
        if not w.state.finished
    ]


def _only_applies(busy: BusyError) -> list[str]:
    holders = sorted({b.holder for b in busy.blockers})
    return holders if holders and all(h.startswith("apply:") for h in holders) else []


def apply(
    config_path: Path,
    target: Target,
    saved_plan: Path | None = None,
    timeout: float | None = None,
    on_progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Apply a fresh plan, or a saved one if Azure and the configuration still match it.

    The plan's owners are claimed first (``api.coordination``): a command changing any of them
    makes this one wait (inside ``coordination.waiting``) or refuse. An apply that was
    interrupted is finished first, then the plan is made again; so is a plan another command
    may have made stale."""
    from goldfleet import engine
    from goldfleet.lifecycle.apply import PLANS, apply_plan, workflow_id
    from goldfleet.lifecycle.context import ApplyContext

    with running_engine(target) as mode:
        # In a worker of our own (SQLite), no other process runs workflows: an unfinished
        # apply was interrupted, and this worker has just resumed it - finish it, then plan.
        if mode == "worker":
            _finish(_interrupted_applies(), on_note)
        for _attempt in range(5):
            observed_at = datetime.now(UTC)
            fresh = plan(config_path, target)
            chosen = _chosen_or_refused(fresh, saved_plan, target)
            _check_applicable(chosen)
            if not chosen.pending:
                return ApplyResult(chosen, None, [], "nothing")
            run_id = workflow_id(chosen)
            try:
                claimed = claim(_owners(chosen), run_id, "goldfleet apply")
            except BusyError as busy:
                if mode == "worker" and _only_applies(busy):
                    _finish(_only_applies(busy), on_note)
                    continue
                raise
            if claimed.changed_since(observed_at) and engine.get_workflow(run_id) is None:
                release(run_id)  # another command changed these since we looked: look again
                continue
            break
        else:
            raise BusyError(
                "the plan kept changing under other commands; nothing was applied",
                hint="run goldfleet apply again when the other commands have finished",
            )
        credentials = {t.tenant_id: t.credential for t in fresh.configuration.tenants}
        context = ApplyContext.build(
            target.cloud, credentials, actor(), fresh.configuration.installation
        )
        database = shared_database()
        now = clock_for(target).now().isoformat()
        plans.keep(database, chosen.hash, now, chosen.observed_fingerprint, chosen.to_json())
        if engine.get_workflow(run_id) is None:
            audit.append(
                database,
                at=now,
                actor=context.actor,
                action="apply.requested",
                subject=f"plan {chosen.hash}",
                plan_hash=chosen.hash,
                workflow_id=run_id,
                details={"summary": chosen.counts(), "files": list(fresh.files)},
            )
        if mode == "worker":
            run = engine.start(run_id, apply_plan, context.to_json(), chosen.dumps())
        else:  # workers elsewhere pick it up from the queue
            run = engine.enqueue(PLANS, run_id, apply_plan, context.to_json(), chosen.dumps())
        try:
            outcome = _wait(run, len(chosen.pending), run_id, timeout, on_progress)
        finally:
            if engine.get_workflow(run_id) is not None and not _unfinished(run_id):
                release(run_id)
    plans.mark_applied(database, chosen.hash, run_id)
    return ApplyResult(chosen, run_id, list(outcome["applied"]), mode)


def _unfinished(run_id: str) -> bool:
    from goldfleet import engine

    record = engine.get_workflow(run_id)
    return record is not None and not record.state.finished


def _chosen_or_refused(fresh: PlanResult, saved_plan: Path | None, target: Target) -> Plan:
    try:
        return _chosen_plan(fresh, saved_plan)
    except StalePlanError as refused:
        audit.append(
            shared_database(),
            at=clock_for(target).now().isoformat(),
            actor=actor(),
            action="apply.refused",
            subject=str(saved_plan),
            details={"reason": refused.message},
        )
        raise
