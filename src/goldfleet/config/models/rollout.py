"""``kind: RolloutPolicy`` (how one host pool is re-imaged) and ``kind: Ring`` (which tenants
receive a release in which order, with bake times and health gates)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field

from goldfleet.config.fields import Count, Duration, Flag, Name, Text
from goldfleet.config.models.base import ConfigModel
from goldfleet.domain.rollout import FailureAction, LogoffMode, RolloutStrategy

DEFAULT_DRAIN_BODY = (
    "This session host is being updated. Please save your work and sign out;"
    " you can sign in again straight away."
)


class Canary(ConfigModel):
    hosts: Count = Field(default=1, ge=0, le=100)
    """New hosts created and watched first; 0 for none."""
    bake_time: Duration = Field(default=timedelta(minutes=15), json_schema_extra={"default": "15m"})


class DrainMessage(ConfigModel):
    title: Text = "Maintenance"
    body: Text = DEFAULT_DRAIN_BODY


class RolloutPolicySpec(ConfigModel):
    strategy: RolloutStrategy
    max_surge: Count = Field(default=1, ge=0, le=1000)
    """sideBySide: extra hosts allowed at once."""
    min_available_percent: Count = Field(default=80, ge=0, le=100)
    """Capacity that stays available while hosts are replaced."""
    batch_size: Count = Field(default=1, ge=1, le=1000)
    canary: Canary = Field(default_factory=Canary)
    failure_budget: Count = Field(default=0, ge=0, le=1000)
    """Failed hosts tolerated before the rollout halts."""
    drain_message: DrainMessage = Field(default_factory=DrainMessage)
    grace_period: Duration = Field(
        default=timedelta(minutes=15), json_schema_extra={"default": "15m"}
    )
    """Between the message to users and the logoff."""
    logoff: LogoffMode = LogoffMode.WAIT
    keep_old_hosts_days: Count = Field(default=7, ge=0, le=90)
    """Old hosts stay deallocated this long so a rollback is instant (sideBySide; 0 deletes
    them at once)."""
    keep_names: Flag = True
    """deleteFirst: a new host takes the name of the host it replaces."""
    progressive: Flag = True
    """Double the batch after each batch that succeeds (up to maxSurge for sideBySide)."""
    host_ready_timeout: Duration = Field(
        default=timedelta(minutes=45), json_schema_extra={"default": "45m"}
    )
    """How long a new host may take to register and be healthy before it counts as failed."""


class HostHealthGate(ConfigModel):
    type: Literal["hostHealth"]
    min_healthy_percent: Count = Field(ge=0, le=100)
    observe: Duration = Field(default=timedelta(minutes=30), json_schema_extra={"default": "30m"})


class ConnectionFailuresGate(ConfigModel):
    type: Literal["connectionFailures"]
    max_percent: Count = Field(ge=0, le=100)
    observe: Duration = Field(default=timedelta(hours=1), json_schema_extra={"default": "1h"})


class ApprovalGate(ConfigModel):
    """A person with the approver role lets the release go on."""

    type: Literal["approval"]


HealthGate = Annotated[
    HostHealthGate | ConnectionFailuresGate | ApprovalGate, Field(discriminator="type")
]


class Selector(ConfigModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    """Tenants whose labels include all of these; {} selects every tenant not placed earlier."""


class RingSpec(ConfigModel):
    order: Count = Field(ge=0, le=1000)
    """Rings receive a release in increasing order."""
    bake_time: Duration
    """How long a release stays in this ring before the next ring may start."""
    members: list[Name] = Field(default_factory=list)
    selector: Selector | None = None
    health_gates: list[HealthGate] = Field(default_factory=list)
    on_failure: FailureAction = FailureAction.HALT
