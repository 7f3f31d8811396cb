"""``kind: Gallery``, ``kind: ImageDefinition`` and ``kind: ImagePipeline``: where image versions
live, what they are, and how they are captured or built, scheduled and distributed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from goldfleet.config.catalog import AZURE_REGIONS
from goldfleet.config.fields import (
    ArmId,
    AzureName,
    ClockTime,
    Count,
    CronExpression,
    Flag,
    GalleryName,
    HttpsUri,
    ManagedImageId,
    Name,
    ParameterValue,
    Region,
    ResourceGroupName,
    Sha256,
    SubnetId,
    Text,
    TimeZoneName,
    UserAssignedIdentityId,
    VirtualMachineId,
    VmSize,
)
from goldfleet.config.models.base import ConfigModel
from goldfleet.domain.images import (
    GalleryRole,
    HyperVGeneration,
    OsState,
    OsType,
    PromotionMode,
    SecurityType,
    StorageAccountType,
    VersioningScheme,
    Weekday,
)


class GallerySpec(ConfigModel):
    role: GalleryRole
    tenant: Name
    subscription: Text
    """The subscription's id or its name in the tenant's spec."""
    resource_group: ResourceGroupName
    """Must be listed in the subscription's resourceGroups."""
    location: Region
    name: GalleryName | None = None
    """The Azure Compute Gallery's name; defaults to metadata.name."""
    description: str = ""


class ImageIdentifier(ConfigModel):
    publisher: Text
    offer: Text
    sku: Text


class ImageDefinitionSpec(ConfigModel):
    gallery: Name
    name: AzureName | None = None
    """The image definition's name in Azure; defaults to metadata.name."""
    os_type: OsType = OsType.WINDOWS
    os_state: OsState = OsState.GENERALIZED
    hyper_v_generation: HyperVGeneration = HyperVGeneration.V2
    security_type: SecurityType = SecurityType.TRUSTED_LAUNCH
    identifier: ImageIdentifier
    description: str = ""


# --- sources ----------------------------------------------------------------------------------


class MarketplaceSource(ConfigModel):
    type: Literal["marketplace"]
    publisher: Text
    offer: Text
    sku: Text
    version: Text = "latest"


class ManagedImageSource(ConfigModel):
    type: Literal["managedImage"]
    id: ManagedImageId


class GalleryVersionSource(ConfigModel):
    """A version of a definition in this configuration (``definition``) or of any gallery image
    the build identity can read (``id``): exactly one of the two."""

    type: Literal["galleryVersion"]
    definition: Name | None = None
    id: ArmId | None = None
    version: Text = "latest"


class MasterVmSource(ConfigModel):
    """Capture a hand-maintained VM: it is snapshotted and cloned, never changed."""

    type: Literal["masterVm"]
    tenant: Name
    vm_id: VirtualMachineId


Source = Annotated[
    MarketplaceSource | ManagedImageSource | GalleryVersionSource | MasterVmSource,
    Field(discriminator="type"),
]


class Customization(ConfigModel):
    """A built-in (``builtin``) or your own script (``script`` + ``sha256``), run in order."""

    builtin: Text | None = None
    script: HttpsUri | None = None
    sha256: Sha256 | None = None
    """SHA-256 of the script's content; the build fails if the download differs."""
    name: Text | None = None
    """A label for the step in logs and provenance tags."""
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    restart_after: Flag = False


class BuildSettings(ConfigModel):
    """Where the temporary build (or capture) VM runs, and which builder runs it."""

    builder: Literal["imageBuilder", "direct"] = "imageBuilder"
    """imageBuilder: an Azure VM Image Builder template; direct: goldfleet's own build VM and
    Run Commands (for tenants that cannot use Image Builder). A masterVm source is captured."""
    tenant: Name
    subscription: Text
    resource_group: ResourceGroupName
    """Staging resource group for temporary resources (listed in the subscription)."""
    location: Region
    vm_size: VmSize = "Standard_D4as_v5"
    os_disk_size_gb: Count | None = Field(default=None, ge=30, le=4095, alias="osDiskSizeGB")
    timeout_minutes: Count = Field(default=240, ge=6, le=960)
    subnet_id: SubnetId | None = None
    """Build in this subnet instead of a temporary network."""
    identity: UserAssignedIdentityId | None = None
    """imageBuilder: the template's user-assigned identity (it needs Contributor on the
    resource group and the target gallery); by default goldfleet keeps one,
    id-goldfleet-image-builder, in the resource group."""
    staging_resource_group: ResourceGroupName | None = None
    """imageBuilder: an existing, empty resource group for the build's temporary resources;
    by default Image Builder makes its own (IT_...)."""
    backup_master: Flag = False
    """masterVm: keep a snapshot of the master's OS disk (in resourceGroup) before capturing."""
    pre_sysprep_scripts: list[Customization] = Field(default_factory=list)
    """masterVm: scripts run on the clone, never on the master, before sysprep."""


class CronSchedule(ConfigModel):
    type: Literal["cron"]
    cron: CronExpression
    time_zone: TimeZoneName | None = None
    """Defaults to the build tenant's time zone."""
    alert_after_failures: Count = Field(default=2, ge=1, le=100)
    """Report the pipeline (it stays scheduled) after this many scheduled builds failed in a
    row."""


class MonthlyWeekdaySchedule(ConfigModel):
    """The week-th weekday of the month (5 = the last) plus offsetDays; Patch Tuesday is
    week 2, weekday Tue."""

    type: Literal["monthlyWeekday"]
    week: Count = Field(ge=1, le=5)
    weekday: Weekday
    offset_days: Count = Field(default=0, ge=0, le=20)
    at: ClockTime
    time_zone: TimeZoneName | None = None
    """Defaults to the build tenant's time zone."""
    alert_after_failures: Count = Field(default=2, ge=1, le=100)
    """Report the pipeline (it stays scheduled) after this many scheduled builds failed in a
    row."""


class NewSourceVersionSchedule(ConfigModel):
    """Build when the source has a version the last successful build did not use: a
    marketplace or galleryVersion source whose version is latest."""

    type: Literal["newSourceVersion"]
    check_every: Count = Field(default=60, ge=5, le=10080)
    """Minutes between looks at the source's latest version."""
    alert_after_failures: Count = Field(default=2, ge=1, le=100)
    """Report the pipeline (it stays scheduled) after this many scheduled builds failed in a
    row."""


Schedule = Annotated[
    CronSchedule | MonthlyWeekdaySchedule | NewSourceVersionSchedule,
    Field(discriminator="type"),
]


def _region_or_mapping(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class TargetRegion(ConfigModel):
    name: Region
    replicas: Count | None = Field(default=None, ge=1, le=100)
    """Defaults to the target's replicaCount."""


_REGION_ITEM = {
    "anyOf": [
        {"type": "string", "enum": sorted(AZURE_REGIONS)},
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "enum": sorted(AZURE_REGIONS)},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 100},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    ],
    "description": "A region name, or {name, replicas}.",
}


class DistributionTarget(ConfigModel):
    definition: Name
    regions: list[
        Annotated[TargetRegion, BeforeValidator(_region_or_mapping), WithJsonSchema(_REGION_ITEM)]
    ] = Field(min_length=1)
    """Region names, or {name, replicas}; must include the gallery's own region."""
    replica_count: Count = Field(default=1, ge=1, le=100)
    storage_account_type: StorageAccountType = StorageAccountType.STANDARD_LRS
    exclude_from_latest: Flag = False


class Distribution(ConfigModel):
    versioning: VersioningScheme = VersioningScheme.DATE
    targets: list[DistributionTarget] = Field(min_length=1)


class Retention(ConfigModel):
    """Which versions of the pipeline stay (``goldfleet plan`` shows the verdict on each)."""

    keep_last: Count = Field(ge=1, le=1000)
    """The newest versions kept in every target; older ones go unless something uses them."""
    deprecate_after_days: Count | None = Field(default=None, ge=1, le=3650)
    """A superseded version kept only because it is in use gets an end-of-life date this many
    days out (when it has none)."""


class ImagePipelineSpec(ConfigModel):
    source: Source
    build: BuildSettings
    customizations: list[Customization] = Field(default_factory=list)
    schedule: Schedule | None = None
    distribution: Distribution
    retention: Retention | None = None
    """Without it, goldfleet plan deletes no version of this pipeline."""
    promotion: PromotionMode = PromotionMode.EXCLUDE_FROM_LATEST
    """excludeFromLatest: production targets get each version at once, excluded from latest,
    and promotion flips that; copy: they get it only when it is promoted, copied from staging."""
