"""RBAC state and rules: who holds which role where, and whether a caller may do an action.

Role assignments are ARM resources (kept in the resource store under their scope, so deleting a
resource group deletes the assignments in it). Custom role definitions are directory-wide, kept
per tenant. An index by principal makes the check on every request cheap.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.ids import is_within, scope_of
from goldfleet.emulator.rp.authorization.roles import builtin_roles, permits
from goldfleet.emulator.world import World

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
_SECTION = "authorization"
_INDEX = "rbac-by-principal"


def _custom_roles(world: World) -> dict[str, dict[str, Any]]:
    """Custom roles by lower-case GUID: ``{"tenantId", "role": {name, roleName, ...}}``."""
    section = world.sections.setdefault(_SECTION, {})
    roles: dict[str, dict[str, Any]] = section.setdefault("customRoles", {})
    return roles


def role_guid(role_definition_id: str) -> str:
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def find_role(world: World, tenant_id: str, guid: str) -> tuple[dict[str, Any], str] | None:
    """The role (built-in or a custom role of ``tenant_id``) and its type."""
    builtin = builtin_roles().get(guid.lower())
    if builtin is not None:
        return builtin, "BuiltInRole"
    custom = _custom_roles(world).get(guid.lower())
    if custom is not None and custom["tenantId"].lower() == tenant_id.lower():
        return custom["role"], "CustomRole"
    return None


def custom_roles_of(world: World, tenant_id: str) -> list[dict[str, Any]]:
    return [
        c["role"]
        for c in _custom_roles(world).values()
        if c["tenantId"].lower() == tenant_id.lower()
    ]


def put_custom_role(world: World, tenant_id: str, role: dict[str, Any]) -> None:
    _custom_roles(world)[role["name"].lower()] = {"tenantId": tenant_id, "role": role}
    world.caches.pop(_INDEX, None)


def delete_custom_role(world: World, guid: str) -> None:
    _custom_roles(world).pop(guid.lower(), None)


# --- the check ---------------------------------------------------------------------------------


def _index(world: World) -> dict[str, list[tuple[str, str]]]:
    """principal oid -> [(assignment scope, role guid)], rebuilt after any assignment change."""
    index: dict[str, list[tuple[str, str]]] | None = world.caches.get(_INDEX)
    if index is None:
        index = {}
        for item in world.store:
            if item.body.get("type") == ASSIGNMENT_TYPE:
                props = item.body["properties"]
                index.setdefault(props["principalId"].lower(), []).append(
                    (props["scope"], role_guid(props["roleDefinitionId"]))
                )
        world.caches[_INDEX] = index
    return index


def invalidate(world: World) -> None:
    world.caches.pop(_INDEX, None)


def _held(world: World, principal_id: str) -> list[tuple[str, str]]:
    """(scope, role guid) of every assignment to the principal or to a group it belongs to,
    directly or through nested groups (as ARM counts group membership)."""
    index = _index(world)
    held = list(index.get(principal_id.lower(), ()))
    if world.directory.groups:
        for group in world.directory.groups_of(principal_id):
            held.extend(index.get(group.object_id.lower(), ()))
    return held


def is_allowed(world: World, tenant_id: str, principal_id: str, action: str, scope: str) -> bool:
    for assignment_scope, guid in _held(world, principal_id):
        if not is_within(assignment_scope, scope):
            continue
        found = find_role(world, tenant_id, guid)
        if found is not None and permits(found[0]["permissions"], action):
            return True
    return False


def permissions_at(
    world: World, tenant_id: str, principal_id: str, scope: str
) -> list[dict[str, Any]]:
    """Permissions_ListForResourceGroup / _ListForResource: every permission block of every
    role the principal holds at or above ``scope``."""
    blocks: list[dict[str, Any]] = []
    for assignment_scope, guid in _held(world, principal_id):
        if not is_within(assignment_scope, scope):
            continue
        found = find_role(world, tenant_id, guid)
        if found is None:
            continue
        for block in found[0]["permissions"]:
            blocks.append(
                {
                    key: list(block.get(key) or [])
                    for key in ("actions", "notActions", "dataActions", "notDataActions")
                }
            )
    return blocks


def has_any_access_under(world: World, principal_id: str, scope: str) -> bool:
    """True when the principal holds any role at, above or below ``scope``."""
    for assignment_scope, _ in _held(world, principal_id):
        if is_within(assignment_scope, scope) or is_within(scope, assignment_scope):
            return True
    return False


def authorization_failed(app_id: str, object_id: str, action: str, scope: str) -> ArmError:
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{app_id}' with object id '{object_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access "
        "was recently granted, please refresh your credentials.",
    )


# --- assignments -------------------------------------------------------------------------------


def assignment_id(scope: str, name: str) -> str:
    return f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{name}"


def create_assignment(
    world: World,
    *,
    tenant_id: str,
    scope: str,
    name: str,
    properties: dict[str, Any],
    created_by: str | None,
) -> tuple[dict[str, Any], bool]:
    """Create a role assignment; returns its body and whether it was created (vs. existing)."""
    role_definition_id = str(properties.get("roleDefinitionId") or "")
    principal_id = str(properties.get("principalId") or "")
    if not role_definition_id:
        raise ArmError(400, "InvalidRoleDefinitionId", "The role definition ID '' is not valid.")
    if not principal_id:
        raise ArmError(400, "InvalidPrincipalId", "A valid principal ID must be specified.")
    guid = role_guid(role_definition_id)
    if find_role(world, tenant_id, guid) is None:
        raise ArmError(
            400,
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{guid}' does not exist.",
        )
    directory = world.directory
    actual_type = directory.object_type(principal_id)
    object_tenant = directory.object_tenant(principal_id)
    if actual_type is None or (object_tenant or "").lower() != tenant_id.lower():
        raise ArmError(
            400,
            "PrincipalNotFound",
            f"Principal {principal_id.replace('-', '')} does not exist in the directory "
            f"{tenant_id}. Check that you have the correct principal ID. If you are creating "
            "this principal and then immediately assigning a role, this error might be related "
            "to a replication delay. In this case, set the role assignment principalType "
            "property to a value, such as ServicePrincipal, User, or Group.  See "
            "https://aka.ms/docs-principaltype",
        )
    found = (
        directory.principal(principal_id)
        or directory.user(principal_id)
        or directory.group(principal_id)
    )
    assert found is not None
    principal_id = found.object_id
    principal_type = str(properties.get("principalType") or actual_type)
    if principal_type.lower() != actual_type.lower():
        raise ArmError(
            400,
            "UnmatchedPrincipalType",
            f"The PrincipalId '{principal_id.replace('-', '').lower()}' has type "
            f"'{actual_type}' , which is different from specified PrinciaplType "
            f"'{principal_type}'.",
        )
    rid = assignment_id(scope, name)
    existing = world.store.get(rid)
    if existing is not None:
        props = existing.body["properties"]
        if (
            props["principalId"].lower() == principal_id.lower()
            and role_guid(props["roleDefinitionId"]) == guid
        ):
            return existing.body, False
        raise ArmError(
            400,
            "RoleAssignmentUpdateNotPermitted",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        )
    for item in world.store.children(scope, ASSIGNMENT_TYPE):
        props = item.body["properties"]
        if (
            props["principalId"].lower() == principal_id.lower()
            and role_guid(props["roleDefinitionId"]) == guid
        ):
            raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")
    now = iso(world.now_dt())
    sub = scope_of(scope).subscription_id
    definition_scope = f"/subscriptions/{sub}" if sub else ""
    body = {
        "id": rid,
        "name": name,
        "type": ASSIGNMENT_TYPE,
        "properties": {
            "roleDefinitionId": (
                f"{definition_scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
            ),
            "principalId": principal_id,
            "principalType": actual_type,
            "scope": scope,
            "condition": properties.get("condition"),
            "conditionVersion": properties.get("conditionVersion"),
            "description": properties.get("description"),
            "createdOn": now,
            "updatedOn": now,
            "createdBy": created_by,
            "updatedBy": created_by,
            "delegatedManagedIdentityResourceId": None,
        },
    }
    world.store.put(body, {"tenantId": tenant_id})
    invalidate(world)
    return body, True


def delete_assignment(world: World, resource_id: str) -> dict[str, Any] | None:
    removed = world.store.delete(resource_id)
    invalidate(world)
    return removed.body if removed else None


_FILTER_HELP = (
    "Supported filters are either 'atScope()' or 'principalId eq '{value}' or "
    "assignedTo('{value}')'."
)
_PRINCIPAL_EQ = re.compile(r"^principalId\s+eq\s+'([^']*)'$", re.IGNORECASE)
_ASSIGNED_TO = re.compile(r"^assignedTo\(\s*'([^']*)'\s*\)$", re.IGNORECASE)
_AT_SCOPE = re.compile(r"^atScope\(\s*\)$", re.IGNORECASE)


def unsupported_assignment_filter(filter_text: str) -> ArmError:
    return ArmError(
        400, "UnsupportedQuery", f"The filter '{filter_text}' is not supported. {_FILTER_HELP}"
    )


def parse_assignment_filter(filter_text: str | None) -> tuple[bool, str | None, bool]:
    """(atScope, principal id, transitive through groups) of a role assignments ``$filter``.

    ARM accepts ``atScope()``, ``principalId eq '{id}'``, ``assignedTo('{id}')`` and
    ``atScope() and assignedTo('{id}')``; anything else, ``atScope() and principalId eq`` too,
    is 400 ``UnsupportedQuery``.
    """
    if filter_text is None or not filter_text.strip():
        return False, None, False
    clauses = [c.strip() for c in re.split(r"\s+and\s+", filter_text.strip(), flags=re.I)]
    at_scope = False
    principal: str | None = None
    transitive = False
    for clause in clauses:
        eq = _PRINCIPAL_EQ.match(clause)
        assigned = _ASSIGNED_TO.match(clause)
        if _AT_SCOPE.match(clause) and not at_scope:
            at_scope = True
        elif eq and principal is None:
            principal = eq[1]
        elif assigned and principal is None:
            principal, transitive = assigned[1], True
        else:
            raise unsupported_assignment_filter(filter_text)
    if at_scope and principal is not None and not transitive:
        raise unsupported_assignment_filter(filter_text)
    return at_scope, principal, transitive


def assignments_for_scope(
    world: World, scope: str, filter_text: str | None
) -> list[dict[str, Any]]:
    """Assignments visible at ``scope``: at, above and below it; ``atScope()`` drops those below;
    ``assignedTo()`` also counts the groups the principal belongs to."""
    at_scope_only, principal, transitive = parse_assignment_filter(filter_text)
    principals: set[str] | None = None
    if principal is not None:
        principals = {principal.lower()}
        if transitive:
            principals |= {g.object_id.lower() for g in world.directory.groups_of(principal)}
    sub = scope_of(scope).subscription_id
    out = []
    for item in world.store.under(f"/subscriptions/{sub}") if sub else list(world.store):
        if item.body.get("type") != ASSIGNMENT_TYPE:
            continue
        props = item.body["properties"]
        a_scope = props["scope"]
        above_or_at = is_within(a_scope, scope)
        below = is_within(scope, a_scope)
        if not (above_or_at or (below and not at_scope_only)):
            continue
        if principals is not None and props["principalId"].lower() not in principals:
            continue
        out.append(item.body)
    return out
