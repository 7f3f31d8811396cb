"""HTTP surface of Microsoft.Resources and the cloud's metadata endpoint."""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import ArmError, subscription_not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.lro import TERMINAL, lro_headers, retry_after
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.entra.routes import ARM_AUDIENCES
from goldfleet.emulator.rp.authorization import backend as rbac
from goldfleet.emulator.rp.resources import backend
from goldfleet.emulator.rp.resources.catalog import (
    NAMESPACES,
    REGIONS_BY_NAME,
    canonical_namespace,
)
from goldfleet.emulator.world import Subscription

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"


def _sub(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def _caller(ctx: Ctx) -> tuple[str, str]:
    assert ctx.principal is not None
    return ctx.principal.tenant_id, ctx.principal.object_id


# --- metadata, tenants, subscriptions, locations --------------------------------------------


def metadata_endpoints(ctx: Ctx) -> Response:
    """GET /metadata/endpoints - what ``az cloud register`` reads."""
    base = ctx.request.base_url + "/"
    return json_response(
        {
            "name": "GoldfleetEmulator",
            "portal": base,
            "galleryEndpoint": base,
            "resourceManager": base,
            "graph": base,
            "graphAudience": base,
            "microsoftGraphResourceId": base,
            "media": base,
            "batch": base,
            "sqlManagement": base,
            "vmImageAliasDoc": base + "_emulator/vm-image-aliases.json",
            "authentication": {
                "loginEndpoint": base,
                "audiences": list(ARM_AUDIENCES),
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "suffixes": {
                "storage": "core.windows.net",
                "keyVaultDns": "vault.azure.net",
                "acrLoginServer": "azurecr.io",
                "sqlServerHostname": "database.windows.net",
            },
        }
    )


def list_tenants(ctx: Ctx) -> Response:
    """Tenants_List: the caller's own tenant."""
    tenant_id, _ = _caller(ctx)
    tenant = ctx.world.directory.tenant(tenant_id)
    items = []
    if tenant is not None:
        items.append(
            {
                "id": f"/tenants/{tenant.tenant_id}",
                "tenantId": tenant.tenant_id,
                "tenantCategory": "Home",
                "countryCode": tenant.country_code,
                "displayName": tenant.display_name,
                "domains": [tenant.default_domain],
                "defaultDomain": tenant.default_domain,
                "tenantType": "AAD",
            }
        )
    return json_response(page(ctx.request, items))


def _subscription_body(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.subscription_id,
        "tenantId": sub.tenant_id,
        "displayName": sub.display_name,
        "state": sub.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def list_subscriptions(ctx: Ctx) -> Response:
    """Subscriptions_List: subscriptions of the caller's tenant where it holds any role."""
    tenant_id, oid = _caller(ctx)
    items = [
        _subscription_body(sub)
        for sub in ctx.world.subscriptions.values()
        if sub.tenant_id.lower() == tenant_id.lower()
        and rbac.has_any_access_under(ctx.world, oid, sub.id)
    ]
    return json_response(page(ctx.request, items))


def get_subscription(ctx: Ctx) -> Response:
    """Subscriptions_Get"""
    return json_response(_subscription_body(_sub(ctx)))


def list_locations(ctx: Ctx) -> Response:
    """Subscriptions_ListLocations"""
    sub = _sub(ctx)
    items = []
    for name in backend.available_locations(sub):
        region = REGIONS_BY_NAME[name]
        items.append(
            {
                "id": f"{sub.id}/locations/{region.name}",
                "name": region.name,
                "displayName": region.display_name,
                "regionalDisplayName": f"({region.geography_group}) {region.display_name}",
                "type": "Region",
                "metadata": {
                    "regionType": "Physical",
                    "regionCategory": "Recommended",
                    "geography": region.geography,
                    "geographyGroup": region.geography_group,
                    "longitude": region.longitude,
                    "latitude": region.latitude,
                    "physicalLocation": region.physical_location,
                    "pairedRegion": [
                        {"name": region.paired, "id": f"{sub.id}/locations/{region.paired}"}
                    ],
                },
            }
        )
    return json_response({"value": items})


# --- resource groups ----------------------------------------------------------------------------


def get_group(ctx: Ctx) -> Response:
    """ResourceGroups_Get"""
    item = backend.get_group(ctx.world, ctx.param("subscriptionId"), ctx.param("resourceGroupName"))
    return json_response(item.body)


def head_group(ctx: Ctx) -> Response:
    """ResourceGroups_CheckExistence"""
    found = ctx.world.store.get(
        backend.rg_id(ctx.param("subscriptionId"), ctx.param("resourceGroupName"))
    )
    return empty_response(204 if found else 404)


def put_group(ctx: Ctx) -> Response:
    """ResourceGroups_CreateOrUpdate"""
    body, created = backend.put_group(
        ctx.world, _sub(ctx), ctx.param("resourceGroupName"), ctx.request.json_object()
    )
    return json_response(body, 201 if created else 200)


def patch_group(ctx: Ctx) -> Response:
    """ResourceGroups_Update"""
    body = backend.patch_group(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.request.json_object(),
    )
    return json_response(body)


def delete_group(ctx: Ctx) -> Response:
    """ResourceGroups_Delete: 202, then the operation result at ``Location``."""
    _, oid = _caller(ctx)
    op = backend.begin_delete_group(ctx.world, _sub(ctx), ctx.param("resourceGroupName"), oid)
    headers = lro_headers(ctx.request.base_url, op, ctx.request.api_version or "2021-04-01")
    return empty_response(202, headers)


def list_groups(ctx: Ctx) -> Response:
    """ResourceGroups_List: only the groups the caller can read; ``$filter`` on tags."""
    sub = _sub(ctx)
    tenant_id, oid = _caller(ctx)
    action = "Microsoft.Resources/subscriptions/resourceGroups/read"
    whole = rbac.is_allowed(ctx.world, tenant_id, oid, action, sub.id)
    items = [
        item.body
        for item in ctx.world.store.children(sub.id, backend.RG_TYPE)
        if whole or rbac.is_allowed(ctx.world, tenant_id, oid, action, item.id)
    ]
    items = _filter_by_tag(items, ctx.request.query.get("$filter"))
    return json_response(page(ctx.request, items))


def _filter_by_tag(items: list[dict[str, Any]], filter_text: str | None) -> list[dict[str, Any]]:
    if not filter_text:
        return items
    clauses = {}
    for clause in filter_text.split(" and "):
        name, _, value = clause.strip().partition(" eq ")
        clauses[name.strip().lower()] = value.strip().strip("'")
    tag_name = clauses.get("tagname")
    if tag_name is None:
        raise ArmError(400, "UnsupportedQuery", f"The filter '{filter_text}' is not supported.")
    tag_value = clauses.get("tagvalue")
    out = []
    for item in items:
        tags = {k.lower(): v for k, v in (item.get("tags") or {}).items()}
        if tag_name.lower() in tags and (tag_value is None or tags[tag_name.lower()] == tag_value):
            out.append(item)
    return out


def list_resources(ctx: Ctx) -> Response:
    """Resources_List / Resources_ListByResourceGroup: every tracked resource in the scope."""
    sub = _sub(ctx)
    scope = sub.id
    if "resourceGroupName" in ctx.params:
        scope = backend.get_group(ctx.world, sub.subscription_id, ctx.param("resourceGroupName")).id
    wanted = None
    filter_text = ctx.request.query.get("$filter")
    if filter_text:
        name, _, value = filter_text.partition(" eq ")
        if name.strip().lower() != "resourcetype":
            raise ArmError(400, "UnsupportedQuery", f"The filter '{filter_text}' is not supported.")
        wanted = value.strip().strip("'").lower()
    items = []
    for item in ctx.world.store.under(scope):
        body = item.body
        if "location" not in body or body.get("type") == backend.RG_TYPE:
            continue
        if wanted and body["type"].lower() != wanted:
            continue
        items.append(
            {k: body[k] for k in ("id", "name", "type", "location", "tags", "kind") if k in body}
        )
    return json_response(page(ctx.request, items))


# --- providers ---------------------------------------------------------------------------------


def _provider_body(sub: Subscription, namespace: str) -> dict[str, Any]:
    locations = [REGIONS_BY_NAME[r].display_name for r in backend.available_locations(sub)]
    return {
        "id": f"{sub.id}/providers/{namespace}",
        "namespace": namespace,
        "registrationState": sub.registration_state(namespace),
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [
            {"resourceType": t, "locations": locations, "apiVersions": []}
            for t in NAMESPACES.get(namespace, ())
        ],
    }


def _namespace(ctx: Ctx) -> str:
    namespace = canonical_namespace(ctx.param("namespace"))
    if namespace is None:
        raise ArmError(
            404,
            "InvalidResourceNamespace",
            f"The resource namespace '{ctx.param('namespace')}' is invalid.",
        )
    return namespace


def list_providers(ctx: Ctx) -> Response:
    """Providers_List"""
    sub = _sub(ctx)
    return json_response(page(ctx.request, [_provider_body(sub, n) for n in NAMESPACES]))


def get_provider(ctx: Ctx) -> Response:
    """Providers_Get"""
    return json_response(_provider_body(_sub(ctx), _namespace(ctx)))


def register_provider(ctx: Ctx) -> Response:
    """Providers_Register (registration completes at once)."""
    sub, namespace = _sub(ctx), _namespace(ctx)
    backend.register_provider(ctx.world, sub, namespace)
    return json_response(_provider_body(sub, namespace))


def unregister_provider(ctx: Ctx) -> Response:
    """Providers_Unregister"""
    sub, namespace = _sub(ctx), _namespace(ctx)
    backend.unregister_provider(ctx.world, sub, namespace)
    return json_response(_provider_body(sub, namespace))


# --- operation status, for every resource provider -----------------------------------------


def _operation(ctx: Ctx) -> Any:
    op = ctx.world.operations.get(ctx.param("operationId"))
    assert ctx.principal is not None
    if (
        op is None
        or op.subscription_id.lower() != ctx.param("subscriptionId").lower()
        or op.tenant_id.lower() != ctx.principal.tenant_id.lower()
    ):
        raise ArmError(
            404,
            "OperationNotFound",
            f"The operation '{ctx.param('operationId')}' could not be found.",
        )
    return op


def operation_status(ctx: Ctx) -> Response:
    """GET .../locations/{location}/{operations|capsOperations|...}/{operationId}"""
    op = _operation(ctx)
    if ctx.request.query.get("monitor", "").lower() == "true" or op.arm_level:
        return operation_result(ctx)
    running = {} if op.status in TERMINAL else {"Retry-After": retry_after(op.namespace)}
    return json_response(op.status_body(), headers=running)


def operation_result(ctx: Ctx) -> Response:
    """GET .../operationResults/{operationId}: 202 while running, then the outcome."""
    op = _operation(ctx)
    if op.status not in TERMINAL:
        headers = {
            "Location": ctx.request.base_url + ctx.request.path + "?" + ctx.request.query_string,
            "Retry-After": retry_after(op.namespace),
        }
        return empty_response(202, headers)
    if op.status != "Succeeded":
        status = op.result_status if op.result_status >= 400 else 500
        return json_response({"error": op.error or {"code": op.status}}, status)
    if op.result_body is None:
        return empty_response(op.result_status)
    return json_response(op.result_body, op.result_status)


OPERATION_KINDS = (
    "operations",
    "operationStatuses",
    "asyncOperations",
    "capsOperations",
    "diskOperations",
    "operationResults",
)


def register(router: Router) -> None:
    router.add(
        "GET",
        "/metadata/endpoints",
        metadata_endpoints,
        authenticated=False,
        rbac=False,
        api_version=False,
    )
    router.add("GET", "/tenants", list_tenants, rbac=False)
    router.add("GET", "/subscriptions", list_subscriptions, rbac=False)
    router.add("GET", "/subscriptions/{subscriptionId}", get_subscription)
    router.add("GET", "/subscriptions/{subscriptionId}/locations", list_locations)
    router.add("GET", "/subscriptions/{subscriptionId}/resourcegroups", list_groups, rbac=False)
    router.add("GET", RG, get_group)
    router.add("HEAD", RG, head_group)
    router.add("PUT", RG, put_group)
    router.add("PATCH", RG, patch_group)
    router.add("DELETE", RG, delete_group)
    router.add("GET", "/subscriptions/{subscriptionId}/resources", list_resources)
    router.add("GET", f"{RG}/resources", list_resources)
    router.add("GET", "/subscriptions/{subscriptionId}/providers", list_providers)
    router.add("GET", "/subscriptions/{subscriptionId}/providers/{namespace}", get_provider)
    router.add(
        "POST", "/subscriptions/{subscriptionId}/providers/{namespace}/register", register_provider
    )
    router.add(
        "POST",
        "/subscriptions/{subscriptionId}/providers/{namespace}/unregister",
        unregister_provider,
    )
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/operationresults/{operationId}",
        operation_result,
        rbac=False,
    )
    for kind in OPERATION_KINDS:
        router.add(
            "GET",
            f"/subscriptions/{{subscriptionId}}/providers/{{namespace}}/locations/{{location}}/{kind}/{{operationId}}",
            operation_status,
            rbac=False,
            namespace=None,
        )


def register_events(world_scheduler: Any) -> None:
    world_scheduler.register("resources.finish_group_delete", backend.finish_group_delete)
