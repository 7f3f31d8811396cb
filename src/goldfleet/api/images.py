"""Image versions as releases: create one from a source and distribute it, list them as a
matrix (version x target x region x stage), promote (retention is in api/retention.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from goldfleet import engine
from goldfleet.api.coordination import claim
from goldfleet.api.session import Target, actor, clock_for, running_engine
from goldfleet.azure import galleries, preflight
from goldfleet.azure.clients import ClientFactory
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import AuthenticationError, PermissionDeniedError, UserInputError
from goldfleet.domain.images import ImagePipeline
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.provenance import to_tags
from goldfleet.domain.releases import (
    ReleaseTarget,
    Stage,
    check_version_name,
    distributed_at_release,
    next_version,
    release_problems,
    release_targets,
)
from goldfleet.store import audit, releases
from goldfleet.store.db import shared_database
from goldfleet.store.provenance import build_of_version
from goldfleet.store.releases import ReleaseRecord


def provenance_tags(pipeline: str, version: str) -> dict[str, str]:
    """The provenance tags of a version goldfleet built (none for a version from elsewhere):
    every later write of the version's tags keeps them."""
    found = build_of_version(shared_database(), pipeline, version)
    return to_tags(found.provenance) if found and found.provenance else {}


def pipeline_named(configuration: Configuration, name: str) -> ImagePipeline:
    found = next((p for p in configuration.pipelines if p.name == name), None)
    if found is None:
        names = ", ".join(p.name for p in configuration.pipelines) or "none"
        raise UserInputError(
            f"no image pipeline {name!r} in the configuration", hint=f"pipelines: {names}"
        )
    return found


def _context(target: Target, configuration: Configuration) -> dict[str, Any]:
    from goldfleet.lifecycle.context import ApplyContext

    credentials = {t.tenant_id: t.credential for t in configuration.tenants}
    return ApplyContext.build(
        target.cloud, credentials, actor(), configuration.installation
    ).to_json()


def client_factory(target: Target) -> ClientFactory:
    from goldfleet.lifecycle.context import gate_for

    return ClientFactory(target.cloud, gate=gate_for(target.cloud))


async def _existing_versions(
    target: Target, first: ReleaseTarget, configuration: Configuration
) -> list[str]:
    factory = client_factory(target)
    try:
        ref = configuration.tenant(first.tenant).credential
        return [v.name for v in await galleries.list_versions(factory, first, ref)]
    finally:
        await factory.close()


def _preflight(
    target: Target, configuration: Configuration, targets: list[ReleaseTarget], source_id: str
) -> None:
    """Refuse, before anything is created, a release Azure would fail part-way: regions a
    target subscription does not offer, a source that does not fit a target definition."""
    provider = configuration.provider

    async def read() -> tuple[dict[str, set[str]], tuple[str, str, str] | None]:
        factory = client_factory(target)
        try:
            offered = {}
            for t in targets:
                if not t.skipped and t.subscription_id.lower() not in offered:
                    ref = configuration.tenant(t.tenant).credential
                    try:
                        offered[t.subscription_id.lower()] = await preflight.offered_regions(
                            factory, t.tenant_id, t.subscription_id, ref
                        )
                    except (AuthenticationError, PermissionDeniedError):
                        if not t.cross_tenant:
                            raise
                        # a customer tenant goldfleet cannot reach: the distribution reports
                        # it with the fix, and does not stop the others

            shape = None
            if provider is not None:
                shape = await preflight.source_shape(
                    factory, provider.tenant_id, provider.credential, source_id
                )
            source = (
                (shape.resource_id, shape.os_state, shape.hyper_v_generation) if shape else None
            )
            return offered, source
        finally:
            await factory.close()

    offered, source = asyncio.run(read())
    definitions = {
        t.definition: (
            configuration.image_definition(t.definition).os_state.value,
            configuration.image_definition(t.definition).hyper_v_generation.value,
        )
        for t in targets
    }
    problems = release_problems(targets, definitions, offered, source)
    if problems:
        raise UserInputError(
            "the release cannot be made; nothing was created:\n  " + "\n  ".join(problems),
            hint="fix the pipeline's targets or choose another source",
        )


@dataclass(frozen=True)
class ReleaseResult:
    release_id: str
    version: str
    outcome: dict[str, Any]
    mode: str
    resumed: bool = False  # the request had made this release already: it was continued


def _distribution(
    configuration: Configuration,
    pipeline: ImagePipeline,
    version: str,
    source_id: str,
    today: date,
    end_of_life: date | None,
    extra_tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    from goldfleet.lifecycle.distribute import target_to_json

    provider = configuration.provider
    if provider is None:
        raise UserInputError("the configuration has no provider tenant to build releases in")
    return {
        "pipeline": pipeline.name,
        "version": version,
        "sourceId": source_id,
        "providerTenant": provider.tenant_id,
        "targets": [
            target_to_json(t)
            for t in distributed_at_release(
                pipeline, release_targets(configuration, pipeline, today)
            )
        ],
        "endOfLife": end_of_life.isoformat() if end_of_life else None,
        "extraTags": dict(extra_tags or {}),
    }


def run_distribution(
    target: Target,
    configuration: Configuration,
    run_id: str,
    request: dict[str, Any],
    timeout: float | None,
    *,
    resume_prefix: str | None = None,
    on_new_run: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], str, str]:
    """Run ``release.distribute`` here (SQLite) or through a worker's queue (PostgreSQL), once
    the release's pipeline is claimed (``api.coordination``) for this run; with
    ``resume_prefix``, an unfinished run under it is resumed instead of ``run_id``
    (``on_new_run`` hears of a run that is not resumed). The outcome, where it ran, the run's id."""
    from goldfleet.lifecycle.distribute import RELEASES, distribute

    context = _context(target, configuration)
    pipeline = configuration.owner(OwnerKind.PIPELINE, request["pipeline"]).tag
    with running_engine(target) as mode:
        if resume_prefix is not None:
            unfinished = [
                w.workflow_id
                for w in engine.list_workflows(id_prefix=resume_prefix, name="release.distribute")
                if not w.state.finished
            ]
            run_id = unfinished[0] if unfinished else run_id
            if not unfinished and on_new_run is not None:
                on_new_run(run_id)
        claim([pipeline], run_id, f"goldfleet release {run_id}")
        if mode == "worker":
            run = engine.start(run_id, distribute, context, request)
        else:  # workers elsewhere take it from the queue
            run = engine.enqueue(RELEASES, run_id, distribute, context, request)
        return run.result(timeout=timeout), mode, run_id


def _requested(
    pipeline: ImagePipeline, source_id: str, version: str | None, today: date
) -> ReleaseRecord | None:
    """The release this request already made, if any: by the version asked for, or - with no
    version - the one made from the same source today. Running the command again continues it
    instead of starting another."""
    database = shared_database()
    if version is not None:
        found = releases.get(database, f"{pipeline.name}:{version}")
        if found is not None and found.source_id != source_id:
            raise UserInputError(
                f"version {version} of {pipeline.name} exists already, made from {found.source_id}",
                hint="choose another --version, or give the same --source to continue it",
            )
        return found
    return releases.requested_on(database, pipeline.name, source_id, today.isoformat())


def create_release(
    config_path: Path,
    target: Target,
    pipeline_name: str,
    source_id: str,
    version: str | None = None,
    timeout: float | None = None,
    end_of_life: date | None = None,
    extra_tags: dict[str, str] | None = None,
) -> ReleaseResult:
    """A new version of ``pipeline_name`` from ``source_id`` (a managed image or a gallery image
    version), distributed to every target of the pipeline. Runs durably on the engine.
    ``extra_tags`` (a build's provenance) go on every version the release writes.

    The request is idempotent: the same pipeline, source and version (or, with no version, the
    same day) continues the release it already made - a killed command run again resumes its
    workflow under the same version name, and a finished one is reported, not made twice."""
    configuration = load_configuration(config_path).configuration
    pipeline = pipeline_named(configuration, pipeline_name)
    now = clock_for(target).now()
    if end_of_life is not None and end_of_life <= now.date():
        raise UserInputError(
            f"the end-of-life date {end_of_life} is not in the future (today is {now.date()})",
            hint="Azure refuses it too: EndOfLifeDate must be set to a future date.",
        )
    if version is not None:
        check_version_name(version)
    earlier = _requested(pipeline, source_id, version, now.date())
    targets = release_targets(configuration, pipeline, now.date())
    if earlier is None:
        _preflight(target, configuration, targets, source_id)
        first = targets[0]
        existing = asyncio.run(_existing_versions(target, first, configuration))
        name = version or next_version(pipeline.distribution.versioning, now, existing)
    else:
        name = earlier.version
    request = _distribution(
        configuration, pipeline, name, source_id, now.date(), end_of_life, extra_tags
    )
    release_id = f"{pipeline.name}:{name}"
    database = shared_database()
    if earlier is None:
        releases.open_release(
            database, pipeline.name, name, source_id, Stage.BUILT.value, now.isoformat()
        )
    # recorded once: also when a command killed right after opening the release runs again
    if not audit.count_of(database, "release.requested", release_id):
        audit.append(
            database,
            at=now.isoformat(),
            actor=actor(),
            action="release.requested",
            subject=release_id,
            workflow_id=f"release:{release_id}",
            details={
                "source": source_id,
                "targets": [t["definition"] for t in request["targets"]],
            },
        )
    outcome, mode, _ = run_distribution(
        target, configuration, f"release:{release_id}", request, timeout
    )
    return ReleaseResult(release_id, name, outcome, mode, resumed=earlier is not None)


def replicate_release(
    config_path: Path,
    target: Target,
    release_id: str,
    timeout: float | None = None,
) -> ReleaseResult:
    """Distribute an existing release again, to today's targets: versions that exist are left
    alone, failed regions are retried, and tenants that were unreachable, frozen or added
    since are tried (once their consent or roles are fixed)."""
    configuration = load_configuration(config_path).configuration
    record = releases.get(shared_database(), release_id)
    if record is None:
        raise UserInputError(
            f"no release {release_id!r}", hint="goldfleet image version list shows them"
        )
    pipeline = pipeline_named(configuration, record.pipeline)
    now = clock_for(target).now()
    request = _distribution(
        configuration,
        pipeline,
        record.version,
        record.source_id,
        now.date(),
        None,
        provenance_tags(record.pipeline, record.version),
    )

    def requested(run_id: str) -> None:
        audit.append(
            shared_database(),
            at=now.isoformat(),
            actor=actor(),
            action="release.replicate_requested",
            subject=release_id,
            workflow_id=run_id,
            details={},
        )

    outcome, mode, _ = run_distribution(
        target,
        configuration,
        f"release:{release_id}:again:{now.strftime('%Y%m%dT%H%M%S')}",
        request,
        timeout,
        resume_prefix=f"release:{release_id}:again:",  # a killed command run again resumes it
        on_new_run=requested,
    )
    return ReleaseResult(release_id, record.version, outcome, mode)


def release_matrix(pipeline: str | None = None) -> list[dict[str, Any]]:
    """Every release goldfleet made, one row per (version, target, region), with its stage."""
    rows: list[dict[str, Any]] = []
    for record in releases.all_of(shared_database(), pipeline):
        for definition, outcome in sorted(record.targets.items()):
            regions = outcome.get("regions") or {}
            if not regions:
                rows.append(
                    {
                        "release": record.release_id,
                        "version": record.version,
                        "stage": record.stage,
                        "target": definition,
                        "tenant": outcome.get("tenant"),
                        "region": None,
                        "state": outcome.get("state"),
                        "detail": outcome.get("reason") or outcome.get("fix"),
                    }
                )
            for region, state in sorted(regions.items()):
                rows.append(
                    {
                        "release": record.release_id,
                        "version": record.version,
                        "stage": record.stage,
                        "target": definition,
                        "tenant": outcome.get("tenant"),
                        "region": region,
                        "state": state.get("state"),
                        "detail": state.get("details") or None,
                    }
                )
    return rows


def show_release(release_id: str) -> dict[str, Any]:
    record = releases.get(shared_database(), release_id)
    if record is None:
        raise UserInputError(
            f"no release {release_id!r}", hint="goldfleet image version list shows them"
        )
    return {
        "release": record.release_id,
        "pipeline": record.pipeline,
        "version": record.version,
        "source": record.source_id,
        "stage": record.stage,
        "created": record.created_at,
        "updated": record.updated_at,
        "targets": record.targets,
        "lineage": record.lineage,
        "validation": record.validation,
    }
