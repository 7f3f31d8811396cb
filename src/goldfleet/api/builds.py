"""Making image versions: capture a master VM or build from a source, record the build and its
provenance, then distribute the version as a release (``api/images.py``).

Everything a user can get wrong is refused before anything is created (``api/build_inputs.py``):
a pipeline of the wrong kind, a script whose download does not match its SHA-256, an unknown
built-in, a staging group that is not empty. A build is one durable workflow
(``lifecycle/capture.py``, ``lifecycle/image_builder.py``, ``lifecycle/direct_build.py``); its
row in the store (``store/provenance.py``) says which, so that running the same command again
after a crash resumes the build instead of starting another.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from goldfleet import __version__, engine
from goldfleet.api import build_inputs as inputs
from goldfleet.api.coordination import claim
from goldfleet.api.images import (
    ReleaseResult,
    _context,
    _existing_versions,
    client_factory,
    create_release,
    pipeline_named,
)
from goldfleet.api.session import Target, actor, clock_for, running_engine
from goldfleet.azure import compute, imagebuilder
from goldfleet.azure.ownership import acting_as
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.customizations import RenderedStep
from goldfleet.domain.errors import GoldfleetError, UserInputError
from goldfleet.domain.images import (
    ImagePipeline,
    MasterVmSource,
)
from goldfleet.domain.ownership import OwnerKind, owner_in_tags
from goldfleet.domain.provenance import (
    BuilderKind,
    Provenance,
    SourceKind,
    SourceRecord,
    step_record,
    to_tags,
)
from goldfleet.domain.releases import next_version, release_targets
from goldfleet.store import audit
from goldfleet.store import provenance as builds
from goldfleet.store.db import shared_database


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    pipeline: str
    builder: str
    state: str  # succeeded | blocked | failed
    version: str
    outcome: dict[str, Any]
    release: ReleaseResult | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "build": self.build_id,
            "pipeline": self.pipeline,
            "builder": self.builder,
            "state": self.state,
            "version": self.version,
            "error": self.error,
            "report": self.outcome.get("report"),
            "steps": self.outcome.get("steps"),
            "snapshot": self.outcome.get("snapshotId"),
            "backupSnapshot": self.outcome.get("backupSnapshotId"),
            "cleanedUp": self.outcome.get("cleanedUp"),
            "stage": self.release.outcome.get("stage") if self.release else None,
            "release": self.release.release_id if self.release else None,
        }


def _iso(now: datetime) -> str:
    return now.isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _unfinished(pipeline: str, builder: str) -> builds.BuildRecord | None:
    """The build of ``pipeline`` a crash interrupted, if any: the same command resumes it."""
    for record in builds.builds_of(shared_database(), pipeline, limit=10):
        if record.builder == builder and record.status in (
            builds.BuildStatus.QUEUED,
            builds.BuildStatus.RUNNING,
        ):
            return record
    return None


def _start(
    target: Target,
    configuration: Configuration,
    pipeline: ImagePipeline,
    builder: BuilderKind,
    now: datetime,
    scheduled: bool,
) -> tuple[str, str, bool]:
    """(build id, version, resumed): the interrupted build's, or a new one's."""
    found = _unfinished(pipeline.name, builder.value)
    if found is not None and found.version:
        return found.build_id, found.version, True
    first = release_targets(configuration, pipeline, now.date())[0]
    existing = asyncio.run(_existing_versions(target, first, configuration))
    version = next_version(pipeline.distribution.versioning, now, existing)
    build_id = f"{pipeline.name}@{now.strftime('%Y%m%dT%H%M%SZ')}"
    database = shared_database()
    builds.open_build(
        database,
        build_id,
        pipeline.name,
        builder.value,
        _iso(now),
        scheduled=scheduled,
        status=builds.BuildStatus.RUNNING,
    )
    builds.update_build(database, build_id, _iso(now), version=version)
    return build_id, version, False


def _run(
    target: Target,
    build_id: str,
    pipeline: str,
    fn: Any,
    *args: Any,
    timeout: float | None,
) -> Any:
    """The build's workflow, here (SQLite) or on a worker (PostgreSQL), once the pipeline is
    claimed for it (``api.coordination``). A workflow that fails outright (an error before
    Image Builder ran, say) marks the build failed, so that the next command starts a new build
    instead of resuming this one."""
    from goldfleet.lifecycle.capture import BUILDS
    from goldfleet.lifecycle.context import ApplyContext

    workflow_id = f"build:{build_id}"
    owner = ApplyContext.from_json(args[0]).owner(OwnerKind.PIPELINE, pipeline)
    with running_engine(target) as mode:
        done = engine.get_workflow(workflow_id)
        if done is None or not done.state.finished:  # a finished build changes nothing more
            claim([owner.tag], workflow_id, f"goldfleet build of {pipeline}")
        try:
            if mode == "worker":
                run = engine.start(workflow_id, fn, *args)
            else:
                run = engine.enqueue(BUILDS, workflow_id, fn, *args)
            return run.result(timeout=timeout)
        except GoldfleetError as exc:
            failed = {"error": str(exc), "version": args[-1].get("version")}
            at = _iso(clock_for(target).now())
            _record_outcome(build_id, pipeline, "failed", failed, None, at)
            raise


def _record_outcome(
    build_id: str,
    pipeline: str,
    state: str,
    outcome: dict[str, Any],
    provenance: Provenance | None,
    at: str,
) -> None:
    database = shared_database()
    builds.update_build(
        database,
        build_id,
        at,
        status=builds.BuildStatus.SUCCEEDED if state == "succeeded" else builds.BuildStatus.FAILED,
        provenance=provenance,
        log=outcome.get("log") or _report_text(outcome.get("report")),
        error=outcome.get("error"),
    )
    audit.append(
        database,
        at=at,
        actor=actor(),
        action=f"build.{state}",
        subject=f"{pipeline}:{outcome.get('version')}",
        workflow_id=f"build:{build_id}",
        details={
            "build": build_id,
            "error": outcome.get("error"),
            "blocking": [f["check"] for f in (outcome.get("report") or {}).get("findings", [])],
        },
    )


def _report_text(report: dict[str, Any] | None) -> str | None:
    if not report:
        return None
    lines = [f"{k}={v}" for k, v in sorted(report.get("values", {}).items())]
    for finding in report.get("findings", []):
        lines.append(f"{finding['check']}: {finding['found']} - {finding['fix']}")
    return "\n".join(lines)


def _provenance(
    pipeline: ImagePipeline,
    build_id: str,
    source: SourceRecord,
    steps: list[RenderedStep],
    outcome: dict[str, Any],
    started: datetime,
    finished: datetime | None,
    builder: BuilderKind,
) -> Provenance:
    """How the version was made: ``outcome``'s steps give each step's duration and exit code."""
    ran = {s["name"]: s for s in outcome.get("steps") or []}
    return Provenance(
        source=source,
        steps=tuple(
            step_record(
                s, ran.get(s.name, {}).get("durationSeconds"), ran.get(s.name, {}).get("exitCode")
            )
            for s in steps
        ),
        builder=builder,
        build_id=build_id,
        goldfleet_version=__version__,
        template_id=outcome.get("templateId"),
        started=started,
        finished=finished,
        pipeline=pipeline.name,
    )


def _master_source(pipeline: ImagePipeline, outcome: dict[str, Any]) -> SourceRecord:
    source = pipeline.source
    vm_id = str(source.vm_id) if isinstance(source, MasterVmSource) else ""
    return SourceRecord(SourceKind.MASTER_VM, vm_id, outcome.get("snapshotId"))


def capture(
    config_path: Path,
    target: Target,
    pipeline_name: str,
    *,
    override: str | None = None,
    scheduled: bool = False,
    timeout: float | None = None,
) -> BuildResult:
    """Capture the pipeline's master VM (never changed) into a new version, then distribute it.
    ``override`` (a reason, audited) lets the capture go on past blocking pre-sysprep checks."""
    configuration = load_configuration(config_path).configuration
    pipeline = pipeline_named(configuration, pipeline_name)
    if not pipeline.captures:
        raise UserInputError(
            f"the pipeline {pipeline.name!r} builds from a {type(pipeline.source).__name__}"
            " and has no master VM to capture",
            hint=f"goldfleet image build {pipeline.name}",
        )
    provider = configuration.provider
    if provider is None:
        raise UserInputError("the configuration has no provider tenant to capture in")
    settings = pipeline.build
    tenant = configuration.tenant(settings.tenant)
    steps = inputs.render_steps(target, settings.pre_sysprep_scripts)
    now = clock_for(target).now()
    build_id, version, resumed = _start(
        target, configuration, pipeline, BuilderKind.CAPTURE, now, scheduled=scheduled
    )
    record = builds.get_build(shared_database(), build_id)
    started = _parse(record.started_at if record else _iso(now))
    from goldfleet.lifecycle import capture as capturing
    from goldfleet.lifecycle.distribute import target_to_json

    first = release_targets(configuration, pipeline, now.date())[0]
    master_source = _master_source(pipeline, {})
    draft = _provenance(
        pipeline, build_id, master_source, steps, {}, started, None, BuilderKind.CAPTURE
    )
    master = master_source.reference
    spec = {
        "buildId": build_id,
        "pipeline": pipeline.name,
        "version": version,
        "tenantId": tenant.tenant_id,
        "tenant": tenant.name,
        "subscriptionId": settings.subscription_id,
        "masterVmId": master,
        "location": settings.location,
        "tempGroup": capturing.temporary_group(build_id),
        "buildGroup": settings.resource_group,
        "vmSize": None,
        "subnetId": str(settings.subnet_id) if settings.subnet_id else None,
        "override": override,
        "backup": settings.backup_master,
        "scripts": [inputs.step_json(s) for s in steps],
        "target": target_to_json(first),
        "release": {
            "pipeline": pipeline.name,
            "version": version,
            "providerTenant": provider.tenant_id,
            "extraTags": to_tags(draft),
            "endOfLife": None,
        },
    }
    if not resumed:
        audit.append(
            shared_database(),
            at=_iso(now),
            actor=actor(),
            action="build.requested",
            subject=f"{pipeline.name}:{version}",
            workflow_id=f"build:{build_id}",
            details={
                "build": build_id,
                "builder": "capture",
                "master": master,
                "override": override,
            },
        )
    context = _context(target, configuration)
    outcome = _run(
        target, build_id, pipeline.name, capturing.capture, context, spec, timeout=timeout
    )
    finished = clock_for(target).now()
    state = str(outcome["state"])
    provenance = _provenance(
        pipeline,
        build_id,
        _master_source(pipeline, outcome),
        steps,
        outcome,
        started,
        finished,
        BuilderKind.CAPTURE,
    )
    release = None
    if state == "succeeded":
        release = create_release(
            config_path,
            target,
            pipeline.name,
            capturing.clone_id(spec),
            version=version,
            timeout=timeout,
            extra_tags=to_tags(provenance),
        )
    _record_outcome(
        build_id,
        pipeline.name,
        state,
        outcome,
        provenance if state == "succeeded" else None,
        _iso(clock_for(target).now()),
    )
    return BuildResult(
        build_id, pipeline.name, "capture", state, version, outcome, release, outcome.get("error")
    )


def build(
    config_path: Path,
    target: Target,
    pipeline_name: str,
    *,
    scheduled: bool = False,
    reason: str | None = None,
    timeout: float | None = None,
) -> BuildResult:
    """Build a new version of the pipeline - with Azure VM Image Builder, or (``direct``) on
    goldfleet's own build VM - then distribute it. Every user script is downloaded and checked,
    the source resolved and the staging group checked, before anything is created."""
    configuration = load_configuration(config_path).configuration
    pipeline = pipeline_named(configuration, pipeline_name)
    if pipeline.captures:
        raise UserInputError(
            f"the pipeline {pipeline.name!r} captures a master VM",
            hint=f"goldfleet image capture {pipeline.name}",
        )
    settings = pipeline.build
    kind = BuilderKind(settings.builder)
    provider = configuration.provider
    if provider is None:
        raise UserInputError("the configuration has no provider tenant to build in")
    tenant = configuration.tenant(settings.tenant)
    steps = inputs.render_steps(target, pipeline.customizations)
    source_spec, source, source_version = inputs.source_spec(target, configuration, pipeline)
    if kind is BuilderKind.IMAGE_BUILDER:
        inputs.check_staging_group(target, configuration, pipeline)
    now = clock_for(target).now()
    build_id, version, resumed = _start(
        target, configuration, pipeline, kind, now, scheduled=scheduled
    )
    database = shared_database()
    builds.update_build(database, build_id, _iso(now), source_version=source_version)
    record = builds.get_build(database, build_id)
    started = _parse(record.started_at if record else _iso(now))
    first = release_targets(configuration, pipeline, now.date())[0]
    draft = _provenance(pipeline, build_id, source, steps, {}, started, None, kind)
    spec: dict[str, Any] = {
        "buildId": build_id,
        "pipeline": pipeline.name,
        "version": version,
        "tenantId": tenant.tenant_id,
        "tenant": tenant.name,
        "subscriptionId": settings.subscription_id,
        "resourceGroup": settings.resource_group,
        "location": settings.location,
        "vmSize": settings.vm_size,
        "osDiskSizeGb": settings.os_disk_size_gb,
        "subnetId": str(settings.subnet_id) if settings.subnet_id else None,
        "steps": [inputs.step_spec(s) for s in steps],
        "source": source_spec,
    }
    if kind is BuilderKind.IMAGE_BUILDER:
        workflow = inputs.image_builder_spec(spec, settings, first, pipeline, source, draft)
    else:
        workflow = inputs.direct_spec(spec, configuration, first, source_spec, provider, draft)
    if not resumed:
        audit.append(
            database,
            at=_iso(now),
            actor=actor(),
            action="build.requested",
            subject=f"{pipeline.name}:{version}",
            workflow_id=f"build:{build_id}",
            details={
                "build": build_id,
                "builder": kind.value,
                "source": source.reference,
                "scheduled": scheduled,
                "reason": reason,
            },
        )
    context = _context(target, configuration)
    outcome = _run(target, build_id, pipeline.name, workflow, context, spec, timeout=timeout)
    outcome = {**outcome, "version": version}
    if kind is BuilderKind.IMAGE_BUILDER:
        succeeded = outcome.get("runState") == "Succeeded"
        if not succeeded and not outcome.get("error"):
            outcome["error"] = (
                f"Image Builder's run {outcome.get('runState')}"
                f" ({outcome.get('runSubState')}): {outcome.get('message')}"
            )
    else:
        succeeded = outcome.get("state") == "succeeded"
    if succeeded and not outcome.get("versionId"):
        succeeded = False
        outcome["error"] = (
            "the build ended without an image version (no run output"
            f" {imagebuilder.RUN_OUTPUT!r}); nothing was released"
        )
    state = "succeeded" if succeeded else "failed"
    provenance = _provenance(
        pipeline, build_id, source, steps, outcome, started, clock_for(target).now(), kind
    )
    release = None
    if succeeded:
        release = create_release(
            config_path,
            target,
            pipeline.name,
            str(outcome["versionId"]),
            version=version,
            timeout=timeout,
            extra_tags=to_tags(provenance),
        )
    _record_outcome(
        build_id,
        pipeline.name,
        state,
        outcome,
        provenance if succeeded else None,
        _iso(clock_for(target).now()),
    )
    return BuildResult(
        build_id, pipeline.name, kind.value, state, version, outcome, release, outcome.get("error")
    )


def build_record(build_id: str) -> builds.BuildRecord:
    """A build as goldfleet recorded it: state, provenance, log, error."""
    found = builds.get_build(shared_database(), build_id)
    if found is None:
        raise UserInputError(
            f"no build {build_id!r}",
            hint="a build's id is in the output of goldfleet image build or capture",
        )
    return found


def sweep(config_path: Path, target: Target) -> list[str]:
    """Remove every temporary resource group goldfleet left behind (tagged
    ``goldfleet-temporary``) whose build is not running: in each build subscription of the
    configuration. Returns the groups removed."""
    from goldfleet.lifecycle.capture import TEMPORARY_TAG

    configuration = load_configuration(config_path).configuration
    places = sorted(
        {
            (
                configuration.tenant(p.build.tenant).tenant_id,
                p.build.subscription_id,
                p.build.tenant,
            )
            for p in configuration.pipelines
        }
    )
    database = shared_database()

    async def run() -> list[str]:
        factory = client_factory(target)
        removed = []
        try:
            for tenant_id, subscription, tenant_name in places:
                ref = configuration.tenant(tenant_name).credential
                for name, tags in await compute.groups_tagged(
                    factory, tenant_id, subscription, ref, TEMPORARY_TAG
                ):
                    record = builds.get_build(database, tags.get(TEMPORARY_TAG, ""))
                    if record is not None and record.status not in builds.FINISHED:
                        continue  # its workflow will remove it
                    owner = configuration.owner(OwnerKind.BUILD, tags.get(TEMPORARY_TAG, ""))
                    if owner_in_tags(tags) != owner.tag:
                        continue  # tagged like a build's, but not goldfleet's: left alone
                    with acting_as(owner):
                        gone = await compute.delete_group(
                            factory, tenant_id, subscription, ref, name
                        )
                    if gone:
                        removed.append(f"/subscriptions/{subscription}/resourceGroups/{name}")
        finally:
            await factory.close()
        return removed

    removed = asyncio.run(run())
    for group in removed:
        audit.append(
            database,
            at=_iso(clock_for(target).now()),
            actor=actor(),
            action="build.swept",
            subject=group,
            details={},
        )
    return removed


__all__ = ["BuildResult", "build", "build_record", "capture", "sweep"]
