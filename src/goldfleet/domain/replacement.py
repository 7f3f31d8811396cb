"""The arithmetic of replacing a pool's session hosts: what a host is (its VM and its session
host, merged), which hosts drift from what the pool should run, how new hosts are named, how
big the next batch may be, and the capacity floor.

Pure values and functions: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from goldfleet.domain.names import host_name
from goldfleet.domain.rollout import RolloutPolicy, RolloutStrategy


@dataclass(frozen=True)
class PoolHost:
    """One session host as goldfleet sees it: the VM (tagged as the pool's) and what the AVD
    agent reports. ``session_host`` is None while the VM has not registered."""

    name: str  # the VM's name
    vm_id: str
    session_host: str | None  # host.fqdn
    version_id: str  # the image version it was made from ("" when goldfleet did not make it)
    size: str
    power: str | None  # running, deallocated, ...
    status: str | None  # the session host's status
    healthy: bool
    allow_new_session: bool
    sessions: int
    assigned_user: str | None = None
    retired_at: str | None = None  # kept deallocated for rollback since (ISO 8601)
    created_at: str | None = None
    failed_checks: tuple[str, ...] = ()

    @property
    def serving(self) -> bool:
        """Counts as capacity: registered, healthy, running and accepting sessions."""
        return (
            self.session_host is not None
            and self.healthy
            and self.allow_new_session
            and self.power in (None, "running")
            and self.retired_at is None
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed_checks"] = list(self.failed_checks)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PoolHost:
        return cls(**{**data, "failed_checks": tuple(data.get("failed_checks") or ())})


def drift(host: PoolHost, target_version_id: str, vm_size: str) -> list[str]:
    """Why ``host`` is not what the pool should run (empty: it is)."""
    reasons = []
    if not host.version_id:
        reasons.append("not made by goldfleet (no image version tag)")
    elif host.version_id.lower() != target_version_id.lower():
        reasons.append(
            f"runs {_version(host.version_id)}, the pool runs {_version(target_version_id)}"
        )
    if host.size and host.size.lower() != vm_size.lower():
        reasons.append(f"is a {host.size}, the pool's hosts are {vm_size}")
    return reasons


def _version(version_id: str) -> str:
    parts = version_id.split("/")
    return f"{parts[-3]} {parts[-1]}" if len(parts) >= 3 else version_id


def free_names(prefix: str, taken: Iterable[str], count: int) -> list[str]:
    """The ``count`` lowest free names ``<prefix>-<n>`` (n from 0), case-insensitively."""
    used = {t.lower() for t in taken}
    names: list[str] = []
    index = 0
    while len(names) < count:
        candidate = host_name(prefix, index)
        if candidate.lower() not in used:
            names.append(candidate)
        index += 1
    return names


_INDEX = re.compile(r"-(\d+)$")


def index_key(name: str) -> tuple[int, str]:
    """Orders names by their numeric suffix (``avd-2`` before ``avd-10``)."""
    found = _INDEX.search(name)
    return (int(found.group(1)) if found else 1 << 30, name)


def capacity_floor(count: int, min_available_percent: int) -> int:
    """Hosts that must stay serving while a deleteFirst rollout replaces the others."""
    return math.ceil(count * min_available_percent / 100)


def next_batch(
    policy: RolloutPolicy,
    batch: int,
    remaining: int,
    serving: int,
    count: int,
    floor: int | None = None,
) -> int:
    """How many hosts the next batch replaces: the current batch size, at most what remains; for
    sideBySide at most ``maxSurge``; for deleteFirst at most what can go without the serving
    hosts falling below the capacity floor (``floor``, by default the policy's; 0: not now)."""
    size = min(batch, remaining)
    if policy.strategy is RolloutStrategy.SIDE_BY_SIDE:
        return max(0, min(size, policy.max_surge))
    if floor is None:
        floor = capacity_floor(count, policy.min_available_percent)
    spare = serving - floor
    return max(0, min(size, spare))


def grown(policy: RolloutPolicy, batch: int) -> int:
    """The batch size after a batch that succeeded."""
    if not policy.progressive:
        return batch
    bigger = batch * 2
    if policy.strategy is RolloutStrategy.SIDE_BY_SIDE:
        return max(batch, min(bigger, policy.max_surge))
    return bigger


def outdated(hosts: Sequence[PoolHost], target_version_id: str, vm_size: str) -> list[PoolHost]:
    """The hosts to replace, emptiest first (fewest users to move), then by name."""
    found = [h for h in hosts if h.retired_at is None and drift(h, target_version_id, vm_size)]
    return sorted(found, key=lambda h: (h.sessions, index_key(h.name)))
