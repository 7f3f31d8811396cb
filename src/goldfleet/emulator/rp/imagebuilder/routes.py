"""HTTP surface of Microsoft.VirtualMachineImages (Azure Image Builder), api-version 2025-10-01:
image templates, their runs and run outputs, and the ``/_emulator/imageTemplates/log`` control
route that serves a template's last customization log. Triggers and the operations list answer
501 through the front door (no route). Documented in docs/emulator/imagebuilder.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.errors import ArmError, subscription_not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.lro import Operation, lro_headers
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.imagebuilder import backend, builds, errors
from goldfleet.emulator.rp.imagebuilder.errors import API_VERSION, RUN_OUTPUT
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

RG = (
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
    "/providers/Microsoft.VirtualMachineImages"
)
TEMPLATES = f"{RG}/imageTemplates"
TEMPLATE_ITEM = f"{TEMPLATES}/{{imageTemplateName}}"


def _sub(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def _caller(ctx: Ctx) -> tuple[str, str, str]:
    assert ctx.principal is not None
    return ctx.principal.tenant_id, ctx.principal.object_id, ctx.principal.app_id


def _accepted(ctx: Ctx, op: Operation, status: int, body: Any = None) -> Response:
    headers = lro_headers(ctx.request.base_url, op, ctx.request.api_version or API_VERSION)
    return json_response(body, status, headers)


def _template(ctx: Ctx) -> Any:
    return backend.get_template(
        ctx.world,
        _sub(ctx).subscription_id,
        ctx.param("resourceGroupName"),
        ctx.param("imageTemplateName"),
    )


def get_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_Get"""
    return json_response(backend.view(_template(ctx)))


def put_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_CreateOrUpdate: 201 (Creating) with operations headers;
    200 for a PUT that changes only tags or identity; 409 for any other change."""
    item, op, created = backend.put_template(
        ctx.world,
        _sub(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("imageTemplateName"),
        ctx.request.json_object(),
        _caller(ctx),
    )
    if op is None:
        return json_response(backend.view(item), 200)
    return _accepted(ctx, op, 201 if created else 200, backend.view(item))


def patch_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_Update: tags, identity, vmProfile, distribute (200)."""
    item = backend.patch_template(
        ctx.world,
        _sub(ctx),
        ctx.param("resourceGroupName"),
        ctx.param("imageTemplateName"),
        ctx.request.json_object(),
        _caller(ctx)[2],
    )
    return json_response(backend.view(item), 200)


def delete_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_Delete: 202 with operations headers, 204 if absent."""
    tenant, principal, _ = _caller(ctx)
    op = backend.delete_template(
        ctx.world,
        _sub(ctx).subscription_id,
        ctx.param("resourceGroupName"),
        ctx.param("imageTemplateName"),
        tenant,
        principal,
    )
    if op is None:
        return empty_response(204)
    return _accepted(ctx, op, 202)


def list_in_group(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_ListByResourceGroup"""
    group = resources.get_group(
        ctx.world, _sub(ctx).subscription_id, ctx.param("resourceGroupName")
    )
    items = [backend.view(t) for t in backend.templates_under(ctx.world, group.id)]
    return json_response(page(ctx.request, items))


def list_in_subscription(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_List"""
    sub = _sub(ctx)
    items = [
        backend.view(t)
        for t in backend.templates_under(ctx.world, f"/subscriptions/{sub.subscription_id}")
    ]
    return json_response(page(ctx.request, items))


def run_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_Run: 202 with operations headers; the operation ends with
    the build."""
    item = _template(ctx)
    tenant, principal, _ = _caller(ctx)
    op = backend.begin_operation(ctx.world, item, tenant, principal)
    try:
        builds.start_run(ctx.world, item, op)
    except ArmError:
        ctx.world.operations.items.pop(op.id.lower(), None)
        raise
    return _accepted(ctx, op, 202)


def cancel_template(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_Cancel: 202 with operations headers (ends when Canceled)."""
    item = _template(ctx)
    tenant, principal, _ = _caller(ctx)
    op = backend.begin_operation(ctx.world, item, tenant, principal)
    try:
        builds.cancel_run(ctx.world, item, op)
    except ArmError:
        ctx.world.operations.items.pop(op.id.lower(), None)
        raise
    return _accepted(ctx, op, 202)


def list_run_outputs(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_ListRunOutputs"""
    item = _template(ctx)
    outputs = [dict(o.body) for o in ctx.world.store.children(item.id, RUN_OUTPUT)]
    return json_response(page(ctx.request, outputs))


def get_run_output(ctx: Ctx) -> Response:
    """VirtualMachineImageTemplates_GetRunOutput"""
    item = _template(ctx)
    name = ctx.param("runOutputName")
    output = ctx.world.store.get(f"{item.id}/runOutputs/{name}")
    if output is None:
        raise errors.run_output_not_found(
            str(item.body["name"]), name, ctx.param("resourceGroupName")
        )
    return json_response(dict(output.body))


def customization_log(ctx: Ctx) -> Response:
    """Control API: the last run's customization.log of the template ``?id=``."""
    template_id = ctx.request.query.get("id", "")
    text = builds.customization_log(ctx.world, template_id)
    if text is None:
        raise ArmError(404, "NotFound", f"No build has run for '{template_id}'.")
    return Response(status=200, raw=text.encode("utf-8"), content_type="text/plain; charset=utf-8")


Handler = Callable[[Ctx], Response]


def register(router: Router) -> None:
    """Add this provider's routes."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", TEMPLATE_ITEM, get_template),
        ("PUT", TEMPLATE_ITEM, put_template),
        ("PATCH", TEMPLATE_ITEM, patch_template),
        ("DELETE", TEMPLATE_ITEM, delete_template),
        ("GET", TEMPLATES, list_in_group),
        (
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.VirtualMachineImages/imageTemplates",
            list_in_subscription,
        ),
        ("POST", f"{TEMPLATE_ITEM}/run", run_template),
        ("POST", f"{TEMPLATE_ITEM}/cancel", cancel_template),
        ("GET", f"{TEMPLATE_ITEM}/runOutputs", list_run_outputs),
        ("GET", f"{TEMPLATE_ITEM}/runOutputs/{{runOutputName}}", get_run_output),
    ]
    for method, path, handler in routes:
        router.add(method, path, handler)
    router.add(
        "GET",
        "/_emulator/imageTemplates/log",
        customization_log,
        authenticated=False,
        rbac=False,
        api_version=False,
    )


def install(world: World) -> None:
    """Register this provider's scheduled events and deletion hooks on ``world``."""
    builds.register_events(world)
