"""HTTP surface of Microsoft.Authorization: role assignments and role definitions at any scope."""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError, resource_group_not_found
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.ids import is_within, scope_of
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.authorization import backend
from goldfleet.emulator.rp.authorization.roles import builtin_roles, definition_body
from goldfleet.emulator.world import World

ASSIGNMENTS = "{scope*}/providers/Microsoft.Authorization/roleAssignments"
DEFINITIONS = "{scope*}/providers/Microsoft.Authorization/roleDefinitions"
PERMISSIONS = "{scope*}/providers/Microsoft.Authorization/permissions"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _tenant(ctx: Ctx) -> str:
    assert ctx.principal is not None
    return ctx.principal.tenant_id


def _check_scope_exists(ctx: Ctx, scope: str) -> None:
    where = scope_of(scope)
    if where.subscription_id and where.resource_group:
        rg = f"/subscriptions/{where.subscription_id}/resourceGroups/{where.resource_group}"
        if ctx.world.store.get(rg) is None:
            raise resource_group_not_found(where.resource_group)


def get_assignment(ctx: Ctx) -> Response:
    """RoleAssignments_Get"""
    rid = backend.assignment_id(ctx.param("scope"), ctx.param("name"))
    item = ctx.world.store.get(rid)
    if item is None:
        raise ArmError(404, "RoleAssignmentNotFound", "The role assignment does not exist.")
    return json_response(item.body)


def put_assignment(ctx: Ctx) -> Response:
    """RoleAssignments_Create"""
    name = ctx.param("name")
    if not _GUID.match(name):
        raise ArmError(
            400,
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    scope = ctx.param("scope")
    _check_scope_exists(ctx, scope)
    properties = ctx.request.json_object().get("properties")
    if not isinstance(properties, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must have 'properties'.")
    body, created = backend.create_assignment(
        ctx.world,
        tenant_id=_tenant(ctx),
        scope=scope,
        name=name,
        properties=properties,
        created_by=ctx.principal.object_id if ctx.principal else None,
    )
    return json_response(body, 201 if created else 200)


def delete_assignment(ctx: Ctx) -> Response:
    """RoleAssignments_Delete"""
    removed = backend.delete_assignment(
        ctx.world, backend.assignment_id(ctx.param("scope"), ctx.param("name"))
    )
    return json_response(removed) if removed else empty_response(204)


def list_assignments(ctx: Ctx) -> Response:
    """RoleAssignments_ListForScope / ListForSubscription / ListForResourceGroup"""
    scope = ctx.param("scope")
    _check_scope_exists(ctx, scope)
    items = backend.assignments_for_scope(ctx.world, scope, ctx.request.query.get("$filter"))
    return json_response(page(ctx.request, items))


def _definition_scope(ctx: Ctx) -> str:
    scope = ctx.param("scope")
    return "" if scope == "/" else scope


def get_definition(ctx: Ctx) -> Response:
    """RoleDefinitions_Get"""
    found = backend.find_role(ctx.world, _tenant(ctx), ctx.param("name"))
    if found is None:
        raise ArmError(
            404,
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{ctx.param('name')}' does not exist.",
        )
    role, role_type = found
    return json_response(definition_body(role, _definition_scope(ctx), role_type))


_DEFINITION_FILTER = re.compile(r"^\s*(roleName|type)\s+eq\s+'(.*)'\s*$", re.IGNORECASE)
_AT_SCOPE_AND_BELOW = re.compile(r"^\s*atScopeAndBelow\(\s*\)\s*$", re.IGNORECASE)


def _assignable_at(role: dict[str, Any], scope: str, and_below: bool) -> bool:
    """A custom role is listed where it can be assigned: at or under one of its assignable
    scopes (``atScopeAndBelow()``: also when an assignable scope is under ``scope``)."""
    target = scope or "/"
    for assignable in role.get("assignableScopes") or []:
        if is_within(str(assignable), target) or (and_below and is_within(target, assignable)):
            return True
    return False


def list_definitions(ctx: Ctx) -> Response:
    """RoleDefinitions_List (``$filter``: ``roleName eq '...'``, ``type eq '...'``,
    ``atScopeAndBelow()``)"""
    scope = _definition_scope(ctx)
    filter_text = ctx.request.query.get("$filter")
    field: str | None = None
    value = ""
    and_below = False
    if filter_text and filter_text.strip():
        match = _DEFINITION_FILTER.match(filter_text)
        if match:
            field = "roleName" if match[1].lower() == "rolename" else "type"
            value = match[2].replace("''", "'")
        elif _AT_SCOPE_AND_BELOW.match(filter_text):
            and_below = True
        else:
            raise ArmError(
                400,
                "UnsupportedQuery",
                f"The filter '{filter_text}' is not supported. Supported filters are "
                "'roleName eq '{value}'', 'type eq '{value}'' and 'atScopeAndBelow()'.",
            )
    items = [definition_body(r, scope, "BuiltInRole") for r in builtin_roles().values()]
    items += [
        definition_body(r, scope, "CustomRole")
        for r in backend.custom_roles_of(ctx.world, _tenant(ctx))
        if _assignable_at(r, scope, and_below)
    ]
    if field is not None:
        items = [i for i in items if str(i["properties"][field]).lower() == value.lower()]
    return json_response(page(ctx.request, items, page_size=500))


def put_definition(ctx: Ctx) -> Response:
    """RoleDefinitions_CreateOrUpdate (custom roles)"""
    guid = ctx.param("name").lower()
    if guid in builtin_roles():
        raise ArmError(
            400, "RoleDefinitionUpdateNotPermitted", "Built-in role definitions cannot be changed."
        )
    if not _GUID.match(guid):
        raise ArmError(
            400, "InvalidRoleDefinitionId", f"The role definition ID '{guid}' is not valid."
        )
    props = ctx.request.json_object().get("properties") or {}
    role_name = str(props.get("roleName") or "").strip()
    if not role_name:
        raise ArmError(
            400,
            "RoleDefinitionNameNullOrEmpty",
            "The role definition name cannot be null or empty.",
        )
    scopes = props.get("assignableScopes") or []
    if not isinstance(scopes, list) or not scopes:
        raise ArmError(
            400,
            "InvalidAssignableScopes",
            "The assignable scopes of the role definition cannot be null or empty.",
        )
    permissions = props.get("permissions") or []
    if not isinstance(permissions, list) or not permissions:
        raise ArmError(400, "InvalidPermissions", "The role definition must have permissions.")
    tenant = _tenant(ctx)
    for other in backend.custom_roles_of(ctx.world, tenant):
        if other["roleName"].lower() == role_name.lower() and other["name"].lower() != guid:
            raise ArmError(
                409,
                "RoleDefinitionWithSameNameExists",
                "A custom role with the same name already exists in this directory. "
                "Use a different name.",
            )
    if any(r["roleName"].lower() == role_name.lower() for r in builtin_roles().values()):
        raise ArmError(
            409,
            "RoleDefinitionWithSameNameExists",
            "A role definition with the same name already exists. Use a different name.",
        )
    existed = backend.find_role(ctx.world, tenant, guid) is not None
    now = iso(ctx.world.now_dt())
    role: dict[str, Any] = {
        "name": guid,
        "roleName": role_name,
        "description": props.get("description") or "",
        "assignableScopes": scopes,
        "permissions": permissions,
        "createdOn": now,
        "updatedOn": now,
        "createdBy": ctx.principal.object_id if ctx.principal else None,
        "updatedBy": ctx.principal.object_id if ctx.principal else None,
    }
    backend.put_custom_role(ctx.world, tenant, role)
    return json_response(
        definition_body(role, _definition_scope(ctx), "CustomRole"), 200 if existed else 201
    )


def delete_definition(ctx: Ctx) -> Response:
    """RoleDefinitions_Delete"""
    guid = ctx.param("name").lower()
    found = backend.find_role(ctx.world, _tenant(ctx), guid)
    if found is None:
        return empty_response(204)
    role, role_type = found
    if role_type == "BuiltInRole":
        raise ArmError(400, "RoleDefinitionUpdateNotPermitted", "Built-in roles cannot be deleted.")
    for item in ctx.world.store:
        if item.body.get("type") == backend.ASSIGNMENT_TYPE and (
            backend.role_guid(item.body["properties"]["roleDefinitionId"]) == guid
        ):
            raise ArmError(
                409,
                "RoleDefinitionHasAssignments",
                "There are existing role assignments referencing role. Delete the role "
                "assignments before deleting the role definition.",
            )
    backend.delete_custom_role(ctx.world, guid)
    return json_response(definition_body(role, _definition_scope(ctx), role_type))


def list_permissions(ctx: Ctx) -> Response:
    """Permissions_ListForResourceGroup / _ListForResource: what the caller may do there."""
    scope = ctx.param("scope")
    _check_scope_exists(ctx, scope)
    assert ctx.principal is not None
    blocks = backend.permissions_at(ctx.world, _tenant(ctx), ctx.principal.object_id, scope)
    return json_response(page(ctx.request, blocks))


def install(world: World) -> None:
    """Assignments deleted with their resource group leave the RBAC index."""
    world.on_delete(backend.ASSIGNMENT_TYPE, lambda w, _: backend.invalidate(w))


def register(router: Router) -> None:
    router.add("GET", f"{ASSIGNMENTS}/{{name}}", get_assignment)
    router.add("PUT", f"{ASSIGNMENTS}/{{name}}", put_assignment)
    router.add("DELETE", f"{ASSIGNMENTS}/{{name}}", delete_assignment)
    router.add("GET", ASSIGNMENTS, list_assignments)
    router.add("GET", f"{DEFINITIONS}/{{name}}", get_definition)
    router.add("PUT", f"{DEFINITIONS}/{{name}}", put_definition)
    router.add("DELETE", f"{DEFINITIONS}/{{name}}", delete_definition)
    router.add("GET", DEFINITIONS, list_definitions)
    router.add("GET", PERMISSIONS, list_permissions, rbac=False)  # the caller's own
