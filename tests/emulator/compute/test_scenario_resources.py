"""The scenario's ``resources:`` and ``compute:`` sections: raw resources seeded into the store
(ids by subscription name, type from the id) and Compute's knobs, with file:line errors."""

from __future__ import annotations

import pytest

from goldfleet.emulator.scenario import ScenarioError, parse_scenario, seed_world
from goldfleet.emulator.world import World

WORLD = """
tenants:
  - id: 7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01
    name: MSP
    domain: msp.onmicrosoft.com
    subscriptions:
      - id: 5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01
        name: images
        resourceGroups: [{name: rg-images, location: uksouth}]
"""
SUB = "5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01"


def seeded(extra: str) -> World:
    world = World()
    seed_world(world, parse_scenario(WORLD + extra, "world.yaml"))
    return world


def test_a_raw_resource_is_stored_as_arm_returns_it():
    world = seeded(
        """resources:
  - id: /subscriptions/images/resourceGroups/RG-IMAGES/providers/Microsoft.Compute/images/win11
    location: UK South
    tags: {owner: platform}
    properties: {hyperVGeneration: V2}
"""
    )
    stored = world.store.get(
        f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/images/win11"
    )
    assert stored is not None
    assert stored.body == {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/images/win11",
        "name": "win11",
        "type": "Microsoft.Compute/images",
        "location": "uksouth",
        "tags": {"owner": "platform"},
        "properties": {"hyperVGeneration": "V2"},
    }


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        ("{id: /subscriptions/images/images/x, location: uksouth}", "is not a resource id"),
        (
            "{id: /subscriptions/images/resourceGroups/rg-none/providers/Microsoft.Compute/images/x,"
            " location: uksouth}",
            "resource group 'rg-none'",
        ),
        (
            "{id: /subscriptions/images/resourceGroups/rg-images/providers/Microsoft.Compute/images/x,"
            " location: uksouth, type: Microsoft.Compute/snapshots}",
            "does not match the id's type 'Microsoft.Compute/images'",
        ),
        (
            "{id: /subscriptions/images/resourceGroups/rg-images/providers/Microsoft.Compute/images/x,"
            " location: westeuropa}",
            "unknown region 'westeuropa'",
        ),
    ],
)
def test_bad_resources_are_reported(resource, problem):
    with pytest.raises(ScenarioError) as caught:
        seeded(f"resources:\n  - {resource}\n")
    assert any(problem in p and p.startswith("resources[0]") for p in caught.value.problems)


def test_compute_knobs_are_validated_with_their_position():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(WORLD + "compute:\n  replicationFaults:\n    - {count: 1}\n", "w.yaml")
    assert caught.value.problems[0].startswith("w.yaml:12:")
    assert "compute.replicationFaults[0].region" in caught.value.problems[0]
    with pytest.raises(ScenarioError) as caught:
        seeded("compute:\n  replicationFaults: [{region: westeuropa}]\n  limits: {nope: 1}\n")
    assert sorted(caught.value.problems) == [
        "compute.limits: unknown compute limits: ['nope']",
        "compute.replicationFaults[0]: unknown region 'westeuropa'",
    ]
    with pytest.raises(ScenarioError) as caught:
        seeded("throttling:\n  compute: {limits: {GetGallery1Min: 3}}\n")
    assert caught.value.problems == [
        "throttling.compute: unknown compute throttling policy 'GetGallery1Min'"
    ]


def test_compute_knobs_reach_the_world():
    world = seeded(
        "throttling:\n  compute: {limits: {GetGallery3Min: 3}}\n"
        "compute:\n  replicationFaults: [{region: UK South, count: 2}]\n"
        "  limits: {replicasPerRegion: 10}\n"
    )
    section = world.sections["compute"]
    assert section["throttling"]["limits"] == {"GetGallery3Min": 3}
    assert section["replicationFaults"][0]["region"] == "uksouth"
    assert section["limits"] == {"replicasPerRegion": 10}
