"""``goldfleet image version promote``: a validated release becomes what production hosts get
as "latest" - by flipping ``excludeFromLatest`` off on the versions distributed to production
galleries, or, when the pipeline says ``promotion: copy``, by copying the staging version into
every production gallery (the provider's and each customer tenant's) only now. A release that
was not validated needs an explicit, audited override."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from goldfleet.api.coordination import holding
from goldfleet.api.images import (
    client_factory,
    pipeline_named,
    provenance_tags,
    run_distribution,
)
from goldfleet.api.session import Target, actor, clock_for
from goldfleet.azure import galleries
from goldfleet.azure.ownership import acting_as
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import GalleryRole, ImagePipeline, PromotionMode
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.releases import (
    STAGE_ORDER,
    Stage,
    copied_at_promotion,
    release_targets,
    version_tags,
)
from goldfleet.store import audit, releases
from goldfleet.store.db import shared_database


def promote_release(
    config_path: Path, target: Target, release_id: str, override_reason: str | None = None
) -> dict[str, Any]:
    """Make a release the one hosts get as "latest": flip excludeFromLatest off in every
    production target. A release that has not passed validation needs an override, audited."""
    configuration = load_configuration(config_path).configuration
    record = releases.get(shared_database(), release_id)
    if record is None:
        raise UserInputError(f"no release {release_id!r}")
    validated = STAGE_ORDER[Stage(record.stage)] >= STAGE_ORDER[Stage.VALIDATED]
    if not validated and not override_reason:
        raise UserInputError(
            f"release {release_id} is {record.stage}, not validated: it cannot be promoted",
            hint="validate it first, or pass --override-validation --reason '...' (audited)",
        )
    pipeline = pipeline_named(configuration, record.pipeline)
    now = clock_for(target).now()
    if pipeline.promotion is PromotionMode.COPY:
        done, outcome = _promote_by_copy(target, configuration, pipeline, record, now.date())
    else:
        owner = configuration.owner(OwnerKind.PIPELINE, pipeline.name).tag
        with holding([owner], f"goldfleet image version promote {release_id}"):
            done = _promote_by_flag(target, configuration, pipeline, record, now.date())
        outcome = None
    _record_promotion(target, release_id, record, validated, override_reason, done, outcome)
    result: dict[str, Any] = {"release": release_id, "promoted": done}
    if outcome is not None:
        result["targets"] = outcome["targets"]
    from goldfleet.api import dr  # the DR models follow what is promoted

    standby = dr.after_promotion(config_path, target, pipeline)
    if standby:
        result["dr"] = standby
    return result


def _promote_by_copy(
    target: Target,
    configuration: Configuration,
    pipeline: ImagePipeline,
    record: Any,
    today: date,
) -> tuple[list[str], dict[str, Any]]:
    """Copy the release's staging version into every production target (the provider's, then
    customer tenants'), replicate, and tag the copies promoted - durably, like a release."""
    provider = configuration.provider
    everywhere = release_targets(configuration, pipeline, today)
    production = next(
        (t for t in everywhere if t.role is GalleryRole.PRODUCTION and not t.cross_tenant), None
    )
    staged = None
    for t in everywhere:  # a provider, non-production version with a replica where it is needed
        outcome = record.targets.get(t.definition) or {}
        in_region = production is None or any(r.name == production.location for r in t.regions)
        if (
            not t.cross_tenant
            and t.role is not GalleryRole.PRODUCTION
            and outcome.get("state") == "Completed"
            and "versionId" in outcome
            and in_region
        ):
            staged = outcome
            break
    if provider is None or staged is None:
        raise UserInputError(
            f"release {record.pipeline}:{record.version} has no completed staging version "
            + (f"in {production.location} " if production else "")
            + "to copy into production",
            hint="replicate it first (goldfleet image version replicate), or add the production "
            "gallery's region to a staging target",
        )
    from goldfleet.lifecycle.distribute import target_to_json

    targets = copied_at_promotion(everywhere)
    request = {
        "pipeline": record.pipeline,
        "version": record.version,
        "sourceId": staged["versionId"],
        "providerTenant": provider.tenant_id,
        "targets": [target_to_json(t) for t in targets],
        "endOfLife": None,
        "finalStage": Stage.PROMOTED.value,
    }
    run_id = f"promote:{record.pipeline}:{record.version}"
    outcome, _, _ = run_distribution(target, configuration, run_id, request, None)
    done = [
        o["versionId"]
        for o in outcome["targets"].values()
        if o.get("state") == "Completed" and "versionId" in o
    ]
    return done, outcome


def _promote_by_flag(
    target: Target,
    configuration: Configuration,
    pipeline: ImagePipeline,
    record: Any,
    today: date,
) -> list[str]:
    """Flip excludeFromLatest off, in every region, on the release's production versions."""
    targets = [
        t
        for t in release_targets(configuration, pipeline, today)
        if t.role is GalleryRole.PRODUCTION and not t.skipped
    ]
    done: list[str] = []

    async def flip() -> None:
        factory = client_factory(target)
        try:
            for t in targets:
                if record.targets.get(t.definition, {}).get("state") not in (
                    "Completed",
                    "PartiallyFailed",
                ):
                    continue
                ref = configuration.tenant(t.tenant).credential
                source = record.targets[t.definition].get("sourceId", record.source_id)
                tags = version_tags(
                    record.pipeline,
                    record.version,
                    Stage.PROMOTED,
                    source,
                    tuple(sorted(provenance_tags(record.pipeline, record.version).items())),
                )
                await galleries.update_version(
                    factory, t, ref, record.version, exclude_from_latest=False, tags=tags
                )
                done.append(t.version_id(record.version))
        finally:
            await factory.close()

    with acting_as(configuration.owner(OwnerKind.PIPELINE, record.pipeline)):
        asyncio.run(flip())
    return done


def _record_promotion(
    target: Target,
    release_id: str,
    record: Any,
    validated: bool,
    override_reason: str | None,
    done: list[str],
    outcome: dict[str, Any] | None,
) -> None:
    """The override (who, why) and the promotion, in the store and the audit trail. A
    promotion by copy that did not complete everywhere leaves the stage as it was. Promoting
    again what was promoted already (a command run again after a crash) records nothing more."""
    now = clock_for(target).now()
    database = shared_database()
    validation = dict(record.validation)
    already = set(validation.get("promotedVersions") or ())
    if record.stage == Stage.PROMOTED.value and set(done) <= already:
        return
    validation["promotedVersions"] = sorted(already | set(done))
    if not validated:
        validation["override"] = {"by": actor(), "at": now.isoformat(), "reason": override_reason}
        audit.append(
            database,
            at=now.isoformat(),
            actor=actor(),
            action="release.validation_override",
            subject=release_id,
            details={"reason": override_reason},
        )
    complete = outcome is None or outcome["stage"] == Stage.PROMOTED.value
    stage = Stage.PROMOTED.value if complete else record.stage
    releases.set_stage(database, release_id, stage, now.isoformat(), validation)
    audit.append(
        database,
        at=now.isoformat(),
        actor=actor(),
        action="release.promoted" if complete else "release.promotion_incomplete",
        subject=release_id,
        details={"versions": done},
    )
