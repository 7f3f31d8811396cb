"""How a release reaches session hosts: rollout policies (how one host pool is re-imaged) and
rings (the order in which tenants receive a release, with bake times and health gates).

Pure values: no I/O, no Azure SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any


class RolloutStrategy(StrEnum):
    SIDE_BY_SIDE = "sideBySide"  # add new hosts, then drain and remove old ones
    DELETE_FIRST = "deleteFirst"  # drain and remove old hosts, then add new ones (capacity floor)


class LogoffMode(StrEnum):
    WAIT = "Wait"  # wait for users to sign out (until the window ends)
    FORCE = "Force"  # sign users out after the grace period


@dataclass(frozen=True)
class Canary:
    """``hosts`` new hosts are created and watched for ``bake_time`` before the rest; 0 = none."""

    hosts: int = 1
    bake_time: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class DrainMessage:
    title: str
    body: str


@dataclass(frozen=True)
class RolloutPolicy:
    name: str
    strategy: RolloutStrategy
    max_surge: int  # extra hosts allowed at once (sideBySide)
    min_available_percent: int  # capacity floor while replacing (deleteFirst)
    batch_size: int  # hosts replaced per wave
    canary: Canary
    failure_budget: int  # failed hosts tolerated before the rollout halts
    drain_message: DrainMessage
    grace_period: timedelta  # between the message and the logoff
    logoff: LogoffMode
    keep_old_hosts_days: int  # old hosts stay deallocated this long for an instant rollback
    keep_names: bool = True  # deleteFirst: a new host takes its predecessor's name
    progressive: bool = True  # the batch doubles after each batch that succeeds
    host_ready_timeout: timedelta = timedelta(minutes=45)


class HealthGateKind(StrEnum):
    HOST_HEALTH = "hostHealth"  # share of session hosts Available
    CONNECTION_FAILURES = "connectionFailures"  # share of failed connections
    APPROVAL = "approval"  # a person with the approver role says go


@dataclass(frozen=True)
class HealthGate:
    kind: HealthGateKind
    threshold_percent: int | None = None  # hostHealth: minimum; connectionFailures: maximum
    observe: timedelta | None = None  # how long the measure is taken over


class FailureAction(StrEnum):
    HALT = "halt"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Ring:
    """One step of the release train. ``tenants`` is the resolved membership (explicit members,
    tenants naming the ring, and label selector matches), sorted by name."""

    name: str
    order: int
    bake_time: timedelta
    tenants: tuple[str, ...] = ()
    selector: tuple[tuple[str, str], ...] = ()
    health_gates: tuple[HealthGate, ...] = ()
    on_failure: FailureAction = FailureAction.HALT


def policy_to_json(policy: RolloutPolicy) -> dict[str, Any]:
    """The policy as plain JSON (durations in seconds), for a workflow's arguments."""
    return {
        "name": policy.name,
        "strategy": policy.strategy.value,
        "maxSurge": policy.max_surge,
        "minAvailablePercent": policy.min_available_percent,
        "batchSize": policy.batch_size,
        "canaryHosts": policy.canary.hosts,
        "canaryBakeSeconds": policy.canary.bake_time.total_seconds(),
        "failureBudget": policy.failure_budget,
        "messageTitle": policy.drain_message.title,
        "messageBody": policy.drain_message.body,
        "graceSeconds": policy.grace_period.total_seconds(),
        "logoff": policy.logoff.value,
        "keepOldHostsDays": policy.keep_old_hosts_days,
        "keepNames": policy.keep_names,
        "progressive": policy.progressive,
        "hostReadySeconds": policy.host_ready_timeout.total_seconds(),
    }


def policy_from_json(data: dict[str, Any]) -> RolloutPolicy:
    return RolloutPolicy(
        name=data["name"],
        strategy=RolloutStrategy(data["strategy"]),
        max_surge=int(data["maxSurge"]),
        min_available_percent=int(data["minAvailablePercent"]),
        batch_size=int(data["batchSize"]),
        canary=Canary(int(data["canaryHosts"]), timedelta(seconds=data["canaryBakeSeconds"])),
        failure_budget=int(data["failureBudget"]),
        drain_message=DrainMessage(data["messageTitle"], data["messageBody"]),
        grace_period=timedelta(seconds=data["graceSeconds"]),
        logoff=LogoffMode(data["logoff"]),
        keep_old_hosts_days=int(data["keepOldHostsDays"]),
        keep_names=bool(data["keepNames"]),
        progressive=bool(data["progressive"]),
        host_ready_timeout=timedelta(seconds=data["hostReadySeconds"]),
    )
