"""HTTP surface of Microsoft.DesktopVirtualization: host pools and their registration tokens,
application groups and workspaces (scaling plans are in ``plan_routes``, session hosts and
user sessions in ``host_routes``), and the registration of every route of this provider.

Every operation answers at once (this provider has no long-running operations, as in Azure).
Operations not listed here answer 501 through the front door.
"""

from __future__ import annotations

import re

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import (
    agent,
    autoscale,
    control,
    errors,
    host_pools,
    host_routes,
    plan_routes,
    scaling_plans,
    session_hosts,
    tokens,
    users,
    workspaces,
)
from goldfleet.emulator.rp.desktopvirtualization.handling import (
    app_id,
    flag,
    handled,
    listing,
    subscription,
)
from goldfleet.emulator.rp.desktopvirtualization.model import (
    APPLICATION_GROUP,
    HOST_POOL,
    WORKSPACE,
)
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import World

SUB = "/subscriptions/{subscriptionId}"
RG = f"{SUB}/resourceGroups/{{resourceGroupName}}/providers/Microsoft.DesktopVirtualization"
POOL = f"{RG}/hostPools/{{hostPoolName}}"
GROUP = f"{RG}/applicationGroups/{{applicationGroupName}}"
SPACE = f"{RG}/workspaces/{{workspaceName}}"


def _rg(ctx: Ctx) -> tuple[str, str]:
    return ctx.param("subscriptionId"), ctx.param("resourceGroupName")


# --- host pools ----------------------------------------------------------------------------------


@handled
def get_pool(ctx: Ctx) -> Response:
    """HostPools_Get (registrationInfo is null: the token is a secret)"""
    item = host_pools.get_pool(ctx.world, *_rg(ctx), ctx.param("hostPoolName"))
    return json_response(host_pools.view(ctx.world, item))


@handled
def put_pool(ctx: Ctx) -> Response:
    """HostPools_CreateOrUpdate: 201 created / 200 replaced (with the registration token)"""
    item, created = host_pools.put_pool(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("hostPoolName"),
        ctx.request.json_object(),
        app_id(ctx),
    )
    return json_response(host_pools.view(ctx.world, item, with_token=True), 201 if created else 200)


@handled
def patch_pool(ctx: Ctx) -> Response:
    """HostPools_Update"""
    item = host_pools.patch_pool(
        ctx.world, *_rg(ctx), ctx.param("hostPoolName"), ctx.request.json_object(), app_id(ctx)
    )
    return json_response(host_pools.view(ctx.world, item, with_token=True))


@handled
def delete_pool(ctx: Ctx) -> Response:
    """HostPools_Delete (``force`` takes session hosts and application groups along)"""
    gone = host_pools.delete_pool(
        ctx.world, *_rg(ctx), ctx.param("hostPoolName"), flag(ctx, "force")
    )
    return empty_response(200 if gone else 204)


@handled
def list_pools_in_group(ctx: Ctx) -> Response:
    """HostPools_ListByResourceGroup"""
    items = host_pools.pools_in_group(ctx.world, *_rg(ctx))
    return listing(ctx, [host_pools.view(ctx.world, p) for p in items])


@handled
def list_pools(ctx: Ctx) -> Response:
    """HostPools_List"""
    items = host_pools.pools_in_subscription(ctx.world, subscription(ctx).subscription_id)
    return listing(ctx, [host_pools.view(ctx.world, p) for p in items])


@handled
def retrieve_token(ctx: Ctx) -> Response:
    """HostPools_RetrieveRegistrationToken"""
    item = host_pools.get_pool(ctx.world, *_rg(ctx), ctx.param("hostPoolName"))
    return json_response(tokens.registration_info(item))


@handled
def list_tokens(ctx: Ctx) -> Response:
    """HostPools_ListRegistrationTokens"""
    item = host_pools.get_pool(ctx.world, *_rg(ctx), ctx.param("hostPoolName"))
    return json_response({"value": tokens.registration_tokens(item)})


# --- application groups and workspaces -----------------------------------------------------------


@handled
def get_group(ctx: Ctx) -> Response:
    """ApplicationGroups_Get"""
    item = workspaces.get(
        ctx.world, APPLICATION_GROUP, *_rg(ctx), ctx.param("applicationGroupName")
    )
    return json_response(workspaces.application_group_view(ctx.world, item))


@handled
def put_group(ctx: Ctx) -> Response:
    """ApplicationGroups_CreateOrUpdate: 201 created / 200 replaced"""
    item, created = workspaces.put_application_group(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("applicationGroupName"),
        ctx.request.json_object(),
        app_id(ctx),
    )
    return json_response(
        workspaces.application_group_view(ctx.world, item), 201 if created else 200
    )


@handled
def patch_group(ctx: Ctx) -> Response:
    """ApplicationGroups_Update"""
    item = workspaces.get(
        ctx.world, APPLICATION_GROUP, *_rg(ctx), ctx.param("applicationGroupName")
    )
    workspaces.patch_application_group(ctx.world, item, ctx.request.json_object(), app_id(ctx))
    return json_response(workspaces.application_group_view(ctx.world, item))


@handled
def delete_group(ctx: Ctx) -> Response:
    """ApplicationGroups_Delete"""
    return _delete(ctx, APPLICATION_GROUP, "applicationGroupName")


_GROUP_TYPE_FILTER = re.compile(r"^\s*applicationGroupType\s+eq\s+'([^']*)'\s*$", re.I)


def _of_requested_type(ctx: Ctx, items: list[StoredResource]) -> list[StoredResource]:
    """``$filter=applicationGroupType eq 'Desktop'|'RemoteApp'``, the one property the
    specification lets ApplicationGroups_List* filter on; any other filter is refused."""
    text = ctx.request.query.get("$filter")
    if text is None or not text.strip():
        return items
    match = _GROUP_TYPE_FILTER.match(text)
    if match is None:
        raise errors.AvdError(
            f"The filter '{text}' is not supported. Supported: applicationGroupType eq "
            "'Desktop' or applicationGroupType eq 'RemoteApp'."
        )
    wanted = match[1].lower()
    return [a for a in items if a.body["properties"]["applicationGroupType"].lower() == wanted]


@handled
def list_groups_in_group(ctx: Ctx) -> Response:
    """ApplicationGroups_ListByResourceGroup (``$filter`` on applicationGroupType)"""
    items = _of_requested_type(ctx, workspaces.in_group(ctx.world, APPLICATION_GROUP, *_rg(ctx)))
    return listing(ctx, [workspaces.application_group_view(ctx.world, a) for a in items])


@handled
def list_groups(ctx: Ctx) -> Response:
    """ApplicationGroups_ListBySubscription (``$filter`` on applicationGroupType)"""
    items = _of_requested_type(
        ctx,
        workspaces.in_subscription(ctx.world, APPLICATION_GROUP, subscription(ctx).subscription_id),
    )
    return json_response(
        {"value": [workspaces.application_group_view(ctx.world, a) for a in items]}
    )


@handled
def get_workspace(ctx: Ctx) -> Response:
    """Workspaces_Get"""
    item = workspaces.get(ctx.world, WORKSPACE, *_rg(ctx), ctx.param("workspaceName"))
    return json_response(item.body)


@handled
def put_workspace(ctx: Ctx) -> Response:
    """Workspaces_CreateOrUpdate: 201 created / 200 replaced"""
    item, created = workspaces.put_workspace(
        ctx.world,
        subscription(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("workspaceName"),
        ctx.request.json_object(),
        app_id(ctx),
    )
    return json_response(item.body, 201 if created else 200)


@handled
def patch_workspace(ctx: Ctx) -> Response:
    """Workspaces_Update"""
    item = workspaces.get(ctx.world, WORKSPACE, *_rg(ctx), ctx.param("workspaceName"))
    workspaces.patch_workspace(ctx.world, item, ctx.request.json_object(), app_id(ctx))
    return json_response(item.body)


@handled
def delete_workspace(ctx: Ctx) -> Response:
    """Workspaces_Delete"""
    return _delete(ctx, WORKSPACE, "workspaceName")


@handled
def list_workspaces_in_group(ctx: Ctx) -> Response:
    """Workspaces_ListByResourceGroup"""
    return listing(ctx, [w.body for w in workspaces.in_group(ctx.world, WORKSPACE, *_rg(ctx))])


@handled
def list_workspaces(ctx: Ctx) -> Response:
    """Workspaces_ListBySubscription"""
    items = workspaces.in_subscription(ctx.world, WORKSPACE, subscription(ctx).subscription_id)
    return listing(ctx, [w.body for w in items])


def _delete(ctx: Ctx, kind: str, parameter: str) -> Response:
    subscription_id, group = _rg(ctx)
    resources.get_group(ctx.world, subscription_id, group)
    collection = "applicationGroups" if kind == APPLICATION_GROUP else "workspaces"
    path = f"{ctx.request.path.split(f'/{collection}/', 1)[0]}/{collection}/{ctx.param(parameter)}"
    return empty_response(200 if ctx.world.delete_resource(path) is not None else 204)


# --- assembly ------------------------------------------------------------------------------------


def register(router: Router) -> None:
    """Add this provider's routes (and its part of the control API)."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", POOL, get_pool),
        ("PUT", POOL, put_pool),
        ("PATCH", POOL, patch_pool),
        ("DELETE", POOL, delete_pool),
        ("GET", f"{RG}/hostPools", list_pools_in_group),
        ("GET", f"{SUB}/providers/Microsoft.DesktopVirtualization/hostPools", list_pools),
        ("POST", f"{POOL}/retrieveRegistrationToken", retrieve_token),
        ("POST", f"{POOL}/listRegistrationTokens", list_tokens),
        ("GET", GROUP, get_group),
        ("PUT", GROUP, put_group),
        ("PATCH", GROUP, patch_group),
        ("DELETE", GROUP, delete_group),
        ("GET", f"{RG}/applicationGroups", list_groups_in_group),
        ("GET", f"{SUB}/providers/Microsoft.DesktopVirtualization/applicationGroups", list_groups),
        ("GET", SPACE, get_workspace),
        ("PUT", SPACE, put_workspace),
        ("PATCH", SPACE, patch_workspace),
        ("DELETE", SPACE, delete_workspace),
        ("GET", f"{RG}/workspaces", list_workspaces_in_group),
        ("GET", f"{SUB}/providers/Microsoft.DesktopVirtualization/workspaces", list_workspaces),
    ]
    for method, path, handler in routes:
        router.add(method, path, handler)
    host_routes.register(router, POOL)
    plan_routes.register(router, RG, POOL)
    control.register(router)


def install(world: World) -> None:
    """Deletion hooks: what goes with a deleted host pool or application group."""
    world.on_delete(HOST_POOL, session_hosts.remove_hosts_of_pool)
    world.on_delete(HOST_POOL, workspaces.remove_groups_of_pool)
    world.on_delete(HOST_POOL, scaling_plans.remove_pool_references)
    world.on_delete(APPLICATION_GROUP, workspaces.remove_group_references)
    agent.install(world)
    users.install(world)
    autoscale.install(world)
