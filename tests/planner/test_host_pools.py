"""Planning AVD host pools, their Desktop application groups and workspaces: created in
dependency order, updated where Azure lets them change, a replace where it does not, others'
workspace references kept, and only goldfleet's own resources deleted."""

from __future__ import annotations

from dataclasses import replace

from goldfleet.domain.host_pools import (
    Desktop,
    DirectoryJoin,
    HostPool,
    HostPoolType,
    JoinType,
    LoadBalancer,
    SessionHostTemplate,
)
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.observed import (
    ObservedApplicationGroup,
    ObservedHostPool,
    ObservedWorkspace,
)
from goldfleet.domain.tenancy import ResourceGroupSpec
from goldfleet.planner import make_plan
from tests.planner.test_planner import SUB, actions, observed, rg, tenant

PROVIDER = f"/subscriptions/{SUB}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization"


def owned(owner: str) -> tuple[tuple[str, str], ...]:
    return (("goldfleet-owner", f"goldfleet/{owner}"), ("managed-by", "goldfleet"))


def pool(name="hp-a", **changes) -> HostPool:
    values = {
        "name": name,
        "tenant": "contoso",
        "subscription_id": SUB,
        "resource_group": "rg-avd",
        "location": "West Europe",
        "host_pool_name": name,
        "type": HostPoolType.POOLED,
        "load_balancer": LoadBalancer.BREADTH_FIRST,
        "session_hosts": SessionHostTemplate(
            "win11",
            "Standard_D4as_v5",
            "avd",
            2,
            ResourceId(f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/x/subnets/s"),
            DirectoryJoin(JoinType.ENTRA),
        ),
        "rollout_policy": "default",
        "max_session_limit": 8,
        "desktop": Desktop(workspace="ws-avd", friendly_name="Desktop"),
    } | changes
    return HostPool(**values)


def seen_pool(name="hp-a", **changes) -> ObservedHostPool:
    values = {
        "resource_id": f"{PROVIDER}/hostPools/{name}",
        "name": name,
        "resource_group": "rg-avd",
        "location": "westeurope",
        "host_pool_type": "Pooled",
        "load_balancer_type": "BreadthFirst",
        "max_session_limit": 8,
        "start_vm_on_connect": False,
        "custom_rdp_property": "",
        "validation_environment": False,
        "preferred_app_group_type": "Desktop",
        "friendly_name": "",
        "tags": owned(f"pool/{name}"),
    } | changes
    return ObservedHostPool(**values)


def seen_group(name="hp-a-dag", pool_name="hp-a", **changes) -> ObservedApplicationGroup:
    values = {
        "resource_id": f"{PROVIDER}/applicationGroups/{name}",
        "name": name,
        "resource_group": "rg-avd",
        "location": "westeurope",
        "host_pool_id": f"{PROVIDER}/hostPools/{pool_name}",
        "group_type": "Desktop",
        "friendly_name": "Desktop",
        "tags": owned(f"pool/{pool_name}"),
    } | changes
    return ObservedApplicationGroup(**values)


def seen_workspace(groups, **changes) -> ObservedWorkspace:
    values = {
        "resource_id": f"{PROVIDER}/workspaces/ws-avd",
        "name": "ws-avd",
        "resource_group": "rg-avd",
        "location": "westeurope",
        "application_groups": tuple(groups),
        "tags": owned("workspace/ws-avd"),
    } | changes
    return ObservedWorkspace(**values)


def seen(pools=(), groups=(), workspaces=()):
    state = observed([rg("rg-avd")])
    sub = replace(
        state.subscriptions[0],
        host_pools=tuple(pools),
        application_groups=tuple(groups),
        workspaces=tuple(workspaces),
    )
    return type(state)((sub,))


def plan_for(pools, state):
    desired = tenant([ResourceGroupSpec("rg-avd", "westeurope")])
    return make_plan([desired], state, host_pools=pools)


def test_pool_then_group_then_workspace():
    plan = plan_for([pool()], seen())
    assert actions(plan) == [
        ("no-op", "rg-avd"),
        ("create", "hp-a"),
        ("create", "hp-a-dag"),
        ("create", "ws-avd"),
    ]
    hp, dag, ws = plan.changes[1:]
    assert hp.after["hostPoolType"] == "Pooled" and hp.after["location"] == "westeurope"
    assert hp.after["preferredAppGroupType"] == "Desktop" and hp.after["maxSessionLimit"] == 8
    assert dag.after["hostPoolId"] == f"{PROVIDER}/hostPools/hp-a"
    assert dag.depends_on == (hp.key,) and ws.depends_on == (dag.key,)
    assert ws.after["applicationGroups"] == [f"{PROVIDER}/applicationGroups/hp-a-dag"]
    assert "registrationInfo" not in hp.after  # the token is a secret: never planned


def test_matching_pool_is_a_no_op_and_settings_update_in_place():
    group_id = f"{PROVIDER}/applicationGroups/hp-a-dag"
    state = seen([seen_pool()], [seen_group()], [seen_workspace([group_id])])
    assert [c.action.value for c in plan_for([pool()], state).changes] == ["no-op"] * 4
    changed = plan_for([pool(max_session_limit=12, start_vm_on_connect=True)], state)
    update = changed.changes[1]
    assert update.action.value == "update"
    assert update.reason == "maxSessionLimit, startVMOnConnect differ"


def test_type_or_location_change_is_a_replace():
    state = seen([seen_pool(host_pool_type="Personal", load_balancer_type="Persistent")])
    change = plan_for([pool()], state).changes[1]
    assert change.action.value == "replace" and "neither can change" in change.reason
    moved = plan_for([pool()], seen([seen_pool(location="northeurope")])).changes[1]
    assert moved.action.value == "replace"


def test_group_of_another_pool_is_a_replace():
    moved = seen_group(pool_name="hp-other", tags=owned("pool/hp-a"))
    change = plan_for([pool()], seen([seen_pool()], [moved])).changes[2]
    assert change.action.value == "replace" and "cannot change its pool" in change.reason


def test_a_group_that_another_pool_owns_is_a_conflict_never_a_change():
    plan = plan_for([pool()], seen([seen_pool()], [seen_group(pool_name="hp-other")]))
    assert plan.changes[2].action.value == "no-op"
    assert plan.changes[2].reason.startswith("conflict:")
    assert any("applicationGroup" in p and "goldfleet/pool/hp-other" in p for p in plan.problems)


def test_shared_workspace_keeps_others_references_and_drops_unwanted_ours():
    others = f"/subscriptions/{SUB}/resourceGroups/rg-x/providers/Microsoft.DesktopVirtualization/applicationGroups/apps"
    old_ours = f"{PROVIDER}/applicationGroups/hp-old-dag"
    state = seen(
        [seen_pool(), seen_pool("hp-b"), seen_pool("hp-old")],
        [seen_group(), seen_group("hp-b-dag", "hp-b"), seen_group("hp-old-dag", "hp-old")],
        [seen_workspace([others, old_ours, f"{PROVIDER}/applicationGroups/hp-a-dag"])],
    )
    plan = plan_for([pool(), pool("hp-b")], state)
    workspace = next(c for c in plan.changes if c.kind.value == "workspace")
    assert workspace.action.value == "update"
    assert workspace.after["applicationGroups"] == [
        f"{PROVIDER}/applicationGroups/hp-a-dag",
        f"{PROVIDER}/applicationGroups/hp-b-dag",
        others,
    ]
    deleted = [
        (c.kind.value, c.resource_id.rsplit("/", 1)[-1])
        for c in plan.pending
        if c.action.value == "delete"
    ]
    # the old group goes before its pool (deletions run in reverse kind order)
    assert deleted == [("applicationGroup", "hp-old-dag"), ("hostPool", "hp-old")]


def test_unmanaged_pools_are_never_deleted():
    state = seen([seen_pool("hp-theirs", tags=(("owner", "them"),))])
    plan = plan_for([], state)
    assert [c.action.value for c in plan.changes] == ["no-op"]


def test_desired_fingerprint_moves_with_the_pools():
    state = seen()
    assert (
        plan_for([pool()], state).desired_fingerprint
        != plan_for([pool(max_session_limit=3)], state).desired_fingerprint
    )


def test_a_dr_region_adds_a_dr_pool_published_in_the_same_workspace():
    dr_subnet = ResourceId(f"/subscriptions/{SUB}/resourceGroups/rg-dr/providers/x/subnets/dr")
    primary = pool(dr_region="northeurope", dr_resource_group="rg-dr", dr_subnet_id=dr_subnet)
    plan = plan_for([primary], seen())
    made = {(c.kind.value, c.resource_id.rsplit("/", 1)[-1]): c for c in plan.changes}
    dr = made[("hostPool", "hp-a-dr")]
    assert dr.after["location"] == "northeurope" and dr.after["resourceGroup"] == "rg-dr"
    dr_group = made[("applicationGroup", "hp-a-dag-dr")]
    assert dr_group.after["hostPoolId"].endswith(
        "/resourceGroups/rg-dr/providers/Microsoft.DesktopVirtualization/hostPools/hp-a-dr"
    )
    workspace = made[("workspace", "ws-avd")]
    assert [g.rsplit("/", 1)[-1] for g in workspace.after["applicationGroups"]] == [
        "hp-a-dag",
        "hp-a-dag-dr",
    ]
    assert dr_group.key in workspace.depends_on
