"""HTTP surface of scaling plans and their pooled and personal schedules (registered by
``routes``)."""

from __future__ import annotations

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler, Router
from goldfleet.emulator.rp.desktopvirtualization import autoscale, host_pools, scaling_plans
from goldfleet.emulator.rp.desktopvirtualization.handling import (
    app_id,
    handled,
    listing,
    subscription,
)
from goldfleet.emulator.rp.resources import backend as resources


def _rg(ctx: Ctx) -> tuple[str, str]:
    return ctx.param("subscriptionId"), ctx.param("resourceGroupName")


@handled
def get_plan(ctx: Ctx) -> Response:
    """ScalingPlans_Get"""
    return json_response(
        scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName")).body
    )


@handled
def put_plan(ctx: Ctx) -> Response:
    """ScalingPlans_Create: 201 created / 200 replaced"""
    item, created = scaling_plans.put_plan(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("scalingPlanName"),
        ctx.request.json_object(),
        app_id(ctx),
    )
    autoscale.plan_changed(ctx.world, item)
    return json_response(item.body, 201 if created else 200)


@handled
def patch_plan(ctx: Ctx) -> Response:
    """ScalingPlans_Update"""
    item = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    scaling_plans.patch_plan(ctx.world, item, ctx.request.json_object(), app_id(ctx))
    autoscale.plan_changed(ctx.world, item)
    return json_response(item.body)


@handled
def delete_plan(ctx: Ctx) -> Response:
    """ScalingPlans_Delete"""
    subscription_id, group = _rg(ctx)
    resources.get_group(ctx.world, subscription_id, group)
    plan = ctx.world.store.get(
        scaling_plans.plan_id(subscription_id, group, ctx.param("scalingPlanName"))
    )
    if plan is None:
        return empty_response(204)
    for child in ctx.world.store.under(plan.id):
        ctx.world.delete_resource(child.id)
    ctx.world.delete_resource(plan.id)
    return empty_response(200)


@handled
def list_plans_in_group(ctx: Ctx) -> Response:
    """ScalingPlans_ListByResourceGroup"""
    return listing(ctx, [p.body for p in scaling_plans.plans_in_group(ctx.world, *_rg(ctx))])


@handled
def list_plans(ctx: Ctx) -> Response:
    """ScalingPlans_ListBySubscription"""
    items = scaling_plans.plans_in_subscription(ctx.world, subscription(ctx).subscription_id)
    return listing(ctx, [p.body for p in items])


@handled
def list_plans_of_pool(ctx: Ctx) -> Response:
    """ScalingPlans_ListByHostPool"""
    pool = host_pools.get_pool(ctx.world, *_rg(ctx), ctx.param("hostPoolName"))
    return listing(ctx, [p.body for p in scaling_plans.plans_of_pool(ctx.world, pool)])


@handled
def get_pooled(ctx: Ctx) -> Response:
    """ScalingPlanPooledSchedules_Get"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    schedule = scaling_plans.find_pooled(plan, ctx.param("scalingPlanScheduleName"))
    return json_response(scaling_plans.pooled_schedule_view(plan, schedule))


def _write_pooled(ctx: Ctx, merge: bool) -> Response:
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    schedule, created = scaling_plans.put_pooled(
        ctx.world,
        plan,
        ctx.param("scalingPlanScheduleName"),
        ctx.request.json_object(),
        app_id(ctx),
        merge=merge,
    )
    autoscale.plan_changed(ctx.world, plan)
    return json_response(
        scaling_plans.pooled_schedule_view(plan, schedule), 201 if created and not merge else 200
    )


@handled
def put_pooled(ctx: Ctx) -> Response:
    """ScalingPlanPooledSchedules_Create: 201 created / 200 replaced"""
    return _write_pooled(ctx, merge=False)


@handled
def patch_pooled(ctx: Ctx) -> Response:
    """ScalingPlanPooledSchedules_Update"""
    return _write_pooled(ctx, merge=True)


@handled
def delete_pooled(ctx: Ctx) -> Response:
    """ScalingPlanPooledSchedules_Delete"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    gone = scaling_plans.delete_pooled(plan, ctx.param("scalingPlanScheduleName"))
    return empty_response(200 if gone else 204)


@handled
def list_pooled(ctx: Ctx) -> Response:
    """ScalingPlanPooledSchedules_List"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    schedules = plan.body["properties"]["schedules"]
    return listing(ctx, [scaling_plans.pooled_schedule_view(plan, s) for s in schedules])


@handled
def get_personal(ctx: Ctx) -> Response:
    """ScalingPlanPersonalSchedules_Get"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    name = ctx.param("scalingPlanScheduleName")
    item = ctx.world.store.get(f"{plan.id}/personalSchedules/{name}")
    if item is None:
        raise not_found(
            "Microsoft.DesktopVirtualization/scalingPlans/personalSchedules", name, None
        )
    return json_response(item.body)


def _write_personal(ctx: Ctx, merge: bool) -> Response:
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    item, created = scaling_plans.put_personal(
        ctx.world,
        plan,
        ctx.param("scalingPlanScheduleName"),
        ctx.request.json_object(),
        app_id(ctx),
        merge=merge,
    )
    return json_response(item.body, 201 if created and not merge else 200)


@handled
def put_personal(ctx: Ctx) -> Response:
    """ScalingPlanPersonalSchedules_Create: 201 created / 200 replaced"""
    return _write_personal(ctx, merge=False)


@handled
def patch_personal(ctx: Ctx) -> Response:
    """ScalingPlanPersonalSchedules_Update"""
    return _write_personal(ctx, merge=True)


@handled
def delete_personal(ctx: Ctx) -> Response:
    """ScalingPlanPersonalSchedules_Delete"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    item_id = f"{plan.id}/personalSchedules/{ctx.param('scalingPlanScheduleName')}"
    return empty_response(200 if ctx.world.delete_resource(item_id) is not None else 204)


@handled
def list_personal(ctx: Ctx) -> Response:
    """ScalingPlanPersonalSchedules_List"""
    plan = scaling_plans.get_plan(ctx.world, *_rg(ctx), ctx.param("scalingPlanName"))
    items = ctx.world.store.children(
        plan.id, "Microsoft.DesktopVirtualization/scalingPlans/personalSchedules"
    )
    return listing(ctx, [i.body for i in items])


def register(router: Router, rg: str, pool: str) -> None:
    """Scaling plan routes under the provider's resource group prefix ``rg``."""
    plan = f"{rg}/scalingPlans/{{scalingPlanName}}"
    pooled = f"{plan}/pooledSchedules"
    personal = f"{plan}/personalSchedules"
    subscription_plans = (
        "/subscriptions/{subscriptionId}/providers/Microsoft.DesktopVirtualization/scalingPlans"
    )
    routes: list[tuple[str, str, Handler]] = [
        ("GET", f"{rg}/scalingPlans", list_plans_in_group),
        ("GET", subscription_plans, list_plans),
        ("GET", plan, get_plan),
        ("PUT", plan, put_plan),
        ("PATCH", plan, patch_plan),
        ("DELETE", plan, delete_plan),
        ("GET", f"{pool}/scalingPlans", list_plans_of_pool),
        ("GET", f"{pooled}/{{scalingPlanScheduleName}}", get_pooled),
        ("PUT", f"{pooled}/{{scalingPlanScheduleName}}", put_pooled),
        ("PATCH", f"{pooled}/{{scalingPlanScheduleName}}", patch_pooled),
        ("DELETE", f"{pooled}/{{scalingPlanScheduleName}}", delete_pooled),
        ("GET", pooled, list_pooled),
        ("GET", f"{personal}/{{scalingPlanScheduleName}}", get_personal),
        ("PUT", f"{personal}/{{scalingPlanScheduleName}}", put_personal),
        ("PATCH", f"{personal}/{{scalingPlanScheduleName}}", patch_personal),
        ("DELETE", f"{personal}/{{scalingPlanScheduleName}}", delete_personal),
        ("GET", personal, list_personal),
    ]
    for method, path, handler in routes:
        router.add(method, path, handler)
