"""A build (POST ``run``) as a chain of scheduled steps in simulated time, and its cancellation.

``Queued`` → ``Building`` (the source resolved; build VM, OS disk, NIC, NSG and - without
``vnetConfig`` - a virtual network created in the staging group, tagged, visible to readers) →
``Customizing`` (one step per customizer, each as long as the guest says its script takes) →
``Validating`` (in-VM validations) → the hidden deprovisioning step (Sysprep) → ``Distributing``
(distribute.py; gallery versions are awaited until their replication settles) → cleanup.
``lastRunStatus`` follows the steps; the customization log grows with them and is written to
``packerlogs/{runId}/customization.log`` in the staging storage account (readable from the blob
store). A customizer failure keeps the build VM when ``errorHandling.onCustomizerError`` is
``abort`` (``onValidationError`` likewise); a run longer than ``buildTimeoutInMinutes`` fails with
Azure's time-out text; ``cancel`` moves Canceling → Canceled. Each step event carries the run's
id and a token, so a cancelled, failed or superseded run ignores its pending steps, and the whole
state is JSON in ``world.sections`` (snapshots resume mid-build). No HTTP here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator import storage
from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.rp.imagebuilder import backend, customizers, distribute, errors, staging
from goldfleet.emulator.rp.imagebuilder.errors import RUN_OUTPUT, TROUBLESHOOTING
from goldfleet.emulator.rp.imagebuilder.sources import SourceProblem, resolve_source
from goldfleet.emulator.rp.imagebuilder.templates import effective_timeout_minutes
from goldfleet.emulator.world import World

SECTION = "imagebuilder"
STEP_EVENT = "imagebuilder.step"
TIMEOUT_EVENT = "imagebuilder.timeout"
QUEUE_SECONDS = 30.0
BUILD_SECONDS = 300.0
POLL_SECONDS = 60.0
CLEANUP_SECONDS = 120.0
CANCEL_SECONDS = 60.0
ACTIVE = ("Running", "Canceling")


def _runs(world: World) -> dict[str, Any]:
    runs: dict[str, Any] = world.sections.setdefault(SECTION, {}).setdefault("runs", {})
    return runs


def run_of(world: World, template_id: str) -> dict[str, Any] | None:
    return _runs(world).get(template_id.lower())


def customization_log(world: World, template_id: str) -> str | None:
    run = run_of(world, template_id)
    return "\n".join(run["log"]) + "\n" if run else None


def start_run(world: World, item: StoredResource, op: Operation | None) -> None:
    """VirtualMachineImageTemplates_Run: a new build of ``item``."""
    props = item.body["properties"]
    if props.get("provisioningState") != "Succeeded":
        raise errors.not_provisioned(str(item.body["name"]), str(props.get("provisioningState")))
    current = run_of(world, item.id)
    if current and current["state"] in ACTIVE:
        raise errors.run_in_progress(str(item.body["name"]))
    for output in world.store.children(item.id, RUN_OUTPUT):
        world.delete_resource(output.id)
    run_id = world.new_uuid()
    account = item.meta["storageAccount"]
    run: dict[str, Any] = {
        "runId": run_id,
        "template": item.id,
        "state": "Running",
        "token": 0,
        "op": op.id if op else None,
        "cancelOps": [],
        "log": [],
        "resources": [],
        "pending": [],
        "problems": [],
        "validationProblem": None,
        "logUri": f"https://{account}.blob.core.windows.net/packerlogs/{run_id}/customization.log",
    }
    run["at"] = world.now()
    _runs(world)[item.id.lower()] = run
    props["lastRunStatus"] = {
        "startTime": iso(world.now_dt()),
        "runState": "Running",
        "runSubState": "Queued",
        "message": "",
    }
    _log(world, run, f"==> azure-arm: Image Builder run {run_id} queued")
    timeout = effective_timeout_minutes(props) * 60.0
    due = world.now() + timeout
    world.scheduler.at(due, TIMEOUT_EVENT, {"id": item.id, "runId": run_id, "at": due})
    _next(world, run, QUEUE_SECONDS, "build")


def cancel_run(world: World, item: StoredResource, op: Operation) -> None:
    """VirtualMachineImageTemplates_Cancel: Canceling now, Canceled after cleanup."""
    run = run_of(world, item.id)
    if run is None or run["state"] not in ACTIVE:
        raise errors.no_run_to_cancel(str(item.body["name"]))
    run["cancelOps"].append(op.id)
    if run["state"] == "Canceling":
        return
    run["state"] = "Canceling"
    run["at"] = world.now()
    item.body["properties"]["lastRunStatus"]["runState"] = "Canceling"
    _log(world, run, "==> azure-arm: Cancelling build after receiving a cancel request")
    _next(world, run, CANCEL_SECONDS, "canceled")


def abandon_run(world: World, item: StoredResource) -> None:
    """The template is being deleted: its build stops where it is."""
    run = run_of(world, item.id)
    if run is not None and run["state"] in ACTIVE:
        run["at"] = world.now()
        _finish(world, item, run, "Canceled", "The image template was deleted.")


# --- steps ----------------------------------------------------------------------------------


def _at(world: World, run: dict[str, Any]) -> float:
    """When the step being run was due (steps are timed from it, not from when the clock was
    moved past it)."""
    return float(run.get("at") or world.now())


def _next(world: World, run: dict[str, Any], delay: float, step: str, index: int = 0) -> None:
    run["token"] += 1
    due = _at(world, run) + max(delay, 0.0)
    world.scheduler.at(
        due,
        STEP_EVENT,
        {
            "id": run["template"],
            "runId": run["runId"],
            "token": run["token"],
            "step": step,
            "index": index,
            "at": due,
        },
    )


def _log(world: World, run: dict[str, Any], line: str) -> None:
    stamp = datetime.fromtimestamp(_at(world, run), UTC).strftime("%Y/%m/%d %H:%M:%S")
    for part in line.splitlines() or [""]:
        if part.startswith("(telemetry)"):
            run["log"].append(f"[{run['runId']}] PACKER ERR {stamp} [INFO] {part}")
        else:
            run["log"].append(f"[{run['runId']}] PACKER OUT {part}")


def _write_log(world: World, run: dict[str, Any]) -> None:
    storage.put_blob(world, run["logUri"], "\n".join(run["log"]) + "\n")


def step(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: the next step of a build."""
    item = world.store.get(args["id"])
    run = run_of(world, args["id"])
    if (
        item is None
        or run is None
        or run["runId"] != args["runId"]
        or run["token"] != args["token"]
    ):
        return
    run["at"] = float(args.get("at") or world.now())
    name, index = args["step"], int(args.get("index", 0))
    handlers = {
        "build": _build,
        "customize": _customize,
        "validate": _validate,
        "deprovision": _deprovision,
        "distribute": _distribute,
        "await": _await,
        "cleanup": _cleanup,
        "canceled": _canceled,
    }
    if name == "failed":
        _fail(world, item, run, args.get("message", ""), args.get("kind", "customizer"))
    else:
        handlers[name](world, item, run, index)
    _write_log(world, run)


def _sub_state(item: StoredResource, value: str) -> None:
    item.body["properties"]["lastRunStatus"]["runSubState"] = value


def _contents(run: dict[str, Any]) -> GuestContents:
    return GuestContents.from_json(run["contents"])


def _build(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    props = item.body["properties"]
    _sub_state(item, "Building")
    try:
        source = resolve_source(world, props["source"], str(item.body["location"]))
    except SourceProblem as problem:
        _fail(world, item, run, f"Build step failed: {problem.message}", "build")
        return
    if source.exact_version and props["source"]["type"] != "ManagedImage":
        props["source"]["exactVersion"] = source.exact_version
    contents = source.contents.copy()
    if not contents.base_image:
        contents.base_image = source.image_id
    profile = props.get("vmProfile") or {}
    run.update(
        contents=contents.to_json(),
        generation=source.hyper_v_generation,
        osType=source.os_type,
        sourceVersion=source.exact_version,
        osDiskSizeGB=int(profile.get("osDiskSizeGB") or 127),
    )
    for line in staging.create_build_resources(world, item, run):
        _log(world, run, line)
    _next(world, run, BUILD_SECONDS, "customize", 0)


def _run_steps(
    world: World, item: StoredResource, run: dict[str, Any], index: int, kind: str
) -> None:
    props = item.body["properties"]
    validate = props.get("validate") or {}
    steps = (
        props.get("customize") or []
        if kind == "customize"
        else validate.get("inVMValidations") or []
    )
    if validate.get("sourceValidationOnly") and kind == "customize":
        steps = []
    if index >= len(steps):
        if kind == "customize":
            _next(world, run, 0, "validate", 0)
        elif validate.get("sourceValidationOnly"):
            _next(world, run, CLEANUP_SECONDS, "cleanup")
        else:
            _next(world, run, 0, "deprovision")
        return
    _sub_state(item, "Customizing" if kind == "customize" else "Validating")
    contents = _contents(run)
    outcome = customizers.apply_step(world, contents, steps[index], index, _at(world, run))
    run["contents"] = contents.to_json()
    for line in outcome.log:
        _log(world, run, line)
    if outcome.ok:
        _next(world, run, outcome.duration, kind, index + 1)
        return
    name = customizers.step_name(steps[index], index)
    if kind == "validate" and validate.get("continueDistributeOnFailure"):
        run["validationProblem"] = f"Validation '{name}' failed: {outcome.error}"
        _next(world, run, outcome.duration, kind, index + 1)
        return
    run["token"] += 1
    world.scheduler.at(
        _at(world, run) + outcome.duration,
        STEP_EVENT,
        {
            "id": item.id,
            "runId": run["runId"],
            "token": run["token"],
            "step": "failed",
            "kind": "validation" if kind == "validate" else "customizer",
            "message": _packer_failure(world, run),
            "at": _at(world, run) + outcome.duration,
        },
    )


def _customize(world: World, item: StoredResource, run: dict[str, Any], index: int) -> None:
    _run_steps(world, item, run, index, "customize")


def _validate(world: World, item: StoredResource, run: dict[str, Any], index: int) -> None:
    _run_steps(world, item, run, index, "validate")


def _packer_failure(world: World, run: dict[str, Any]) -> str:
    """Azure's lastRunStatus.message for a failed customization (the troubleshooting page's)."""
    return (
        "Failed while waiting for packerizer: Microservice has failed: Failed while processing "
        "request: Error when executing packerizer: Packer build command has failed: exit status "
        "1. During the image build, a failure has occurred, please review the build log to "
        "identify which build/customization step failed. For more troubleshooting steps go to "
        f"{TROUBLESHOOTING}. Image Build log location: {run['logUri']}. OperationId: "
        f"{run['runId']}. Use this operationId to search packer logs."
    )


def _deprovision(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    contents = _contents(run)
    outcome = customizers.deprovision(world, contents)
    run["contents"] = contents.to_json()
    for line in outcome.log:
        _log(world, run, line)
    if not outcome.ok:
        _fail(world, item, run, _packer_failure(world, run), "customizer")
        return
    _log(world, run, "(telemetry) Finalizing. - This means the build has finished")
    _next(world, run, outcome.duration, "distribute")


def _distribute(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    _sub_state(item, "Distributing")
    contents = _contents(run)
    targets = item.body["properties"]["distribute"]
    for i, target in enumerate(targets):
        try:
            version = distribute.distribute_one(world, item, run, target, contents)
        except ArmError as exc:
            where = target.get("galleryImageId") or target.get("imageId") or target.get("uri", "")
            run["problems"].append(
                f"[Error {len(run['problems'])}] [Distribute {i}] Error publishing to "
                f"{target['type']}:{where}. Error: {exc.message}"
            )
            distribute.run_output(
                world, item, target["runOutputName"], {"provisioningState": "Failed"}
            )
            continue
        _log(
            world,
            run,
            f"==> azure-arm: Distributed {target['type']} as '{target['runOutputName']}'",
        )
        if version:
            run["pending"].append({"version": version, "output": target["runOutputName"]})
    _next(world, run, POLL_SECONDS, "await")


def _await(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    waiting = []
    for entry in run["pending"]:
        version = world.store.get(entry["version"])
        state = (
            (version.body.get("properties") or {}).get("provisioningState") if version else "Failed"
        )
        if state in ("Creating", "Updating"):
            waiting.append(entry)
            continue
        output = world.store.get(f"{item.id}/runOutputs/{entry['output']}")
        if output is not None:
            output.body["properties"]["provisioningState"] = (
                "Succeeded" if state == "Succeeded" else "Failed"
            )
        if state != "Succeeded":
            run["problems"].append(
                f"[Error {len(run['problems'])}] Error publishing MDI to Azure Compute Gallery:"
                f"{entry['version']}. Error: the image version's replication failed"
            )
    run["pending"] = waiting
    if waiting:
        _next(world, run, POLL_SECONDS, "await")
    else:
        _next(world, run, CLEANUP_SECONDS, "cleanup")


def _cleanup(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    _log(world, run, "==> azure-arm: Deleting individual resources ...")
    staging.remove_build_resources(world, run, keep_vm=False)
    targets = item.body["properties"]["distribute"]
    if run["problems"]:
        message = (
            f"Failed in distributing {len(run['problems'])} images out of total {len(targets)}: "
            + "{"
            + " ".join(run["problems"])
            + "}"
        )
        _finish(world, item, run, "Failed", message)
    elif run["validationProblem"]:
        _finish(world, item, run, "PartiallySucceeded", run["validationProblem"])
    else:
        _finish(world, item, run, "Succeeded", "")


def _fail(world: World, item: StoredResource, run: dict[str, Any], message: str, kind: str) -> None:
    handling = item.body["properties"].get("errorHandling") or {}
    key = "onValidationError" if kind == "validation" else "onCustomizerError"
    keep = handling.get(key, "cleanup") == "abort" and kind != "timeout"
    if keep:
        _log(world, run, f"==> azure-arm: {key} is 'abort': keeping the build VM for debugging")
    else:
        _log(world, run, "==> azure-arm: Deleting individual resources ...")
    staging.remove_build_resources(world, run, keep_vm=keep)
    _finish(world, item, run, "Failed", message)


def _canceled(world: World, item: StoredResource, run: dict[str, Any], _index: int) -> None:
    staging.remove_build_resources(world, run, keep_vm=False)
    _finish(world, item, run, "Canceled", "")


def timeout(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: the build's time is up."""
    item = world.store.get(args["id"])
    run = run_of(world, args["id"])
    if item is None or run is None or run["runId"] != args["runId"] or run["state"] != "Running":
        return
    run["at"] = float(args.get("at") or world.now())
    _log(
        world,
        run,
        "==> azure-arm: Timeout waiting for microservice to complete: 'context deadline exceeded'",
    )
    message = (
        f"Deployment failed. Correlation ID: {run['runId']}. Failed in building/customizing image: "
        "Failed while waiting for packerizer: Timeout waiting for microservice to complete: "
        "'context deadline exceeded'"
    )
    _fail(world, item, run, message, "timeout")
    _write_log(world, run)


def _finish(
    world: World, item: StoredResource, run: dict[str, Any], state: str, message: str
) -> None:
    run["state"] = state
    run["token"] += 1
    status = item.body["properties"]["lastRunStatus"]
    ended = datetime.fromtimestamp(_at(world, run), UTC)
    status.update(runState=state, endTime=iso(ended), message=message)
    item.meta["buildResources"] = list(run["resources"])
    item.meta.setdefault("stagingResources", [])
    for resource_id in run["resources"]:
        if resource_id not in item.meta["stagingResources"]:
            item.meta["stagingResources"].append(resource_id)
    if run.get("op"):
        if state in ("Succeeded", "PartiallySucceeded"):
            world.operations.finish(run["op"], world.now(), result_status=200)
        else:
            world.operations.finish(
                run["op"],
                world.now(),
                error={
                    "code": "BuildFailed" if state == "Failed" else state,
                    "message": message or f"The build was {state.lower()}.",
                },
                result_status=500,
            )
            op = world.operations.get(run["op"])
            if op is not None and state == "Canceled":
                op.status = "Canceled"
    for op_id in run["cancelOps"]:
        world.operations.finish(op_id, world.now(), result_status=200)


def register_events(world: World) -> None:
    world.scheduler.register(STEP_EVENT, step)
    world.scheduler.register(TIMEOUT_EVENT, timeout)
    # the template backend's events live beside the builds'
    backend.register_events(world)
