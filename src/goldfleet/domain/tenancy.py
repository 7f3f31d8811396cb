"""Tenants and what goldfleet manages in them: subscriptions, resource groups, the role
assignments goldfleet needs, credentials (as references), time zones, windows, freezes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum


class TenantRole(StrEnum):
    PROVIDER = "provider"
    CUSTOMER = "customer"


class CredentialKind(StrEnum):
    CLIENT_SECRET = "clientSecret"  # secret read from an environment variable
    CERTIFICATE = "certificate"  # PEM file with the private key
    MANAGED_IDENTITY = "managedIdentity"
    WORKLOAD_IDENTITY = "workloadIdentity"
    AZURE_CLI = "azureCli"


@dataclass(frozen=True)
class CredentialRef:
    """Where a credential comes from; never the secret itself."""

    kind: CredentialKind
    client_id: str | None = None
    secret_env: str | None = None
    certificate_path: str | None = None
    token_file: str | None = None


@dataclass(frozen=True)
class ResourceGroupSpec:
    name: str
    location: str
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RoleAssignmentSpec:
    """A role goldfleet needs somewhere: ``principal`` is ``app:<clientId>`` (that app's service
    principal in the scope's tenant) or ``object:<objectId>``."""

    role: str  # built-in role name or role definition GUID
    scope: str  # /subscriptions/{id}[/resourceGroups/{name}...]
    principal: str


@dataclass(frozen=True)
class SubscriptionSpec:
    subscription_id: str
    name: str
    regions: tuple[str, ...] = ()
    resource_groups: tuple[ResourceGroupSpec, ...] = ()
    role_assignments: tuple[RoleAssignmentSpec, ...] = ()


class WindowKind(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # a day of the month
    PATCH_TUESDAY = "patchTuesday"  # second Tuesday of the month plus an offset in days
    CRON = "cron"


@dataclass(frozen=True)
class MaintenanceWindow:
    name: str
    kind: WindowKind
    start: time
    duration: timedelta
    days: tuple[str, ...] = ()  # weekly: Mon..Sun
    day_of_month: int | None = None  # monthly
    offset_days: int = 0  # patchTuesday
    on: date | None = None  # once
    cron: str | None = None  # cron: minute hour dom month dow


@dataclass(frozen=True)
class Freeze:
    start: date
    end: date  # inclusive
    reason: str = ""


@dataclass(frozen=True)
class Tenant:
    name: str  # goldfleet's name for it (metadata.name)
    tenant_id: str
    role: TenantRole
    display_name: str
    credential: CredentialRef
    time_zone: str
    subscriptions: tuple[SubscriptionSpec, ...] = ()
    windows: tuple[MaintenanceWindow, ...] = ()
    ring: str | None = None
    freezes: tuple[Freeze, ...] = ()
    opt_out: bool = False
    labels: tuple[tuple[str, str], ...] = field(default=())
    installation: str | None = None  # provider tenant: the installation's name (ownership tags)
