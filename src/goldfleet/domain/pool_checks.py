"""Preflight of a rollout: everything that would stop it half-way, checked before it starts and
reported together. Pure: the facts are read from Azure by ``goldfleet.azure.pool_preflight``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What a rollout does, by scope: in the pool's resource group (VMs, NICs, extensions, the host
# pool's token and session hosts, user sessions) and on its subnet (joining NICs to it).
POOL_ACTIONS = (
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Compute/virtualMachines/deallocate/action",
    "Microsoft.Compute/virtualMachines/start/action",
    "Microsoft.Compute/virtualMachines/extensions/write",
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Network/networkInterfaces/delete",
    "Microsoft.DesktopVirtualization/hostpools/write",
    "Microsoft.DesktopVirtualization/hostpools/retrieveRegistrationToken/action",
    "Microsoft.DesktopVirtualization/hostpools/sessionhosts/write",
    "Microsoft.DesktopVirtualization/hostpools/sessionhosts/delete",
    "Microsoft.DesktopVirtualization/hostpools/sessionhosts/usersessions/sendMessage/action",
    "Microsoft.DesktopVirtualization/hostpools/sessionhosts/usersessions/delete",
)
SUBNET_ACTIONS = ("Microsoft.Network/virtualNetworks/subnets/join/action",)


@dataclass(frozen=True)
class PermissionBlock:
    """One ``permissions`` entry of a role the principal holds at or above a scope."""

    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()


def _matches(pattern: str, action: str) -> bool:
    regex = "^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$"
    return re.match(regex, action, re.IGNORECASE) is not None


def missing_actions(needed: tuple[str, ...], blocks: tuple[PermissionBlock, ...]) -> list[str]:
    """The actions no block grants (a block grants what its ``actions`` match and its
    ``notActions`` do not), as Azure RBAC evaluates them."""
    return [
        action
        for action in needed
        if not any(
            any(_matches(a, action) for a in b.actions)
            and not any(_matches(n, action) for n in b.not_actions)
            for b in blocks
        )
    ]


@dataclass(frozen=True)
class PoolNeeds:
    """What the rollout will use at its peak."""

    pool: str
    new_hosts_at_once: int  # surge (sideBySide) or batch (deleteFirst) plus the canary
    size: str
    region: str
    version_id: str


@dataclass(frozen=True)
class PoolFacts:
    subnet_id: str
    subnet_free: int
    cores_per_vm: int  # 0: the region does not offer the size
    family: str
    family_free: int
    regional_free: int
    replication_state: str | None  # the version's state in the pool's region; None: no version
    token_fix: str | None = None  # why a registration token cannot be issued, if it cannot
    # what goldfleet's principal may do: scope -> (the actions needed there, its permissions)
    permissions: dict[str, tuple[tuple[str, ...], tuple[PermissionBlock, ...]]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class Problem:
    check: str  # subnet, quota, replication, token, roles
    text: str
    fix: str


def problems(needs: PoolNeeds, facts: PoolFacts) -> list[Problem]:
    """Every reason the rollout cannot start now (empty: it can)."""
    found: list[Problem] = []
    n = needs.new_hosts_at_once
    if facts.subnet_free < n:
        found.append(
            Problem(
                "subnet",
                f"subnet {facts.subnet_id} has {facts.subnet_free} free addresses; {needs.pool} "
                f"needs {n} for the new hosts it creates at once",
                "free addresses in the subnet (remove unused NICs), give the pool a larger "
                "subnet, or lower maxSurge / batchSize in the rollout policy",
            )
        )
    if facts.cores_per_vm == 0:
        found.append(
            Problem(
                "quota",
                f"{needs.size} is not offered in {needs.region}",
                "choose a VM size the region offers (az vm list-sizes)",
            )
        )
    else:
        cores = n * facts.cores_per_vm
        for what, free in (
            (f"{facts.family} vCPUs", facts.family_free),
            ("regional vCPUs", facts.regional_free),
        ):
            if free < cores:
                found.append(
                    Problem(
                        "quota",
                        f"{needs.region} has {free} {what} left; {n} x {needs.size} need {cores}",
                        f"request a quota increase for {what} in {needs.region}, or lower "
                        "maxSurge / batchSize",
                    )
                )
    if facts.replication_state != "Completed":
        state = facts.replication_state or "not replicated there"
        found.append(
            Problem(
                "replication",
                f"image version {needs.version_id} is {state} in {needs.region}",
                "wait for replication to complete, or add the region to the pipeline's targets "
                "and re-run the release",
            )
        )
    if facts.token_fix:
        found.append(Problem("token", "no registration token can be issued", facts.token_fix))
    for scope, (needed, blocks) in sorted(facts.permissions.items()):
        lacking = missing_actions(needed, blocks)
        if lacking:
            found.append(
                Problem(
                    "roles",
                    f"goldfleet's principal may not {', '.join(lacking)} on {scope}",
                    "assign it Contributor there (or Virtual Machine Contributor, Network "
                    "Contributor and Desktop Virtualization Contributor), e.g. in the tenant's "
                    "roleAssignments, and run goldfleet apply",
                )
            )
    return found
