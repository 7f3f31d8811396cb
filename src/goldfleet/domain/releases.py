"""Releases: one image version on its way through the stages, and the pure rules about it -
version names, where it goes (targets, regions, replica counts), and what its tags say.

A release is identified by its pipeline and version name. Its stage, recorded in the version's
tags and in goldfleet's store, moves built -> replicated -> validated -> promoted -> retired.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum

from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import GalleryRole, ImagePipeline, PromotionMode, VersioningScheme
from goldfleet.domain.rollout import RolloutStrategy
from goldfleet.domain.tenancy import Tenant

VMS_PER_REPLICA = 50  # Azure's guidance: about one replica per 50 VMs created at once
MAX_REPLICAS = 100
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_INT32 = 2**31 - 1
TAG_RELEASE = "goldfleet-release"
TAG_STAGE = "goldfleet-stage"
TAG_PIPELINE = "goldfleet-pipeline"
TAG_SOURCE = "goldfleet-source"


class Stage(StrEnum):
    BUILT = "built"
    REPLICATED = "replicated"
    VALIDATED = "validated"
    PROMOTED = "promoted"
    RETIRED = "retired"


STAGE_ORDER = {stage: i for i, stage in enumerate(Stage)}


def check_version_name(name: str) -> tuple[int, int, int]:
    """Azure's rule: Major.Minor.Patch, each a 32-bit integer."""
    match = _VERSION.match(name)
    if not match or any(int(part) > _INT32 for part in match.groups()):
        raise UserInputError(
            f"image version name {name!r} is not Major(int).Minor(int).Patch(int)",
            hint="for example 1.0.0 or 2026.1123.1742",
        )
    return int(match[1]), int(match[2]), int(match[3])


def next_version(scheme: VersioningScheme, now: datetime, existing: Iterable[str]) -> str:
    """The name of the next version: ``2026.1123.1742`` (UTC year, month-day, hour-minute) for
    the date scheme, bumped if that name exists already; the next patch for semver."""
    taken = {n for n in existing if _VERSION.match(n)}
    if scheme is VersioningScheme.DATE:
        at = now.astimezone(UTC)
        major, minor, patch = at.year, at.month * 100 + at.day, at.hour * 100 + at.minute
        while f"{major}.{minor}.{patch}" in taken:
            patch += 1
        return f"{major}.{minor}.{patch}"
    if not taken:
        return "1.0.0"
    major, minor, patch = max(check_version_name(n) for n in taken)
    return f"{major}.{minor}.{patch + 1}"


def latest_first(names: Iterable[str]) -> list[str]:
    return sorted((n for n in names if _VERSION.match(n)), key=check_version_name, reverse=True)


def replicas_for(vms_created_at_once: int) -> int:
    return max(1, min(MAX_REPLICAS, math.ceil(vms_created_at_once / VMS_PER_REPLICA)))


@dataclass(frozen=True)
class RegionTarget:
    name: str
    replicas: int
    exclude_from_latest: bool


@dataclass(frozen=True)
class ReleaseTarget:
    """One image definition a release's version goes to."""

    definition: str  # goldfleet name
    role: GalleryRole
    tenant: str
    tenant_id: str
    subscription_id: str
    resource_group: str
    gallery_name: str
    definition_name: str
    location: str  # the gallery's region: the source's region must be among the targets
    regions: tuple[RegionTarget, ...]
    storage_account_type: str
    exclude_from_latest: bool
    cross_tenant: bool  # in a customer tenant: copied with an auxiliary token for the provider
    skipped: str = ""  # why this target is skipped (frozen, opted out), empty when it is not

    @property
    def definition_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Compute/galleries/{self.gallery_name}"
            f"/images/{self.definition_name}"
        )

    def version_id(self, version: str) -> str:
        return f"{self.definition_id}/versions/{version}"


def vms_created_at_once(configuration: Configuration, definition: str) -> int:
    """How many session hosts the rollouts that consume ``definition`` create at once."""
    total = 0
    for pool in configuration.host_pools:
        if pool.session_hosts.image != definition:
            continue
        policy = configuration.rollout_policy(pool.rollout_policy)
        at_once = policy.batch_size
        if policy.strategy is RolloutStrategy.SIDE_BY_SIDE:
            at_once = max(at_once, policy.max_surge)
        total += min(at_once, pool.session_hosts.count)
    return total


def frozen_on(tenant: Tenant, day: date) -> str:
    """Why ``tenant`` takes no change on ``day`` (a freeze or an opt-out), or ""."""
    if tenant.opt_out:
        return "opted out"
    for freeze in tenant.freezes:
        if freeze.start <= day <= freeze.end:
            return f"frozen {freeze.start}..{freeze.end}" + (
                f" ({freeze.reason})" if freeze.reason else ""
            )
    return ""


def release_targets(
    configuration: Configuration, pipeline: ImagePipeline, today: date
) -> list[ReleaseTarget]:
    """Where a pipeline's versions go, in the pipeline's order. A region gets the replicas the
    configuration asks for, raised to what the rollouts consuming the definition need (about one
    per 50 VMs created at once); frozen and opted-out tenants are marked as skipped."""
    provider = configuration.provider
    targets: list[ReleaseTarget] = []
    for target in pipeline.distribution.targets:
        definition = configuration.image_definition(target.definition)
        gallery = configuration.gallery(definition.gallery)
        tenant = configuration.tenant(gallery.tenant)
        sized = replicas_for(vms_created_at_once(configuration, definition.name))
        regions = tuple(
            RegionTarget(
                r.region, r.replicas if r.replicas > 1 else sized, target.exclude_from_latest
            )
            for r in target.regions
        )
        targets.append(
            ReleaseTarget(
                definition=definition.name,
                role=gallery.role,
                tenant=tenant.name,
                tenant_id=tenant.tenant_id,
                subscription_id=gallery.subscription_id,
                resource_group=gallery.resource_group,
                gallery_name=gallery.gallery_name,
                definition_name=definition.definition_name,
                location=gallery.location.replace(" ", "").lower(),
                regions=regions,
                storage_account_type=target.storage_account_type.value,
                exclude_from_latest=target.exclude_from_latest,
                cross_tenant=provider is not None and tenant.name != provider.name,
                skipped=frozen_on(tenant, today),
            )
        )
    return targets


def version_tags(
    pipeline: str, version: str, stage: Stage, source: str, extra: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    return {
        TAG_RELEASE: f"{pipeline}:{version}",
        TAG_PIPELINE: pipeline,
        TAG_STAGE: stage.value,
        TAG_SOURCE: source[-256:],
        "managed-by": "goldfleet",
        **dict(extra),
    }


def release_problems(
    targets: Sequence[ReleaseTarget],
    definitions: Mapping[str, tuple[str, str]],
    offered: Mapping[str, set[str]],
    source: tuple[str, str, str] | None,
) -> list[str]:
    """What would make a release fail, found before anything is created: a target region its
    subscription does not offer, or a source whose OS state or Hyper-V generation differs from
    a target definition's. ``definitions`` maps target names to (osState, hyperVGeneration);
    ``offered`` subscription ids (lower case) to region names; ``source`` is (id, osState,
    hyperVGeneration) when it could be read."""
    problems = []
    for target in targets:
        if target.skipped:
            continue
        regions = offered.get(target.subscription_id.lower())
        for region in target.regions:
            if regions is not None and region.name not in regions:
                problems.append(
                    f"{target.definition}: region {region.name} is not offered by subscription "
                    f"{target.subscription_id} (it offers {', '.join(sorted(regions)) or 'none'})"
                )
        if source is None or target.definition not in definitions:
            continue
        source_id, source_state, source_generation = source
        state, generation = definitions[target.definition]
        if source_generation.lower() != generation.lower():
            problems.append(
                f"{target.definition}: the source {source_id} is Hyper-V generation "
                f"{source_generation}, but the image definition {target.definition_id} is "
                f"{generation}; a version's source must have its definition's generation"
            )
        if source_state.lower() != state.lower():
            problems.append(
                f"{target.definition}: the source {source_id} is {source_state}, but the image "
                f"definition {target.definition_id} is {state}"
            )
    return problems


def distributed_at_release(
    pipeline: ImagePipeline, targets: Sequence[ReleaseTarget]
) -> list[ReleaseTarget]:
    """The targets a new release goes to: all of them, except production galleries when the
    pipeline promotes by copying (they get the version only when it is promoted)."""
    if pipeline.promotion is not PromotionMode.COPY:
        return list(targets)
    return [t for t in targets if t.role is not GalleryRole.PRODUCTION]


def copied_at_promotion(targets: Sequence[ReleaseTarget]) -> list[ReleaseTarget]:
    """The production targets a promotion by copy fills, as "latest" (not excluded)."""
    return [
        replace(
            t,
            exclude_from_latest=False,
            regions=tuple(replace(r, exclude_from_latest=False) for r in t.regions),
        )
        for t in targets
        if t.role is GalleryRole.PRODUCTION
    ]
