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

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from goldfleet import engine
from goldfleet.azure import galleries
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.errors import (
    AuthenticationError,
    AzureCallError,
    PermissionDeniedError,
    TransientAzureError,
)
from goldfleet.domain.images import GalleryRole
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.releases import RegionTarget, ReleaseTarget, Stage, version_tags
from goldfleet.lifecycle.context import ApplyContext, acts_for, factory_for
from goldfleet.store import audit, releases
from goldfleet.store.db import shared_database

# Copies mostly wait for replication: many can be in flight (ARM sees a few calls per poll).
COPIES = engine.queue("tenant-copies", partition_concurrency=2, worker_concurrency=200)
RELEASES = engine.queue("releases", worker_concurrency=4)
# On the engine's clock (simulated with the emulator). Reads are cheap (ARM refills 25 a second
# per subscription); a late look costs the whole release that much time.
POLL = timedelta(minutes=1)  # when there is no progress to go by yet
SHORTEST_POLL = timedelta(seconds=20)
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
    progress so far), between SHORTEST_POLL and LONGEST_POLL - few polls for a long
    replication, prompt ones near its end."""
    if progress <= 0 or progress >= 100:
        return POLL
    remaining = elapsed * (100 - progress) / progress
    return max(SHORTEST_POLL, min(LONGEST_POLL, remaining / 2))


def _now_text() -> str:
    return engine.clock().now().isoformat()


def record(
    context_json: dict[str, Any],
    release_id: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> None:
    """One audit entry (naming the run: a release and its replications are different runs)
    and, for target outcomes, the release's record. Called from workflow code."""
    _record(context_json, release_id, action, subject, details, engine.workflow_id())


@engine.step("release.record", retry=engine.Retry(attempts=3))
def _record(
    context_json: dict[str, Any],
    release_id: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    run: str,
) -> None:
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
        details={**details, "run": run},
        once=True,  # the step runs again if its process died after this append
    )


def _extra_tags(spec: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Tags the release adds to every version it writes: a build's provenance."""
    return tuple(sorted((spec.get("extraTags") or {}).items()))


def _write_version(spec: dict[str, Any]) -> tuple[str, str, dict[str, str], str | None]:
    tags = version_tags(
        spec["pipeline"], spec["version"], Stage.BUILT, spec["sourceId"], _extra_tags(spec)
    )
    return spec["version"], spec["sourceId"], tags, spec.get("endOfLife")


def _auxiliary(context: ApplyContext, target: ReleaseTarget, spec: dict[str, Any]) -> Any:
    provider = spec["providerTenant"]
    return [(provider, context.credential(provider))] if target.cross_tenant else []


async def _send(
    send: Any, context_json: dict[str, Any], target_json: dict[str, Any], spec: dict[str, Any]
) -> ReleaseTarget:
    """Put one target's version with ``send`` (galleries.start_version or send_version)."""
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    version, source, tags, end_of_life = _write_version(spec)
    await send(
        factory_for(context),
        target,
        context.credential(target.tenant_id),
        version,
        source,
        tags,
        _auxiliary(context, target, spec),
        end_of_life,
    )
    return target


@engine.step("release.start_version", retry=engine.Retry(attempts=4))
async def start_version(
    context_json: dict[str, Any], target_json: dict[str, Any], spec: dict[str, Any]
) -> str:
    """Create the version in one target (from ``spec``: version, sourceId, pipeline,
    providerTenant, endOfLife); nothing is sent if it exists already."""
    try:
        target = await _send(galleries.start_version, context_json, target_json, spec)
    except TransientAzureError as exc:
        raise engine.TemporaryError(str(exc)) from exc
    return target.version_id(spec["version"])


@engine.step("release.read_replication", retry=engine.Retry(attempts=5))
async def read_replication(
    context_json: dict[str, Any], target_json: dict[str, Any], version: str
) -> dict[str, Any]:
    """The version's replication status, and when it was read (``at``, the engine's clock: one
    checkpoint per look, not two). ``found`` is false if the version does not exist."""
    context = ApplyContext.from_json(context_json)
    target = target_from_json(target_json)
    factory = factory_for(context)
    at = _now_text()
    try:
        state = await galleries.read_version(
            factory, target, context.credential(target.tenant_id), version
        )
    except TransientAzureError as exc:
        raise engine.TemporaryError(str(exc)) from exc
    if state is None:
        return {"at": at, "found": False, "regions": {}}
    return {
        "at": at,
        "found": True,
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
    await _send(galleries.send_version, context_json, target_json, spec)


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
    context_json: dict[str, Any],
    target: ReleaseTarget,
    spec: dict[str, Any],
    version_id: str,
    on_completed: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Wait, durably, until every region of one target has settled; failed regions are retried
    up to MAX_REGION_RETRIES times. ``on_completed(region)`` is called once for each region as
    soon as it is seen ``Completed`` (deterministically: from checkpointed readings). Returns
    the target's outcome."""
    target_json = target_to_json(target)
    version, source_id = spec["version"], spec["sourceId"]
    retries = 0
    began: datetime | None = None
    seen: set[str] = set()
    while True:
        status = engine.run_async_step(read_replication, context_json, target_json, version)
        now = datetime.fromisoformat(status["at"])
        began = began or now
        if on_completed is not None:
            for shown, region in status["regions"].items():
                name = shown.replace(" ", "").lower()
                if region.get("state") == "Completed" and name not in seen:
                    seen.add(name)
                    on_completed(name)
        if not status["found"]:
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
        if now > began + GIVE_UP_AFTER:
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
    """Create the version in one target and wait until every region has settled. A version is
    its pipeline's, whoever makes it (a release, or a build's first target)."""
    owner = ApplyContext.from_json(context_json).owner(OwnerKind.PIPELINE, spec["pipeline"])
    with acting_as(owner):
        return settled(context_json, target, spec, start(context_json, target, spec))


def settled(
    context_json: dict[str, Any],
    target: ReleaseTarget,
    spec: dict[str, Any],
    version_id: str,
    on_completed: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """:func:`settle`, then, if every region completed, the version's tags say ``replicated``
    (each target tags its own version as soon as it is done: copies do it in parallel)."""
    outcome = settle(context_json, target, spec, version_id, on_completed)
    if outcome["state"] == "Completed":
        engine.run_async_step(
            tag_stage,
            context_json,
            target_to_json(target),
            {**spec, "sourceId": outcome["sourceId"]},
            spec.get("finalStage", Stage.REPLICATED.value),
        )
    return outcome


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
@acts_for(OwnerKind.PIPELINE, lambda _, release_id, *__: release_id.split(":")[0])
def copy_to_tenant(
    context_json: dict[str, Any],
    release_id: str,
    target_json: dict[str, Any],
    spec: dict[str, Any],
) -> dict[str, Any]:
    """One customer tenant's copy, in its own gallery, from the provider version ``spec``
    names (started once that version is Completed in the copy's region): copy and replicate."""
    target = target_from_json(target_json)
    try:
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
@acts_for(OwnerKind.PIPELINE, lambda _, release_json: release_json["pipeline"])
def distribute(context_json: dict[str, Any], release_json: dict[str, Any]) -> dict[str, Any]:
    """The whole distribution of one release (see the module docstring)."""
    pipeline, version = release_json["pipeline"], release_json["version"]
    release_id = f"{pipeline}:{version}"
    spec = {
        "pipeline": pipeline,
        "version": version,
        "providerTenant": release_json["providerTenant"],
        "endOfLife": release_json.get("endOfLife"),
        # A promotion by copy runs this workflow too, on the production targets: its versions
        # end "promoted", and the release's stage moves only if every copy completed.
        "finalStage": release_json.get("finalStage", Stage.REPLICATED.value),
        "extraTags": release_json.get("extraTags") or {},
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
    # from the earliest settled provider target Completed in its gallery's region. A customer
    # copy is queued as soon as its source target is Completed in the copy's region.
    completed_in: dict[str, str] = {}  # region -> the first provider version Completed there
    parent = engine.workflow_id()
    runs: dict[str, Any] = {}
    for index, target in enumerate(own):
        source_id = release_json["sourceId"] if index == 0 else completed_in.get(target.location)
        if source_id is None:
            outcomes[target.definition] = _no_source(target)
        else:
            target_spec = {**spec, "sourceId": source_id}
            version_id = start(context_json, target, target_spec)
            waiting = [
                copy
                for copy in targets
                if copy.cross_tenant and not copy.skipped and _source_target(copy, own) == target
            ]

            def release_copies(
                region: str, waiting: Any = waiting, source: str = version_id
            ) -> None:
                for copy in waiting:
                    if copy.location == region and copy.definition not in runs:
                        runs[copy.definition] = engine.enqueue(
                            COPIES.partition(copy.subscription_id.lower()),
                            f"{parent}:{copy.definition}",
                            copy_to_tenant,
                            context_json,
                            release_id,
                            target_to_json(copy),
                            {**spec, "sourceId": source},
                        )

            outcomes[target.definition] = settled(
                context_json, target, target_spec, version_id, release_copies
            )
            for region, state in (outcomes[target.definition].get("regions") or {}).items():
                if state.get("state") == "Completed":
                    completed_in.setdefault(region.replace(" ", "").lower(), version_id)
            for copy in waiting:
                if copy.definition not in runs:
                    outcomes[copy.definition] = {
                        "state": "Failed",
                        "error": f"its source {target.definition} did not replicate to "
                        f"{copy.location}, and a copy's source must be in the copy's region",
                    }
                    record(
                        context_json,
                        release_id,
                        "release.target",
                        copy.definition,
                        {**outcomes[copy.definition], "tenant": copy.tenant},
                    )
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
        if copy.cross_tenant and not copy.skipped and copy.definition not in outcomes:
            outcomes[copy.definition] = _no_source(copy)
    while runs and not children_finished([run.workflow_id for run in runs.values()]):
        engine.sleep_until(engine.now() + SHORTEST_POLL)
    for definition, run in runs.items():
        outcomes[definition] = run.result()
    replicated = all(
        o["state"] in ("Completed", "Skipped", "Unreachable") for o in outcomes.values()
    )
    final = Stage(spec["finalStage"])
    stage = final if replicated else Stage.BUILT
    if replicated or final is Stage.REPLICATED:
        set_stage(release_id, stage.value)
    record(
        context_json,
        release_id,
        f"release.{final.value}" if replicated else "release.incomplete",
        release_id,
        {"targets": {k: v["state"] for k, v in outcomes.items()}},
    )
    shown = stage.value if replicated or final is Stage.REPLICATED else f"not {final.value}"
    return {"release": release_id, "stage": shown, "targets": outcomes}


FINISHED = {
    engine.WorkflowState.SUCCESS,
    engine.WorkflowState.ERROR,
    engine.WorkflowState.CANCELLED,
    engine.WorkflowState.MAX_RECOVERY_ATTEMPTS_EXCEEDED,
}


@engine.step("release.children_finished", retry=engine.Retry(attempts=3))
def children_finished(workflow_ids: list[str]) -> bool:
    """Whether every copy workflow has finished: one look at all of them, so that waiting for
    a hundred tenants costs one poll, not a hundred."""
    for workflow_id in workflow_ids:
        found = engine.get_workflow(workflow_id)
        if found is None or found.state not in FINISHED:
            return False
    return True


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
    tags = version_tags(
        spec["pipeline"], spec["version"], Stage(stage), spec["sourceId"], _extra_tags(spec)
    )
    await galleries.update_version(
        factory,
        target,
        context.credential(target.tenant_id),
        spec["version"],
        tags=tags,
        wait=False,
    )
