"""Desired + observed -> changes, for the resources goldfleet manages at this stage: resource
groups, the role assignments goldfleet needs, galleries and image definitions
(planner/galleries.py), the image versions retention removes (planner/retention.py) and AVD host
pools, application groups and workspaces (planner/host_pools.py).

Every change names its owner (``goldfleet-owner: <installation>/<kind>/<name>``, in tags, or in
a role assignment's description); planner/ownership.py turns a change to something another owner
holds into a conflict, and goldfleet only ever deletes what carries this installation's tag.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from goldfleet.domain.configuration import Configuration
from goldfleet.domain.host_pools import HostPool
from goldfleet.domain.images import Gallery, ImageDefinition
from goldfleet.domain.observed import (
    ObservedResourceGroup,
    ObservedRoleAssignment,
    ObservedState,
    ObservedSubscription,
    fingerprint,
)
from goldfleet.domain.ownership import (
    DEFAULT_INSTALLATION,
    MANAGED_TAG,
    Owner,
    OwnerKind,
    owned_description,
    owner_in_description,
    parse_owner,
)
from goldfleet.domain.tenancy import RoleAssignmentSpec, SubscriptionSpec, Tenant
from goldfleet.planner.galleries import gallery_changes
from goldfleet.planner.host_pools import host_pool_changes
from goldfleet.planner.model import Action, Change, Kind, Plan
from goldfleet.planner.ordering import order_changes
from goldfleet.planner.ownership import claim, is_ours, owned_tags
from goldfleet.planner.retention import retention_changes

MANAGED_DESCRIPTION = "managed-by: goldfleet"
_ASSIGNMENT_NAMESPACE = uuid.UUID("2f0a5c1e-6a53-4c8e-9f43-60c1d9e0a7b2")


def assignment_name(scope: str, role_guid: str, principal_id: str) -> str:
    """Deterministic: the same assignment always has the same name, so creating it is idempotent."""
    key = f"{scope.rstrip('/').lower()}|{role_guid.lower()}|{principal_id.lower()}"
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, key))


def desired_fingerprint(
    tenants: Sequence[Tenant],
    galleries: Sequence[Gallery] = (),
    definitions: Sequence[ImageDefinition] = (),
    retention: Sequence[Any] = (),
    host_pools: Sequence[HostPool] = (),
) -> str:
    """Order-independent: listing the same things in another order is the same desire."""
    document: list[Any] = []
    for t in sorted(tenants, key=lambda t: t.name):
        subs = []
        for s in sorted(t.subscriptions, key=lambda s: s.subscription_id.lower()):
            data = asdict(s)
            data["resource_groups"] = sorted(data["resource_groups"], key=repr)
            data["role_assignments"] = sorted(data["role_assignments"], key=repr)
            subs.append(data)
        document.append({"tenant": t.name, "tenantId": t.tenant_id, "subscriptions": subs})
    document.append(sorted(repr(g) for g in galleries))
    document.append(sorted(repr(d) for d in definitions))
    if retention:
        document.append(sorted(repr(r) for r in retention))
    if host_pools:
        document.append(sorted(repr(p) for p in host_pools))
    return fingerprint(document)


def make_plan(
    tenants: Sequence[Tenant],
    observed: ObservedState,
    galleries: Sequence[Gallery] = (),
    definitions: Sequence[ImageDefinition] = (),
    *,
    retention: tuple[Configuration, datetime] | None = None,
    host_pools: Sequence[HostPool] = (),
    installation: str = DEFAULT_INSTALLATION,
) -> Plan:
    """The plan that turns ``observed`` into what ``tenants`` (and the galleries, image
    definitions and AVD host pools in their subscriptions) declare. With ``retention`` (the
    configuration and the instant to judge at), the versions of every pipeline with a retention
    policy too."""
    changes: list[Change] = []
    problems: list[str] = []
    for tenant in sorted(tenants, key=lambda t: t.name):
        for sub in sorted(tenant.subscriptions, key=lambda s: s.subscription_id.lower()):
            seen = observed.subscription(sub.subscription_id)
            if seen is None:
                problems.append(
                    f"Tenant/{tenant.name}: subscription {sub.subscription_id} ({sub.name}) "
                    "was not observed: goldfleet cannot see it with this tenant's credential"
                )
                continue
            owner = Owner(installation, OwnerKind.TENANT, tenant.name)
            changes += _resource_groups(tenant, sub, seen, owner)
            changes += _role_assignments(tenant, sub, seen, problems, owner)
    changes += gallery_changes(
        {t.name: t for t in tenants}, galleries, definitions, observed, problems, installation
    )
    changes += host_pool_changes(
        {t.name: t for t in tenants}, host_pools, observed, problems, installation
    )
    pipelines: list[Any] = []
    if retention is not None:
        configuration, now = retention
        changes += retention_changes(configuration, observed, now)
        pipelines = [(p.name, p.retention) for p in configuration.pipelines if p.retention]
    changes, conflicts = claim(changes)
    problems += sorted(conflicts)
    return Plan(
        changes=order_changes(changes),
        desired_fingerprint=desired_fingerprint(
            tenants, galleries, definitions, pipelines, host_pools
        ),
        observed_fingerprint=observed.fingerprint(),
        problems=tuple(problems),
    )


def _rg_view(name: str, location: str, tags: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {"name": name, "location": location, "tags": dict(sorted(tags))}


def _resource_groups(
    tenant: Tenant, sub: SubscriptionSpec, seen: ObservedSubscription, owner: Owner
) -> list[Change]:
    observed = {g.name.lower(): g for g in seen.resource_groups}
    changes = []
    wanted_names = set()
    for spec in sub.resource_groups:
        wanted_names.add(spec.name.lower())
        rid = f"/subscriptions/{sub.subscription_id}/resourceGroups/{spec.name}"
        after = _rg_view(
            spec.name, spec.location.replace(" ", "").lower(), owned_tags(owner, spec.tags).items()
        )
        current = observed.get(spec.name.lower())
        before = _rg_view(current.name, current.location, current.tags) if current else None
        if current is None:
            action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
        elif current.location != after["location"]:
            action = Action.REPLACE
            reason = (
                f"exists in {current.location} but is declared in {after['location']}; a "
                "resource group cannot move, and replacing it deletes everything in it"
            )
        elif before != after:
            action, reason = Action.UPDATE, "tags differ"
        else:
            action, reason = Action.NOOP, "matches"
        changes.append(
            _change(tenant, sub, Kind.RESOURCE_GROUP, rid, action, before, after, reason, owner)
        )
    for name, group in sorted(observed.items()):
        found = is_ours(group.tags, owner.installation)
        if name in wanted_names or found is None or _kind_of(found) is not OwnerKind.TENANT:
            continue
        changes.append(
            _change(
                tenant,
                sub,
                Kind.RESOURCE_GROUP,
                group.resource_id,
                Action.DELETE,
                _rg_view(group.name, group.location, group.tags),
                None,
                "goldfleet's and no longer in the configuration",
                found,
            )
        )
    return changes


def _kind_of(owner_tag: str) -> OwnerKind | None:
    owner = parse_owner(owner_tag)
    return owner.kind if owner else None


def _role_assignments(
    tenant: Tenant,
    sub: SubscriptionSpec,
    seen: ObservedSubscription,
    problems: list[str],
    owner: Owner,
) -> list[Change]:
    roles = dict(seen.role_definitions)
    observed = {a.name.lower(): a for a in seen.role_assignments}
    changes = []
    wanted = set()
    for spec in sub.role_assignments:
        resolved = _resolve(tenant, spec, seen, roles, problems)
        if resolved is None:
            continue
        role_guid, principal_id = resolved
        scope = spec.scope.rstrip("/")
        name = assignment_name(scope, role_guid, principal_id)
        wanted.add(name)
        rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
        after = {
            "scope": scope,
            "role": spec.role,
            "roleDefinitionGuid": role_guid,
            "principalId": principal_id,
            "description": owned_description(owner),
        }
        current = observed.get(name) or _same_grant(
            seen.role_assignments, scope, role_guid, principal_id
        )
        depends = _group_dependency(sub, scope)
        if current is None:
            changes.append(
                _change(
                    tenant,
                    sub,
                    Kind.ROLE_ASSIGNMENT,
                    rid,
                    Action.CREATE,
                    None,
                    after,
                    f"{spec.role} for {spec.principal} is missing",
                    owner,
                    depends,
                )
            )
        else:
            changes.append(
                _change(
                    tenant,
                    sub,
                    Kind.ROLE_ASSIGNMENT,
                    current.resource_id,
                    Action.NOOP,
                    _assignment_view(current),
                    _assignment_view(current),
                    "present",
                    owner,
                    depends,
                )
            )
            wanted.add(current.name.lower())
    for name, assignment in sorted(observed.items()):
        found = owner_in_description(assignment.description)
        mine = parse_owner(found)
        if name in wanted or mine is None or mine.installation != owner.installation:
            continue
        changes.append(
            _change(
                tenant,
                sub,
                Kind.ROLE_ASSIGNMENT,
                assignment.resource_id,
                Action.DELETE,
                _assignment_view(assignment),
                None,
                "goldfleet's and no longer in the configuration",
                mine,
            )
        )
    return changes


def _same_grant(
    assignments: Iterable[ObservedRoleAssignment], scope: str, role_guid: str, principal_id: str
) -> ObservedRoleAssignment | None:
    """An assignment made by someone else that already grants exactly this (ARM refuses a twin)."""
    for a in assignments:
        if (
            a.scope.lower() == scope.lower()
            and a.role_definition_guid.lower() == role_guid.lower()
            and a.principal_id.lower() == principal_id.lower()
        ):
            return a
    return None


def _assignment_view(a: ObservedRoleAssignment) -> dict[str, Any]:
    return {
        "scope": a.scope,
        "roleDefinitionGuid": a.role_definition_guid,
        "principalId": a.principal_id,
        "description": a.description,
    }


def _resolve(
    tenant: Tenant,
    spec: RoleAssignmentSpec,
    seen: ObservedSubscription,
    roles: dict[str, str],
    problems: list[str],
) -> tuple[str, str] | None:
    role_guid = roles.get(spec.role.lower()) or (
        spec.role.lower() if spec.role.lower() in roles.values() else None
    )
    if role_guid is None:
        problems.append(
            f"Tenant/{tenant.name}: role '{spec.role}' does not exist in tenant {tenant.tenant_id}"
        )
        return None
    kind, _, value = spec.principal.partition(":")
    own_app = (tenant.credential.client_id or "").lower()
    if spec.principal == "self" or (kind == "app" and own_app and value.lower() == own_app):
        return role_guid, seen.self_object_id
    if kind == "object" and value:
        return role_guid, value
    problems.append(
        f"Tenant/{tenant.name}: principal '{spec.principal}' is neither goldfleet's own "
        "application (app:<its clientId>) nor 'object:<objectId>'"
    )
    return None


def _group_dependency(sub: SubscriptionSpec, scope: str) -> tuple[str, ...]:
    parts = [p for p in scope.split("/") if p]
    if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
        for group in sub.resource_groups:
            if group.name.lower() == parts[3].lower():
                return (
                    f"/subscriptions/{sub.subscription_id}/resourcegroups/{group.name}".lower(),
                )
    return ()


def _change(
    tenant: Tenant,
    sub: SubscriptionSpec,
    kind: Kind,
    resource_id: str,
    action: Action,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    owner: Owner | str,
    depends_on: tuple[str, ...] = (),
) -> Change:
    return Change(
        key=resource_id.lower(),
        action=action,
        kind=kind,
        tenant=tenant.name,
        tenant_id=tenant.tenant_id,
        subscription_id=sub.subscription_id,
        resource_id=resource_id,
        before=before,
        after=after,
        depends_on=depends_on,
        reason=reason,
        owner=str(owner),
    )


__all__ = [
    "MANAGED_DESCRIPTION",
    "MANAGED_TAG",
    "ObservedResourceGroup",
    "assignment_name",
    "make_plan",
]
