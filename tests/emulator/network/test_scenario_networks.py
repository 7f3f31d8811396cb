"""Scenario seeding of virtual networks (``virtualNetworks:``) and vCPU quotas
(``compute: {quotas: ...}``), from the example estate and from small documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldfleet.emulator.rp.compute.machines import quota
from goldfleet.emulator.rp.network import backend, vnets
from goldfleet.emulator.scenario import ScenarioError, load_scenario, parse_scenario, seed_world
from goldfleet.emulator.world import World

REPO = Path(__file__).resolve().parents[3]
HEAD = """
apiVersion: goldfleet.emulator/v1
tenants:
  - id: 11111111-0000-4000-8000-000000000001
    name: T
    domain: t.onmicrosoft.com
    subscriptions:
      - id: aaaaaaaa-0000-4000-8000-00000000000a
        name: sub-a
        regions: [uksouth]
        resourceGroups: [{name: rg-net, location: uksouth}]
"""
SUB = "aaaaaaaa-0000-4000-8000-00000000000a"


def _seed(text: str) -> World:
    world = World()
    seed_world(world, parse_scenario(text, "net.yaml"))
    return world


def test_the_example_estate_has_a_build_network_one_per_customer_and_fabrikams_dr() -> None:
    scenario, base = load_scenario(REPO / "examples" / "emulator" / "msp-estate.yaml")
    world = World()
    seed_world(world, scenario, base)
    found = {
        str(v.body["name"]): str(v.body["location"])
        for v in world.store
        if v.body.get("type") == "Microsoft.Network/virtualNetworks"
    }
    assert found == {
        "vnet-goldfleet-build": "uksouth",
        "vnet-avd-contoso": "australiaeast",
        "vnet-avd-fabrikam": "eastus",
        "vnet-avd-fabrikam-dr": "westus2",
        "vnet-avd-adatum": "germanywestcentral",
    }
    build = next(v for v in world.store if v.body.get("name") == "vnet-goldfleet-build")
    assert build.body["properties"]["provisioningState"] == "Succeeded"
    subnet_id = f"{build.id}/subnets/snet-build"
    assert backend.free_addresses(world, subnet_id) == 251


def test_seeded_vnet_and_quota_limits() -> None:
    world = _seed(
        HEAD
        + """
virtualNetworks:
  - subscription: sub-a
    resourceGroup: rg-net
    name: vnet1
    location: uksouth
    addressSpace: [10.1.0.0/16]
    subnets: [{name: s1, addressPrefix: 10.1.0.0/29}]
compute:
  quotas:
    - {subscription: sub-a, region: UK South, limits: {cores: 8, standardDASv5Family: 4}}
"""
    )
    vnet = vnets.get_vnet(world, SUB, "rg-net", "vnet1")
    assert [s.body["name"] for s in vnets.subnets_of(world, vnet)] == ["s1"]
    assert quota.limit(world, SUB, "uksouth", "cores") == 8
    assert quota.limit(world, SUB, "uksouth", "standardDASv5Family") == 4
    assert quota.limit(world, SUB, "uksouth", "standardBSFamily") == 100


def test_network_rules_apply_to_seeded_vnets() -> None:
    with pytest.raises(ScenarioError) as excinfo:
        _seed(
            HEAD
            + """
virtualNetworks:
  - subscription: sub-a
    resourceGroup: rg-net
    name: vnet1
    location: uksouth
    addressSpace: [10.1.0.0/16]
    subnets: [{name: s1, addressPrefix: 10.2.0.0/24}]
  - {subscription: nobody, resourceGroup: rg-net, name: v, location: uksouth, addressSpace: [10.0.0.0/8]}
"""
        )
    assert excinfo.value.problems == [
        "virtualNetworks[0]: NetcfgSubnetRangeOutsideVnet: Subnet 's1' is not valid because its "
        "IP address range is outside the IP address range of virtual network 'vnet1'.",
        "virtualNetworks[1]: unknown subscription 'nobody'",
    ]


def test_shape_errors_point_at_file_line_and_column() -> None:
    with pytest.raises(ScenarioError) as excinfo:
        parse_scenario(
            HEAD
            + """
virtualNetworks:
  - subscription: sub-a
    resourceGroup: rg-net
    name: vnet1
    location: uksouth
    addressSpace: []
compute:
  quotas:
    - {subscription: sub-a, region: uksouth, limits: {cores: many}}
""",
            "net.yaml",
        )
    problems = sorted(excinfo.value.problems)
    assert len(problems) == 2
    assert problems[0].startswith("net.yaml:18:19: virtualNetworks[0].addressSpace:")
    assert problems[1].startswith("net.yaml:21:62: compute.quotas[0].limits.cores:")


def test_unknown_quota_names_are_reported() -> None:
    with pytest.raises(ScenarioError) as excinfo:
        _seed(
            HEAD
            + """
compute:
  quotas:
    - {subscription: sub-a, region: uksouth, limits: {gpus: 1}}
    - {subscription: sub-a, region: marsnorth, limits: {cores: 1}}
"""
        )
    assert excinfo.value.problems[0].startswith("compute.quotas[0]: unknown quota 'gpus'")
    assert excinfo.value.problems[1] == "compute.quotas[1]: unknown region 'marsnorth'"
