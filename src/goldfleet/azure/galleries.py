"""Image versions in Azure Compute Galleries, as goldfleet's releases need them: create a
version from a source (idempotently), read its replication per region, retry failed regions,
flip excludeFromLatest, set an end of life, list and delete versions.

Cross-tenant copies pass the source tenant's credential as an auxiliary token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as m

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.releases import ReleaseTarget
from goldfleet.domain.tenancy import CredentialRef

Auxiliary = Sequence[tuple[str, CredentialRef]]


@dataclass(frozen=True)
class RegionState:
    region: str
    state: str  # Queued | Replicating | Completed | Failed | Unknown
    progress: int
    details: str


@dataclass(frozen=True)
class VersionState:
    name: str
    provisioning_state: str
    aggregated: str
    regions: tuple[RegionState, ...]
    tags: dict[str, str]
    exclude_from_latest: bool
    end_of_life: str | None
    source_id: str | None

    def region(self, name: str) -> RegionState | None:
        key = name.replace(" ", "").lower()
        return next((r for r in self.regions if r.region.replace(" ", "").lower() == key), None)


def _text(value: Any, default: str = "") -> str:
    if value is None:
        return default
    return str(getattr(value, "value", value))


def _where(target: ReleaseTarget) -> tuple[str, str, str]:
    return target.resource_group, target.gallery_name, target.definition_name


def _state(version: Any) -> VersionState:
    status = version.replication_status
    summary = status.summary if status is not None and status.summary else []
    publishing = version.publishing_profile
    source = version.storage_profile.source if version.storage_profile else None
    return VersionState(
        name=version.name or "",
        provisioning_state=_text(version.provisioning_state),
        aggregated=_text(status.aggregated_state, "Unknown") if status is not None else "Unknown",
        regions=tuple(
            RegionState(
                _text(s.region),
                _text(s.state, "Unknown"),
                int(s.progress or 0),
                _text(s.details),
            )
            for s in summary
        ),
        tags=dict(version.tags or {}),
        exclude_from_latest=bool(publishing.exclude_from_latest) if publishing else False,
        end_of_life=publishing.end_of_life_date.isoformat()
        if publishing and publishing.end_of_life_date
        else None,
        source_id=source.id if source is not None else None,
    )


async def read_version(
    factory: ClientFactory, target: ReleaseTarget, ref: CredentialRef, version: str
) -> VersionState | None:
    client = factory.compute(target.tenant_id, target.subscription_id, ref)
    try:
        async with client:
            found = await client.gallery_image_versions.get(
                *_where(target), version, expand="ReplicationStatus"
            )
    except ResourceNotFoundError:
        return None
    except Exception as exc:
        raise translate(exc, "reading image version", target.version_id(version)) from exc
    return _state(found)


def version_body(
    target: ReleaseTarget, source_id: str, tags: dict[str, str], end_of_life: str | None = None
) -> m.GalleryImageVersion:
    regions = [
        m.TargetRegion(
            name=r.name,
            regional_replica_count=r.replicas,
            storage_account_type=target.storage_account_type,
            exclude_from_latest=r.exclude_from_latest,
        )
        for r in target.regions
    ]
    return m.GalleryImageVersion(
        location=target.location,
        tags=tags,
        properties=m.GalleryImageVersionProperties(
            publishing_profile=m.GalleryImageVersionPublishingProfile(
                target_regions=regions,
                exclude_from_latest=target.exclude_from_latest,
                storage_account_type=target.storage_account_type,
                end_of_life_date=(
                    datetime.fromisoformat(end_of_life).replace(tzinfo=UTC) if end_of_life else None
                ),
            ),
            storage_profile=m.GalleryImageVersionStorageProfile(
                source=m.GalleryArtifactVersionFullSource(id=source_id)
            ),
            safety_profile=m.GalleryImageVersionSafetyProfile(
                allow_deletion_of_replicated_locations=False
            ),
        ),
    )


async def start_version(
    factory: ClientFactory,
    target: ReleaseTarget,
    ref: CredentialRef,
    version: str,
    source_id: str,
    tags: dict[str, str],
    auxiliary: Auxiliary = (),
    end_of_life: str | None = None,
) -> None:
    """Create the version (replication starts); nothing happens if it exists already."""
    if await read_version(factory, target, ref, version) is not None:
        return
    await send_version(
        factory,
        target,
        ref,
        version,
        source_id,
        tags,
        auxiliary,
        end_of_life,
        "creating image version",
    )


async def send_version(
    factory: ClientFactory,
    target: ReleaseTarget,
    ref: CredentialRef,
    version: str,
    source_id: str,
    tags: dict[str, str],
    auxiliary: Auxiliary = (),
    end_of_life: str | None = None,
    doing: str = "retrying the replication of",
) -> None:
    """PUT the version with its complete target regions, without waiting for replication
    (sent again, its failed regions replicate anew)."""
    client = factory.compute(target.tenant_id, target.subscription_id, ref, auxiliary)
    try:
        async with client:
            await client.gallery_image_versions.begin_create_or_update(
                *_where(target), version, version_body(target, source_id, tags, end_of_life)
            )
    except Exception as exc:
        raise translate(exc, doing, target.version_id(version)) from exc


async def update_version(
    factory: ClientFactory,
    target: ReleaseTarget,
    ref: CredentialRef,
    version: str,
    *,
    tags: dict[str, str] | None = None,
    exclude_from_latest: bool | None = None,
    end_of_life: str | None = None,
    wait: bool = True,
) -> None:
    """PATCH what may change on a version: tags, excludeFromLatest (everywhere), end of life.
    With ``wait=False`` only the request is sent (Azure has taken the change when it answers;
    the operation that follows only settles the version)."""
    publishing: dict[str, Any] = {}
    if exclude_from_latest is not None:
        publishing["excludeFromLatest"] = exclude_from_latest
        publishing["targetRegions"] = [
            {
                "name": r.name,
                "regionalReplicaCount": r.replicas,
                "storageAccountType": target.storage_account_type,
                "excludeFromLatest": exclude_from_latest,
            }
            for r in target.regions
        ]
    if end_of_life is not None:
        publishing["endOfLifeDate"] = end_of_life
    patch: dict[str, Any] = {"properties": {"publishingProfile": publishing}} if publishing else {}
    if tags is not None:
        patch["tags"] = tags
    client = factory.compute(target.tenant_id, target.subscription_id, ref)
    try:
        async with client:
            poller = await client.gallery_image_versions.begin_update(
                *_where(target), version, m.GalleryImageVersionUpdate(patch)
            )
            if wait:
                await poller.result()
    except Exception as exc:
        raise translate(exc, "updating image version", target.version_id(version)) from exc


async def list_versions(
    factory: ClientFactory, target: ReleaseTarget, ref: CredentialRef
) -> list[VersionState]:
    client = factory.compute(target.tenant_id, target.subscription_id, ref)
    try:
        async with client:
            return [
                _state(v)
                async for v in client.gallery_image_versions.list_by_gallery_image(*_where(target))
            ]
    except ResourceNotFoundError:
        return []
    except Exception as exc:
        raise translate(exc, "listing the versions of", target.definition_id) from exc
