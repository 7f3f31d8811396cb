"""Distributing a release: its version created in every target image definition, replicated to
every target region, copied into each customer tenant's own gallery; nothing counted until its
region reports ``Completed``.

``release.distribute`` replicates the first provider target from the release's source, then
every other provider target from that version, and enqueues one ``release.copy`` per customer
target (partitioned by subscription). A failed region is retried; if it keeps failing, the
release reports it with Azure's error while other regions and tenants go on. A tenant without
consent or roles is reported with the fix, and does not stop the others. Frozen and opted-out
tenants are skipped and reported. Waits are durable sleeps on the engine's clock.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from goldfleet import engine
from goldfleet.azure import galleries
from goldfleet.domain.errors import (
    AuthenticationError,
    AzureCallError,
    PermissionDeniedError,
    TransientAzureError,
)
from goldfleet.domain.images import GalleryRole
from goldfleet.domain.releases import RegionTarget, ReleaseTarget, Stage, version_tags
from goldfleet.lifecycle.context import ApplyContext, factory_for
from goldfleet.store import audit, releases
from goldfleet.store.db import shared_database

# Copies mostly wait for replication: many can be in flight (ARM sees a few calls per poll).
COPIES = engine.queue("tenant-copies", partition_concurrency=2, worker_concurrency=200)
RELEASES = engine.queue("releases", worker_concurrency=4)
POLL = timedelta(minutes=2)  # on the engine's clock (simulated with the emulator)
LONGEST_POLL = timedelta(minutes=20)
MAX_REGION_RETRIES = 2
GIVE_UP_AFTER = timedelta(hours=24)  # Azure: replication "can take up to six hours"


def target_to_json(target: ReleaseTarget) -> dict[str, Any]:
    data = asdict(target)
    data["role"] = target.role.value
    return data


def target_from_json(data: dict[str, Any]) -> ReleaseTarget:
    values = dict(data)
    values["role"] = GalleryRole(values["role"])
    values["regions"] = tuple(RegionTarget(**r) for r in values["regions"])
    return ReleaseTarget(**values)


def next_poll(elapsed: timedelta, progress: int) -> timedelta:
    """When to look again: half of the time the slowest region still seems to need (from its
    progress so far), between POLL and LONGEST_POLL - few polls for a long replication, a
    prompt one near its end."""
    if progress <= 0 or progress >= 100:
        return POLL
    remaining = elapsed * (100 - progress) / progress
    return max(POLL, min(LONGEST_POLL, remaining / 2))


def _now_text() -> str:
    return engine.clock().now().isoformat()


@engine.step("release.record", retry=engine.Retry(attempts=3))
def record(
    context_json: dict[str, Any],
    release_id: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> None:
    """One audit entry and, for target outcomes, the release's record."""
    database = shared_database()
    if action == "release.target":
        releases.record_target(database, release_id, subject, details, _now_text())
    audit.append(
        database,
        at=_now_text(),
        actor=str(context_json["actor"]),
        action=action,
        subject=subject,
        workflow_id=release_id,
        details=details,
    )


def _write_version(spec: dict[str, Any]) -> tuple[str, str, dict[str, str], str | None]:
    tags = version_tags(spec["pipeline"], spec["version"], Stage.BUILT, spec["sourceId"])
    return spec["version"], spec["sourceId"], tags, spec.get("endOfLife")


def _auxiliary(context: ApplyContext, target: ReleaseTarget, spec: dict[str, Any]) -> Any:
    provider = spec["providerTenant"]
    return [(provider, context.credential(provider))] if target.cross_tenant else []


@engine.step("release.start_version", retry=engine.Retry(attempts=4))
async def start_version(
    context_json: dict[str, Any], target_json: dict[str, Any], spec: dict[str, Any]
) -> str:
    """Create the version in one target (from ``spec``: version, sourceId, pipeline,
    providerTenant, endOfLife); nothing is sent if it exists already."""
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    factory = factory_for(context)
    version, source, tags, end_of_life = _write_version(spec)
    try:
        await galleries.start_version(
            factory,
            target,
            context.credential(target.tenant_id),
            version,
            source,
            tags,
            _auxiliary(context, target, spec),
            end_of_life,
        )
    except TransientAzureError as exc:
        raise engine.TemporaryError(str(exc)) from exc
    finally:
        await factory.close()
    return target.version_id(version)


@engine.step("release.read_replication", retry=engine.Retry(attempts=5))
async def read_replication(
    context_json: dict[str, Any], target_json: dict[str, Any], version: str
) -> dict[str, Any] | None:
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    factory = factory_for(context)
    try:
        state = await galleries.read_version(
            factory, target, context.credential(target.tenant_id), version
        )
    except TransientAzureError as exc:
        raise engine.TemporaryError(str(exc)) from exc
    finally:
        await factory.close()
    if state is None:
        return None
    return {
        "provisioningState": state.provisioning_state,
        "aggregated": state.aggregated,
        "regions": {
            r.region: {"state": r.state, "progress": r.progress, "details": r.details}
            for r in state.regions
        },
    }


@engine.step("release.retry_regions", retry=engine.Retry(attempts=4))
async def retry(
    context_json: dict[str, Any], target_json: dict[str, Any], spec: dict[str, Any]
) -> None:
    """Send the version again: its failed regions replicate anew."""
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    factory = factory_for(context)
    version, source, tags, end_of_life = _write_version(spec)
    try:
        await galleries.retry_regions(
            factory,
            target,
            context.credential(target.tenant_id),
            version,
            source,
            tags,
            _auxiliary(context, target, spec),
            end_of_life,
        )
    finally:
        await factory.close()


def _all_regions_done(status: dict[str, Any], target: ReleaseTarget) -> tuple[bool, list[str]]:
    regions = {k.replace(" ", "").lower(): v for k, v in status["regions"].items()}
    failed = [r.name for r in target.regions if regions.get(r.name, {}).get("state") == "Failed"]
    done = all(
        regions.get(r.name, {}).get("state") in ("Completed", "Failed") for r in target.regions
    )
    return done, failed


def start(context_json: dict[str, Any], target: ReleaseTarget, spec: dict[str, Any]) -> str:
    """Create the version in one target (replication starts); returns its id."""
    version_id: str = engine.run_async_step(
        start_version, context_json, target_to_json(target), spec
    )
    return version_id


def settle(
    context_json: dict[str, Any], target: ReleaseTarget, spec: dict[str, Any], version_id: str
) -> dict[str, Any]:
    """Wait, durably, until every region of one target has settled; failed regions are retried
    up to MAX_REGION_RETRIES times. Returns the target's outcome."""
    target_json = target_to_json(target)
    version, source_id = spec["version"], spec["sourceId"]
    retries = 0
    began = engine.now()
    deadline = began + GIVE_UP_AFTER
    while True:
        status = engine.run_async_step(read_replication, context_json, target_json, version)
        if status is None:
            return {
                "state": "Failed",
                "versionId": version_id,
                "sourceId": source_id,
                "error": "the version disappeared while it replicated",
            }
        done, failed = _all_regions_done(status, target)
        if done and failed and retries < MAX_REGION_RETRIES:
            retries += 1
            engine.run_async_step(retry, context_json, target_json, spec)
        elif done:
            return {
                "state": "Completed" if not failed else "PartiallyFailed",
                "versionId": version_id,
                "sourceId": source_id,
                "regions": status["regions"],
                "failedRegions": failed,
                "retries": retries,
            }
        now = engine.now()
        if now > deadline:
            return {
                "state": "Failed",
                "versionId": version_id,
                "sourceId": source_id,
                "regions": status["regions"],
                "error": f"replication did not finish within {GIVE_UP_AFTER}",
            }
        unsettled = [
            int(v.get("progress") or 0)
            for v in status["regions"].values()
            if v.get("state") not in ("Completed", "Failed")
        ]
        engine.sleep_until(now + next_poll(now - began, min(unsettled, default=0)))


def replicate(
    context_json: dict[str, Any], target: ReleaseTarget, spec: dict[str, Any]
) -> dict[str, Any]:
    """Create the version in one target and wait until every region has settled."""
    return settle(context_json, target, spec, start(context_json, target, spec))


@engine.step("release.target_outcome", retry=engine.Retry(attempts=3))
def target_outcome(release_id: str, definition: str) -> str:
    """The recorded state of one target of a release ("" while it is still replicating)."""
    found = releases.get(shared_database(), release_id)
    return str(((found.targets if found else {}).get(definition) or {}).get("state", ""))


def wait_for_source(
    context_json: dict[str, Any],
    release_id: str,
    source: ReleaseTarget,
    version: str,
    region: str,
) -> str | None:
    """Wait until ``source``'s version is Completed in ``region`` (a copy's source must be
    replicated in the copy's region). None when it is; why not, when it will not be."""
    began = engine.now()
    deadline = began + GIVE_UP_AFTER
    while True:
        # The source's outcome first, then its status: if it had finished before this status
        # was read, the status is final.
        finished = target_outcome(release_id, source.definition)
        status = engine.run_async_step(
            read_replication, context_json, target_to_json(source), version
        )
        regions = {
            k.replace(" ", "").lower(): v for k, v in ((status or {}).get("regions") or {}).items()
        }
        if regions.get(region, {}).get("state") == "Completed":
            return None
        if finished:
            return f"the source {source.definition} did not replicate to {region}"
        now = engine.now()
        if now > deadline:
            return f"the source {source.definition} did not reach {region} within {GIVE_UP_AFTER}"
        progress = int(regions.get(region, {}).get("progress") or 0)
        engine.sleep_until(now + next_poll(now - began, progress))


def _as_report(error: AzureCallError, target: ReleaseTarget, app_id: str) -> dict[str, Any]:
    """A customer target that could not be reached: what happened and the exact fix."""
    if isinstance(error, AuthenticationError):
        fix = (
            f"an administrator of tenant {target.tenant_id} must consent to application "
            f"{app_id} (so that it has a service principal there)"
        )
    elif isinstance(error, PermissionDeniedError) and error.code == "LinkedAuthorizationFailed":
        fix = (
            f"grant application {app_id} the role 'Compute Gallery Image Reader' on the "
            "provider's source gallery, in the provider tenant"
        )
    elif isinstance(error, PermissionDeniedError):
        fix = (
            f"grant application {app_id} the role 'Compute Gallery Artifacts Publisher' (or "
            f"Contributor) on {target.definition_id.split('/images/')[0]}"
        )
    else:
        fix = error.hint or "see the error"
    return {"state": "Unreachable", "error": error.message, "code": error.code, "fix": fix}


@engine.workflow("release.copy")
def copy_to_tenant(
    context_json: dict[str, Any],
    release_id: str,
    target_json: dict[str, Any],
    spec: dict[str, Any],
    source_json: dict[str, Any],
) -> dict[str, Any]:
    """One customer tenant's copy, in its own gallery: as soon as the provider version it copies
    (``source_json``'s target) is replicated in the copy's region, copy it and replicate."""
    target = target_from_json(target_json)
    source = target_from_json(source_json)
    waiting = wait_for_source(context_json, release_id, source, spec["version"], target.location)
    try:
        if waiting is not None:
            outcome: dict[str, Any] = {"state": "Failed", "error": waiting}
        else:
            outcome = replicate(context_json, target, spec)
    except AzureCallError as failed:  # recorded by the engine and replayed as itself
        app_id = ApplyContext.from_json(context_json).credential(target.tenant_id).client_id or "?"
        outcome = _as_report(failed, target, app_id)
    record(
        context_json,
        release_id,
        "release.target",
        target.definition,
        {**outcome, "tenant": target.tenant},
    )
    return outcome


def _source_target(target: ReleaseTarget, own: list[ReleaseTarget]) -> ReleaseTarget | None:
    """The earliest provider target, before ``target``, that replicates to its region."""
    for candidate in own:
        if candidate.definition == target.definition:
            return None
        if any(r.name == target.location for r in candidate.regions):
            return candidate
    return None


def _no_source(target: ReleaseTarget) -> dict[str, Any]:
    return {
        "state": "Failed",
        "error": f"no version of this release is replicated in {target.location} yet, and a "
        "copy's source must be in the copy's region",
        "fix": f"add {target.location} to the regions of an earlier target of the pipeline",
    }


@engine.workflow("release.distribute")
def distribute(context_json: dict[str, Any], release_json: dict[str, Any]) -> dict[str, Any]:
    """The whole distribution of one release (see the module docstring)."""
    pipeline, version = release_json["pipeline"], release_json["version"]
    release_id = f"{pipeline}:{version}"
    spec = {
        "pipeline": pipeline,
        "version": version,
        "providerTenant": release_json["providerTenant"],
        "endOfLife": release_json.get("endOfLife"),
    }
    targets = [target_from_json(t) for t in release_json["targets"]]
    record(context_json, release_id, "release.started", release_id, {"targets": len(targets)})
    outcomes: dict[str, Any] = {}
    for target in targets:
        if target.skipped:
            outcomes[target.definition] = {"state": "Skipped", "reason": target.skipped}
            record(
                context_json,
                release_id,
                "release.target",
                target.definition,
                {**outcomes[target.definition], "tenant": target.tenant},
            )
    own = [t for t in targets if not t.cross_tenant and not t.skipped]
    if not own:
        raise engine.PermanentError(f"release {release_id} has no target in the provider tenant")
    # Provider targets one after the other: the first from the release's source, each other
    # from the earliest settled provider target Completed in its gallery's region. Customer
    # copies are queued as soon as their source target starts: each waits for its own region.
    completed_in: dict[str, str] = {}  # region -> the first provider version Completed there
    parent = engine.workflow_id()
    runs = {}
    for index, target in enumerate(own):
        source_id = release_json["sourceId"] if index == 0 else completed_in.get(target.location)
        if source_id is None:
            outcomes[target.definition] = _no_source(target)
        else:
            target_spec = {**spec, "sourceId": source_id}
            version_id = start(context_json, target, target_spec)
            for copy in targets:
                if copy.cross_tenant and not copy.skipped and _source_target(copy, own) == target:
                    runs[copy.definition] = engine.enqueue(
                        COPIES.partition(copy.subscription_id.lower()),
                        f"{parent}:{copy.definition}",
                        copy_to_tenant,
                        context_json,
                        release_id,
                        target_to_json(copy),
                        {**spec, "sourceId": version_id},
                        target_to_json(target),
                    )
            outcomes[target.definition] = settle(context_json, target, target_spec, version_id)
            for region, state in (outcomes[target.definition].get("regions") or {}).items():
                if state.get("state") == "Completed":
                    completed_in.setdefault(region.replace(" ", "").lower(), version_id)
        record(
            context_json,
            release_id,
            "release.target",
            target.definition,
            {**outcomes[target.definition], "tenant": target.tenant},
        )
        if index == 0 and outcomes[target.definition]["state"] == "Failed":
            return {"release": release_id, "stage": Stage.BUILT.value, "targets": outcomes}
    for copy in targets:
        if copy.cross_tenant and not copy.skipped and copy.definition not in runs:
            outcomes[copy.definition] = _no_source(copy)
    for definition, run in runs.items():
        outcomes[definition] = run.result()
    replicated = all(
        o["state"] in ("Completed", "Skipped", "Unreachable") for o in outcomes.values()
    )
    stage = Stage.REPLICATED if replicated else Stage.BUILT
    set_stage(release_id, stage.value)
    if replicated:
        for target in targets:
            outcome = outcomes[target.definition]
            if outcome["state"] == "Completed":
                engine.run_async_step(
                    tag_stage,
                    context_json,
                    target_to_json(target),
                    {**spec, "sourceId": outcome["sourceId"]},
                    stage.value,
                )
    record(
        context_json,
        release_id,
        "release.replicated" if replicated else "release.incomplete",
        release_id,
        {"targets": {k: v["state"] for k, v in outcomes.items()}},
    )
    return {"release": release_id, "stage": stage.value, "targets": outcomes}


@engine.step("release.set_stage", retry=engine.Retry(attempts=3))
def set_stage(release_id: str, stage: str) -> None:
    releases.set_stage(shared_database(), release_id, stage, _now_text())


@engine.step("release.tag_stage", retry=engine.Retry(attempts=4))
async def tag_stage(
    context_json: dict[str, Any], target_json: dict[str, Any], spec: dict[str, Any], stage: str
) -> None:
    """Record the release's stage in the version's tags, where Azure users see it."""
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    factory = factory_for(context)
    tags = version_tags(spec["pipeline"], spec["version"], Stage(stage), spec["sourceId"])
    try:
        await galleries.update_version(
            factory, target, context.credential(target.tenant_id), spec["version"], tags=tags
        )
    finally:
        await factory.close()
