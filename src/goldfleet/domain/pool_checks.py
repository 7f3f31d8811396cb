"""Preflight of a rollout: everything that would stop it half-way, checked before it starts and
reported together. Pure: the facts are read from Azure by ``goldfleet.azure.pool_preflight``."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Problem:
    check: str  # subnet, quota, replication, token
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
    return found
