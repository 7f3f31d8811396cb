"""``kind: Tenant``: the provider tenant or a customer tenant, how goldfleet signs in to it (a
credential *reference*, never a secret), its subscriptions, time zone, maintenance windows,
ring, freezes and opt-out."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from goldfleet.config.fields import (
    ArmId,
    CalendarDate,
    ClockTime,
    Count,
    CronExpression,
    Duration,
    EnvVarName,
    Flag,
    Guid,
    Name,
    PrincipalRef,
    Region,
    ResourceGroupName,
    Text,
    TimeZoneName,
)
from goldfleet.config.models.base import ConfigModel
from goldfleet.domain.images import Weekday
from goldfleet.domain.tenancy import TenantRole

# --- credentials: references only -------------------------------------------------------------


class ClientSecretCredential(ConfigModel):
    """An app registration's client secret, read from an environment variable at run time."""

    type: Literal["clientSecret"]
    client_id: Guid
    secret_env: EnvVarName
    """The environment variable that holds the secret (the secret itself is never written)."""


class CertificateCredential(ConfigModel):
    """An app registration's certificate: a PEM file with the private key."""

    type: Literal["certificate"]
    client_id: Guid
    certificate_path: Text


class ManagedIdentityCredential(ConfigModel):
    type: Literal["managedIdentity"]
    client_id: Guid | None = None
    """A user-assigned identity's client id; omit for the system-assigned identity."""


class WorkloadIdentityCredential(ConfigModel):
    type: Literal["workloadIdentity"]
    client_id: Guid
    token_file: Text | None = None
    """The federated token file; defaults to AZURE_FEDERATED_TOKEN_FILE."""


class AzureCliCredential(ConfigModel):
    """Whoever is signed in with ``az login`` (for trying goldfleet out, not for automation)."""

    type: Literal["azureCli"]


Credential = Annotated[
    ClientSecretCredential
    | CertificateCredential
    | ManagedIdentityCredential
    | WorkloadIdentityCredential
    | AzureCliCredential,
    Field(discriminator="type"),
]

# --- subscriptions ----------------------------------------------------------------------------


class ResourceGroup(ConfigModel):
    """A resource group goldfleet uses; it is created when missing."""

    name: ResourceGroupName
    location: Region
    tags: dict[str, str] = Field(default_factory=dict)


class RoleAssignment(ConfigModel):
    """A role goldfleet needs; created when missing."""

    role: Text
    """A built-in role name (Contributor) or a role definition GUID."""
    scope: ArmId | None = None
    """Inside this subscription; defaults to the subscription itself."""
    principal: PrincipalRef | None = None
    """app:<clientId> or object:<objectId>; defaults to app:<the credential's clientId>."""


class Subscription(ConfigModel):
    id: Guid
    name: Text
    regions: list[Region] = Field(default_factory=list)
    """The regions goldfleet may use in this subscription."""
    resource_groups: list[ResourceGroup] = Field(default_factory=list)
    role_assignments: list[RoleAssignment] = Field(default_factory=list)


# --- maintenance windows (local time in the tenant's time zone) --------------------------------


class _Window(ConfigModel):
    name: Name
    duration: Duration


class OnceWindow(_Window):
    type: Literal["once"]
    date: CalendarDate
    start: ClockTime


class DailyWindow(_Window):
    type: Literal["daily"]
    start: ClockTime


class WeeklyWindow(_Window):
    type: Literal["weekly"]
    days: list[Weekday] = Field(min_length=1)
    start: ClockTime


class MonthlyWindow(_Window):
    type: Literal["monthly"]
    day_of_month: Count = Field(ge=1, le=28)
    start: ClockTime


class PatchTuesdayWindow(_Window):
    """The second Tuesday of the month plus ``offsetDays``."""

    type: Literal["patchTuesday"]
    offset_days: Count = Field(default=0, ge=0, le=20)
    start: ClockTime


class CronWindow(_Window):
    type: Literal["cron"]
    cron: CronExpression


MaintenanceWindow = Annotated[
    OnceWindow | DailyWindow | WeeklyWindow | MonthlyWindow | PatchTuesdayWindow | CronWindow,
    Field(discriminator="type"),
]


class Freeze(ConfigModel):
    """No rollout starts in this tenant between these dates (inclusive)."""

    start: CalendarDate
    end: CalendarDate
    reason: str = ""


class TenantSpec(ConfigModel):
    tenant_id: Guid
    display_name: Text
    role: TenantRole
    credential: Credential
    time_zone: TimeZoneName
    subscriptions: list[Subscription] = Field(default_factory=list)
    maintenance_windows: list[MaintenanceWindow] = Field(default_factory=list)
    ring: Name | None = None
    """The ring this tenant belongs to (rings can also list members or select by label)."""
    freezes: list[Freeze] = Field(default_factory=list)
    opt_out: Flag = False
    """true: this tenant receives no new release until it opts back in."""
    installation: Name | None = None
    """Provider tenant only: the name of this goldfleet installation (default "goldfleet"). It is
    part of the ownership tag on everything goldfleet makes (``goldfleet-owner:
    <installation>/<kind>/<name>``), so two installations never touch each other's resources."""
