"""Desired + observed -> changes for Azure Virtual Desktop: host pools, their Desktop
application groups and the workspaces that publish them.

A pool with a DR region has a second pool, ``<name>-dr`` in the DR region (its hosts come from
the standby scale set), whose Desktop group is published in the same workspace. A pool's type
and location cannot change in Azure (``hostPoolType`` is not in the PATCH body,
and nothing moves between regions): a difference is a ``replace``, which apply refuses. An
application group cannot move to another pool or change type either. A workspace keeps the
references to application groups goldfleet does not manage. Session hosts are not planned:
rollouts create and replace them; the registration token is a secret and never in a plan.
A pool, its groups and its DR pool are owned by the HostPool document (``pool/<name>``), a
workspace by its name (``workspace/<name>``: several pools publish into one). goldfleet deletes
only what carries this installation's owner tag, and deletes a pool without ``force`` (Azure
refuses while session hosts remain, which is the point).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from goldfleet.domain.host_pools import HostPool, HostPoolType, LoadBalancer
from goldfleet.domain.observed import (
    ObservedApplicationGroup,
    ObservedHostPool,
    ObservedState,
    ObservedSubscription,
    ObservedWorkspace,
)
from goldfleet.domain.ownership import Owner, OwnerKind, parse_owner
from goldfleet.domain.tenancy import Tenant
from goldfleet.planner.model import Action, Change, Kind
from goldfleet.planner.ownership import is_ours, owned_tags

_POOL_TYPE = {HostPoolType.POOLED: "Pooled", HostPoolType.PERSONAL: "Personal"}
_BALANCER = {
    LoadBalancer.BREADTH_FIRST: "BreadthFirst",
    LoadBalancer.DEPTH_FIRST: "DepthFirst",
    LoadBalancer.PERSISTENT: "Persistent",
}


def _location(value: str) -> str:
    return value.replace(" ", "").lower()


def _find(items: Sequence[Any], resource_id: str) -> Any:
    return next((i for i in items if i.resource_id.lower() == resource_id.lower()), None)


def host_pool_changes(
    tenants: Mapping[str, Tenant],
    pools: Sequence[HostPool],
    observed: ObservedState,
    problems: list[str],
    installation: str,
) -> list[Change]:
    changes: list[Change] = []
    by_subscription: dict[str, list[tuple[HostPool, Owner]]] = {}
    for pool in sorted(pools, key=lambda p: p.name):
        owner = Owner(installation, OwnerKind.POOL, pool.name)  # its DR pool's owner too
        members = by_subscription.setdefault(pool.subscription_id.lower(), [])
        members.append((pool, owner))
        dr = pool.dr_pool()
        if dr is not None:
            members.append((dr, owner))
    for subscription, members in sorted(by_subscription.items()):
        seen = observed.subscription(subscription)
        if seen is None:
            problems.append(
                f"HostPool/{members[0][0].name}: subscription {members[0][0].subscription_id} "
                "was not observed"
            )
            continue
        tenant = tenants[members[0][0].tenant]
        changes += _subscription_changes(tenant, members, seen, installation)
    return changes


def _subscription_changes(
    tenant: Tenant,
    members: Sequence[tuple[HostPool, Owner]],
    seen: ObservedSubscription,
    installation: str,
) -> list[Change]:
    changes: list[Change] = []
    wanted: set[str] = set()
    pools = [pool for pool, _ in members]
    for pool, owner in members:
        pool_change = _pool_change(
            tenant, pool, _find(seen.host_pools, str(pool.resource_id)), owner
        )
        group_change = _group_change(
            tenant, pool, _find(seen.application_groups, str(pool.application_group_id)), owner
        )
        changes += [pool_change, group_change]
        wanted |= {pool_change.key, group_change.key}
    workspaces: dict[str, list[HostPool]] = {}
    for pool in pools:
        if pool.workspace_id is not None:
            workspaces.setdefault(str(pool.workspace_id).lower(), []).append(pool)
    for publishing in workspaces.values():
        change = _workspace_change(tenant, publishing, seen, installation)
        changes.append(change)
        wanted.add(change.key)
    changes += _deletions(tenant, seen, wanted, installation)
    return changes


def _pool_view(p: ObservedHostPool) -> dict[str, Any]:
    return {
        "name": p.name,
        "resourceGroup": p.resource_group,
        "location": p.location,
        "hostPoolType": p.host_pool_type,
        "loadBalancerType": p.load_balancer_type,
        "maxSessionLimit": p.max_session_limit,
        "startVMOnConnect": p.start_vm_on_connect,
        "customRdpProperty": p.custom_rdp_property,
        "validationEnvironment": p.validation_environment,
        "preferredAppGroupType": p.preferred_app_group_type,
        "friendlyName": p.friendly_name,
        "tags": dict(p.tags),
    }


def _pool_change(
    tenant: Tenant, pool: HostPool, current: ObservedHostPool | None, owner: Owner
) -> Change:
    after = {
        "name": pool.host_pool_name,
        "resourceGroup": pool.resource_group,
        "location": _location(pool.location),
        "hostPoolType": _POOL_TYPE[pool.type],
        "loadBalancerType": _BALANCER[pool.load_balancer],
        "maxSessionLimit": pool.max_session_limit,
        "startVMOnConnect": pool.start_vm_on_connect,
        "customRdpProperty": pool.custom_rdp_property or "",
        "validationEnvironment": pool.validation,
        "preferredAppGroupType": "Desktop",
        "friendlyName": current.friendly_name if current else "",
        "tags": owned_tags(owner, current.tags if current else ()),
    }
    group_key = f"/subscriptions/{pool.subscription_id}/resourcegroups/{pool.resource_group}"
    before = _pool_view(current) if current else None
    if before is None:
        action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
    elif before["hostPoolType"] != after["hostPoolType"] or before["location"] != after["location"]:
        action = Action.REPLACE
        reason = (
            f"is a {before['hostPoolType']} pool in {before['location']} but is declared "
            f"{after['hostPoolType']} in {after['location']}; neither can change on a host "
            "pool: declare a new pool and move users to it"
        )
    else:
        action, reason = _update_or_noop(before, after)
    return _change(
        tenant,
        pool,
        Kind.HOST_POOL,
        str(pool.resource_id),
        action,
        before,
        after,
        reason,
        (group_key.lower(),),
        owner,
    )


def _group_view(g: ObservedApplicationGroup) -> dict[str, Any]:
    return {
        "name": g.name,
        "resourceGroup": g.resource_group,
        "location": g.location,
        "hostPoolId": g.host_pool_id,
        "applicationGroupType": g.group_type,
        "friendlyName": g.friendly_name,
        "tags": dict(g.tags),
    }


def _group_change(
    tenant: Tenant, pool: HostPool, current: ObservedApplicationGroup | None, owner: Owner
) -> Change:
    pool_id = str(pool.resource_id)
    if current is not None and current.host_pool_id.lower() == pool_id.lower():
        pool_id = current.host_pool_id  # Azure's spelling
    after = {
        "name": pool.application_group_name,
        "resourceGroup": pool.resource_group,
        "location": _location(pool.location),
        "hostPoolId": pool_id,
        "applicationGroupType": "Desktop",
        "friendlyName": pool.desktop.friendly_name or "",
        "tags": owned_tags(owner, current.tags if current else ()),
    }
    before = _group_view(current) if current else None
    if before is None:
        action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
    elif (
        before["hostPoolId"] != after["hostPoolId"]
        or before["applicationGroupType"] != after["applicationGroupType"]
    ):
        action = Action.REPLACE
        reason = (
            f"is a {before['applicationGroupType']} group of {before['hostPoolId']}; an "
            "application group cannot change its pool or type: give it another name"
        )
    else:
        action, reason = _update_or_noop(before, after)
    return _change(
        tenant,
        pool,
        Kind.APPLICATION_GROUP,
        str(pool.application_group_id),
        action,
        before,
        after,
        reason,
        (str(pool.resource_id).lower(),),
        owner,
    )


def _workspace_view(w: ObservedWorkspace) -> dict[str, Any]:
    return {
        "name": w.name,
        "resourceGroup": w.resource_group,
        "location": w.location,
        "applicationGroups": sorted(w.application_groups, key=str.lower),
        "tags": dict(w.tags),
    }


def _workspace_change(
    tenant: Tenant,
    pools: Sequence[HostPool],
    seen: ObservedSubscription,
    installation: str,
) -> Change:
    first = pools[0]
    assert first.workspace_id is not None
    rid = str(first.workspace_id)
    owner = Owner(installation, OwnerKind.WORKSPACE, first.desktop.workspace or "")
    current: ObservedWorkspace | None = _find(seen.workspaces, rid)
    # goldfleet's groups are published exactly where the configuration says; others' stay
    ours = {
        g.resource_id.lower()
        for g in seen.application_groups
        if is_ours(g.tags, installation) is not None
    }
    references = {str(p.application_group_id).lower(): str(p.application_group_id) for p in pools}
    for pool in pools:  # users reach the DR desktop from the same workspace
        dr = pool.dr_pool()
        if dr is not None:
            references[str(dr.application_group_id).lower()] = str(dr.application_group_id)
    for ref in current.application_groups if current else ():
        if ref.lower() in references or ref.lower() not in ours:
            references[ref.lower()] = ref  # Azure's spelling
    kept = list(references.values())
    after = {
        "name": first.desktop.workspace,
        "resourceGroup": first.resource_group,
        "location": current.location if current else _location(first.location),
        "applicationGroups": sorted(kept, key=str.lower),
        "tags": owned_tags(owner, current.tags if current else ()),
    }
    before = _workspace_view(current) if current else None
    if before is None:
        action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
    else:
        action, reason = _update_or_noop(before, after)
    depends = tuple(sorted(references))  # keys outside the plan are ignored when ordering
    return _change(
        tenant, first, Kind.WORKSPACE, rid, action, before, after, reason, depends, owner
    )


def _update_or_noop(before: dict[str, Any], after: dict[str, Any]) -> tuple[Action, str]:
    """An in-place update naming the fields that differ, or a no-op."""
    changed = sorted(k for k in after if before[k] != after[k])
    if changed:
        return Action.UPDATE, f"{', '.join(changed)} differ"
    return Action.NOOP, "matches"


def _deletions(
    tenant: Tenant, seen: ObservedSubscription, wanted: set[str], installation: str
) -> list[Change]:
    changes: list[Change] = []
    kinds: list[tuple[Kind, Sequence[Any], Any]] = [
        (Kind.HOST_POOL, seen.host_pools, _pool_view),
        (Kind.APPLICATION_GROUP, seen.application_groups, _group_view),
        (Kind.WORKSPACE, seen.workspaces, _workspace_view),
    ]
    for kind, items, view in kinds:
        for item in sorted(items, key=lambda i: i.resource_id.lower()):
            found = is_ours(item.tags, installation)
            owner = parse_owner(found)
            if item.resource_id.lower() in wanted or owner is None:
                continue
            if owner.kind not in (OwnerKind.POOL, OwnerKind.WORKSPACE):
                continue
            changes.append(
                Change(
                    key=item.resource_id.lower(),
                    action=Action.DELETE,
                    kind=kind,
                    tenant=tenant.name,
                    tenant_id=tenant.tenant_id,
                    subscription_id=seen.subscription_id,
                    resource_id=item.resource_id,
                    before=view(item),
                    after=None,
                    reason="goldfleet's and no longer in the configuration",
                    owner=owner.tag,
                )
            )
    return changes


def _change(
    tenant: Tenant,
    pool: HostPool,
    kind: Kind,
    resource_id: str,
    action: Action,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    depends_on: tuple[str, ...],
    owner: Owner,
) -> Change:
    return Change(
        key=resource_id.lower(),
        action=action,
        kind=kind,
        tenant=tenant.name,
        tenant_id=tenant.tenant_id,
        subscription_id=pool.subscription_id,
        resource_id=resource_id,
        before=before,
        after=after,
        depends_on=depends_on,
        reason=reason,
        owner=owner.tag,
    )
