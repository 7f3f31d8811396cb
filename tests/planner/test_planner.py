"""The planner: what it decides for resource groups and role assignments, and that it is pure and
deterministic (Hypothesis: same inputs in any order -> the same bytes; applying a plan leaves
nothing to do)."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from goldfleet.domain.observed import (
    ObservedResourceGroup,
    ObservedRoleAssignment,
    ObservedState,
    ObservedSubscription,
)
from goldfleet.domain.ownership import MANAGED_TAG, OWNER_TAG
from goldfleet.domain.tenancy import (
    CredentialKind,
    CredentialRef,
    ResourceGroupSpec,
    RoleAssignmentSpec,
    SubscriptionSpec,
    Tenant,
    TenantRole,
)
from goldfleet.planner import Action, Plan, make_plan
from goldfleet.planner.diff import assignment_name

SUB = "aaaaaaaa-0000-4000-8000-00000000000a"
TID = "11111111-0000-4000-8000-000000000001"
SELF = "5e1f0000-0000-4000-8000-000000000001"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ROLES = (("contributor", CONTRIBUTOR), ("reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"))
REF = CredentialRef(CredentialKind.CLIENT_SECRET, "app", "GOLDFLEET_CLIENT_SECRET")


def tenant(groups=(), assignments=(), name="contoso", sub=SUB, tid=TID) -> Tenant:
    return Tenant(
        name=name,
        tenant_id=tid,
        role=TenantRole.CUSTOMER,
        display_name=name,
        credential=REF,
        time_zone="UTC",
        subscriptions=(SubscriptionSpec(sub, "s", (), tuple(groups), tuple(assignments)),),
    )


def observed(groups=(), assignments=(), sub=SUB, tid=TID) -> ObservedState:
    return ObservedState(
        (ObservedSubscription(sub, tid, SELF, tuple(groups), tuple(assignments), ROLES),)
    )


def ours(tenant_name="contoso"):
    """The tags goldfleet leaves on a group it made for ``tenant_name``."""
    return (MANAGED_TAG, (OWNER_TAG, f"goldfleet/tenant/{tenant_name}"))


OURS = ours()


def rg(name, location="westeurope", tags=OURS, sub=SUB):
    return ObservedResourceGroup(
        f"/subscriptions/{sub}/resourceGroups/{name}", name, location, tuple(sorted(tags))
    )


def actions(plan: Plan) -> list[tuple[str, str]]:
    return [(c.action.value, c.resource_id.rsplit("/", 1)[-1]) for c in plan.changes]


def test_missing_group_and_role_are_created_group_first():
    scope = f"/subscriptions/{SUB}/resourceGroups/rg-hosts"
    desired = tenant(
        [ResourceGroupSpec("rg-hosts", "West Europe", (("owner", "ops"),))],
        [RoleAssignmentSpec("Contributor", scope, "self")],
    )
    plan = make_plan([desired], observed())
    name = assignment_name(scope, CONTRIBUTOR, SELF)
    assert actions(plan) == [("create", "rg-hosts"), ("create", name)]
    assert plan.changes[1].depends_on == (plan.changes[0].key,)
    assert plan.changes[0].after == {
        "name": "rg-hosts",
        "location": "westeurope",
        "tags": {
            "goldfleet-owner": "goldfleet/tenant/contoso",
            "managed-by": "goldfleet",
            "owner": "ops",
        },
    }
    assert plan.changes[0].owner == "goldfleet/tenant/contoso"
    assert plan.changes[1].after["description"] == (
        "managed-by: goldfleet; goldfleet-owner: goldfleet/tenant/contoso"
    )


def test_matching_state_is_all_no_ops():
    desired = tenant([ResourceGroupSpec("rg-hosts", "westeurope")])
    plan = make_plan([desired], observed([rg("rg-hosts")]))
    assert actions(plan) == [("no-op", "rg-hosts")]
    assert plan.pending == ()


def test_changed_tags_update_and_moved_location_is_a_replace():
    desired = tenant(
        [
            ResourceGroupSpec("rg-a", "westeurope", (("env", "prod"),)),
            ResourceGroupSpec("rg-b", "uksouth"),
        ]
    )
    plan = make_plan([desired], observed([rg("rg-a"), rg("rg-b", "westeurope")]))
    assert actions(plan) == [("update", "rg-a"), ("replace", "rg-b")]
    assert "cannot move" in plan.changes[1].reason


def test_only_groups_goldfleet_manages_are_deleted():
    other_installation = (MANAGED_TAG, (OWNER_TAG, "elsewhere/tenant/contoso"))
    legacy = (MANAGED_TAG,)  # marked, but naming no owner
    plan = make_plan(
        [tenant([])],
        observed(
            [
                rg("rg-mine"),
                rg("rg-theirs", tags=()),
                rg("rg-other-install", tags=other_installation),
                rg("rg-legacy", tags=legacy),
            ]
        ),
    )
    assert actions(plan) == [("delete", "rg-mine")]
    assert plan.changes[0].owner == "goldfleet/tenant/contoso"


def test_an_existing_group_that_is_not_goldfleets_is_used_as_it_is_when_its_tags_match():
    desired = tenant([ResourceGroupSpec("rg-hosts", "westeurope", (("customer", "contoso"),))])
    plan = make_plan(
        [desired], observed([rg("rg-hosts", tags=(("customer", "contoso"), ("x", "y")))])
    )
    assert actions(plan) == [("no-op", "rg-hosts")]
    assert "not goldfleet's: used as it is" in plan.changes[0].reason
    assert plan.problems == ()


def test_changing_a_group_goldfleet_does_not_own_is_a_conflict_not_a_change():
    desired = tenant([ResourceGroupSpec("rg-hosts", "westeurope", (("env", "prod"),))])
    for tags in [(("env", "dev"),), (MANAGED_TAG, (OWNER_TAG, "elsewhere/tenant/contoso"))]:
        plan = make_plan([desired], observed([rg("rg-hosts", tags=tags)]))
        assert plan.pending == ()
        assert actions(plan) == [("no-op", "rg-hosts")]
        assert len(plan.problems) == 1
        problem = plan.problems[0]
        assert problem.startswith("conflict: resourceGroup")
        assert "goldfleet adopt /subscriptions/" in problem
        assert "--as tenant/contoso" in problem


def test_role_assignment_made_by_someone_else_counts_as_present():
    scope = f"/subscriptions/{SUB}"
    theirs = ObservedRoleAssignment(
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/x",
        "x",
        scope,
        CONTRIBUTOR,
        SELF,
    )
    plan = make_plan(
        [tenant([], [RoleAssignmentSpec("Contributor", scope, "self")])], observed([], [theirs])
    )
    assert actions(plan) == [("no-op", "x")]


def test_managed_role_assignment_no_longer_declared_is_deleted():
    scope = f"/subscriptions/{SUB}"
    ours = ObservedRoleAssignment(
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/y",
        "y",
        scope,
        CONTRIBUTOR,
        SELF,
        "managed-by: goldfleet; goldfleet-owner: goldfleet/tenant/contoso",
    )
    legacy = ObservedRoleAssignment(
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/z",
        "z",
        scope,
        CONTRIBUTOR,
        SELF,
        "managed-by: goldfleet",
    )
    assert actions(make_plan([tenant()], observed([], [ours, legacy]))) == [("delete", "y")]


def test_unknown_role_and_unseen_subscription_are_problems_not_changes():
    plan = make_plan(
        [
            tenant([], [RoleAssignmentSpec("Gallery Wizard", f"/subscriptions/{SUB}", "self")]),
            tenant(name="other", sub="bbbbbbbb-0000-4000-8000-00000000000b"),
        ],
        observed(),
    )
    assert plan.changes == ()
    assert any("role 'Gallery Wizard' does not exist" in p for p in plan.problems)
    assert any("was not observed" in p for p in plan.problems)


def test_saved_plan_round_trips_and_detects_edits(tmp_path):
    plan = make_plan([tenant([ResourceGroupSpec("rg-a", "westeurope")])], observed())
    text = plan.dumps()
    assert Plan.loads(text).dumps() == text
    edited = json.loads(text)
    edited["changes"][0]["after"]["location"] = "eastus"
    import pytest

    from goldfleet.domain.errors import UserInputError

    with pytest.raises(UserInputError, match="edited since it was made"):
        Plan.loads(json.dumps(edited))


# --- properties ----------------------------------------------------------------------------

NAMES = st.sampled_from([f"rg-{i}" for i in range(8)])
LOCATIONS = st.sampled_from(["westeurope", "uksouth", "eastus"])
TAGS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2"])),
    max_size=2,
    unique_by=lambda t: t[0],
)
SUBS = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(3)]


@st.composite
def worlds(draw):
    tenants, subs = [], []
    for i, sub in enumerate(SUBS[: draw(st.integers(1, 3))]):
        tid = f"{i:08x}-1111-4000-8000-000000000000"
        wanted = draw(
            st.lists(st.tuples(NAMES, LOCATIONS, TAGS), max_size=5, unique_by=lambda g: g[0])
        )
        groups = [ResourceGroupSpec(n, loc, tuple(t)) for n, loc, t in wanted]
        assignments = [
            RoleAssignmentSpec(
                role, f"/subscriptions/{sub}" + (f"/resourceGroups/{g.name}" if g else ""), "self"
            )
            for role, g in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["Contributor", "Reader"]),
                        st.none() | st.sampled_from(groups or [None]),
                    ),
                    max_size=3,
                )
            )
        ]
        tenants.append(tenant(groups, assignments, name=f"t{i}", sub=sub, tid=tid))
        have = draw(
            st.lists(
                st.tuples(NAMES, LOCATIONS, TAGS, st.booleans()),
                max_size=5,
                unique_by=lambda g: g[0],
            )
        )
        subs.append(
            ObservedSubscription(
                sub,
                tid,
                SELF,
                tuple(
                    rg(n, loc, (*t, *ours(f"t{i}")) if managed else t, sub=sub)
                    for n, loc, t, managed in have
                ),
                (),
                ROLES,
            )
        )
    return tenants, ObservedState(tuple(subs))


def shuffled(tenants, state, seed):
    rng = random.Random(seed)
    ts = [
        Tenant(
            **{
                **t.__dict__,
                "subscriptions": tuple(
                    SubscriptionSpec(
                        s.subscription_id,
                        s.name,
                        s.regions,
                        tuple(rng.sample(s.resource_groups, len(s.resource_groups))),
                        tuple(rng.sample(s.role_assignments, len(s.role_assignments))),
                    )
                    for s in t.subscriptions
                ),
            }
        )
        for t in rng.sample(tenants, len(tenants))
    ]
    subs = [
        ObservedSubscription(
            s.subscription_id,
            s.tenant_id,
            s.self_object_id,
            tuple(rng.sample(s.resource_groups, len(s.resource_groups))),
            s.role_assignments,
            s.role_definitions,
        )
        for s in rng.sample(state.subscriptions, len(state.subscriptions))
    ]
    return ts, ObservedState(tuple(subs))


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, 10_000))
def test_same_inputs_in_any_order_give_the_same_bytes(world, seed):
    tenants, state = world
    first = make_plan(tenants, state)
    again = make_plan(*shuffled(tenants, state, seed))
    assert first.dumps() == again.dumps()
    assert first.hash == again.hash


def apply_to(plan: Plan, state: ObservedState) -> ObservedState:
    """What Azure would hold after the plan (replace is refused by apply, so it stays as is)."""
    subs = []
    for sub in state.subscriptions:
        groups = {g.resource_id.lower(): g for g in sub.resource_groups}
        assignments = {a.resource_id.lower(): a for a in sub.role_assignments}
        for c in plan.changes:
            if c.subscription_id != sub.subscription_id:
                continue
            if c.kind.value == "resourceGroup" and c.action in (Action.CREATE, Action.UPDATE):
                a = c.after
                groups[c.key] = ObservedResourceGroup(
                    c.resource_id, a["name"], a["location"], tuple(sorted(a["tags"].items()))
                )
            elif c.action is Action.DELETE:
                groups.pop(c.key, None)
                assignments.pop(c.key, None)
            elif c.kind.value == "roleAssignment" and c.action is Action.CREATE:
                a = c.after
                assignments[c.key] = ObservedRoleAssignment(
                    c.resource_id,
                    c.resource_id.rsplit("/", 1)[-1],
                    a["scope"],
                    a["roleDefinitionGuid"],
                    a["principalId"],
                    a["description"],
                )
        subs.append(
            ObservedSubscription(
                sub.subscription_id,
                sub.tenant_id,
                sub.self_object_id,
                tuple(groups.values()),
                tuple(assignments.values()),
                sub.role_definitions,
            )
        )
    return ObservedState(tuple(subs))


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_after_applying_a_plan_nothing_is_left_to_do(world):
    tenants, state = world
    plan = make_plan(tenants, state)
    after = make_plan(tenants, apply_to(plan, state))
    assert [c for c in after.pending if c.action is not Action.REPLACE] == []
