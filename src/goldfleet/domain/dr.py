"""Disaster recovery decisions: which image version the standby scale set's model may use, and
whether a drill passed.

Pure values: no I/O, no Azure SDK.
"""

from __future__ import annotations

from dataclasses import dataclass

from goldfleet.domain.releases import check_version_name


@dataclass(frozen=True)
class Candidate:
    """A promoted version of the pool's image and its replication in the DR region."""

    name: str
    dr_state: str | None  # the DR region's replication state; None: not a target there


def standby_version(candidates: list[Candidate]) -> Candidate | None:
    """The newest promoted version whose replication in the DR region is ``Completed`` (a model
    never points at a version the region cannot make VMs from); None when there is none."""
    ready = [c for c in candidates if c.dr_state == "Completed"]
    if not ready:
        return None
    return max(ready, key=lambda c: check_version_name(c.name))


@dataclass(frozen=True)
class DrillHost:
    name: str  # the instance's VM name
    registered: bool
    status: str | None
    healthy: bool
    ready_after_seconds: float | None  # from the scale-out to healthy; None: never


def drill_problems(
    wanted: int, made: list[DrillHost], scale_error: str | None, capacity_after: int, before: int
) -> list[str]:
    """Why a drill failed (empty: it passed): every instance asked for was made, registered
    and healthy, and the scale set is back to its capacity before the drill."""
    found: list[str] = []
    if scale_error:
        found.append(f"the scale-out failed: {scale_error}")
    if len(made) < wanted:
        found.append(f"{wanted} instances were asked for, {len(made)} were made")
    for host in made:
        if not host.registered:
            found.append(f"{host.name} never registered with the DR host pool")
        elif not host.healthy:
            found.append(f"{host.name} registered {host.status} and not healthy")
    if capacity_after != before:
        found.append(f"the scale set was left at {capacity_after} instances, not {before}")
    return found
