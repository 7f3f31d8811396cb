"""Carrying out a plan, durably: one workflow per plan, one child workflow per subscription on
a queue partitioned by subscription (so workers share the work and each subscription's changes
run in order), one checkpointed step per change, and an audit entry for each.

A crash anywhere resumes where it stopped: completed steps are not sent again, and every step
is idempotent (create-or-update with deterministic names; "already exists" / "already gone"
are success), so an interrupted one may safely run twice.
"""

from __future__ import annotations

from typing import Any

from goldfleet import engine
from goldfleet.azure import changes as azure_changes
from goldfleet.azure import desktop
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.errors import AzureCallError, TransientAzureError
from goldfleet.domain.ownership import parse_owner
from goldfleet.lifecycle.context import ApplyContext, factory_for
from goldfleet.planner.model import Action, Change, Kind, Plan
from goldfleet.store import audit
from goldfleet.store.db import shared_database

CHANGES = engine.queue("arm-changes", partition_concurrency=1, worker_concurrency=16)
PLANS = engine.queue("plans", worker_concurrency=4)


def workflow_id(plan: Plan) -> str:
    return f"apply:{plan.hash[:24]}"


def subscription_batches(plan: Plan) -> list[tuple[str, list[dict[str, Any]]]]:
    """Pending changes per subscription, in plan order."""
    batches: dict[str, list[dict[str, Any]]] = {}
    for change in plan.pending:
        batches.setdefault(change.subscription_id.lower(), []).append(change.to_json())
    return sorted(batches.items())


@engine.step("apply.change", retry=engine.Retry(attempts=4))
async def apply_change(context_json: dict[str, Any], change_json: dict[str, Any]) -> str:
    """One change in Azure; returns what was done."""
    context = ApplyContext.from_json(context_json)
    change = Change.from_json(change_json)
    factory = factory_for(context)
    owner = parse_owner(change.owner)
    if owner is None:
        raise engine.PermanentError(
            f"the plan's change to {change.resource_id} names no owner: make a new plan"
        )
    try:
        with acting_as(owner):
            await _carry_out(factory, context, change)
    except TransientAzureError as exc:
        raise engine.TemporaryError(str(exc)) from exc
    except AzureCallError as exc:
        raise engine.PermanentError(str(exc)) from exc
    return f"{change.action.value} {change.resource_id}"


async def _carry_out(factory: Any, context: ApplyContext, change: Change) -> None:
    tenant_id, sub = change.tenant_id, change.subscription_id
    ref = context.credential(tenant_id)
    if change.kind is Kind.RESOURCE_GROUP:
        if change.action in (Action.CREATE, Action.UPDATE):
            assert change.after is not None
            await azure_changes.put_resource_group(factory, tenant_id, sub, ref, change.after)
        elif change.action is Action.DELETE:
            assert change.before is not None
            await azure_changes.delete_resource_group(
                factory, tenant_id, sub, ref, change.before["name"]
            )
        else:
            raise azure_changes.refuse_replace(change.resource_id, change.reason)
    elif change.kind is Kind.IMAGE_VERSION:
        if change.action is Action.DELETE:
            await azure_changes.delete_image_version(
                factory, tenant_id, sub, ref, change.resource_id
            )
        elif change.action is Action.UPDATE:
            assert change.after is not None
            await azure_changes.set_image_version_end_of_life(
                factory, tenant_id, sub, ref, change.resource_id, change.after["endOfLifeDate"]
            )
        else:
            raise azure_changes.refuse_replace(change.resource_id, change.reason)
    elif change.kind in _DESKTOP_PUTS:
        if change.action is Action.DELETE:
            await desktop.delete_desktop_resource(factory, tenant_id, sub, ref, change.resource_id)
        elif change.action in (Action.CREATE, Action.UPDATE):
            assert change.after is not None
            put = _DESKTOP_PUTS[change.kind]
            await put(factory, tenant_id, sub, ref, change.resource_id, change.after)
        else:
            raise azure_changes.refuse_replace(change.resource_id, change.reason)
    elif change.kind in (Kind.GALLERY, Kind.IMAGE_DEFINITION):
        if change.action not in (Action.CREATE, Action.UPDATE):
            raise azure_changes.refuse_replace(change.resource_id, change.reason)
        assert change.after is not None
        if change.kind is Kind.GALLERY:
            await azure_changes.put_gallery(factory, tenant_id, sub, ref, change.after)
        else:
            await azure_changes.put_image_definition(
                factory, tenant_id, sub, ref, change.resource_id, change.after
            )
    elif change.action is Action.CREATE:
        assert change.after is not None
        name = change.resource_id.rsplit("/", 1)[-1]
        await azure_changes.create_role_assignment(factory, tenant_id, sub, ref, name, change.after)
    elif change.action is Action.DELETE:
        await azure_changes.delete_role_assignment(factory, tenant_id, sub, ref, change.resource_id)


_DESKTOP_PUTS: dict[Kind, Any] = {
    Kind.HOST_POOL: desktop.put_host_pool,
    Kind.APPLICATION_GROUP: desktop.put_application_group,
    Kind.WORKSPACE: desktop.put_workspace,
}


@engine.step("apply.audit", retry=engine.Retry(attempts=3))
def record(
    context_json: dict[str, Any],
    action: str,
    subject: str,
    plan_hash: str,
    run_id: str,
    details: dict[str, Any],
) -> int:
    """One audit entry, stamped with the engine clock's time (its own step: recorded once)."""
    entry = audit.append(
        shared_database(),
        at=engine.clock().now().isoformat(),
        actor=str(context_json["actor"]),
        action=action,
        subject=subject,
        plan_hash=plan_hash,
        workflow_id=run_id,
        details=details,
        once=True,  # the step runs again if its process died after this append
    )
    return entry.seq


@engine.workflow("apply.subscription")
def apply_subscription(
    context_json: dict[str, Any], plan_hash: str, changes: list[dict[str, Any]]
) -> list[str]:
    """The changes of one subscription, in order; each change a checkpointed step."""
    done = []
    run_id = f"apply:{plan_hash[:24]}"
    for change in changes:
        outcome = engine.run_async_step(apply_change, context_json, change)
        record(
            context_json,
            f"change.{change['action']}",
            change["resourceId"],
            plan_hash,
            run_id,
            {"kind": change["kind"], "tenant": change["tenant"], "reason": change["reason"]},
        )
        done.append(outcome)
    return done


@engine.workflow("apply.plan")
def apply_plan(context_json: dict[str, Any], plan_text: str) -> dict[str, Any]:
    """Fan the plan out to one queued child workflow per subscription, then gather them."""
    plan = Plan.loads(plan_text)
    parent = workflow_id(plan)
    record(context_json, "apply.started", f"plan {plan.hash}", plan.hash, parent, plan.counts())
    runs = [
        engine.enqueue(
            CHANGES.partition(sub),
            f"{parent}:{sub}",
            apply_subscription,
            context_json,
            plan.hash,
            batch,
        )
        for sub, batch in subscription_batches(plan)
    ]
    applied = [line for run in runs for line in run.result()]
    record(
        context_json,
        "apply.finished",
        f"plan {plan.hash}",
        plan.hash,
        parent,
        {"applied": len(applied)},
    )
    return {"plan": plan.hash, "applied": applied}
