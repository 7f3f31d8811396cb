"""Building a version with Azure VM Image Builder, durably.

The workflow makes sure the template has an identity (the configured one, or goldfleet's own
``id-goldfleet-image-builder`` with Contributor on the build and gallery resource groups), submits
the template (named after the build, so a resumed build finds its own template; one that differs
is replaced, as Azure refuses updates in place), starts its run once, follows ``lastRunStatus``
with durable one-minute waits, then collects the run output (the gallery version, already
replicated in the first target's regions), the customization log and, from the log's Packer
telemetry, each step's duration and exit code. The template is deleted in a ``finally`` - its
staging resources go with it - after success, failure, time-out or a crash at any point.

``spec`` (built by ``api/builds.py``): buildId, pipeline, version, tenantId, subscriptionId,
resourceGroup, location, vmSize, osDiskSizeGb, timeoutMinutes, subnetId, identityId,
stagingResourceGroup, source (Image Builder's), steps ([{name, kind, builtin, uri, sha256, text,
arguments, parameters, restartAfter}]), target ({galleryImageId, regions, excludeFromLatest}),
tags. The result: runState, runSubState, message, versionId, templateId, log, steps ([{name,
durationSeconds, exitCode}]), error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from goldfleet import engine
from goldfleet.azure import imagebuilder
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.errors import AzureCallError, GoldfleetError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.names import image_template_name as template_name
from goldfleet.domain.ownership import OWNER_TAG, OwnerKind
from goldfleet.lifecycle.calls import StepCall, step_error
from goldfleet.lifecycle.context import ApplyContext, acts_for

STATUS_POLL = timedelta(seconds=60)
GRACE = timedelta(minutes=30)  # beyond Image Builder's own time-out, goldfleet stops waiting
_TELEMETRY = re.compile(r"PACKER ERR (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[INFO\] \(telemetry\) (.*)")
_EXIT = re.compile(r"non-zero exit status: (-?\d+)")


def _group_of(resource_id: str) -> str:
    rid = ResourceId(resource_id)
    return f"/subscriptions/{rid.subscription_id}/resourceGroups/{rid.resource_group}"


@engine.step("image_builder.identity", retry=engine.Retry(attempts=4))
async def identity(context_json: dict[str, Any], spec: dict[str, Any]) -> str:
    if spec.get("identityId"):
        return str(spec["identityId"])
    call = StepCall(context_json, spec)
    build_group = f"/subscriptions/{spec['subscriptionId']}/resourceGroups/{spec['resourceGroup']}"
    scopes = sorted({build_group, _group_of(spec["target"]["galleryImageId"])})
    # one identity serves every build in the group: it belongs to the build's tenant
    owner = ApplyContext.from_json(context_json).owner(OwnerKind.TENANT, spec["tenant"])
    try:
        with acting_as(owner):
            return await imagebuilder.ensure_identity(
                *call.args, spec["resourceGroup"], spec["location"], scopes
            )
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("image_builder.submit", retry=engine.Retry(attempts=4))
async def submit(
    context_json: dict[str, Any], spec: dict[str, Any], identity_id: str
) -> str | None:
    """Submit the template; the reason it failed to provision, or None."""
    call = StepCall(context_json, spec)
    # the version Image Builder makes is the pipeline's: its tags come from artifactTags
    owner = ApplyContext.from_json(context_json).owner(OwnerKind.PIPELINE, spec["pipeline"])
    body = imagebuilder.template_body(
        {**spec, "tags": {**spec["tags"], OWNER_TAG: owner.tag}}, identity_id
    )
    try:
        view = await imagebuilder.put_template(
            *call.args, spec["resourceGroup"], template_name(spec["buildId"]), body
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc
    if view.provisioning_state == "Failed":
        return view.provisioning_error or "the image template failed to provision"
    return None


@engine.step("image_builder.run", retry=engine.Retry(attempts=4))
async def run(context_json: dict[str, Any], spec: dict[str, Any]) -> None:
    """Start the build, once: a template that has a run status ran already."""
    call = StepCall(context_json, spec)
    name = template_name(spec["buildId"])
    try:
        view = await imagebuilder.read_template(*call.args, spec["resourceGroup"], name)
        if view is not None and view.run_state is not None:
            return
        await imagebuilder.start_run(*call.args, spec["resourceGroup"], name)
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("image_builder.status", retry=engine.Retry(attempts=6))
async def status(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    call = StepCall(context_json, spec)
    at = engine.clock().now().isoformat()
    try:
        view = await imagebuilder.read_template(
            *call.args, spec["resourceGroup"], template_name(spec["buildId"])
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc
    if view is None:
        return {"at": at, "runState": "Failed", "message": "the image template is gone"}
    return {
        "at": at,
        "templateId": view.id,
        "runState": view.run_state,
        "runSubState": view.run_sub_state,
        "message": view.message,
        "finished": view.finished,
    }


def step_results(log: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step's duration and exit code, from the Packer telemetry in Image Builder's
    customization log: a customizer lasts from its ``Starting provisioner`` line to the next
    telemetry line; a step whose customizer failed carries the exit code the log names."""
    marks: list[tuple[datetime, str]] = []
    for line in log.splitlines():
        found = _TELEMETRY.search(line)
        if found:
            at = datetime.strptime(found.group(1), "%Y/%m/%d %H:%M:%S").replace(tzinfo=UTC)
            marks.append((at, found.group(2)))
    starts = [i for i, (_, text) in enumerate(marks) if text.startswith("Starting provisioner")]
    owners = imagebuilder.customizer_owners(steps)
    durations: dict[int, float] = {}
    reached: set[int] = set()
    for position, mark in enumerate(starts[: len(owners)]):
        owner = owners[position]
        reached.add(owner)
        later = marks[mark + 1 :]
        nxt = next((t for t, text in later if text.startswith("Starting provisioner")), None)
        end = nxt or (later[-1][0] if later else None)
        if end is not None:
            durations[owner] = durations.get(owner, 0.0) + (end - marks[mark][0]).total_seconds()
    failed_code = _EXIT.findall(log)
    last = max(reached) if reached else None
    results = []
    for index, step in enumerate(steps):
        code: int | None = None
        if index in reached:
            code = int(failed_code[-1]) if failed_code and index == last else 0
        results.append(
            {"name": step["name"], "durationSeconds": durations.get(index), "exitCode": code}
        )
    return results


@engine.step("image_builder.collect", retry=engine.Retry(attempts=4))
async def collect(
    context_json: dict[str, Any], spec: dict[str, Any], message: str | None
) -> dict[str, Any]:
    """The run's gallery version and customization log, read before the template goes."""
    call = StepCall(context_json, spec)
    factory, tenant, _subscription, credential = call.args
    try:
        outputs = await imagebuilder.run_outputs(
            *call.args, spec["resourceGroup"], template_name(spec["buildId"])
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc
    mine = next((o for o in outputs if o.name == imagebuilder.RUN_OUTPUT), None)
    uri = (mine.log_uri if mine else None) or imagebuilder.log_uri(message)
    log = await imagebuilder.customization_log(factory, tenant, credential, uri) if uri else None
    return {
        "versionId": mine.artifact_id if mine else None,
        "log": log,
        "logUri": uri,
        "steps": step_results(log or "", spec["steps"]),
    }


@engine.step("image_builder.remove", retry=engine.Retry(attempts=6))
async def remove(context_json: dict[str, Any], spec: dict[str, Any]) -> bool:
    call = StepCall(context_json, spec)
    try:
        return await imagebuilder.delete_template(
            *call.args, spec["resourceGroup"], template_name(spec["buildId"])
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc


def _wait(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Durably follow the run until it finishes (or goldfleet's grace after the time-out)."""
    first: datetime | None = None
    limit = timedelta(minutes=int(spec["timeoutMinutes"])) + GRACE
    while True:
        seen = engine.run_async_step(status, context_json, spec)
        if seen.get("finished") or seen["runState"] == "Failed":
            return seen
        now = datetime.fromisoformat(seen["at"])
        first = first or now
        if now - first > limit:
            return {
                **seen,
                "runState": "Failed",
                "message": f"the build did not finish within {limit} (it is {seen['runState']})",
            }
        engine.sleep_until(now + STATUS_POLL)


@engine.workflow("image.build_with_image_builder")
@acts_for(OwnerKind.BUILD, lambda _, spec: spec["buildId"])
def build_with_image_builder(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """One Image Builder build (see the module docstring); the template never outlives it."""
    outcome: dict[str, Any] = {
        "runState": None,
        "runSubState": None,
        "message": None,
        "versionId": None,
        "templateId": None,
        "log": None,
        "steps": [],
        "error": None,
    }
    try:
        identity_id = engine.run_async_step(identity, context_json, spec)
        problem = engine.run_async_step(submit, context_json, spec, identity_id)
        if problem is not None:
            return {**outcome, "runState": "Failed", "message": problem, "error": problem}
        engine.run_async_step(run, context_json, spec)
        seen = _wait(context_json, spec)
        outcome.update(
            runState=seen["runState"],
            runSubState=seen.get("runSubState"),
            message=seen.get("message"),
            templateId=seen.get("templateId"),
        )
        outcome.update(engine.run_async_step(collect, context_json, spec, seen.get("message")))
        return outcome
    except GoldfleetError as exc:
        return {**outcome, "runState": "Failed", "error": str(exc)}
    finally:
        engine.run_async_step(remove, context_json, spec)
