"""Scenario files: the example estate loads, and mistakes are reported with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldfleet.emulator.scenario import ScenarioError, load_scenario, parse_scenario, seed_world
from goldfleet.emulator.world import World

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "emulator"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_scenario_seeds_a_world(path):
    scenario, base = load_scenario(path)
    world = World()
    seed_world(world, scenario, base)
    assert world.directory.tenants and world.subscriptions


def test_example_estate_is_a_provider_and_three_customers():
    scenario, base = load_scenario(EXAMPLES / "msp-estate.yaml")
    world = World()
    seed_world(world, scenario, base)
    assert len(world.directory.tenants) == 4
    app = next(iter(world.directory.applications.values()))
    assert app.multi_tenant
    tenants_with_consent = {sp.tenant_id for sp in world.directory.service_principals.values()}
    assert len(tenants_with_consent) == 4


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        scenario = parse_scenario(text, "world.yaml")
        seed_world(World(), scenario)
    return caught.value.problems


def test_unknown_region_names_the_line_and_field():
    problems = problems_of(
        "tenants:\n"
        "  - id: 11111111-0000-4000-8000-000000000001\n"
        "    name: T\n"
        "    domain: t.example\n"
        "    subscriptions:\n"
        "      - id: aaaaaaaa-0000-4000-8000-00000000000a\n"
        "        name: s\n"
        "        regions: [westeurope, westeuropa]\n"
    )
    assert problems == [
        "world.yaml:8:18: tenants[0].subscriptions[0].regions: Value error, unknown region "
        "'westeuropa'"
    ]


def test_all_errors_are_reported_at_once():
    problems = problems_of("tenants:\n  - id: nope\n    name: T\n    colour: blue\n")
    assert any(p.startswith("world.yaml:2:9: tenants[0].id:") for p in problems)
    assert any("tenants[0].domain: Field required" in p for p in problems)
    assert any(p.startswith("world.yaml:4:13: tenants[0].colour: Extra inputs") for p in problems)


def test_yaml_syntax_error_has_a_position():
    problems = problems_of("tenants: [\n  - {id: x\n")
    assert problems[0].startswith("world.yaml:") and "invalid YAML" in problems[0]


def test_references_are_checked_when_seeding():
    problems = problems_of(
        "tenants:\n"
        "  - {id: 11111111-0000-4000-8000-000000000001, name: A, domain: a.example}\n"
        "  - {id: 22222222-0000-4000-8000-000000000002, name: B, domain: b.example}\n"
        "applications:\n"
        "  - {appId: 0a0a0a0a-0000-4000-8000-0000000000a1, name: app, homeTenant: A,\n"
        "     consentedIn: [B, C]}\n"
        "roleAssignments:\n"
        "  - {principal: app, role: Nope, scope: /subscriptions/missing}\n"
    )
    assert "application 'app' is single-tenant and cannot be consented in tenant 'B'" in problems
    assert "consent of 'app': unknown tenant 'C'" in problems
    assert "scope '/subscriptions/missing': unknown subscription 'missing'" in problems


def test_users_and_groups_are_seeded_and_their_references_checked():
    text = (
        "tenants:\n"
        "  - {id: 11111111-0000-4000-8000-000000000001, name: A, domain: a.example,\n"
        "     subscriptions: [{id: aaaaaaaa-0000-4000-8000-00000000000a, name: s}]}\n"
        "applications:\n"
        "  - {appId: 0a0a0a0a-0000-4000-8000-0000000000a1, name: app, homeTenant: A}\n"
        "users:\n"
        "  - {userPrincipalName: ann@a.example, displayName: Ann}\n"
        "groups:\n"
        "  - {name: Inner, tenant: A, members: [app]}\n"
        "  - {name: Outer, tenant: A, members: [ann@a.example, Inner]}\n"
        "roleAssignments:\n"
        "  - {principal: Outer, role: Reader, scope: /subscriptions/s}\n"
        "  - {principal: ann@a.example, role: Reader, scope: /subscriptions/s}\n"
    )
    world = World()
    seed_world(world, parse_scenario(text, "world.yaml"))
    ann = world.directory.user("ANN@a.example")
    assert ann is not None and ann.display_name == "Ann"
    sp = world.directory.service_principal_of(
        "0a0a0a0a-0000-4000-8000-0000000000a1", "11111111-0000-4000-8000-000000000001"
    )
    assert sp is not None
    assert sorted(g.display_name for g in world.directory.groups_of(sp.object_id)) == [
        "Inner",
        "Outer",
    ]
    types = sorted(
        item.body["properties"]["principalType"]
        for item in world.store
        if item.body.get("type") == "Microsoft.Authorization/roleAssignments"
    )
    assert types == ["Group", "User"]

    problems = problems_of(
        "tenants:\n"
        "  - {id: 11111111-0000-4000-8000-000000000001, name: A, domain: a.example}\n"
        "users:\n"
        "  - {userPrincipalName: bob@elsewhere.example}\n"
        "groups:\n"
        "  - {name: G, tenant: A, members: [nobody@a.example]}\n"
    )
    assert "user 'bob@elsewhere.example': unknown tenant 'elsewhere.example'" in problems
    assert (
        "group 'G': no user, application (consented in its tenant) or group 'nobody@a.example'"
        in problems
    )
