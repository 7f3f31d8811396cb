"""Golden images as desired state: galleries, image definitions and the pipelines that capture or
build image versions and distribute them to regions and galleries.

References between objects are goldfleet names (``metadata.name`` in the configuration); the
``Configuration`` aggregate resolves them. Pure values: no I/O, no Azure SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

from goldfleet.domain.ids import ResourceId


class GalleryRole(StrEnum):
    STAGING = "staging"  # new versions land here, excluded from production use
    PRODUCTION = "production"  # promoted versions that host pools consume
    DR = "dr"  # a copy in a disaster-recovery region


@dataclass(frozen=True)
class Gallery:
    name: str  # goldfleet's name
    role: GalleryRole
    tenant: str  # Tenant name
    subscription_id: str
    resource_group: str
    location: str
    gallery_name: str  # the Azure Compute Gallery's name
    description: str = ""

    @property
    def resource_id(self) -> ResourceId:
        return ResourceId.resource_group_id(self.subscription_id, self.resource_group).child(
            "providers", "Microsoft.Compute", "galleries", self.gallery_name
        )


class OsType(StrEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"


class OsState(StrEnum):
    GENERALIZED = "Generalized"
    SPECIALIZED = "Specialized"


class HyperVGeneration(StrEnum):
    V1 = "V1"
    V2 = "V2"


class SecurityType(StrEnum):
    STANDARD = "Standard"
    TRUSTED_LAUNCH = "TrustedLaunch"
    TRUSTED_LAUNCH_SUPPORTED = "TrustedLaunchSupported"
    CONFIDENTIAL_VM = "ConfidentialVM"
    TRUSTED_LAUNCH_AND_CONFIDENTIAL_VM_SUPPORTED = "TrustedLaunchAndConfidentialVmSupported"


@dataclass(frozen=True)
class ImageIdentifier:
    publisher: str
    offer: str
    sku: str


@dataclass(frozen=True)
class ImageDefinition:
    name: str  # goldfleet's name
    gallery: str  # Gallery name
    definition_name: str  # the Azure image definition's name
    os_type: OsType
    os_state: OsState
    hyper_v_generation: HyperVGeneration
    security_type: SecurityType
    identifier: ImageIdentifier
    description: str = ""


# --- where a pipeline's image comes from --------------------------------------------------------


@dataclass(frozen=True)
class MarketplaceSource:
    publisher: str
    offer: str
    sku: str
    version: str = "latest"


@dataclass(frozen=True)
class ManagedImageSource:
    image_id: ResourceId


@dataclass(frozen=True)
class GalleryVersionSource:
    """A version of an image definition goldfleet manages (``definition``) or any gallery image
    (``image_id``, a definition or version resource id); exactly one is set."""

    definition: str | None = None
    image_id: ResourceId | None = None
    version: str = "latest"


@dataclass(frozen=True)
class MasterVmSource:
    """Capture: snapshot and clone this hand-maintained VM; the VM itself is never modified."""

    tenant: str  # Tenant name
    vm_id: ResourceId


ImageSource = MarketplaceSource | ManagedImageSource | GalleryVersionSource | MasterVmSource


class CustomizationKind(StrEnum):
    BUILTIN = "builtin"
    SCRIPT = "script"


ParameterValue = str | int | bool | tuple[str, ...]


@dataclass(frozen=True)
class Customization:
    """One step run on the build VM, in order: a built-in script by name, or the user's script by
    URI with the SHA-256 the downloaded content must have."""

    kind: CustomizationKind
    name: str  # the step's label: the built-in's name unless the config names it
    script_uri: str | None = None
    sha256: str | None = None
    parameters: tuple[tuple[str, ParameterValue], ...] = ()
    restart_after: bool = False
    builtin: str | None = None  # which built-in script (kind builtin); defaults to ``name``

    @property
    def builtin_name(self) -> str:
        return self.builtin or self.name


@dataclass(frozen=True)
class BuildSettings:
    """Where and how the temporary build (or capture clone) VM runs."""

    tenant: str  # Tenant name
    subscription_id: str
    resource_group: str  # staging resource group for temporary resources
    location: str
    vm_size: str
    os_disk_size_gb: int | None
    timeout: timedelta
    subnet_id: ResourceId | None = None
    builder: str = "imageBuilder"  # imageBuilder | direct (a masterVm source is captured)
    identity_id: ResourceId | None = None  # imageBuilder: the template's identity
    staging_resource_group: str | None = None  # imageBuilder: an existing, empty group
    backup_master: bool = False  # capture: keep a snapshot of the master's OS disk
    pre_sysprep_scripts: tuple[Customization, ...] = ()  # capture: run on the clone


@dataclass(frozen=True)
class CronSchedule:
    cron: str  # minute hour day-of-month month day-of-week
    time_zone: str
    alert_after_failures: int = 2  # report the pipeline after this many failed builds in a row


class Weekday(StrEnum):
    MONDAY = "Mon"
    TUESDAY = "Tue"
    WEDNESDAY = "Wed"
    THURSDAY = "Thu"
    FRIDAY = "Fri"
    SATURDAY = "Sat"
    SUNDAY = "Sun"


@dataclass(frozen=True)
class MonthlyWeekdaySchedule:
    """The ``week``-th ``weekday`` of each month (week 5 = the last), plus ``offset_days``, at
    ``at`` local time: Patch Tuesday + 1 day is week 2, Tue, offset 1."""

    week: int
    weekday: Weekday
    at: time
    time_zone: str
    offset_days: int = 0
    alert_after_failures: int = 2


@dataclass(frozen=True)
class NewSourceVersionSchedule:
    """Build when the source (a marketplace image or gallery image at version ``latest``) has a
    version the last successful build did not use; the source is looked at every
    ``check_every``."""

    check_every: timedelta = timedelta(minutes=60)
    alert_after_failures: int = 2


Schedule = CronSchedule | MonthlyWeekdaySchedule | NewSourceVersionSchedule


class StorageAccountType(StrEnum):
    STANDARD_LRS = "Standard_LRS"
    STANDARD_ZRS = "Standard_ZRS"
    PREMIUM_LRS = "Premium_LRS"


class VersioningScheme(StrEnum):
    DATE = "date"  # 2026.1123.1742 (year.monthday.hourminute, UTC)
    SEMVER = "semver"  # major.minor.patch, patch incremented per build


@dataclass(frozen=True)
class RegionReplicas:
    region: str
    replicas: int


@dataclass(frozen=True)
class DistributionTarget:
    """An image definition that receives each new version, replicated to these regions."""

    definition: str  # ImageDefinition name
    regions: tuple[RegionReplicas, ...]
    storage_account_type: StorageAccountType = StorageAccountType.STANDARD_LRS
    exclude_from_latest: bool = False


@dataclass(frozen=True)
class Distribution:
    versioning: VersioningScheme
    targets: tuple[DistributionTarget, ...]


class PromotionMode(StrEnum):
    """How a validated release reaches production galleries."""

    EXCLUDE_FROM_LATEST = "excludeFromLatest"  # distributed excluded; promotion flips it off
    COPY = "copy"  # production galleries get nothing until promotion copies the version there


@dataclass(frozen=True)
class Retention:
    """Keep the newest ``keep_last`` versions per target (and whatever is in use); see
    goldfleet.domain.retention for the rules."""

    keep_last: int
    deprecate_after: timedelta | None = None


@dataclass(frozen=True)
class ImagePipeline:
    """How image versions come to be: capture (``MasterVmSource``) or build (any other source),
    then distribute."""

    name: str
    source: ImageSource
    build: BuildSettings
    distribution: Distribution
    customizations: tuple[Customization, ...] = ()
    schedule: Schedule | None = None
    retention: Retention | None = None
    promotion: PromotionMode = PromotionMode.EXCLUDE_FROM_LATEST

    @property
    def captures(self) -> bool:
        return isinstance(self.source, MasterVmSource)
