"""Image versions as releases: create one from a source and distribute it, list them as a
matrix (version x target x region x stage), promote, retire."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldfleet import engine
from goldfleet.api.session import Target, actor, clock_for, running_engine
from goldfleet.azure import galleries
from goldfleet.azure.clients import ClientFactory
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import ImagePipeline
from goldfleet.domain.releases import (
    STAGE_ORDER,
    ReleaseTarget,
    Stage,
    check_version_name,
    latest_first,
    next_version,
    release_targets,
)
from goldfleet.store import audit, releases
from goldfleet.store.db import shared_database


def _pipeline(configuration: Configuration, name: str) -> ImagePipeline:
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
    return ApplyContext.build(target.cloud, credentials, actor()).to_json()


def _factory(target: Target) -> ClientFactory:
    from goldfleet.lifecycle.context import gate_for

    return ClientFactory(target.cloud, gate=gate_for(target.cloud))


async def _existing_versions(
    target: Target, first: ReleaseTarget, configuration: Configuration
) -> list[str]:
    factory = _factory(target)
    try:
        ref = configuration.tenant(first.tenant).credential
        return [v.name for v in await galleries.list_versions(factory, first, ref)]
    finally:
        await factory.close()


@dataclass(frozen=True)
class ReleaseResult:
    release_id: str
    version: str
    outcome: dict[str, Any]
    mode: str


def create_release(
    config_path: Path,
    target: Target,
    pipeline_name: str,
    source_id: str,
    version: str | None = None,
    timeout: float | None = None,
) -> ReleaseResult:
    """A new version of ``pipeline_name`` from ``source_id`` (a managed image or a gallery image
    version), distributed to every target of the pipeline. Runs durably on the engine."""
    from goldfleet.lifecycle.distribute import RELEASES, distribute, target_to_json

    configuration = load_configuration(config_path).configuration
    pipeline = _pipeline(configuration, pipeline_name)
    provider = configuration.provider
    if provider is None:
        raise UserInputError("the configuration has no provider tenant to build releases in")
    now = clock_for(target).now()
    targets = release_targets(configuration, pipeline, now.date())
    existing = asyncio.run(_existing_versions(target, targets[0], configuration))
    if version is not None:
        check_version_name(version)
    name = version or next_version(pipeline.distribution.versioning, now, existing)
    release_id = f"{pipeline.name}:{name}"
    database = shared_database()
    releases.open_release(
        database, pipeline.name, name, source_id, Stage.BUILT.value, now.isoformat()
    )
    audit.append(
        database,
        at=now.isoformat(),
        actor=actor(),
        action="release.requested",
        subject=release_id,
        workflow_id=f"release:{release_id}",
        details={"source": source_id, "targets": [t.definition for t in targets]},
    )
    request = {
        "pipeline": pipeline.name,
        "version": name,
        "sourceId": source_id,
        "providerTenant": provider.tenant_id,
        "targets": [target_to_json(t) for t in targets],
    }
    run_id = f"release:{release_id}"
    context = _context(target, configuration)
    with running_engine(target) as mode:
        if mode == "worker":
            run = engine.start(run_id, distribute, context, request)
        else:  # workers elsewhere take it from the queue
            run = engine.enqueue(RELEASES, run_id, distribute, context, request)
        outcome = run.result(timeout=timeout)
    return ReleaseResult(release_id, name, outcome, mode)


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
    pipeline = _pipeline(configuration, record.pipeline)
    now = clock_for(target).now()
    targets = [
        t
        for t in release_targets(configuration, pipeline, now.date())
        if t.role.value == "production" and not t.skipped
    ]
    done: list[str] = []

    async def flip() -> None:
        factory = _factory(target)
        try:
            for t in targets:
                if record.targets.get(t.definition, {}).get("state") not in (
                    "Completed",
                    "PartiallyFailed",
                ):
                    continue
                ref = configuration.tenant(t.tenant).credential
                await galleries.update_version(
                    factory, t, ref, record.version, exclude_from_latest=False
                )
                done.append(t.version_id(record.version))
        finally:
            await factory.close()

    asyncio.run(flip())
    database = shared_database()
    validation = dict(record.validation)
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
    releases.set_stage(database, release_id, Stage.PROMOTED.value, now.isoformat(), validation)
    audit.append(
        database,
        at=now.isoformat(),
        actor=actor(),
        action="release.promoted",
        subject=release_id,
        details={"versions": done},
    )
    return {"release": release_id, "promoted": done}


def retention_plan(
    config_path: Path, target: Target, pipeline_name: str, keep: int
) -> list[dict[str, Any]]:
    """For every target of a pipeline, each version found in Azure with what retention does to it
    and why: kept (among the newest ``keep``, promoted, or the source of a copy elsewhere) or
    deleted."""
    configuration = load_configuration(config_path).configuration
    pipeline = _pipeline(configuration, pipeline_name)
    targets = release_targets(configuration, pipeline, clock_for(target).now().date())
    lineage_sources: set[str] = set()
    for record in releases.all_of(shared_database(), pipeline_name):
        lineage_sources |= {s.lower() for s in record.lineage.values()}

    async def read() -> list[dict[str, Any]]:
        factory = _factory(target)
        rows = []
        try:
            for t in targets:
                ref = configuration.tenant(t.tenant).credential
                found = {v.name: v for v in await galleries.list_versions(factory, t, ref)}
                newest = latest_first(found)
                for rank, name in enumerate(newest):
                    version_id = t.version_id(name).lower()
                    if rank < keep:
                        why = f"among the newest {keep}"
                    elif version_id in lineage_sources:
                        why = "the source of a copy in another gallery"
                    elif not found[name].exclude_from_latest and rank == 0:
                        why = "the latest version hosts get"
                    else:
                        why = ""
                    rows.append(
                        {
                            "target": t.definition,
                            "tenant": t.tenant,
                            "version": name,
                            "action": "keep" if why else "delete",
                            "why": why or f"older than the newest {keep}",
                        }
                    )
        finally:
            await factory.close()
        return rows

    return asyncio.run(read())


def retire(
    config_path: Path, target: Target, pipeline_name: str, keep: int
) -> list[dict[str, Any]]:
    """Carry out the retention plan: delete what it marks, customer copies before their sources."""
    configuration = load_configuration(config_path).configuration
    pipeline = _pipeline(configuration, pipeline_name)
    targets = {
        t.definition: t
        for t in release_targets(configuration, pipeline, clock_for(target).now().date())
    }
    rows = retention_plan(config_path, target, pipeline_name, keep)
    doomed = sorted(
        (r for r in rows if r["action"] == "delete"),
        key=lambda r: not targets[r["target"]].cross_tenant,
    )

    async def delete() -> None:
        factory = _factory(target)
        try:
            for row in doomed:
                t = targets[row["target"]]
                await galleries.delete_version(
                    factory, t, configuration.tenant(t.tenant).credential, row["version"]
                )
                row["done"] = True
        finally:
            await factory.close()

    asyncio.run(delete())
    now = clock_for(target).now().isoformat()
    audit.append(
        shared_database(),
        at=now,
        actor=actor(),
        action="release.retired",
        subject=pipeline_name,
        details={"deleted": [f"{r['target']}:{r['version']}" for r in doomed]},
    )
    return rows
