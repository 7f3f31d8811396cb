"""Rollout preflight decisions: every problem reported together, each with its fix."""

from __future__ import annotations

from goldfleet.domain.pool_checks import (
    POOL_ACTIONS,
    SUBNET_ACTIONS,
    PermissionBlock,
    PoolFacts,
    PoolNeeds,
    missing_actions,
    problems,
)

NEEDS = PoolNeeds("contoso-pooled", 4, "Standard_D8as_v5", "australiaeast", "/v/2027.113.2")
ROOMY = PoolFacts(
    subnet_id="/subnets/snet-avd-hosts",
    subnet_free=200,
    cores_per_vm=8,
    family="standardDASv5Family",
    family_free=100,
    regional_free=100,
    replication_state="Completed",
)


def with_(**changes: object) -> PoolFacts:
    return PoolFacts(**{**ROOMY.__dict__, **changes})  # type: ignore[arg-type]


def test_enough_of_everything_is_no_problem() -> None:
    assert problems(NEEDS, ROOMY) == []


def test_every_shortage_is_reported_at_once() -> None:
    found = problems(
        NEEDS,
        with_(subnet_free=3, family_free=16, regional_free=100, replication_state="Replicating"),
    )
    assert [p.check for p in found] == ["subnet", "quota", "replication"]
    assert "has 3 free addresses" in found[0].text and "needs 4" in found[0].text
    assert "4 x Standard_D8as_v5 need 32" in found[1].text
    assert "is Replicating in australiaeast" in found[2].text
    assert all(p.fix for p in found)


def test_exactly_enough_passes_and_one_short_fails() -> None:
    assert problems(NEEDS, with_(subnet_free=4, family_free=32, regional_free=32)) == []
    short = problems(NEEDS, with_(regional_free=31))
    assert [p.text for p in short] == [
        "australiaeast has 31 regional vCPUs left; 4 x Standard_D8as_v5 need 32"
    ]


def test_a_size_the_region_does_not_offer_and_a_version_not_there() -> None:
    found = problems(NEEDS, with_(cores_per_vm=0, replication_state=None))
    assert [p.check for p in found] == ["quota", "replication"]
    assert "not offered in australiaeast" in found[0].text
    assert "not replicated there" in found[1].text


def test_a_token_that_cannot_be_issued() -> None:
    found = problems(NEEDS, with_(token_fix="grant Desktop Virtualization Contributor"))
    assert [(p.check, p.fix) for p in found] == [
        ("token", "grant Desktop Virtualization Contributor")
    ]


CONTRIBUTOR = PermissionBlock(
    ("*",),
    (
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
    ),
)
READER = PermissionBlock(("*/read",))
VM_CONTRIBUTOR = PermissionBlock(("Microsoft.Compute/virtualMachines/*",))


def test_roles_are_evaluated_as_azure_rbac_does() -> None:
    assert missing_actions(POOL_ACTIONS, (CONTRIBUTOR,)) == []
    assert missing_actions(POOL_ACTIONS, (READER,)) == list(POOL_ACTIONS)
    lacking = missing_actions(POOL_ACTIONS, (READER, VM_CONTRIBUTOR))
    assert "Microsoft.Compute/virtualMachines/extensions/write" not in lacking
    assert "Microsoft.Network/networkInterfaces/write" in lacking
    # notActions take away what actions grant; matching ignores case
    no_vms = PermissionBlock(("*",), ("microsoft.compute/VIRTUALMACHINES/*",))
    assert missing_actions(("Microsoft.Compute/virtualMachines/write",), (no_vms,)) == [
        "Microsoft.Compute/virtualMachines/write"
    ]


def test_missing_roles_are_a_problem_naming_the_scope_and_the_actions() -> None:
    found = problems(
        NEEDS,
        with_(
            permissions={
                "resource group rg-avd": (POOL_ACTIONS, (READER,)),
                "subnet /x/snet": (SUBNET_ACTIONS, (CONTRIBUTOR,)),
            }
        ),
    )
    assert [p.check for p in found] == ["roles"]
    assert "on resource group rg-avd" in found[0].text
    assert "Microsoft.Compute/virtualMachines/write" in found[0].text
